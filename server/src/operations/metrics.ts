/**
 * Every metric the server exports at `GET /metrics`, in one registry per app (so two apps in
 * one test process never share a counter), and who feeds each one. Pieces reach them through
 * the `metrics` decorator on the Fastify instance (`app.metrics`), which the app's operations
 * piece adds before any other piece is registered.
 *
 * Names follow Prometheus conventions: `_total` for counters, base units (seconds) in the name.
 * Label values are small fixed sets (route patterns, method names, outcome words), never an id,
 * a user, a name or an ID number, so the series count stays bounded and nothing personal leaves.
 * @see https://prometheus.io/docs/practices/naming/
 * @see https://github.com/siimon/prom-client
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { VerificationStatus } from '../../../utils/api-contract';
import { UpstreamErrorKind } from '../alipay/upstream-error';
import { droppedStdoutLogLines } from '../app/log-destination';

/** How an Alipay call ended: an answer we trusted, or the kind of UpstreamError (`error` for anything else thrown). */
export type AlipayCallOutcome = 'success' | UpstreamErrorKind | 'error';

/**
 * What one webhook delivery attempt came to: `delivered` (a 2xx), `failed` (network error,
 * timeout or non-2xx; it will be retried), `dead` (failed and out of retries).
 */
export type WebhookDeliveryResult = 'delivered' | 'failed' | 'dead';

export interface Metrics {
  /** What `GET /metrics` serializes. */
  readonly registry: Registry;
  /**
   * `http_requests_total{method, route, status_code}`: answered requests. `route` is the
   * registered pattern (`/api/verifications/:verificationId`), `unmatched` for a 404, so a
   * scanner cannot grow the series. Fed by the operations piece's onResponse hook.
   */
  readonly httpRequests: Counter<'method' | 'route' | 'status_code'>;
  /**
   * `alipay_call_duration_seconds{method, outcome}`: each gateway call's duration, by Alipay
   * method name (`alipay.user.certify.open.query`) and AlipayCallOutcome; its `_count` is the
   * number of calls. Fed by the instrumented AlipayGateway (operations/alipay-metrics.ts), so
   * it covers every caller: routes, services and background workers.
   */
  readonly alipayCallDuration: Histogram<'method' | 'outcome'>;
  /**
   * `alipay_initialize_calls_total`: initialize requests sent to Alipay, whatever their answer
   * (a timed-out one may still have been billed). Each one may cost the merchant money; compare
   * it with the stored attempts to prove every paid call is accounted for. Fed by the
   * instrumented AlipayGateway only: nobody else increments it, so it stays an independent count.
   */
  readonly paidInitializeCalls: Counter;
  /**
   * `verifications_total{status}`: verifications that reached each status (PENDING: created).
   * Fed by the operations piece from the services' audit entries (`recordStatusChange`), so a
   * change made by a client poll and one made by the reconciler count alike.
   */
  readonly verifications: Counter<'status'>;
  /**
   * `reconciler_lag_seconds`: how late the most overdue PENDING verification's re-query is
   * (now minus its due time), 0 when none is overdue. Set by the reconciler after each pass.
   */
  readonly reconcilerLag: Gauge;
  /** `webhook_deliveries_total{result}`: delivery attempts by WebhookDeliveryResult. Fed by the webhook worker. */
  readonly webhookDeliveries: Counter<'result'>;
  /**
   * `rate_limit_fallback_total`: requests whose limits were counted by this process alone at
   * the reduced REDIS_DOWN_LIMIT_DIVISOR limits, because Redis (REDIS_URL) failed. Fed by scale/shared-state.ts.
   */
  readonly rateLimitFallbacks: Counter;
  /**
   * `initialize_attempts{state}`: the stored write-ahead attempts by state, read from the store at
   * each scrape. Beside `alipay_initialize_calls_total` (counted at the gateway, independently)
   * it shows that every paid call was written down first.
   */
  readonly initializeAttempts: Gauge<'state'>;
  /**
   * `log_lines_dropped_total`: log lines this process dropped because stdout did not keep up and
   * the bounded log buffer was full (app/log-destination.ts), read at each scrape.
   */
  readonly droppedLogLines: Counter;
  /** Counts one status change into `verifications_total`. */
  recordStatusChange(to: VerificationStatus): void;
  /** Where `initialize_attempts` reads its counts (the store piece sets it). */
  readAttemptsFrom(source: () => Promise<Record<string, number>>): void;
}

/**
 * Buckets for gateway calls, in seconds: Alipay answers in tens of milliseconds when well, and
 * a call is cut at ALIPAY_TIMEOUT_MS (5 s by default), so the top buckets show timeouts.
 */
export const ALIPAY_CALL_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface MetricsOptions {
  /**
   * prom-client's process and Node metrics (`process_*`, `nodejs_*`, among them
   * `nodejs_eventloop_lag_seconds`). Default true.
   */
  processMetrics?: boolean;
}

/** A fresh registry holding every metric above. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) {
    // 10 ms resolution: the event-loop delay histogram costs one timer per tick of that length.
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  }
  const registers = [registry];
  const verifications = new Counter({
    name: 'verifications_total',
    help: 'Verifications that reached each status (PENDING: created)',
    labelNames: ['status'] as const,
    registers,
  });
  let attemptSource: (() => Promise<Record<string, number>>) | null = null;
  const initializeAttempts = new Gauge({
    name: 'initialize_attempts',
    help: 'Stored initialize attempts (written before each paid call), by state',
    labelNames: ['state'] as const,
    registers,
    async collect() {
      if (attemptSource === null) return;
      const counts = await attemptSource();
      for (const state of Object.keys(counts)) this.set({ state }, counts[state]);
    },
  });
  // The destination counts drops for the whole process; each registry adds what it has not reported yet.
  let reportedLogDrops = 0;
  const droppedLogLines = new Counter({
    name: 'log_lines_dropped_total',
    help: 'Log lines dropped because stdout did not keep up and the log buffer was full',
    registers,
    collect() {
      const dropped = droppedStdoutLogLines();
      this.inc(dropped - reportedLogDrops);
      reportedLogDrops = dropped;
    },
  });
  return {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'Answered HTTP requests, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      registers,
    }),
    alipayCallDuration: new Histogram({
      name: 'alipay_call_duration_seconds',
      help: 'Alipay gateway calls, by method and outcome, with their duration',
      labelNames: ['method', 'outcome'] as const,
      buckets: ALIPAY_CALL_BUCKETS,
      registers,
    }),
    paidInitializeCalls: new Counter({
      name: 'alipay_initialize_calls_total',
      help: 'Initialize requests sent to Alipay (each may be billed), whatever their answer',
      registers,
    }),
    verifications,
    reconcilerLag: new Gauge({
      name: 'reconciler_lag_seconds',
      help: 'How late the most overdue re-query of a PENDING verification is; 0 when none is overdue',
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'webhook_deliveries_total',
      help: 'Webhook delivery attempts, by result (delivered, failed, dead)',
      labelNames: ['result'] as const,
      registers,
    }),
    rateLimitFallbacks: new Counter({
      name: 'rate_limit_fallback_total',
      help: 'Requests limited by this process alone at the reduced limits because Redis could not be reached',
      registers,
    }),
    initializeAttempts,
    droppedLogLines,
    recordStatusChange(to) {
      verifications.inc({ status: to });
    },
    readAttemptsFrom(source) {
      attemptSource = source;
    },
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's metrics (operations/metrics.ts). */
    metrics: Metrics;
  }
}
