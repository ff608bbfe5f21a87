/**
 * The reconciler: re-queries PENDING verifications on their stored schedule
 * (reconcile-schedule.ts), whether or not anyone polls, so a person who passed and closed the
 * app is still marked PASSED (and the merchant's webhook sent), and a dead certifyId EXPIRED.
 *
 * - Due times live in the store, so a restart loses none.
 * - Work is claimed with a lease (Repository.claimDueVerifications): two processes never
 *   query the same verification at once, and a lease left by a dead process runs out.
 * - The query goes through VerificationService.reconcile, the same single flight as client
 *   polls, so a poll and the reconciler never make two calls for one verification.
 * - When Alipay is unavailable it backs off: the failed verification is due again after an
 *   exponential, jittered delay, the rest of the batch is released, and no batch is claimed
 *   until that delay has passed.
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.query
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Clock, RandomSource } from '../clock';
import { UpstreamError } from '../alipay/upstream-error';
import { DueVerification, Repository, VerificationRecord } from '../store/repository';
import { PassLoop } from './pass-loop';
import { nextCheckAt } from './reconcile-schedule';

/** How often a running reconciler settles interrupted initialize attempts (it also does at start). */
export const SWEEP_INTERVAL_MS = 60_000;

/** What the reconciler needs of the verification service. */
export interface Reconciling {
  reconcile(record: VerificationRecord): Promise<VerificationRecord>;
  failInterruptedAttempts(): Promise<number>;
}

/** The log lines it writes: ids and counts, never a name or an ID number. */
export interface ReconcilerLog {
  info(object: Record<string, unknown>, message: string): void;
  warn(object: Record<string, unknown>, message: string): void;
}

export interface ReconcilerOptions {
  repository: Repository;
  verifications: Reconciling;
  clock: Clock;
  random: RandomSource;
  /** RECONCILE_SCHEDULE, in ms after creation. */
  scheduleMs: readonly number[];
  log: ReconcilerLog;
  /** Receives the lag in seconds after each pass (operations/metrics.ts `reconcilerLag`). */
  lag?: { set(seconds: number): void };
  /** Unique per process; default host, pid and a random suffix. */
  owner?: string;
  /** How long a claim holds; longer than a query with its retries can take. Default 2 min. */
  leaseMs?: number;
  /** Verifications claimed per pass. Default 20. */
  batchSize?: number;
  /** How often `start()` runs a pass. Default 1 s (a pass with nothing due is one indexed read). */
  intervalMs?: number;
  /** First backoff after Alipay was unavailable; doubles per consecutive failure. Default 30 s. */
  backoffBaseMs?: number;
  /** Longest backoff. Default 30 min. */
  backoffMaxMs?: number;
}

/** What one pass did. */
export interface ReconcilePass {
  /** Verifications queried. */
  checked: number;
  /** Of those, moved to a final status. */
  settled: number;
  /** Of those, whose query failed (rescheduled with backoff). */
  failed: number;
  /** Interrupted initialize attempts settled as FAILED. */
  interruptedAttempts: number;
}

/** Re-queries due PENDING verifications; `start()` runs passes until `stop()`. */
export class Reconciler {
  private readonly owner: string;
  private readonly loop: PassLoop<ReconcilePass>;
  /** No batch is claimed before this (epoch ms): Alipay was unavailable. */
  private pausedUntil = 0;
  /** When interrupted attempts were last swept (epoch ms); the first pass sweeps. */
  private sweptAt: number | undefined;

  constructor(private readonly options: ReconcilerOptions) {
    this.owner = options.owner ?? `reconciler:${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.loop = new PassLoop({
      pass: () => this.pass(),
      intervalMs: options.intervalMs,
      onError: (error) => options.log.warn({ err: error }, 'reconciler pass failed'),
    });
  }

  /** Runs one pass now (one at a time: a call during a pass gets that pass). */
  runOnce(): Promise<ReconcilePass> {
    return this.loop.runOnce();
  }

  /** Runs a pass at once (settling attempts a crash left), then every `intervalMs`. */
  start(): void {
    this.loop.start();
  }

  /** Stops the passes and waits for the one under way. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async pass(): Promise<ReconcilePass> {
    const { repository, clock } = this.options;
    const result: ReconcilePass = { checked: 0, settled: 0, failed: 0, interruptedAttempts: 0 };
    // At start, then about once a minute: an attempt becomes "interrupted" only that long after it began.
    if (this.sweptAt === undefined || clock() - this.sweptAt >= SWEEP_INTERVAL_MS) {
      this.sweptAt = clock();
      result.interruptedAttempts = await this.options.verifications.failInterruptedAttempts();
    }
    if (result.interruptedAttempts > 0) {
      this.options.log.warn({ attempts: result.interruptedAttempts }, 'initialize attempts interrupted by a crash settled as FAILED');
    }
    if (clock() >= this.pausedUntil) {
      const claimed = await repository.claimDueVerifications({
        now: clock(),
        owner: this.owner,
        leaseMs: this.options.leaseMs ?? 2 * 60 * 1000,
        limit: this.options.batchSize ?? 20,
      });
      for (let index = 0; index < claimed.length; index += 1) {
        const outcome = await this.check(claimed[index]);
        result.checked += 1;
        if (outcome === 'settled') result.settled += 1;
        if (outcome === 'unavailable' || outcome === 'failed') result.failed += 1;
        if (outcome === 'unavailable') {
          await this.release(claimed.slice(index + 1));
          break;
        }
      }
    }
    await this.reportLag();
    return result;
  }

  private async check(due: DueVerification): Promise<'settled' | 'pending' | 'unavailable' | 'failed'> {
    const { repository, clock, scheduleMs } = this.options;
    const { record } = due;
    try {
      const after = await this.options.verifications.reconcile(record);
      if (after.status !== 'PENDING') return 'settled';
      // Re-queries whose time passed while none ran (a restart, a backoff) are skipped, not made in a burst.
      const now = clock();
      let checks = due.checks + 1;
      let next = nextCheckAt(scheduleMs, record.createdAt, record.expiresAt, checks);
      while (next !== null && next <= now) {
        checks += 1;
        next = nextCheckAt(scheduleMs, record.createdAt, record.expiresAt, checks);
      }
      await repository.rescheduleCheck({ id: record.id, owner: this.owner, nextCheckAt: next, checks, failures: 0 });
      return 'pending';
    } catch (error) {
      const failures = due.failures + 1;
      const delay = this.backoff(failures);
      const now = clock();
      await repository.rescheduleCheck({ id: record.id, owner: this.owner, nextCheckAt: now + delay, checks: due.checks, failures });
      const unavailable = error instanceof UpstreamError && (error.kind === 'unavailable' || error.kind === 'timeout');
      const kind = error instanceof UpstreamError ? error.kind : 'error';
      this.options.log.warn({ verificationId: record.id, kind, failures, retryInMs: delay }, 'reconcile query failed; backing off');
      // Alipay itself is down: asking about the next verification now would fail the same way.
      if (unavailable) this.pausedUntil = now + delay;
      return unavailable ? 'unavailable' : 'failed';
    }
  }

  /** Gives back claims not worked on, due as they were, so another pass (or process) takes them. */
  private async release(unworked: readonly DueVerification[]): Promise<void> {
    for (const due of unworked) {
      await this.options.repository.rescheduleCheck({
        id: due.record.id,
        owner: this.owner,
        nextCheckAt: due.dueAt,
        checks: due.checks,
        failures: due.failures,
      });
    }
  }

  /** Exponential from backoffBaseMs, capped, with jitter in [50 %, 100 %) so processes spread out. */
  private backoff(failures: number): number {
    const base = this.options.backoffBaseMs ?? 30_000;
    const ceiling = Math.min(this.options.backoffMaxMs ?? 30 * 60 * 1000, base * 2 ** (failures - 1));
    return Math.round(ceiling * (0.5 + this.options.random() / 2));
  }

  private async reportLag(): Promise<void> {
    if (!this.options.lag) return;
    const earliest = await this.options.repository.findEarliestDueCheck();
    this.options.lag.set(earliest === undefined ? 0 : Math.max(0, this.options.clock() - earliest) / 1000);
  }
}
