/**
 * Every index earns its write cost, and every hot query is served by an index, on both
 * engines. Each Repository method is called once while the SQL the store sends is recorded
 * (better-sqlite3's prepare, pg's Client#query), then each statement is planned: SQLite by
 * EXPLAIN QUERY PLAN, PostgreSQL by EXPLAIN of a generic plan with sequential scans
 * discouraged (on tables this small the planner would rightly pick one anyway, so a
 * "Seq Scan" left in the plan means no index could serve the query at all).
 *
 * A statement may read a whole table only if it is listed in FULL_SCANS with the reason.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { Repository } from '../../src/store/repository';
import { migratePostgres, openPostgresRepository } from '../../src/store/postgres-repository';
import { openSqliteRepository } from '../../src/store/sqlite-repository';
import { pendingVerification } from '../support/records';
import { createTestDatabase, TestDatabase } from '../support/services';

/** Statements that may read their whole table, and why that is acceptable. */
const FULL_SCANS: { pattern: RegExp; why: string }[] = [
  { pattern: /^delete from sessions where expires_at <=/, why: 'hourly purge (app/store.ts); an index on expires_at would cost every sign-in a write' },
  { pattern: /^delete from idempotency_records where created_at </, why: 'hourly purge; the table holds one day of keys' },
  { pattern: /^delete from initialize_attempts where created_at </, why: 'daily retention purge' },
  { pattern: /^select state, count\(\*\) as count from initialize_attempts group by state/, why: 'the paid-call counters read every row by definition' },
  { pattern: /^select \* from "?api_keys"? order by/, why: 'the merchant key list: a handful of rows, read by an operator' },
];

/** Calls every Repository method once, so the store prepares or sends every statement it has. */
async function exerciseEveryMethod(repository: Repository): Promise<void> {
  const at = 1_700_000_000_000;
  const userId = 'uid:2088000000000001';
  const idempotency = { userId, key: 'k1', bodyHash: 'h', statusCode: 201, responseJson: '{}', createdAt: at };
  const claim = { now: at + 10, owner: 'plans', leaseMs: 1000, limit: 10 };
  await repository.insertSession({ tokenHash: 'th', userId, createdAt: at, expiresAt: at + 1000 });
  await repository.findSession('th');
  await repository.insertAttempt({ id: 'a1', userId, outerOrderNo: 'IVa1', certNoHmac: 'hmac', idempotencyKey: 'k1', state: 'INITIALIZING', errorCode: null, createdAt: at, updatedAt: at });
  await repository.insertAttempt({ id: 'a2', userId, outerOrderNo: 'IVa2', certNoHmac: 'hmac', idempotencyKey: 'k1', state: 'INITIALIZING', errorCode: null, createdAt: at, updatedAt: at });
  await repository.findLiveAttempt(userId, 'k1');
  await repository.findAttempt('a1');
  await repository.findIdempotency(userId, 'k1');
  await repository.completeAttempt(pendingVerification('a1', { createdAt: at, outerOrderNo: 'IVa1' }), { idempotency, nextCheckAt: at });
  await repository.insertIdempotency({ ...idempotency, key: 'k2' });
  await repository.insertVerification(pendingVerification('v2', { createdAt: at }), { ...idempotency, key: 'k3' });
  await repository.findVerification('a1');
  await repository.findLiveVerification({ userId, certNoHmac: 'hmac', identityHmac: 'identity-hmac', bizCode: 'FACE', certType: 'IDENTITY_CARD', expiresAfter: 0 });
  await repository.insertAttempt({ id: 'a3', userId, outerOrderNo: 'IVa3', certNoHmac: 'hmac', idempotencyKey: null, state: 'INITIALIZING', errorCode: null, createdAt: at, updatedAt: at });
  await repository.failAttempt('a3', 'E', at);
  await repository.failInterruptedAttempts(at, at);
  await repository.countAttempts();
  await repository.claimDueVerifications(claim);
  await repository.rescheduleCheck({ id: 'a1', owner: 'plans', nextCheckAt: at, checks: 1, failures: 0 });
  await repository.findEarliestDueCheck();
  const event = { id: 'msg_1', verificationId: 'a1', userId, type: 'verification.passed' as const, payloadJson: '{}', nextAttemptAt: at, retryWindowStart: at, createdAt: at };
  await repository.completeVerification({ id: 'a1', to: 'PASSED', updatedAt: at, alipayTraceId: null, event });
  await repository.findStatusHistory('a1');
  await repository.claimDueWebhookEvents(claim);
  await repository.markWebhookFailed('msg_1', 'plans', { at, error: 'HTTP 500', nextAttemptAt: null });
  await repository.replayWebhookEvent('msg_1', at);
  await repository.claimDueWebhookEvents(claim);
  await repository.markWebhookDelivered('msg_1', 'plans', at);
  await repository.findWebhookEvent('msg_1');
  await repository.listWebhookEvents({ state: 'PENDING', limit: 10 });
  await repository.listWebhookEvents({ state: 'PENDING', limit: 10, after: { createdAt: at, id: 'msg_0' } });
  await repository.listVerifications({ limit: 10 });
  await repository.listVerifications({ limit: 10, userId, status: 'PASSED', since: at, after: { createdAt: at, id: 'a0' } });
  await repository.listVerifications({ limit: 10, userId });
  await repository.listVerifications({ limit: 10, status: 'PENDING', after: { createdAt: at, id: 'a0' } });
  await repository.findLatestPassed(userId);
  await repository.insertApiKey({ id: 'key1', secretHash: 'aa', name: 'plans', scopes: [], createdAt: at, revokedAt: null, lastUsedAt: null });
  await repository.findApiKey('key1');
  await repository.listApiKeys();
  await repository.touchApiKey('key1', at);
  await repository.revokeApiKey('key1', at);
  await repository.deleteUserRecords(userId);
  await repository.purgeVerificationsBefore(at);
  await repository.purgeExpired(at, at);
}

/** The repository's own statements: no DDL, no migrator bookkeeping, no driver housekeeping. */
function isRepositoryStatement(text: string): boolean {
  return /^\s*(select|insert|update|delete|with)\b/i.test(text) && !/kysely_migration|sqlite_master|pg_catalog|information_schema/i.test(text);
}

function normalize(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

interface PlannedStatement {
  text: string;
  plan: string[];
}

/** The statements that read a whole table and are not in FULL_SCANS. */
function unexpectedFullScans(planned: PlannedStatement[], isFullScan: (line: string) => boolean): PlannedStatement[] {
  return planned.filter(({ text, plan }) => plan.some(isFullScan) && !FULL_SCANS.some(({ pattern }) => pattern.test(text)));
}

/** The hot path of a verification, each of which must be served by an index on both engines. */
const HOT_PATH: RegExp[] = [
  /^select \* from sessions where token_hash =/,
  /^select \* from initialize_attempts where user_id = \S+ and idempotency_key = \S+ and state = 'INITIALIZING'/,
  /^select \* from idempotency_records where user_id =/,
  /^select \* from verifications where user_id = \S+ and cert_no_hmac =/,
  /^select \* from verifications where id =/,
  /^update initialize_attempts set state = /,
];

describe('query plans on SQLite', () => {
  let planned: PlannedStatement[];
  let indexes: string[];

  beforeAll(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'plans-')), 'verifications.sqlite');
    await (await openSqliteRepository(file)).close(); // migrated, so the recording below sees no DDL
    const texts = new Set<string>();
    const originalPrepare = Database.prototype.prepare;
    const prepare = jest.spyOn(Database.prototype, 'prepare').mockImplementation(function (this: Database.Database, source: string) {
      if (isRepositoryStatement(source)) texts.add(normalize(source));
      return originalPrepare.call(this, source);
    });
    const repository = await openSqliteRepository(file);
    try {
      await exerciseEveryMethod(repository);
    } finally {
      await repository.close();
      prepare.mockRestore();
    }
    const database = new Database(file, { readonly: true });
    try {
      planned = [...texts].map((text) => {
        // Parameters are bound as NULL: the plan is chosen when the statement is prepared, not by the values.
        const named = [...new Set(text.match(/@\w+/g) ?? [])].map((name) => name.slice(1));
        const positional = (text.match(/\?/g) ?? []).length;
        const explain = database.prepare(`explain query plan ${text}`);
        const rows = (named.length > 0 ? explain.all(Object.fromEntries(named.map((name) => [name, null]))) : explain.all(...Array(positional).fill(null))) as {
          detail: string;
        }[];
        return { text, plan: rows.map((row) => row.detail) };
      });
      indexes = (database.prepare("select name from sqlite_master where type = 'index' and sql is not null").all() as { name: string }[]).map((row) => row.name);
    } finally {
      database.close();
    }
  });

  it('recorded the statements of every method', () => {
    expect(planned.length).toBeGreaterThan(40);
  });

  it('reads no whole table but where FULL_SCANS says why', () => {
    // "SCAN t" alone is a full scan; "SCAN t USING INDEX i" walks an index in order (a page of a list).
    expect(unexpectedFullScans(planned, (line) => /^SCAN \w+$/.test(line))).toEqual([]);
  });

  it('serves every query of the verification flow by an index', () => {
    for (const pattern of HOT_PATH) {
      const matching = planned.filter(({ text }) => pattern.test(text));
      expect(matching.map(({ text }) => text)).not.toEqual([]);
      for (const { plan } of matching) expect(plan.some((line) => /USING (COVERING |PRIMARY KEY|INDEX|INTEGER PRIMARY KEY)/.test(line))).toBe(true);
    }
  });

  it('has no index that no statement reads', () => {
    const read = new Set(planned.flatMap(({ plan }) => plan.flatMap((line) => /USING (?:COVERING )?INDEX (\w+)/.exec(line)?.[1] ?? [])));
    expect(indexes.filter((name) => !read.has(name))).toEqual([]);
  });
});

describe('query plans on PostgreSQL', () => {
  let database: TestDatabase;
  let planned: PlannedStatement[];
  let indexes: string[];

  beforeAll(async () => {
    database = await createTestDatabase('plans');
    await migratePostgres({ url: database.url });
    const texts = new Set<string>();
    const originalQuery = Client.prototype.query;
    const query = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
      const [first] = args;
      const text = typeof first === 'string' ? first : (first as { text?: unknown } | null)?.text;
      if (typeof text === 'string' && isRepositoryStatement(text)) texts.add(normalize(text));
      return (originalQuery as (...rest: unknown[]) => unknown).apply(this, args) as never;
    });
    const repository = await openPostgresRepository({ url: database.url, poolSize: 1 });
    try {
      await exerciseEveryMethod(repository);
    } finally {
      await repository.close();
      query.mockRestore();
    }
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query('set enable_seqscan = off');
      await client.query('set plan_cache_mode = force_generic_plan');
      planned = [];
      for (const [index, text] of [...texts].entries()) {
        const parameters = Math.max(0, ...[...text.matchAll(/\$(\d+)/g)].map((match) => Number(match[1])));
        await client.query(`prepare plan_${index} as ${text}`);
        const args = parameters > 0 ? `(${Array(parameters).fill('null').join(', ')})` : '';
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(`explain execute plan_${index}${args}`);
        planned.push({ text, plan: rows.map((row) => row['QUERY PLAN'].trim()) });
      }
      const { rows } = await client.query<{ indexname: string }>(
        "select indexname from pg_indexes where schemaname = 'public' and indexname not in (select conname from pg_constraint)",
      );
      indexes = rows.map((row) => row.indexname);
    } finally {
      await client.end();
    }
  }, 60_000);

  afterAll(async () => {
    await database?.drop();
  });

  it('recorded the statements of every method', () => {
    expect(planned.length).toBeGreaterThan(40);
  });

  it('reads no whole table but where FULL_SCANS says why', () => {
    expect(unexpectedFullScans(planned, (line) => /Seq Scan on/.test(line))).toEqual([]);
  });

  it('serves every query of the verification flow by an index', () => {
    for (const pattern of HOT_PATH) {
      const matching = planned.filter(({ text }) => pattern.test(text.replace(/\$\d+/g, '?')));
      expect(matching.map(({ text }) => text)).not.toEqual([]);
      for (const { plan } of matching) expect(plan.some((line) => /Index (Only )?Scan|Bitmap Index Scan/.test(line))).toBe(true);
    }
  });

  it('has no index that no statement reads', () => {
    const read = new Set(planned.flatMap(({ plan }) => plan.flatMap((line) => /Index (?:Only )?Scan(?: Backward)? using (\w+)|Bitmap Index Scan on (\w+)/.exec(line)?.slice(1).filter(Boolean) ?? [])));
    expect(indexes.filter((name) => !read.has(name))).toEqual([]);
  });
});
