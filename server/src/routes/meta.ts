/**
 * Unauthenticated endpoints: `GET /healthz`, `GET /api/client-config`, `GET /api/consent-notice`
 * and `GET /openapi.json`.
 */
import { FastifyPluginAsync } from 'fastify';
import { ClientConfig, ConsentNoticeResponse } from '../../../utils/api-contract';
import { CONSENT_LANGUAGES, ConsentLanguage, consentNoticeFor } from '../../../utils/consent-notice';
import { ClientConfigReply, ConsentNoticeQuery, ConsentNoticeReply, HealthReply } from '../schemas';

/**
 * The notice's language: `?lang` when given, else the first Accept-Language range whose
 * primary tag we write (en → en-US, zh → zh-CN; weights are ignored, browsers list by
 * preference), else zh-CN.
 */
export function pickConsentLanguage(lang: ConsentLanguage | undefined, acceptLanguage: string | undefined): ConsentLanguage {
  if (lang) return lang;
  for (const range of (acceptLanguage ?? '').split(',')) {
    const primary = range.split(';')[0].trim().split('-')[0].toLowerCase();
    const match = CONSENT_LANGUAGES.find((language) => language.split('-')[0].toLowerCase() === primary);
    if (match) return match;
  }
  return 'zh-CN';
}

/** Registers the unauthenticated endpoints. */
export const metaRoutes: FastifyPluginAsync<{ clientConfig: ClientConfig }> = async (app, { clientConfig }) => {
  app.get('/healthz', { schema: { summary: 'Liveness', response: { 200: HealthReply } } }, async () => ({
    status: 'ok' as const,
    mode: clientConfig.mode,
  }));

  app.get(
    '/api/client-config',
    { schema: { summary: 'What the H5 page needs before it can log in', response: { 200: ClientConfigReply } } },
    async () => clientConfig,
  );

  app.get<{ Querystring: { lang?: ConsentLanguage } }>(
    '/api/consent-notice',
    {
      schema: {
        summary: 'The data notice in one language and its version, which POST /api/verifications expects as consentVersion',
        querystring: ConsentNoticeQuery,
        response: { 200: ConsentNoticeReply },
      },
    },
    async (request, reply): Promise<ConsentNoticeResponse> => {
      const language = pickConsentLanguage(request.query.lang, request.headers['accept-language']);
      // The answer depends on Accept-Language when no ?lang is given.
      void reply.header('vary', 'Accept-Language');
      const { version, text } = consentNoticeFor(language, clientConfig.branding);
      return { language, version, text };
    },
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
};
