/**
 * Unauthenticated endpoints: `GET /healthz`, `GET /api/client-config` and `GET /openapi.json`.
 */
import { FastifyPluginAsync } from 'fastify';
import { ClientConfig } from '../../../utils/api-contract';
import { ClientConfigReply, HealthReply } from '../schemas';

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

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
};
