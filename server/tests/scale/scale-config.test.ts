/**
 * The scale-out start-up: DATABASE_URL, REDIS_URL and WORKERS parsed and refused with clear
 * messages (never echoing a URL, which may hold a password); an instance refuses an
 * unmigrated PostgreSQL database; `npm run migrate` applies every migration once.
 */
import { availableParallelism } from 'node:os';
import { Writable } from 'node:stream';
import { buildApp } from '../../src/app';
import { ConfigError, parseConfig } from '../../src/config';
import { migrate } from '../../scripts/migrate';
import { openPostgresRepository } from '../../src/store/postgres-repository';
import { freePort } from '../support/node-processes';
import { createTestDatabase, TestDatabase } from '../support/services';

const REPO_ROOT = '/nonexistent-repo-root';
const BASE_ENV = { ALIPAY_MODE: 'emulator', DATA_DIR: '/tmp/scale-config-test' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig({ ...BASE_ENV, ...env }, REPO_ROOT);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('ERR_CONFIG');
    return (error as ConfigError).problems;
  }
  return [];
}

describe('the scale-out variables', () => {
  it('default to the embedded store, in-process state and one process', () => {
    expect(parseConfig(BASE_ENV, REPO_ROOT).scale).toEqual({ databasePoolSize: 10, redisDownLimitDivisor: 4, workers: 1, databaseUrl: undefined, redisUrl: undefined });
  });

  it('take PostgreSQL and Redis URLs and WORKERS=auto as the number of cores', () => {
    const { scale } = parseConfig(
      { ...BASE_ENV, DATABASE_URL: 'postgres://verify:secret@db:5432/verify', REDIS_URL: 'redis://cache:6379', WORKERS: 'auto', DATABASE_POOL_SIZE: '4' },
      REPO_ROOT,
    );
    expect(scale).toEqual({ databaseUrl: 'postgres://verify:secret@db:5432/verify', redisUrl: 'redis://cache:6379', workers: availableParallelism(), databasePoolSize: 4, redisDownLimitDivisor: 4 });
  });

  it('refuses WORKERS > 1 with the embedded SQLite store, saying what it needs', () => {
    expect(problemsOf({ WORKERS: '2' })).toEqual(['WORKERS=2 needs DATABASE_URL (PostgreSQL): the embedded SQLite store runs one process only']);
  });

  it('refuses other URLs without repeating them (they may carry a password)', () => {
    const problems = problemsOf({ DATABASE_URL: 'mysql://root:hunter2@db/verify', REDIS_URL: 'memcached://hunter2@cache' });
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).not.toContain('hunter2');
    expect(problems[0]).toMatch(/^DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(problems[1]).toMatch(/^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
  });

  it('refuses WORKERS, pool sizes and divisors below 1', () => {
    expect(problemsOf({ WORKERS: '0', DATABASE_POOL_SIZE: 'x', REDIS_DOWN_LIMIT_DIVISOR: '0' })).toEqual([
      'WORKERS must be an integer >= 1',
      'DATABASE_POOL_SIZE must be an integer >= 1',
      'REDIS_DOWN_LIMIT_DIVISOR must be an integer >= 1',
    ]);
  });
});

describe('an unmigrated PostgreSQL database', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('startup');
  }, 60_000);

  afterAll(async () => {
    await database.drop();
  });

  it('is refused at start with DATABASE_NOT_MIGRATED, then migrated once by npm run migrate, then served', async () => {
    const config = parseConfig({ ...BASE_ENV, DATABASE_URL: database.url, ID_HMAC_PEPPER: 'p'.repeat(32) }, REPO_ROOT);
    const quiet = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    await expect(buildApp({ config }, { logStream: quiet, startWorkers: false })).rejects.toMatchObject({
      code: 'DATABASE_NOT_MIGRATED',
      message: expect.stringContaining('run `npm run migrate`'),
    });
    expect(await migrate({ DATABASE_URL: database.url }, REPO_ROOT)).toEqual({ store: 'postgres', applied: expect.arrayContaining(['0001_initial', '0010_api_keys']) });
    expect(await migrate({ DATABASE_URL: database.url }, REPO_ROOT)).toEqual({ store: 'postgres', applied: [] });
    const app = await buildApp({ config }, { logStream: quiet, startWorkers: false });
    try {
      const readiness = await app.inject({ method: 'GET', url: '/readyz' });
      expect(readiness.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('an unreachable PostgreSQL', () => {
  it('is refused at start with DATABASE_UNREACHABLE, naming the refusal and never the password', async () => {
    const url = `postgres://verify:hunter2@127.0.0.1:${await freePort()}/verify`;
    const refusal = await openPostgresRepository({ url }).then(
      () => undefined,
      (error: unknown) => error as { code: string; message: string },
    );
    expect(refusal?.code).toBe('DATABASE_UNREACHABLE');
    expect(refusal?.message).toContain('ECONNREFUSED');
    expect(refusal?.message).not.toContain('hunter2');
  });
});
