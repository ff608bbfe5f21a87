/**
 * What the services need of a rate limiter: the in-process fixed windows of
 * plugins/rate-limiter.ts, or the ones shared by every process through Redis
 * (redis-rate-limiter.ts, REDIS_URL).
 */
import type { LimitRule } from '../plugins/rate-limiter';

export interface Limiter {
  /**
   * Counts one hit against every rule if all of them have room; otherwise counts nothing.
   * @returns undefined when allowed, else the seconds until the tightest full window resets
   */
  consume(rules: readonly LimitRule[]): number | undefined | Promise<number | undefined>;
}
