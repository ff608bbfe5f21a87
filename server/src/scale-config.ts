/**
 * The scale-out variables (issue 11), parsed for config.ts: where shared state lives when
 * several processes serve one merchant, and how many processes this one starts. All unset is
 * the embedded default: SQLite in DATA_DIR, limits and single flight in process memory, one
 * process.
 */
import { availableParallelism } from 'node:os';

type Env = Readonly<Record<string, string | undefined>>;

export interface ScaleConfig {
  /**
   * DATABASE_URL: `postgres://user:password@host:port/database` selects the PostgreSQL store
   * (migrated by `npm run migrate`). Unset: SQLite at <DATA_DIR>/verifications.sqlite.
   */
  databaseUrl?: string;
  /** DATABASE_POOL_SIZE: PostgreSQL connections per process. Default 10. */
  databasePoolSize: number;
  /**
   * REDIS_URL: `redis://[:password@]host:port[/db]` (or rediss://) shares the rate-limit
   * counters, the query single flight and the query cache between processes. Unset: in memory.
   */
  redisUrl?: string;
  /**
   * REDIS_DOWN_LIMIT_DIVISOR: while Redis cannot be reached, each process counts on its own
   * with every limit divided by this (rounded down, at least 1), so that up to this many
   * processes together stay within the configured limit. Default 4.
   */
  redisDownLimitDivisor: number;
  /** WORKERS: server processes sharing the port (node:cluster); `auto` = the cores. Default 1. */
  workers: number;
}

function readPositive(env: Env, name: string, fallback: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    problems.push(`${name} must be an integer >= 1`);
    return fallback;
  }
  return value;
}

function readUrl(env: Env, name: string, protocols: readonly string[], example: string, problems: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || protocols.indexOf(url.protocol) < 0) {
    // Never echo the value: it may carry a password.
    problems.push(`${name} must be a ${protocols.map((protocol) => `${protocol}//`).join(' or ')} URL, e.g. ${example}`);
    return undefined;
  }
  return raw;
}

/** Reads DATABASE_URL, DATABASE_POOL_SIZE, REDIS_URL, REDIS_DOWN_LIMIT_DIVISOR and WORKERS. */
export function readScaleConfig(env: Env, problems: string[]): ScaleConfig {
  const databaseUrl = readUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:'], 'postgres://verify:secret@db.internal:5432/verify', problems);
  const redisUrl = readUrl(env, 'REDIS_URL', ['redis:', 'rediss:'], 'redis://cache.internal:6379', problems);
  const workers = env.WORKERS === 'auto' ? availableParallelism() : readPositive(env, 'WORKERS', 1, problems);
  if (workers > 1 && databaseUrl === undefined) {
    // SQLite's file takes one writer at a time and the in-memory limits and single flight are per process.
    problems.push(`WORKERS=${env.WORKERS} needs DATABASE_URL (PostgreSQL): the embedded SQLite store runs one process only`);
  }
  return {
    databaseUrl,
    databasePoolSize: readPositive(env, 'DATABASE_POOL_SIZE', 10, problems),
    redisUrl,
    redisDownLimitDivisor: readPositive(env, 'REDIS_DOWN_LIMIT_DIVISOR', 4, problems),
    workers,
  };
}
