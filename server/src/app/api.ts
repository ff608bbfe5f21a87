/**
 * The person-facing API: the session and verification services as `app.sessions` and
 * `app.verifications` (a background worker re-queries through the same service, so it shares
 * its single-flight and its audit), the unauthenticated meta routes, and the `/api` routes in
 * their own scope with its hooks (no caching, the per-IP limit on routes that opt in).
 */
import fp from 'fastify-plugin';
import { ServerConfig } from '../config';
import { ensureIdHmacPepper } from '../emulator/keys';
import { rateLimited } from '../errors';
import { RateLimiter } from '../plugins/rate-limiter';
import { Limiter } from '../scale/limiter';
import { metaRoutes } from '../routes/meta';
import { createSharedState } from '../scale/shared-state';
import { sessionRoutes } from '../routes/sessions';
import { verificationRoutes } from '../routes/verifications';
import { SessionService } from '../services/session-service';
import { AuditEntry, VerificationService } from '../services/verification-service';

declare module 'fastify' {
  interface FastifyInstance {
    sessions: SessionService;
    verifications: VerificationService;
  }
  interface FastifyContextConfig {
    /** Counts the route against RATE_LIMIT_PER_IP_PER_MINUTE. */
    rateLimitByIp?: boolean;
  }
}

/** Base of the exponential backoff between Alipay retries, in ms (tests inject a sleeper that never waits). */
export const RETRY_BASE_DELAY_MS = 200;

export interface ApiOptions {
  config: ServerConfig;
}

/** Needs `dependencies`, `store` and `alipay`. */
export const api = fp<ApiOptions>(
  async (app, { config }) => {
    const { repository, alipay, clock } = app;
    const sessions = new SessionService({ repository, alipay, clock, ttlSeconds: config.sessionTtlSeconds });
    const auditLog = app.log.child({ audit: true });
    // REDIS_URL: limits, query single flight and query cache shared by every process; else in this one.
    const { redisUrl, redisDownLimitDivisor } = config.scale;
    const shared = redisUrl
      ? createSharedState({ redisUrl, downLimitDivisor: redisDownLimitDivisor, log: app.log.child({ component: 'redis' }), fallbacks: app.metrics.rateLimitFallbacks })
      : undefined;
    if (shared) app.addHook('onClose', async () => shared.close());
    const limiter: Limiter = shared?.limiter ?? new RateLimiter(clock);
    const verifications = new VerificationService({
      repository,
      alipay,
      clock,
      sleep: app.sleep,
      random: app.random,
      rateLimiter: limiter,
      claimQuery: shared?.claimQuery,
      rateLimits: config.rateLimits,
      pepper: config.idHmacPepper ?? ensureIdHmacPepper(config.dataDir),
      bizCodeAllowlist: config.bizCodeAllowlist,
      returnUrl: config.returnUrl,
      queryRetries: config.queryRetries,
      initializeRetries: config.initializeRetries,
      queryCacheMs: config.queryCacheMs,
      minorPolicy: config.minorPolicy,
      branding: config.branding,
      retryBaseDelayMs: RETRY_BASE_DELAY_MS,
      reconcileScheduleMs: config.reconcileScheduleMs,
      webhookEvents: config.webhook !== undefined,
      audit: (entry: AuditEntry) => {
        auditLog.info(entry, 'verification status changed');
        app.metrics.recordStatusChange(entry.to);
      },
    });
    app.decorate('sessions', sessions);
    app.decorate('verifications', verifications);

    await app.register(metaRoutes, { clientConfig: app.clientConfig });
    const ipLimiter: Limiter = shared?.limiter ?? new RateLimiter(clock);
    await app.register(async (scope) => {
      // Answers carry bearer tokens and personal status: no cache may keep them.
      scope.addHook('onSend', async (_request, reply) => {
        void reply.header('cache-control', 'no-store');
      });
      // Per-IP limit on the routes that cost money or could serve as an oracle (they opt in with
      // `config.rateLimitByIp`, not by URL prefix). Status polls are left out: many people share
      // one carrier NAT address, and polls never reach Alipay more than once per QUERY_CACHE_MS.
      if (config.rateLimits.perIpPerMinute > 0) {
        scope.addHook('onRequest', async (request) => {
          if (!request.routeOptions.config.rateLimitByIp) return;
          const retryAfter = await ipLimiter.consume([{ key: `ip:${request.ip}`, limit: config.rateLimits.perIpPerMinute, windowMs: 60_000 }]);
          if (retryAfter !== undefined) throw rateLimited(retryAfter);
        });
      }
      await scope.register(sessionRoutes, { sessions });
      await scope.register(verificationRoutes, { sessions, verifications });
    });
  },
  { name: 'api', dependencies: ['dependencies', 'store', 'alipay'] },
);
