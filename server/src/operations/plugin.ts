/**
 * What an operator's tools read: `GET /metrics` (Prometheus text format) and `GET /readyz`
 * beside `/healthz`, and the per-request counter behind `http_requests_total`.
 *
 * `/metrics` is guarded by a Bearer token (METRICS_TOKEN) rather than a second admin port: one
 * listener keeps the shutdown, the connection limits and the error shape in one place, and a
 * scraper sends a bearer token as easily as it picks a port. Fail closed: in alipay mode
 * without a token the route is not registered at all (404, like any unknown path), because
 * request counts and Alipay outcomes describe the merchant's business; the server still starts,
 * since metrics are not needed to serve people. In emulator mode (loopback only unless
 * EMULATOR_ALLOW_REMOTE) it is open without a token, like the emulator's own endpoints.
 *
 * `/readyz` answers 200 when every readiness check passes and 503 naming the ones that failed,
 * so a load balancer stops sending traffic to an instance whose store is gone. The store check
 * is a read of the sessions table: the store is reachable and holds the schema the migrations
 * made (the store is opened and migrated before the app answers anything, or start-up fails).
 * Other pieces add their own checks with `app.addReadinessCheck(name, check)`.
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/
 * @see https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import { ApiError } from '../errors';

declare module 'fastify' {
  interface FastifyInstance {
    /** Adds a check `GET /readyz` runs; it resolves when ready and throws (or rejects) when not. */
    addReadinessCheck(name: string, check: () => Promise<void>): void;
  }
}

/** A readiness check that has not answered by then counts as failed: a probe must answer fast. */
export const READINESS_CHECK_TIMEOUT_MS = 1_000;

/** A token hash no session has (64 zeros): the store check reads, finds nothing, changes nothing. */
const PROBE_TOKEN_HASH = '0'.repeat(64);

const ReadyReply = {
  type: 'object',
  required: ['status', 'checks'],
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['ready', 'unavailable'] },
    checks: { type: 'object', additionalProperties: { type: 'string', enum: ['ok', 'failed', 'timeout'] } },
  },
} as const;

type CheckResult = 'ok' | 'failed' | 'timeout';

export interface OperationsOptions {
  /** METRICS_TOKEN; undefined with `metricsOpen` false leaves /metrics unregistered. */
  metricsToken?: string;
  /** Serve /metrics without a token (emulator mode only). */
  metricsOpen: boolean;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Compares digests, so the comparison takes the same time whatever the token's length or prefix. */
function sameToken(given: string, expected: Buffer): boolean {
  return timingSafeEqual(sha256(given), expected);
}

async function runCheck(check: () => Promise<void>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), READINESS_CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().then((): CheckResult => 'ok'), timeout]);
  } catch {
    return 'failed';
  } finally {
    clearTimeout(timer);
  }
}

/** Needs `dependencies` and `store`. */
export const operations = fp<OperationsOptions>(
  async (app, options) => {
    const { metrics } = app;
    app.addHook('onResponse', async (request, reply) => {
      // The registered pattern, never the raw URL (it may carry an id or an auth_code).
      metrics.httpRequests.inc({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) });
    });

    const checks = new Map<string, () => Promise<void>>();
    app.decorate('addReadinessCheck', (name: string, check: () => Promise<void>) => {
      checks.set(name, check);
    });
    const { repository } = app;
    app.addReadinessCheck('store', async () => {
      await repository.findSession(PROBE_TOKEN_HASH);
    });
    app.addReadinessCheck('migrations', async () => {
      const pending = await repository.pendingMigrations();
      if (pending.length > 0) throw new Error(`${pending.length} migration(s) not applied, ${pending[0]} first`);
    });

    app.get('/readyz', { schema: { summary: 'Readiness: the store answers and every worker is up', response: { 200: ReadyReply, 503: ReadyReply } } }, async (request, reply) => {
      const results: Record<string, CheckResult> = {};
      await Promise.all([...checks].map(async ([name, check]) => {
        results[name] = await runCheck(check);
      }));
      const failed = Object.entries(results).filter(([, result]) => result !== 'ok');
      if (failed.length > 0) request.log.warn({ checks: results }, 'not ready');
      void reply.header('cache-control', 'no-store');
      return reply.code(failed.length === 0 ? 200 : 503).send({ status: failed.length === 0 ? 'ready' : 'unavailable', checks: results });
    });

    if (options.metricsToken === undefined && !options.metricsOpen) {
      app.log.warn('GET /metrics is off: set METRICS_TOKEN to serve it');
      return;
    }
    const expected = options.metricsToken === undefined ? undefined : sha256(options.metricsToken);
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      if (expected !== undefined) {
        const match = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '');
        if (!match || !sameToken(match[1], expected)) throw new ApiError(401, 'UNAUTHORIZED', 'A valid metrics token is required (Authorization: Bearer <METRICS_TOKEN>)');
      }
      void reply.header('cache-control', 'no-store');
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  },
  { name: 'operations', dependencies: ['dependencies', 'store'] },
);
