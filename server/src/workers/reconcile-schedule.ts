/**
 * When the reconciler re-queries a PENDING verification: RECONCILE_SCHEDULE, comma-separated
 * delays after its creation (`20s,1m,5m,30m,1h`, the default), then every hour after the last
 * one, with a final re-query at the certifyId's expiry so EXPIRED is recorded on time.
 */

/** 20 s (the person is probably done by then), 1 min, 5 min, 30 min, 1 h, then hourly. */
export const DEFAULT_RECONCILE_SCHEDULE = '20s,1m,5m,30m,1h';

/** After the listed delays, one re-query per this interval until expiry. */
export const RECONCILE_REPEAT_MS = 60 * 60 * 1000;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * The delays of a schedule text, in ms, or the reason it is not one (for the config's
 * problem list). Each delay is a positive integer with a unit (ms, s, m, h), and each is
 * longer than the one before it.
 */
export function parseReconcileSchedule(text: string): { ok: true; delaysMs: number[] } | { ok: false; problem: string } {
  const delaysMs: number[] = [];
  for (const part of text.split(',').map((item) => item.trim())) {
    const match = /^(\d+)(ms|s|m|h)$/.exec(part);
    const delay = match ? Number(match[1]) * UNIT_MS[match[2]] : 0;
    if (!match || delay <= 0) {
      return { ok: false, problem: 'RECONCILE_SCHEDULE must be comma-separated delays such as 20s,1m,5m,30m,1h (units ms, s, m, h)' };
    }
    if (delaysMs.length > 0 && delay <= delaysMs[delaysMs.length - 1]) {
      return { ok: false, problem: 'RECONCILE_SCHEDULE delays must grow: each one is counted from the creation, not from the one before' };
    }
    delaysMs.push(delay);
  }
  return { ok: true, delaysMs };
}

/**
 * When re-query number `checks` (0-based) is due: the schedule's delay after creation, hourly
 * after the last, never after the expiry (the last re-query is at the expiry itself). Null
 * once a re-query at or after the expiry has been made.
 */
export function nextCheckAt(delaysMs: readonly number[], createdAt: number, expiresAt: number, checks: number): number | null {
  const delayOf = (index: number): number => {
    if (index < delaysMs.length) return delaysMs[index];
    return (delaysMs[delaysMs.length - 1] ?? 0) + (index - delaysMs.length + 1) * RECONCILE_REPEAT_MS;
  };
  const due = createdAt + delayOf(checks);
  if (due < expiresAt) return due;
  // The first delay at or past the expiry becomes the re-query at the expiry; there is none after it.
  return checks === 0 || createdAt + delayOf(checks - 1) < expiresAt ? expiresAt : null;
}
