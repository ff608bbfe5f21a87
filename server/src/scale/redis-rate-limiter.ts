/**
 * The per-user, per-ID and per-IP limits shared by every process through Redis (REDIS_URL),
 * with rate-limiter-flexible's Redis store (an atomic INCR-and-expire per key: fixed windows,
 * as the in-memory limiter counts). Semantics kept from plugins/rate-limiter.ts: a request
 * counts against every rule or none. Each rule is consumed in turn; when any is full, every
 * point this request took is given back, so a refused request leaves the counts as they were
 * (a concurrent request may meanwhile see the extra point and be refused too: the error is
 * always on the side of fewer paid calls, never more).
 *
 * Redis down: every request still gets an answer. The rules are counted by this process
 * alone in rate-limiter-flexible's memory store, with every limit divided by
 * REDIS_DOWN_LIMIT_DIVISOR (at least 1), so up to that many processes stay within the
 * configured limit between them; the fallback is logged (once per outage) and counted in
 * `rate_limit_fallback_total`. It never lets unlimited paid calls through.
 * @see https://github.com/animir/node-rate-limiter-flexible/wiki/Redis
 */
import type { Redis } from 'ioredis';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { LimitRule } from '../plugins/rate-limiter';
import { Limiter } from './limiter';

export interface RedisRateLimiterOptions {
  redis: Redis;
  /** REDIS_DOWN_LIMIT_DIVISOR. */
  downLimitDivisor: number;
  /** Called for each request counted locally because Redis failed; `error` says why. */
  onFallback: (error: unknown) => void;
  /** Prefix of every key, so one Redis can serve several deployments. Default `verify:rl`. */
  keyPrefix?: string;
}

type Store = 'shared' | 'local';

/** rate-limiter-flexible's answer for a full window, as opposed to an error of the store. */
function isRefusal(outcome: unknown): outcome is RateLimiterRes {
  return outcome instanceof RateLimiterRes;
}

export class RedisRateLimiter implements Limiter {
  /** One rate-limiter-flexible limiter per store and (limit, window): their points and duration are fixed. */
  private readonly limiters = new Map<string, RateLimiterAbstract>();

  constructor(private readonly options: RedisRateLimiterOptions) {}

  async consume(rules: readonly LimitRule[]): Promise<number | undefined> {
    try {
      return await this.consumeAll(rules, 'shared');
    } catch (error) {
      this.options.onFallback(error);
      return this.consumeAll(rules, 'local');
    }
  }

  private limiterFor(store: Store, rule: LimitRule): RateLimiterAbstract {
    const duration = Math.max(1, Math.ceil(rule.windowMs / 1000));
    const points = store === 'shared' ? rule.limit : Math.max(1, Math.floor(rule.limit / this.options.downLimitDivisor));
    const name = `${store}:${points}:${duration}`;
    let limiter = this.limiters.get(name);
    if (!limiter) {
      const keyPrefix = `${this.options.keyPrefix ?? 'verify:rl'}:${points}:${duration}`;
      limiter =
        store === 'shared'
          ? new RateLimiterRedis({ storeClient: this.options.redis, points, duration, keyPrefix, rejectIfRedisNotReady: true })
          : new RateLimiterMemory({ points, duration, keyPrefix });
      this.limiters.set(name, limiter);
    }
    return limiter;
  }

  /**
   * @returns undefined when every rule had room (each counted once), else the seconds until
   *   the tightest full window resets (nothing counted)
   * @throws the store's error (Redis unreachable); points taken before it stay taken
   */
  private async consumeAll(rules: readonly LimitRule[], store: Store): Promise<number | undefined> {
    const taken: { limiter: RateLimiterAbstract; key: string }[] = [];
    let retryAfterMs = 0;
    for (const rule of rules) {
      const limiter = this.limiterFor(store, rule);
      try {
        await limiter.consume(rule.key, 1);
        taken.push({ limiter, key: rule.key });
      } catch (outcome) {
        if (!isRefusal(outcome)) throw outcome;
        taken.push({ limiter, key: rule.key });
        retryAfterMs = Math.max(retryAfterMs, outcome.msBeforeNext, 1);
      }
    }
    if (retryAfterMs === 0) return undefined;
    // Count none: give back every point this request took, the refusing rules' included.
    await Promise.all(taken.map(({ limiter, key }) => limiter.reward(key, 1)));
    return Math.max(1, Math.ceil(retryAfterMs / 1000));
  }
}
