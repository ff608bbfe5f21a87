/**
 * The backend as a Fastify instance factory. Everything it depends on (config, clock,
 * sleeper, randomness, the Alipay client, the repository, the log stream, emulator keys) is
 * injectable, so tests build the real app and use `app.inject()` with no ports and no sleeps.
 * server.ts only loads the config, calls buildApp and listens.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, { FastifyInstance, LogController } from 'fastify';
import { CERTIFY_ID_LIFETIME_MS, ClientConfig } from '../../utils/api-contract';
import { AlipayClientOptions, AlipayGateway, createAlipayClient } from './alipay/alipay-client';
import { Clock, RandomSource, Sleeper, systemClock, systemRandom, systemSleeper } from './clock';
import { ServerConfig } from './config';
import { CertificationStore } from './emulator/certification-store';
import { FaultInjector, FaultSettings, NO_FAULTS } from './emulator/faults';
import { EmulatorKeys, ensureEmulatorKeys, ensureIdHmacPepper } from './emulator/keys';
import { emulatorPlugin } from './emulator/plugin';
import { EmulatorSettings } from './emulator/settings';
import { rateLimited } from './errors';
import { ConnectionLimits, connectionLimitOptions, connectionLimitsFor } from './plugins/connection-limits';
import { FRAMEWORK_ERROR_OPTIONS, installErrorHandler } from './plugins/error-handler';
import { refuseRequestsWhileClosing } from './plugins/graceful-close';
import { RateLimiter } from './plugins/rate-limiter';
import { installRequestLog } from './plugins/request-log';
import { installSecurityHeaders, setH5PageHeaders } from './plugins/security-headers';
import { metaRoutes } from './routes/meta';
import { sessionRoutes } from './routes/sessions';
import { verificationRoutes } from './routes/verifications';
import { SessionService } from './services/session-service';
import { AuditEntry, VerificationService } from './services/verification-service';
import { Repository } from './store/repository';
import { openSqliteRepository } from './store/sqlite-repository';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Counts the route against RATE_LIMIT_PER_IP_PER_MINUTE. */
    rateLimitByIp?: boolean;
  }
}

/** How often expired sessions and idempotency records are deleted. */
const PURGE_INTERVAL_MS = 60 * 60 * 1000;

/** Request bodies of the API are small JSON objects; anything bigger is refused with 413. */
export const BODY_LIMIT_BYTES = 4096;

/** Log paths that could ever hold a secret or personal data; pino replaces them. */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'certName',
  'certNo',
  '*.certName',
  '*.certNo',
  '*.*.certName',
  '*.*.certNo',
  'cert_name',
  'cert_no',
  '*.cert_name',
  '*.cert_no',
  'body',
  '*.body',
  'token',
  '*.token',
  'privateKey',
  '*.privateKey',
];

export interface BuildAppOptions {
  config: ServerConfig;
  clock?: Clock;
  sleep?: Sleeper;
  random?: RandomSource;
  /** Replaces the Alipay client (route tests with a double). */
  alipay?: AlipayGateway;
  /** Default: SQLite at `<DATA_DIR>/verifications.sqlite`. Closed with the app. */
  repository?: Repository;
  /** Where pino writes. Default: stdout. */
  logStream?: NodeJS.WritableStream;
  /** Emulator mode: keys to use instead of reading or generating them in DATA_DIR. */
  emulatorKeys?: EmulatorKeys;
  /** Embedded emulator: its store. Default: SQLite at `<DATA_DIR>/emulator.sqlite`. */
  emulatorStore?: CertificationStore;
  /** Embedded emulator: the fault knobs at start. */
  emulatorFaults?: FaultSettings;
  /** Embedded emulator: how app-dependent answers look at start (default: what a new app gets). */
  emulatorSettings?: EmulatorSettings;
  /** Base of the retry backoff, in ms. Default 200. */
  retryBaseDelayMs?: number;
  /** Repository root, for serving h5/public and h5/dist. Default: two levels above this file. */
  repoRoot?: string;
  /** How long clients may take (tests shorten them). Default: connectionLimitsFor(config). */
  connectionLimits?: ConnectionLimits;
}

/** Builds the app; the caller listens (server.ts) or injects (tests), then closes it. */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? systemSleeper;
  const random = options.random ?? systemRandom;
  const repoRoot = options.repoRoot ?? resolve(__dirname, '..', '..');

  const app = Fastify({
    bodyLimit: BODY_LIMIT_BYTES,
    ...connectionLimitOptions(options.connectionLimits ?? connectionLimitsFor(config)),
    ...FRAMEWORK_ERROR_OPTIONS,
    trustProxy: config.trustProxy,
    // plugins/request-log.ts writes one line per request instead.
    logController: new LogController({ disableRequestLogging: true }),
    logger: {
      level: config.logLevel,
      redact: { paths: REDACTED_LOG_PATHS, censor: '[REDACTED]' },
      stream: options.logStream ?? process.stdout,
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });
  // Only JSON is accepted by the API; text/plain would otherwise reach the schema as a string.
  app.removeContentTypeParser('text/plain');
  installErrorHandler(app);
  installRequestLog(app);
  installSecurityHeaders(app, { publicUrl: config.publicUrl });
  refuseRequestsWhileClosing(app);

  const emulatorMode = config.alipay.mode === 'emulator';
  const emulatorKeys = emulatorMode ? (options.emulatorKeys ?? ensureEmulatorKeys(config.dataDir)) : undefined;
  const pepper = config.idHmacPepper ?? ensureIdHmacPepper(config.dataDir);

  let clientOptions: AlipayClientOptions;
  let clientConfig: ClientConfig;
  if (config.alipay.mode === 'alipay') {
    clientOptions = {
      ...config.alipay,
      timeoutMs: config.alipayTimeoutMs,
      clock,
      certCacheDir: join(config.dataDir, 'alipay-certs'),
      log: app.log.child({ component: 'alipay-client' }),
    };
    clientConfig = { mode: 'alipay', appId: config.alipay.appId, oauthAuthorizeUrl: config.alipay.oauthAuthorizeUrl };
  } else {
    const keys = emulatorKeys as EmulatorKeys;
    const emulatorBase = config.alipay.emulatorUrl ?? config.publicUrl;
    clientOptions = {
      appId: keys.appId,
      privateKey: keys.appPrivateKey,
      keyType: 'PKCS8',
      alipayPublicKey: keys.alipayPublicKey,
      gateway: `${emulatorBase}/emulator/gateway.do`,
      timeoutMs: config.alipayTimeoutMs,
      clock,
    };
    clientConfig = { mode: 'emulator', appId: keys.appId, oauthAuthorizeUrl: `${emulatorBase}/emulator/oauth2/publicAppAuthorize.htm` };
  }
  if (config.h5DoneUrl !== undefined) clientConfig.doneUrl = config.h5DoneUrl;
  let alipay: AlipayGateway;
  if (options.alipay) {
    alipay = options.alipay;
  } else {
    const client = createAlipayClient(clientOptions);
    app.addHook('onClose', async () => client.close());
    alipay = client;
  }

  const repository = options.repository ?? (await openSqliteRepository(join(config.dataDir, 'verifications.sqlite')));
  const purge = async (): Promise<void> => {
    const now = clock();
    const purged = await repository.purgeExpired(now, now - CERTIFY_ID_LIFETIME_MS);
    if (purged.sessions + purged.idempotencyRecords > 0) app.log.info({ purged }, 'purged expired sessions and idempotency records');
  };
  await purge();
  const purgeTimer = setInterval(() => {
    purge().catch((error: unknown) => app.log.error({ err: error }, 'purge failed'));
  }, PURGE_INTERVAL_MS);
  purgeTimer.unref();
  app.addHook('onClose', async () => {
    clearInterval(purgeTimer);
    await repository.close();
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Alipay identity verification: merchant backend', version: '0.1.0' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
  });

  const sessions = new SessionService({ repository, alipay, clock, ttlSeconds: config.sessionTtlSeconds });
  const auditLog = app.log.child({ audit: true });
  const verifications = new VerificationService({
    repository,
    alipay,
    clock,
    sleep,
    random,
    rateLimiter: new RateLimiter(clock),
    rateLimits: config.rateLimits,
    pepper,
    bizCodeAllowlist: config.bizCodeAllowlist,
    returnUrl: config.returnUrl,
    queryRetries: config.queryRetries,
    initializeRetries: config.initializeRetries,
    queryCacheMs: config.queryCacheMs,
    minorPolicy: config.minorPolicy,
    retryBaseDelayMs: options.retryBaseDelayMs ?? 200,
    audit: (entry: AuditEntry) => auditLog.info(entry, 'verification status changed'),
  });

  await app.register(metaRoutes, { clientConfig });
  const ipLimiter = new RateLimiter(clock);
  await app.register(async (api) => {
    // Per-IP limit on every API route registered in this scope (not by URL prefix).
    // Answers carry bearer tokens and personal status: no cache may keep them.
    api.addHook('onSend', async (_request, reply) => {
      void reply.header('cache-control', 'no-store');
    });
    // Per-IP limit on the routes that cost money or could serve as an oracle (they opt in with
    // `config.rateLimitByIp`). Status polls are left out: many people share one carrier NAT
    // address, and polls never reach Alipay more than once per QUERY_CACHE_MS anyway.
    if (config.rateLimits.perIpPerMinute > 0) {
      api.addHook('onRequest', async (request) => {
        if (!request.routeOptions.config.rateLimitByIp) return;
        const retryAfter = ipLimiter.consume([{ key: `ip:${request.ip}`, limit: config.rateLimits.perIpPerMinute, windowMs: 60_000 }]);
        if (retryAfter !== undefined) throw rateLimited(retryAfter);
      });
    }
    await api.register(sessionRoutes, { sessions });
    await api.register(verificationRoutes, { sessions, verifications });
  });

  if (emulatorMode && config.alipay.mode === 'emulator' && !config.alipay.emulatorUrl) {
    const store = options.emulatorStore ?? new CertificationStore(join(config.dataDir, 'emulator.sqlite'));
    app.addHook('onClose', async () => store.close());
    await app.register(emulatorPlugin, {
      prefix: '/emulator',
      keys: emulatorKeys as EmulatorKeys,
      store,
      faults: new FaultInjector(options.emulatorFaults ?? NO_FAULTS, random),
      clock,
      sleep,
      redirectOrigins: [new URL(config.publicUrl).origin],
      settings: options.emulatorSettings,
    });
  }

  // NODE_ENV is how a deploy says "production" to Node tooling; the build writes maps either way.
  registerH5(app, repoRoot, { serveSourceMaps: process.env.NODE_ENV !== 'production' });
  return app;
}

/**
 * Serves the H5 page (h5/public at /, its bundle h5/dist at /assets/) when it has been built.
 * Without `serveSourceMaps`, `*.map` answers 404: a public map hands out the unminified source.
 */
function registerH5(app: FastifyInstance, repoRoot: string, options: { serveSourceMaps: boolean }): void {
  const publicDir = join(repoRoot, 'h5', 'public');
  const distDir = join(repoRoot, 'h5', 'dist');
  if (existsSync(publicDir)) {
    void app.register(fastifyStatic, { root: publicDir, prefix: '/', index: ['index.html'], setHeaders: setH5PageHeaders });
  }
  if (existsSync(distDir)) {
    void app.register(fastifyStatic, {
      root: distDir,
      prefix: '/assets/',
      decorateReply: !existsSync(publicDir),
      allowedPath: (pathName) => options.serveSourceMaps || !pathName.endsWith('.map'),
    });
  }
}
