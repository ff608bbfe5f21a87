/**
 * The Alipay gateway emulator as a Fastify plugin, mounted under `/emulator` in emulator
 * mode (or run alone by emulator/main.ts). The client talks to it over real HTTP, unchanged:
 * requests are verified with the app's public key and answers written by protocol.ts and
 * signed with the emulated Alipay key (or certificate), as the real gateway does.
 *
 * Routes (relative to the prefix):
 * - `GET /`: the index page, with the latest certifications (masked) and the knobs below
 * - `POST /gateway.do`: oauth.token, certify.open.initialize, certify.open.query, and in cert
 *   mode alipaycert.download
 * - `GET /gateway.do?method=alipay.user.certify.open.certify&...`: the verification page
 * - `POST /certify-page/:certifyId`: the page's buttons (form post, then a 303 to return_url)
 * - `GET /oauth2/publicAppAuthorize.htm`: the auth_base OAuth page (redirects with a fresh auth_code)
 * - `POST /certifications/:certifyId/outcome` `{outcome: PASSED|FAILED}`: the same choice, for scripts
 * - `GET|POST /faults`: read or change the fault knobs
 * - `GET|POST /settings`: read or change how app-dependent answers look (settings.ts)
 * - `POST /alipay-cert/rotate`: cert mode only, switch to the next Alipay certificate
 *
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify
 * @see https://opendocs.alipay.com/open/284/web (auth_base OAuth for H5 pages)
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { CERTIFY_ID_LIFETIME_MS } from '../../../utils/api-contract';
import { Clock, Sleeper } from '../clock';
import { ApiError, notFound } from '../errors';
import { signRsa2 } from '../alipay/gateway-signature';
import { responseKeyOf, writeAnswer } from '../alipay/protocol';
import { EmulatorCertRing } from './alipay-certs';
import { CertificationStore } from './certification-store';
import { renderCertifyErrorPage, renderCertifyPage } from './certify-page';
import { INDEX_PAGE_LIMIT, renderIndexPage } from './index-page';
import { FaultInjector, FaultSettings } from './faults';
import { checkCommonParams, EXEC_METHODS, GatewayAnswer, GatewayParams, handleExecMethod, PAGE_METHODS, unavailableNode } from './gateway';
import { EmulatorKeys } from './keys';
import { DEFAULT_EMULATOR_SETTINGS, EmulatorSettings, OAUTH_IDENTITIES } from './settings';

export interface EmulatorPluginOptions {
  keys: EmulatorKeys;
  store: CertificationStore;
  faults: FaultInjector;
  clock: Clock;
  /** Waits out the latency knob. */
  sleep: Sleeper;
  /** Origins the OAuth page may redirect to, like the callback domain configured at Alipay. */
  redirectOrigins: string[];
  /** How long a "timeout" fault holds the connection before dropping it, in ms. Default 60000. */
  timeoutHoldMs?: number;
  /** The answers that depend on the merchant's app. Default DEFAULT_EMULATOR_SETTINGS. */
  settings?: EmulatorSettings;
  /**
   * Cert mode: the emulated Alipay's certificates. Answers then carry `alipay_cert_sn` and are
   * signed with the active certificate's key instead of `keys.alipayPrivateKey`.
   */
  alipayCerts?: EmulatorCertRing;
}

function toParams(source: unknown): Record<string, string> {
  const params: Record<string, string> = {};
  if (source === null || typeof source !== 'object') return params;
  for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
    if (typeof value === 'string') params[key] = value;
  }
  return params;
}

function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

const OutcomeBody = {
  type: 'object',
  required: ['outcome'],
  additionalProperties: false,
  properties: { outcome: { type: 'string', enum: ['PASSED', 'FAILED'] } },
} as const;
const PageChoiceBody = {
  type: 'object',
  required: ['outcome'],
  properties: { outcome: { type: 'string', enum: ['PASSED', 'FAILED', 'CANCELLED'] } },
} as const;
const CertifyIdParams = {
  type: 'object',
  required: ['certifyId'],
  properties: { certifyId: { type: 'string', pattern: '^[A-Za-z0-9]{1,64}$' } },
} as const;
const share = { type: 'number', minimum: 0, maximum: 1 } as const;
const SettingsBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    oauthIdentity: { type: 'string', enum: OAUTH_IDENTITIES },
    failReason: { type: 'boolean' },
  },
} as const;
const FaultsBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    latencyMs: { type: 'integer', minimum: 0, maximum: 120000 },
    unavailableShare: share,
    timeoutShare: share,
    badSignatureShare: share,
    unsignedShare: share,
    methods: { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 128 } },
    remaining: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }] },
  },
} as const;
const AuthorizeQuery = {
  type: 'object',
  required: ['app_id', 'scope', 'redirect_uri'],
  properties: {
    app_id: { type: 'string', minLength: 1, maxLength: 32 },
    scope: { type: 'string', minLength: 1, maxLength: 64 },
    redirect_uri: { type: 'string', minLength: 1, maxLength: 2048 },
    state: { type: 'string', maxLength: 256 },
  },
} as const;

/** certify_id from a biz_content JSON text; empty when absent or malformed. */
function readCertifyId(bizContent: string | undefined): string {
  try {
    const biz = JSON.parse(bizContent ?? '') as { certify_id?: unknown };
    return typeof biz.certify_id === 'string' ? biz.certify_id : '';
  } catch {
    return '';
  }
}

/** Appends query parameters to a URL that may already have some, as Alipay's redirects do. */
function appendQuery(url: string, params: Record<string, string>): string {
  const query = new URLSearchParams(params).toString();
  return `${url}${url.indexOf('?') >= 0 ? '&' : '?'}${query}`;
}

/** The emulator's routes; register with `prefix: '/emulator'`. */
export const emulatorPlugin: FastifyPluginAsync<EmulatorPluginOptions> = async (app: FastifyInstance, options) => {
  const { keys, store, faults, clock, sleep, alipayCerts } = options;
  const timeoutHoldMs = options.timeoutHoldMs ?? 60_000;
  let settings: EmulatorSettings = { ...(options.settings ?? DEFAULT_EMULATOR_SETTINGS) };
  const heldSockets = new Set<Socket>();

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  // A "timeout" fault holds its socket open; drop them on shutdown so close() never waits on them.
  app.addHook('preClose', async () => {
    for (const socket of heldSockets) socket.destroy();
    heldSockets.clear();
  });

  /**
   * Signs and sends one answer, unless the gateway sends it unsigned or a fault says otherwise.
   * The fault is drawn before the method runs: a 20000 or a timeout means Alipay did nothing,
   * while a bad or missing signature spoils the answer of a call that did happen. Unsigned
   * answers go out as text/html, as the real gateway's early rejections are seen to.
   */
  async function sendAnswer(reply: FastifyReply, method: string, run: () => GatewayAnswer): Promise<void> {
    const current = faults.current();
    if (current.latencyMs > 0) await sleep(current.latencyMs);
    const fault = EXEC_METHODS.indexOf(method) >= 0 ? faults.draw(method) : undefined;
    if (fault === 'timeout') {
      const socket = reply.raw.socket as Socket;
      reply.hijack();
      heldSockets.add(socket);
      const timer = setTimeout(() => socket.destroy(), timeoutHoldMs);
      timer.unref();
      socket.once('close', () => {
        clearTimeout(timer);
        heldSockets.delete(socket);
      });
      return;
    }
    const answer: GatewayAnswer = fault === 'unavailable' ? { responseKey: responseKeyOf(method), node: unavailableNode() } : run();
    const nodeText = JSON.stringify(answer.node);
    const unsigned = answer.unsigned === true || fault === 'unsigned';
    const signingCert = alipayCerts?.active();
    const signingKey = signingCert ? signingCert.privateKey : keys.alipayPrivateKey;
    let sign: string | undefined;
    if (!unsigned) sign = signRsa2(fault === 'bad-signature' ? `${nodeText} ` : nodeText, signingKey);
    const body = writeAnswer({ responseKey: answer.responseKey, nodeText, sign, alipayCertSn: unsigned ? undefined : signingCert?.sn });
    const contentType = answer.unsigned ? 'text/html;charset=utf-8' : 'application/json;charset=utf-8';
    await reply.header('trace_id', newTraceId()).type(contentType).send(body);
  }

  app.get('/', async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(renderIndexPage({ certifications: store.recent(INDEX_PAGE_LIMIT), faults: faults.current(), settings, prefix: app.prefix })),
  );

  app.post('/gateway.do', async (request: FastifyRequest, reply) => {
    const params: GatewayParams = { ...toParams(request.query), ...toParams(request.body) };
    const method = params.method ?? '';
    const rejection = checkCommonParams(params, keys, clock(), EXEC_METHODS);
    // Faults only hit calls the gateway accepted, as an overloaded Alipay would.
    await sendAnswer(reply, rejection ? '' : method, () => rejection ?? handleExecMethod(params, { store, now: clock(), settings, certs: alipayCerts }));
  });

  app.get('/gateway.do', async (request: FastifyRequest, reply) => {
    const params: GatewayParams = toParams(request.query);
    const rejection = checkCommonParams(params, keys, clock(), PAGE_METHODS, CERTIFY_ID_LIFETIME_MS);
    if (rejection) {
      return reply.code(400).type('text/html; charset=utf-8').send(renderCertifyErrorPage(String(rejection.node.sub_code)));
    }
    const certifyId = readCertifyId(params.biz_content);
    const certification = certifyId ? store.find(certifyId) : undefined;
    if (!certification) return reply.code(404).type('text/html; charset=utf-8').send(renderCertifyErrorPage('CERTIFY_ID_NOT_EXIST'));
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(renderCertifyPage({ actionPath: `${app.prefix}/certify-page/${certifyId}`, certNoMasked: certification.certNoMasked }));
  });

  app.post(
    '/certify-page/:certifyId',
    {
      schema: {
        params: CertifyIdParams,
        body: PageChoiceBody,
      },
    },
    async (request, reply) => {
      const { certifyId } = request.params as { certifyId: string };
      const { outcome } = request.body as { outcome: 'PASSED' | 'FAILED' | 'CANCELLED' };
      const certification = store.find(certifyId);
      if (!certification) throw notFound();
      // Cancel records nothing: the verification stays pending and the same link works again.
      if (outcome !== 'CANCELLED') store.recordOutcome(certifyId, outcome);
      return reply.redirect(certification.returnUrl, 303);
    },
  );

  app.post('/certifications/:certifyId/outcome', { schema: { params: CertifyIdParams, body: OutcomeBody } }, async (request) => {
    const { certifyId } = request.params as { certifyId: string };
    const { outcome } = request.body as { outcome: 'PASSED' | 'FAILED' };
    if (!store.find(certifyId)) throw notFound();
    store.recordOutcome(certifyId, outcome);
    return { certifyId, outcome: store.find(certifyId)?.outcome };
  });

  app.get('/oauth2/publicAppAuthorize.htm', { schema: { querystring: AuthorizeQuery } }, async (request, reply) => {
    const query = request.query as { app_id: string; scope: string; redirect_uri: string; state?: string };
    if (query.app_id !== keys.appId) throw new ApiError(400, 'VALIDATION_FAILED', 'Unknown app_id');
    // No callback address holds a control character. Check the text itself: the URL parser
    // silently drops CR, LF and tab, so it would not refuse them.
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(query.redirect_uri)) {
      throw new ApiError(400, 'VALIDATION_FAILED', 'redirect_uri must not contain control characters');
    }
    let target: URL;
    try {
      target = new URL(query.redirect_uri);
    } catch {
      throw new ApiError(400, 'VALIDATION_FAILED', 'redirect_uri must be an absolute URL');
    }
    if (options.redirectOrigins.indexOf(target.origin) < 0) {
      throw new ApiError(400, 'VALIDATION_FAILED', 'redirect_uri is not on an allowed origin');
    }
    const params: Record<string, string> = {
      app_id: query.app_id,
      source: 'alipay_wallet',
      scope: query.scope,
      auth_code: randomBytes(16).toString('hex'),
    };
    if (query.state !== undefined) params.state = query.state;
    // The parsed form: non-ASCII is percent-encoded there, and a raw one would not fit in a header.
    return reply.redirect(appendQuery(target.href, params), 302);
  });

  app.get('/faults', async () => faults.current());

  app.post('/faults', { schema: { body: FaultsBody } }, async (request) => faults.update(request.body as Partial<FaultSettings>));

  app.get('/settings', async () => settings);

  app.post('/settings', { schema: { body: SettingsBody } }, async (request) => {
    settings = { ...settings, ...(request.body as Partial<EmulatorSettings>) };
    return settings;
  });

  // Cert mode: Alipay renews its certificate; every answer from now on names and uses the next one.
  app.post('/alipay-cert/rotate', async () => {
    if (!alipayCerts) throw notFound();
    return { alipayCertSn: alipayCerts.rotate() };
  });
};
