/**
 * What several processes must share beyond the database, in Redis (REDIS_URL): the rate-limit
 * counters (redis-rate-limiter.ts) and the claim on each verification's query, which is both
 * the cross-process single flight and the short query cache (one process asks Alipay per
 * QUERY_CACHE_MS, the others answer from the store). Nothing here must survive a restart of
 * Redis: it is all short-lived by design (scripts/services.sh runs Redis without persistence).
 *
 * Redis failing never stops an answer: limits fall back to the reduced local ones (counted in
 * `rate_limit_fallback_total`, logged once per outage), and a query claim that cannot be
 * taken is taken locally (the process queries Alipay itself: a free call, not a paid one).
 * @see https://github.com/redis/ioredis#auto-reconnect
 */
import { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import type { Counter } from 'prom-client';
import { RedisRateLimiter } from './redis-rate-limiter';

export interface SharedState {
  limiter: RedisRateLimiter;
  claimQuery: (verificationId: string, ms: number) => Promise<boolean>;
  close(): Promise<void>;
}

export interface SharedStateOptions {
  redisUrl: string;
  downLimitDivisor: number;
  log: FastifyBaseLogger;
  fallbacks: Counter;
  /** Prefix of every key. Default `verify`. */
  keyPrefix?: string;
}

/** A command that has not answered in this long counts as Redis being down. */
const COMMAND_TIMEOUT_MS = 500;

export function createSharedState(options: SharedStateOptions): SharedState {
  const prefix = options.keyPrefix ?? 'verify';
  const redis = new Redis(options.redisUrl, {
    // Fail at once while disconnected instead of queueing: a queued limit check would hold the request.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  let down = false;
  const failed = (error: unknown, what: string): void => {
    if (down) return;
    down = true;
    options.log.error({ err: error }, `Redis unreachable: ${what}`);
  };
  // Logged once per outage (ioredis emits an error per reconnection attempt).
  redis.on('error', (error) => failed(error, 'limits fall back to the reduced local limits (REDIS_DOWN_LIMIT_DIVISOR)'));
  redis.on('ready', () => {
    if (down) options.log.info('Redis reachable again: limits are shared again');
    down = false;
  });
  const limiter = new RedisRateLimiter({
    redis,
    downLimitDivisor: options.downLimitDivisor,
    keyPrefix: `${prefix}:rl`,
    onFallback: (error) => {
      options.fallbacks.inc();
      failed(error, 'limits fall back to the reduced local limits (REDIS_DOWN_LIMIT_DIVISOR)');
    },
  });
  return {
    limiter,
    async claimQuery(verificationId, ms) {
      try {
        return (await redis.set(`${prefix}:query:${verificationId}`, '1', 'PX', ms, 'NX')) === 'OK';
      } catch (error) {
        failed(error, 'queries are no longer shared between processes');
        return true;
      }
    },
    async close() {
      redis.disconnect();
    },
  };
}
