/**
 * `npm run migrate`: brings the store's schema to the latest migration (store/schema.ts).
 * With DATABASE_URL (PostgreSQL) this is how the schema ever changes: instances never migrate
 * at start, and refuse a database that lags (DATABASE_NOT_MIGRATED). Run it once per deploy,
 * before the new instances start; running it twice, or from two hosts at once, is harmless.
 * Without DATABASE_URL it migrates the SQLite file in DATA_DIR, as `npm start` would anyway.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveDataDir } from '../src/config';
import { readScaleConfig } from '../src/scale-config';
import { migratePostgres } from '../src/store/postgres-repository';
import { openSqliteRepository } from '../src/store/sqlite-repository';
import { StoreError } from '../src/store/store-error';

export interface MigrateOutcome {
  store: 'postgres' | 'sqlite';
  /** The migrations this run applied (PostgreSQL); none means it was up to date. */
  applied: string[];
}

/** Migrates the store the environment selects. */
export async function migrate(env: Readonly<Record<string, string | undefined>>, repoRoot: string): Promise<MigrateOutcome> {
  const problems: string[] = [];
  const scale = readScaleConfig(env, problems);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  if (scale.databaseUrl !== undefined) return { store: 'postgres', applied: await migratePostgres({ url: scale.databaseUrl }) };
  const dataDir = resolveDataDir(env, repoRoot);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  await (await openSqliteRepository(join(dataDir, 'verifications.sqlite'))).close();
  return { store: 'sqlite', applied: [] };
}

async function main(): Promise<void> {
  const outcome = await migrate(process.env, resolve(__dirname, '..', '..'));
  if (outcome.store === 'sqlite') {
    process.stdout.write('SQLite in DATA_DIR is up to date (no DATABASE_URL set).\n');
  } else if (outcome.applied.length === 0) {
    process.stdout.write('PostgreSQL at DATABASE_URL was up to date.\n');
  } else {
    process.stdout.write(`PostgreSQL at DATABASE_URL: applied ${outcome.applied.join(', ')}.\n`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    const cause = error instanceof StoreError && error.cause instanceof Error ? `\n  cause: ${error.cause.message}` : '';
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}${cause}\n`);
    process.exit(1);
  });
}
