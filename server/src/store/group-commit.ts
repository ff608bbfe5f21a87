/**
 * Group commit for the SQLite store. With `synchronous = FULL`, every COMMIT waits for an
 * fsync of the WAL, and better-sqlite3 waits on the event loop's thread: under load the
 * bench measured about 0.8 ms of blocked loop per verification, a third of the loop's time.
 *
 * Writes requested during one turn of the event loop are applied together, in one
 * transaction, on the next `setImmediate`: one fsync covers them all. The durability promise
 * is unchanged, because a write's promise settles only after COMMIT has returned: nothing is
 * acknowledged to a client before it is on disk. At low load a batch holds one write and
 * costs what a lone transaction cost before.
 *
 * Each write of a batch runs in its own savepoint, so a write that throws (a constraint it
 * hit, say) rolls back alone and only its caller sees the error. A batch of one write needs
 * no savepoint: the transaction is its savepoint (at moderate load most batches are single,
 * and a savepoint costs a statement journal of every page the write touches). If the
 * transaction as a whole fails (BEGIN finds the database busy, or COMMIT fails on I/O, a full
 * disk or a deferred constraint), every write in the batch is rejected with that error, and
 * none took effect.
 *
 * At moderate load most batches hold one write, so each write gets its own fsync. A commit
 * window (COMMITs spaced at least W ms apart, later writes waiting for the rest of it) was
 * measured and left out (issue 13): at 150 and 300 flows/s, W = 2 ms cut COMMITs per flow by
 * a quarter to two fifths, but CPU per flow did not move beyond the noise and the median flow
 * took 4-6 ms longer. Where a COMMIT with its fsync takes about 0.2 ms, as on the test host,
 * committing on a worker thread would not let batches grow either: few writes arrive in 0.2 ms.
 */
import type BetterSqlite3 from 'better-sqlite3';

/** A synchronous unit of work against the database; it must not return a promise. */
export type Write<Result> = () => Result;

interface PendingWrite {
  write: Write<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export interface GroupCommitter {
  /** Queues `write` for the next batch; resolves with its result once the batch is committed. */
  run<Result>(write: Write<Result>): Promise<Result>;
  /** Commits whatever is queued now, at once. Call before closing the database. */
  flush(): void;
}

export function createGroupCommitter(database: BetterSqlite3.Database): GroupCommitter {
  let queue: PendingWrite[] = [];
  let scheduled: NodeJS.Immediate | undefined;

  // better-sqlite3 runs this as a savepoint when called inside the batch's transaction, and
  // as a transaction of its own (BEGIN, the write, COMMIT; ROLLBACK if it throws) outside one.
  const asUnit = database.transaction((write: Write<unknown>) => write());
  const inOneTransaction = database.transaction((batch: PendingWrite[]): Outcome[] =>
    batch.map(({ write }): Outcome => {
      try {
        return { ok: true, value: asUnit(write) };
      } catch (error) {
        return { ok: false, error };
      }
    }),
  );

  function commitAlone(pending: PendingWrite): void {
    let value: unknown;
    try {
      value = asUnit(pending.write);
    } catch (error) {
      pending.reject(error);
      return;
    }
    pending.resolve(value);
  }

  function flush(): void {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    const batch = queue;
    queue = [];
    if (batch.length === 1) commitAlone(batch[0]);
    else if (batch.length > 1) commitBatch(batch);
  }

  function commitBatch(batch: PendingWrite[]): void {
    let outcomes: Outcome[];
    try {
      outcomes = inOneTransaction(batch);
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    batch.forEach((pending, index) => {
      const outcome = outcomes[index];
      if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(outcome.error);
    });
  }

  return {
    run<Result>(write: Write<Result>): Promise<Result> {
      return new Promise<Result>((resolve, reject) => {
        queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
        scheduled ??= setImmediate(flush);
      });
    },
    flush,
  };
}
