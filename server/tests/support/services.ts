/**
 * The real PostgreSQL and Redis for tests, started by scripts/services.sh (idempotent; one
 * starter at a time under its lock). Nothing here skips: without the Debian packages the
 * script fails, and so does every test that needs them, in CI as anywhere.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';

export interface Services {
  databaseUrl: string;
  redisUrl: string;
}

const SCRIPT = join(__dirname, '..', '..', '..', 'scripts', 'services.sh');

let started: Services | undefined;

/** Starts both servers if they are not running, and returns their URLs. */
export function startServices(): Services {
  if (started) return started;
  const output = execFileSync(SCRIPT, ['start'], { encoding: 'utf8', timeout: 120_000 });
  const values = new Map(
    output
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
  );
  const databaseUrl = values.get('DATABASE_URL');
  const redisUrl = values.get('REDIS_URL');
  if (!databaseUrl || !redisUrl) throw new Error(`scripts/services.sh start printed no URLs:\n${output}`);
  started = { databaseUrl, redisUrl };
  return started;
}

/** A database of its own for one test file, on the services' PostgreSQL, dropped by `drop()`. */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(serverUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database named `<prefix>_<random>` (not migrated). */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const { databaseUrl } = startServices();
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await admin(databaseUrl, (client) => client.query(`create database ${name}`));
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(databaseUrl, (client) => client.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

/** Runs raw SQL on `url` outside any repository: what the schema itself refuses or allows. */
export function rawQuery(url: string, text: string): Promise<unknown> {
  return admin(url, (client) => client.query(text));
}
