/**
 * Bounded retries with exponential backoff and full jitter, on the injected sleeper and
 * random source (so tests neither wait nor flake).
 */
import { RandomSource, Sleeper } from '../clock';
import { UpstreamError } from './upstream-error';

export interface RetryPolicy {
  /** Extra attempts after the first. */
  retries: number;
  /** Backoff before retry n (0-based) is uniform in [0, baseDelayMs * 2^n). */
  baseDelayMs: number;
  sleep: Sleeper;
  random: RandomSource;
}

/** Only 'unavailable' is safe to repeat: timeouts may have happened, rejections will repeat. */
export function isRetryable(error: unknown): boolean {
  return error instanceof UpstreamError && error.kind === 'unavailable';
}

/**
 * Runs `attempt(n)` until it succeeds, fails with a non-retryable error, or runs out of retries.
 * @param attempt receives the 0-based attempt number (initialize uses it to make a new outer_order_no)
 */
export async function withRetries<T>(policy: RetryPolicy, attempt: (attemptNumber: number) => Promise<T>): Promise<T> {
  for (let attemptNumber = 0; ; attemptNumber += 1) {
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      if (attemptNumber >= policy.retries || !isRetryable(error)) throw error;
      await policy.sleep(Math.floor(policy.random() * policy.baseDelayMs * 2 ** attemptNumber));
    }
  }
}
