/**
 * WORKERS=N: N server processes on one port through node:cluster (the primary accepts the
 * connections and hands them round-robin to the workers). Only with PostgreSQL, which
 * scale-config.ts enforces: the workers share nothing in memory, so the database (and Redis,
 * when set) must hold everything they agree on. The primary serves nothing itself: it forks,
 * replaces a worker that dies while running, forwards SIGTERM/SIGINT to the workers (each
 * closes gracefully) and exits when they all have. A worker that dies within its first
 * seconds (no database, an unmigrated one) is not replaced: the primary exits with its code,
 * rather than forking forever.
 * @see https://nodejs.org/docs/latest-v20.x/api/cluster.html
 */
import cluster, { Worker } from 'node:cluster';

/** A worker that exits sooner than this after its fork failed to start. */
const START_GRACE_MS = 10_000;

/**
 * Forks and supervises `workers` processes when this is the primary and N > 1.
 * @returns true in that primary (which must not start a server), false where the server runs
 */
export function superviseWorkers(workers: number, log: (line: string) => void): boolean {
  if (workers <= 1 || !cluster.isPrimary) return false;
  const forkedAt = new Map<Worker, number>();
  const fork = (): void => {
    forkedAt.set(cluster.fork(), Date.now());
  };
  let stopping = false;
  for (let index = 0; index < workers; index += 1) fork();
  log(`Started ${workers} worker processes (WORKERS=${workers})`);
  cluster.on('exit', (worker, code, signal) => {
    const startedAt = forkedAt.get(worker) ?? 0;
    forkedAt.delete(worker);
    if (stopping) {
      if (forkedAt.size === 0) process.exit();
      return;
    }
    if (Date.now() - startedAt < START_GRACE_MS && code !== 0) {
      log(`A worker failed to start (exit ${code}); stopping`);
      stopping = true;
      for (const other of forkedAt.keys()) other.process.kill('SIGTERM');
      process.exitCode = code;
      if (forkedAt.size === 0) process.exit();
      return;
    }
    log(`Worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    fork();
  });
  const stop = (signal: NodeJS.Signals): void => {
    stopping = true;
    for (const worker of forkedAt.keys()) worker.process.kill(signal);
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return true;
}

/** True in a single process and in the first worker: the one that prints the start banner. */
export function isFirstProcess(): boolean {
  return cluster.worker === undefined || cluster.worker.id === 1;
}
