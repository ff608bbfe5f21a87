/**
 * In-process fixed-window counters for the per-user, per-ID-number and per-IP limits. Each
 * initialize costs the merchant money and an open endpoint is a name/ID oracle, so these
 * sit in front of every Alipay call. One process only: with REDIS_URL the counters are shared
 * by every process instead (scale/redis-rate-limiter.ts).
 */
import { Clock } from '../clock';
import type { Limiter } from '../scale/limiter';

interface Window {
  count: number;
  resetAt: number;
}

export interface LimitRule {
  /** Counter name, e.g. `user:2088...`. */
  key: string;
  limit: number;
  windowMs: number;
}

const PRUNE_EVERY = 1000;

/** Fixed-window counters keyed by rule, on the injected clock. */
export class RateLimiter implements Limiter {
  private readonly windows = new Map<string, Window>();
  private hitsSincePrune = 0;

  constructor(private readonly clock: Clock) {}

  /**
   * Counts one hit against every rule if all of them have room; otherwise counts nothing.
   * @returns undefined when allowed, else the seconds until the tightest full window resets
   */
  consume(rules: readonly LimitRule[]): number | undefined {
    const now = this.clock();
    this.pruneOccasionally(now);
    let retryAfterMs = 0;
    for (const rule of rules) {
      const window = this.current(rule, now);
      if (window.count >= rule.limit) retryAfterMs = Math.max(retryAfterMs, window.resetAt - now);
    }
    if (retryAfterMs > 0) return Math.max(1, Math.ceil(retryAfterMs / 1000));
    for (const rule of rules) this.current(rule, now).count += 1;
    return undefined;
  }

  private current(rule: LimitRule, now: number): Window {
    let window = this.windows.get(rule.key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + rule.windowMs };
      this.windows.set(rule.key, window);
    }
    return window;
  }

  private pruneOccasionally(now: number): void {
    this.hitsSincePrune += 1;
    if (this.hitsSincePrune < PRUNE_EVERY) return;
    this.hitsSincePrune = 0;
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}
