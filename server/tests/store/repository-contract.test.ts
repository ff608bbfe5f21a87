/**
 * The Repository contract, run against both engines from this one file: the embedded SQLite
 * store and PostgreSQL (scripts/services.sh starts it; without it the PostgreSQL half fails,
 * it never skips). Every method, every invariant the database enforces (unique outer_order_no,
 * one idempotency record per user and key, one INITIALIZING attempt per user and key, settled
 * attempts and terminal statuses that never move even under a raw UPDATE), and the concurrency
 * cases between two handles on one store (two processes): leases that never overlap, one
 * winner per key, one terminal status.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { InitializeAttempt, LiveVerificationQuery, Repository } from '../../src/store/repository';
import { migratePostgres, openPostgresRepository } from '../../src/store/postgres-repository';
import { openSqliteRepository } from '../../src/store/sqlite-repository';
import { pendingVerification } from '../support/records';
import { createTestDatabase, rawQuery, TestDatabase } from '../support/services';

/** One engine under test: fresh empty stores, a second handle on the same one, raw SQL on it. */
interface Engine {
  name: string;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  /** An empty store for one test. */
  open(): Promise<Repository>;
  /** Another handle (another process's) on the store `open()` returned last. */
  openAgain(): Promise<Repository>;
  /** Raw SQL on that store, past the repository. */
  raw(text: string): Promise<void>;
  /** The driver's code for a unique violation. */
  uniqueViolation: string;
  /** The driver's code for a write a trigger refused. */
  triggerRefusal: string;
}

function sqliteEngine(): Engine {
  let file = '';
  return {
    name: 'sqlite',
    async setUp() {},
    async tearDown() {},
    async open() {
      file = join(mkdtempSync(join(tmpdir(), 'contract-')), 'verifications.sqlite');
      return openSqliteRepository(file);
    },
    openAgain: () => openSqliteRepository(file),
    async raw(text) {
      const database = new Database(file);
      try {
        // A statement that matched no row would prove nothing about the triggers.
        if (database.prepare(text).run().changes === 0) throw new Error(`raw statement matched no row in ${file}`);
      } finally {
        database.close();
      }
    },
    uniqueViolation: 'SQLITE_CONSTRAINT_UNIQUE',
    triggerRefusal: 'SQLITE_CONSTRAINT_TRIGGER',
  };
}

const TABLES = ['sessions', 'verifications', 'idempotency_records', 'initialize_attempts', 'verification_status_history', 'webhook_events', 'api_keys'];

function postgresEngine(): Engine {
  let database: TestDatabase | undefined;
  const url = () => {
    if (!database) throw new Error('the PostgreSQL test database was not created');
    return database.url;
  };
  return {
    name: 'postgres',
    async setUp() {
      database = await createTestDatabase('contract');
      await migratePostgres({ url: database.url });
    },
    async tearDown() {
      await database?.drop();
    },
    async open() {
      await rawQuery(url(), `truncate ${TABLES.join(', ')}`);
      return openPostgresRepository({ url: url(), poolSize: 4 });
    },
    openAgain: () => openPostgresRepository({ url: url(), poolSize: 4 }),
    raw: async (text) => {
      await rawQuery(url(), text);
    },
    uniqueViolation: '23505',
    // check_violation, raised by the plpgsql trigger functions (schema.ts).
    triggerRefusal: '23514',
  };
}

function attempt(id: string, overrides: Partial<InitializeAttempt> = {}): InitializeAttempt {
  return {
    id,
    userId: 'uid:2088000000000001',
    outerOrderNo: `IV${id.padStart(30, '0')}`,
    certNoHmac: 'hmac',
    idempotencyKey: 'key-1',
    state: 'INITIALIZING',
    errorCode: null,
    createdAt: 1000,
    updatedAt: 1000,
    ...overrides,
  };
}

function event(id: string, verificationId: string, at: number) {
  return {
    id,
    verificationId,
    userId: 'uid:2088000000000001',
    type: 'verification.passed' as const,
    payloadJson: '{}',
    nextAttemptAt: at,
    retryWindowStart: at,
    createdAt: at,
  };
}

describe.each([sqliteEngine(), postgresEngine()])('the repository contract on $name', (engine) => {
  let repository: Repository;
  const others: Repository[] = [];

  /** A second handle on this test's store, closed after the test. */
  async function another(): Promise<Repository> {
    const other = await engine.openAgain();
    others.push(other);
    return other;
  }

  beforeAll(async () => {
    await engine.setUp();
  }, 60_000);

  afterAll(async () => {
    await engine.tearDown();
  });

  beforeEach(async () => {
    repository = await engine.open();
  });

  afterEach(async () => {
    await Promise.all(others.splice(0).map((other) => other.close()));
    await repository.close();
  });

  it('lacks no migration once open (what /readyz checks)', async () => {
    expect(await repository.pendingMigrations()).toEqual([]);
  });

  describe('sessions and verifications', () => {
    it('stores a session and finds it by its token hash', async () => {
      await repository.insertSession({ tokenHash: 'th', userId: 'uid:1', createdAt: 1_700_000_000_000, expiresAt: 1_700_000_900_000 });
      expect(await repository.findSession('th')).toEqual({ tokenHash: 'th', userId: 'uid:1', createdAt: 1_700_000_000_000, expiresAt: 1_700_000_900_000 });
      expect(await repository.findSession('none')).toBeUndefined();
    });

    it('reads back every field of a verification, epoch milliseconds as numbers', async () => {
      const record = pendingVerification('0', { createdAt: 1_764_000_000_123, updatedAt: 1_764_000_000_123, expiresAt: 1_764_086_400_123, alipayTraceId: 't0' });
      await repository.insertVerification(record);
      expect(await repository.findVerification('0')).toEqual(record);
    });

    it('refuses a second verification with the same outer_order_no', async () => {
      await repository.insertVerification(pendingVerification('1'));
      await expect(repository.insertVerification(pendingVerification('2', { outerOrderNo: pendingVerification('1').outerOrderNo }))).rejects.toMatchObject({
        code: engine.uniqueViolation,
      });
      expect(await repository.findVerification('2')).toBeUndefined();
    });

    it('completes a PENDING verification once and never moves it again', async () => {
      await repository.insertVerification(pendingVerification('3'));
      expect(await repository.completeVerification({ id: '3', to: 'PASSED', updatedAt: 1500, alipayTraceId: 't1' })).toBe(true);
      expect(await repository.completeVerification({ id: '3', to: 'EXPIRED', updatedAt: 1600, alipayTraceId: 't2' })).toBe(false);
      expect(await repository.findVerification('3')).toMatchObject({ status: 'PASSED', updatedAt: 1500, alipayTraceId: 't1' });
    });

    it('stores nothing when the idempotency key was taken meanwhile', async () => {
      const idempotency = { userId: 'u', key: 'k', bodyHash: 'h', statusCode: 201, responseJson: '{}', createdAt: 1000 };
      expect(await repository.insertVerification(pendingVerification('4'), idempotency)).toBe(true);
      expect(await repository.insertVerification(pendingVerification('5'), idempotency)).toBe(false);
      expect(await repository.findVerification('5')).toBeUndefined();
      expect(await repository.findStatusHistory('5')).toEqual([]);
    });

    it('purges expired sessions and old idempotency records, and keeps verifications', async () => {
      await repository.insertSession({ tokenHash: 'old', userId: 'u', createdAt: 0, expiresAt: 100 });
      await repository.insertSession({ tokenHash: 'live', userId: 'u', createdAt: 0, expiresAt: 10_000 });
      await repository.insertVerification(pendingVerification('6'), { userId: 'u', key: 'k6', bodyHash: 'h', statusCode: 201, responseJson: '{}', createdAt: 1000 });
      expect(await repository.purgeExpired(5000, 1001)).toEqual({ sessions: 1, idempotencyRecords: 1 });
      expect(await repository.findSession('old')).toBeUndefined();
      expect(await repository.findSession('live')).toBeDefined();
      expect(await repository.findIdempotency('u', 'k6')).toBeUndefined();
      expect(await repository.findVerification('6')).toBeDefined();
    });

    it('stores and reads back the guardian consent and the consent record', async () => {
      await repository.insertVerification(pendingVerification('15', { guardianConsent: true, consentVersion: '0123456789abcdef', consentedAt: 1234 }));
      expect(await repository.findVerification('15')).toMatchObject({ guardianConsent: true, consentVersion: '0123456789abcdef', consentedAt: 1234 });
    });
  });

  describe('the live verification lookup', () => {
    const query: LiveVerificationQuery = {
      userId: 'uid:2088000000000001',
      certNoHmac: 'hmac',
      identityHmac: 'identity-hmac',
      bizCode: 'FACE',
      certType: 'IDENTITY_CARD',
      expiresAfter: 1500,
    };

    it('finds the newest PENDING one of the same user, number, name, bizCode and certType that expires after the bound', async () => {
      await repository.insertVerification(pendingVerification('10', { expiresAt: 1600 }));
      await repository.insertVerification(pendingVerification('11', { expiresAt: 1800 }));
      await repository.insertVerification(pendingVerification('12', { expiresAt: 1700 }));
      expect(await repository.findLiveVerification(query)).toMatchObject({ id: '11', identityHmac: 'identity-hmac', guardianConsent: false });
    });

    it.each([
      ['another user', { userId: 'uid:2088000000000002' }],
      ['another number', { certNoHmac: 'other' }],
      ['another name', { identityHmac: 'other' }],
      ['no name pair (a row from before it was stored)', { identityHmac: null }],
      ['another bizCode', { bizCode: 'SMART_FACE' }],
      ['another certType', { certType: 'RESIDENCE_PERMIT_HK_MC' as const }],
      ['a certifyId that expires at the bound', { expiresAt: 1500 }],
    ])('ignores %s', async (_label, overrides) => {
      await repository.insertVerification(pendingVerification('13', overrides));
      expect(await repository.findLiveVerification(query)).toBeUndefined();
    });

    it('ignores a settled one', async () => {
      await repository.insertVerification(pendingVerification('14'));
      await repository.completeVerification({ id: '14', to: 'PASSED', updatedAt: 1100, alipayTraceId: null });
      expect(await repository.findLiveVerification(query)).toBeUndefined();
    });
  });

  describe('idempotency records', () => {
    it('stores one on its own once; the same key again stores nothing', async () => {
      const record = { userId: 'u', key: 'k', bodyHash: 'h', statusCode: 200, responseJson: '{"reused":true}', createdAt: 1000 };
      expect(await repository.insertIdempotency(record)).toBe(true);
      expect(await repository.insertIdempotency({ ...record, responseJson: '{}' })).toBe(false);
      expect(await repository.findIdempotency('u', 'k')).toEqual(record);
    });

    it('gives one key to exactly one of many concurrent writers on two handles', async () => {
      const other = await another();
      const record = { userId: 'u', key: 'race', bodyHash: 'h', statusCode: 200, responseJson: '{}', createdAt: 1000 };
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? repository : other).insertIdempotency({ ...record, responseJson: `{"n":${index}}` })),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });

  describe('initialize attempts', () => {
    it('allows one INITIALIZING attempt per user and key, and another once it is settled', async () => {
      expect(await repository.insertAttempt(attempt('a1'))).toBe(true);
      expect(await repository.insertAttempt(attempt('a2'))).toBe(false);
      expect(await repository.insertAttempt(attempt('a3', { idempotencyKey: null }))).toBe(true);
      expect(await repository.insertAttempt(attempt('a4', { idempotencyKey: null }))).toBe(true);
      expect(await repository.failAttempt('a1', 'UPSTREAM_TIMEOUT', 1100)).toBe(true);
      expect(await repository.insertAttempt(attempt('a5'))).toBe(true);
      expect(await repository.countAttempts()).toEqual({ INITIALIZING: 3, INITIALIZED: 0, FAILED: 1 });
      expect(await repository.findLiveAttempt('uid:2088000000000001', 'key-1')).toMatchObject({ id: 'a5' });
    });

    it('lets exactly one of concurrent attempts with one key, from two handles, be written ahead', async () => {
      const other = await another();
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? repository : other).insertAttempt(attempt(`r${index}`))),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await repository.countAttempts()).toEqual({ INITIALIZING: 1, INITIALIZED: 0, FAILED: 0 });
    });

    it('refuses a second attempt with the same outer_order_no', async () => {
      await repository.insertAttempt(attempt('o1', { idempotencyKey: null }));
      await expect(repository.insertAttempt(attempt('o2', { idempotencyKey: null, outerOrderNo: attempt('o1').outerOrderNo }))).rejects.toMatchObject({
        code: engine.uniqueViolation,
      });
    });

    it('never moves a settled attempt, whoever writes', async () => {
      await repository.insertAttempt(attempt('b1'));
      await repository.completeAttempt(pendingVerification('b1'), { nextCheckAt: 1020 });
      expect(await repository.failAttempt('b1', 'UPSTREAM_TIMEOUT', 1100)).toBe(false);
      expect(await repository.findAttempt('b1')).toMatchObject({ state: 'INITIALIZED', errorCode: null });
      expect(await repository.findVerification('b1')).toMatchObject({ status: 'PENDING' });
      // toMatchObject, not toThrow: the native addon's errors may come from another realm (jest), failing instanceof.
      await expect(engine.raw("update initialize_attempts set state = 'FAILED' where id = 'b1'")).rejects.toMatchObject({
        code: engine.triggerRefusal,
        message: expect.stringContaining('a settled attempt never moves'),
      });
    });

    it('stores a paid-for verification even when its idempotency key was taken meanwhile', async () => {
      const idempotency = { userId: 'uid:2088000000000001', key: 'key-1', bodyHash: 'h', statusCode: 200, responseJson: '{}', createdAt: 900 };
      expect(await repository.insertIdempotency(idempotency)).toBe(true);
      await repository.insertAttempt(attempt('c1'));
      expect(await repository.completeAttempt(pendingVerification('c1'), { idempotency: { ...idempotency, statusCode: 201 }, nextCheckAt: null })).toBe(false);
      expect(await repository.findVerification('c1')).toBeDefined();
      expect(await repository.findAttempt('c1')).toMatchObject({ state: 'INITIALIZED' });
      expect((await repository.findIdempotency(idempotency.userId, 'key-1'))?.statusCode).toBe(200);
    });

    it('sweeps attempts left INITIALIZING before the cutoff as INTERRUPTED, and counts them', async () => {
      await repository.insertAttempt(attempt('d1', { createdAt: 1000 }));
      await repository.insertAttempt(attempt('d2', { idempotencyKey: 'key-2', createdAt: 5000 }));
      expect(await repository.failInterruptedAttempts(2000, 6000)).toBe(1);
      expect(await repository.findAttempt('d1')).toMatchObject({ state: 'FAILED', errorCode: 'INTERRUPTED', updatedAt: 6000 });
      expect(await repository.findAttempt('d2')).toMatchObject({ state: 'INITIALIZING' });
      expect(await repository.countAttempts()).toEqual({ INITIALIZING: 1, INITIALIZED: 0, FAILED: 1 });
    });
  });

  describe('status changes', () => {
    it('keeps the history, writes the event with the change, and a terminal status cannot be rewritten even by a raw UPDATE', async () => {
      await repository.insertVerification(pendingVerification('e1'));
      await repository.completeVerification({ id: 'e1', to: 'PASSED', updatedAt: 1500, alipayTraceId: null, event: event('msg_e1', 'e1', 1500) });
      expect(await repository.findStatusHistory('e1')).toEqual([
        { status: 'PENDING', at: 1000 },
        { status: 'PASSED', at: 1500 },
      ]);
      expect(await repository.findWebhookEvent('msg_e1')).toMatchObject({ state: 'PENDING', nextAttemptAt: 1500, verificationId: 'e1', attempts: 0 });
      await expect(engine.raw("update verifications set status = 'EXPIRED' where id = 'e1'")).rejects.toMatchObject({
        code: engine.triggerRefusal,
        message: expect.stringContaining('a terminal status never moves'),
      });
      expect(await repository.findVerification('e1')).toMatchObject({ status: 'PASSED' });
    });

    it('lists PENDING first when the change shares its millisecond', async () => {
      await repository.insertVerification(pendingVerification('e2'));
      await repository.completeVerification({ id: 'e2', to: 'EXPIRED', updatedAt: 1000, alipayTraceId: null });
      expect((await repository.findStatusHistory('e2')).map((entry) => entry.status)).toEqual(['PENDING', 'EXPIRED']);
    });

    it('writes no event when the change does not apply (no longer PENDING)', async () => {
      await repository.insertVerification(pendingVerification('f1'));
      expect(await repository.completeVerification({ id: 'f1', to: 'PASSED', updatedAt: 1500, alipayTraceId: null })).toBe(true);
      expect(await repository.completeVerification({ id: 'f1', to: 'EXPIRED', updatedAt: 1600, alipayTraceId: null, event: event('msg_f1', 'f1', 1600) })).toBe(false);
      expect(await repository.findWebhookEvent('msg_f1')).toBeUndefined();
    });

    it('settles concurrent changes from two handles to exactly one terminal status, with one event', async () => {
      const other = await another();
      await repository.insertVerification(pendingVerification('f2'));
      const results = await Promise.all(
        (['PASSED', 'EXPIRED', 'FAILED', 'PASSED', 'EXPIRED', 'FAILED'] as const).map((to, index) =>
          (index % 2 === 0 ? repository : other).completeVerification({
            id: 'f2',
            to,
            updatedAt: 1500 + index,
            alipayTraceId: null,
            event: { ...event(`msg_f2_${index}`, 'f2', 1500), type: to === 'PASSED' ? 'verification.passed' : to === 'EXPIRED' ? 'verification.expired' : 'verification.failed' },
          }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await repository.findStatusHistory('f2')).toHaveLength(2);
      expect(await repository.claimDueWebhookEvents({ now: 2000, owner: 'w', leaseMs: 1000, limit: 10 })).toHaveLength(1);
    });
  });

  describe('leases', () => {
    it('gives each due verification to one of two handles, and only its owner reschedules it', async () => {
      const one = repository;
      const two = await another();
      for (let index = 0; index < 20; index += 1) {
        await one.insertAttempt(attempt(`g${index}`, { idempotencyKey: null }));
        await one.completeAttempt(pendingVerification(`g${index}`), { nextCheckAt: 1000 + index });
      }
      expect(await one.findEarliestDueCheck()).toBe(1000);
      const claims = await Promise.all([
        one.claimDueVerifications({ now: 5000, owner: 'one', leaseMs: 60_000, limit: 15 }),
        two.claimDueVerifications({ now: 5000, owner: 'two', leaseMs: 60_000, limit: 15 }),
      ]);
      const ids = claims.flat().map((due) => due.record.id);
      expect(ids).toHaveLength(20);
      expect(new Set(ids).size).toBe(20);
      expect(claims[0].map((due) => due.dueAt)).toEqual([...claims[0].map((due) => due.dueAt)].sort((a, b) => a - b));

      const mine = claims[0][0];
      await two.rescheduleCheck({ id: mine.record.id, owner: 'two', nextCheckAt: 9000, checks: 1, failures: 0 });
      expect(await one.claimDueVerifications({ now: 5000, owner: 'one', leaseMs: 60_000, limit: 50 })).toEqual([]);
      await one.rescheduleCheck({ id: mine.record.id, owner: 'one', nextCheckAt: 9000, checks: 1, failures: 0 });
      expect(await two.claimDueVerifications({ now: 8999, owner: 'two', leaseMs: 60_000, limit: 50 })).toEqual([]);
      // An expired lease (its owner died) is claimable again.
      const reclaimed = await two.claimDueVerifications({ now: 70_000, owner: 'two', leaseMs: 60_000, limit: 50 });
      expect(reclaimed).toHaveLength(20);
      expect(reclaimed.find((due) => due.record.id === mine.record.id)).toMatchObject({ checks: 1, dueAt: 9000 });
    });

    it('never hands one due verification to two of many concurrent claimers', async () => {
      const handles = [repository, await another(), await another()];
      for (let index = 0; index < 30; index += 1) {
        await repository.insertAttempt(attempt(`m${index}`, { idempotencyKey: null }));
        await repository.completeAttempt(pendingVerification(`m${index}`), { nextCheckAt: 1000 });
      }
      const claims = await Promise.all(
        Array.from({ length: 12 }, (_, index) => handles[index % 3].claimDueVerifications({ now: 5000, owner: `o${index}`, leaseMs: 60_000, limit: 4 })),
      );
      const ids = claims.flat().map((due) => due.record.id);
      expect(ids).toHaveLength(30);
      expect(new Set(ids).size).toBe(30);
    });

    it('moves a webhook event from PENDING to DEAD and back by replay, keeping its id', async () => {
      await repository.insertVerification(pendingVerification('h1'));
      await repository.completeVerification({ id: 'h1', to: 'PASSED', updatedAt: 1500, alipayTraceId: null, event: event('msg_h1', 'h1', 1500) });
      const [claimed] = await repository.claimDueWebhookEvents({ now: 1500, owner: 'w', leaseMs: 30_000, limit: 10 });
      expect(claimed.id).toBe('msg_h1');
      expect(await (await another()).claimDueWebhookEvents({ now: 1500, owner: 'x', leaseMs: 30_000, limit: 10 })).toEqual([]);
      await repository.markWebhookFailed('msg_h1', 'w', { at: 1600, error: 'HTTP 500', nextAttemptAt: 2000 });
      expect(await repository.findWebhookEvent('msg_h1')).toMatchObject({ state: 'PENDING', attempts: 1, nextAttemptAt: 2000, lastError: 'HTTP 500' });
      await repository.claimDueWebhookEvents({ now: 2000, owner: 'w', leaseMs: 30_000, limit: 10 });
      await repository.markWebhookFailed('msg_h1', 'w', { at: 2100, error: 'timeout', nextAttemptAt: null });
      expect(await repository.findWebhookEvent('msg_h1')).toMatchObject({ state: 'DEAD', attempts: 2, nextAttemptAt: null });
      expect((await repository.listWebhookEvents({ state: 'DEAD', limit: 10 })).map((dead) => dead.id)).toEqual(['msg_h1']);
      expect(await repository.replayWebhookEvent('msg_h1', 3000)).toBe(true);
      expect(await repository.replayWebhookEvent('msg_h1', 3000)).toBe(false);
      expect(await repository.findWebhookEvent('msg_h1')).toMatchObject({ state: 'PENDING', attempts: 0, nextAttemptAt: 3000, retryWindowStart: 3000 });
      await repository.claimDueWebhookEvents({ now: 3000, owner: 'w', leaseMs: 30_000, limit: 10 });
      // Only the lease's owner settles it.
      await repository.markWebhookDelivered('msg_h1', 'x', 3050);
      expect(await repository.findWebhookEvent('msg_h1')).toMatchObject({ state: 'PENDING', deliveredAt: null });
      await repository.markWebhookDelivered('msg_h1', 'w', 3100);
      expect(await repository.findWebhookEvent('msg_h1')).toMatchObject({ state: 'DELIVERED', deliveredAt: 3100, attempts: 1 });
    });

    it('gives each due webhook event to one of two concurrent handles', async () => {
      const two = await another();
      for (let index = 0; index < 12; index += 1) {
        await repository.insertVerification(pendingVerification(`n${index}`));
        await repository.completeVerification({ id: `n${index}`, to: 'PASSED', updatedAt: 1500, alipayTraceId: null, event: event(`msg_n${index}`, `n${index}`, 1500 + index) });
      }
      const claims = await Promise.all([
        repository.claimDueWebhookEvents({ now: 5000, owner: 'one', leaseMs: 30_000, limit: 8 }),
        two.claimDueWebhookEvents({ now: 5000, owner: 'two', leaseMs: 30_000, limit: 8 }),
      ]);
      const ids = claims.flat().map((claimed) => claimed.id);
      expect(ids).toHaveLength(12);
      expect(new Set(ids).size).toBe(12);
    });
  });

  describe('listing, deletion and retention', () => {
    it('pages in (createdAt, id) order with filters', async () => {
      for (const [id, createdAt, userId] of [['i3', 3000, 'u1'], ['i1', 1000, 'u1'], ['i2', 1000, 'u2'], ['i4', 4000, 'u1']] as const) {
        await repository.insertVerification(pendingVerification(id, { createdAt, userId }));
      }
      expect((await repository.listVerifications({ limit: 2 })).map((row) => row.id)).toEqual(['i1', 'i2']);
      expect((await repository.listVerifications({ limit: 2, after: { createdAt: 1000, id: 'i2' } })).map((row) => row.id)).toEqual(['i3', 'i4']);
      expect((await repository.listVerifications({ limit: 9, userId: 'u1', since: 2000 })).map((row) => row.id)).toEqual(['i3', 'i4']);
      await repository.completeVerification({ id: 'i3', to: 'PASSED', updatedAt: 3500, alipayTraceId: null });
      expect((await repository.listVerifications({ limit: 9, status: 'PASSED' })).map((row) => row.id)).toEqual(['i3']);
      expect((await repository.findLatestPassed('u1'))?.id).toBe('i3');
      expect(await repository.findLatestPassed('u2')).toBeUndefined();
    });

    it('pages webhook events in (createdAt, id) order after the cursor', async () => {
      for (const [id, at] of [['p2', 2000], ['p1', 1000], ['p3', 2000]] as const) {
        await repository.insertVerification(pendingVerification(id));
        await repository.completeVerification({ id, to: 'PASSED', updatedAt: at, alipayTraceId: null, event: event(`msg_${id}`, id, at) });
      }
      expect((await repository.listWebhookEvents({ state: 'PENDING', limit: 2 })).map((row) => row.id)).toEqual(['msg_p1', 'msg_p2']);
      expect((await repository.listWebhookEvents({ state: 'PENDING', limit: 5, after: { createdAt: 2000, id: 'msg_p2' } })).map((row) => row.id)).toEqual(['msg_p3']);
    });

    it("deletes one user's records and nobody else's", async () => {
      await repository.insertAttempt(attempt('j1', { userId: 'u1' }));
      await repository.completeAttempt(pendingVerification('j1', { userId: 'u1' }), {
        nextCheckAt: null,
        idempotency: { userId: 'u1', key: 'kj', bodyHash: 'h', statusCode: 201, responseJson: '{}', createdAt: 1000 },
      });
      await repository.completeVerification({ id: 'j1', to: 'PASSED', updatedAt: 1500, alipayTraceId: null, event: { ...event('msg_j1', 'j1', 1500), userId: 'u1' } });
      await repository.insertVerification(pendingVerification('j2', { userId: 'u2' }));
      expect(await repository.deleteUserRecords('u1')).toEqual({ verifications: 1, webhookEvents: 1, attempts: 1 });
      expect(await repository.findVerification('j1')).toBeUndefined();
      expect(await repository.findStatusHistory('j1')).toEqual([]);
      expect(await repository.findIdempotency('u1', 'kj')).toBeUndefined();
      expect(await repository.findVerification('j2')).toBeDefined();
    });

    it('purges verifications created before the cutoff with their events, history and attempts', async () => {
      await repository.insertAttempt(attempt('k1', { createdAt: 1000 }));
      await repository.completeAttempt(pendingVerification('k1', { createdAt: 1000 }), { nextCheckAt: null });
      await repository.completeVerification({ id: 'k1', to: 'PASSED', updatedAt: 1500, alipayTraceId: null, event: event('msg_k1', 'k1', 1500) });
      await repository.insertVerification(pendingVerification('k2', { createdAt: 9000 }));
      expect(await repository.purgeVerificationsBefore(5000)).toEqual({ verifications: 1, webhookEvents: 1, attempts: 1 });
      expect(await repository.findWebhookEvent('msg_k1')).toBeUndefined();
      expect(await repository.findStatusHistory('k1')).toEqual([]);
      expect(await repository.findVerification('k2')).toBeDefined();
    });

    it('stores API keys by hash, lists, touches and revokes them once', async () => {
      await repository.insertApiKey({ id: 'key1', secretHash: 'aa', name: 'back office', scopes: ['verifications:read', 'webhooks:replay'], createdAt: 1, revokedAt: null, lastUsedAt: null });
      expect(await repository.findApiKey('key1')).toMatchObject({ scopes: ['verifications:read', 'webhooks:replay'], revokedAt: null });
      await repository.touchApiKey('key1', 3);
      expect(await repository.findApiKey('key1')).toMatchObject({ lastUsedAt: 3 });
      expect(await repository.revokeApiKey('key1', 5)).toBe(true);
      expect(await repository.revokeApiKey('key1', 6)).toBe(false);
      expect(await repository.revokeApiKey('none', 6)).toBe(false);
      expect((await repository.listApiKeys()).map((key) => [key.id, key.revokedAt])).toEqual([['key1', 5]]);
      await expect(repository.insertApiKey({ id: 'key2', secretHash: 'aa', name: 'dup', scopes: [], createdAt: 2, revokedAt: null, lastUsedAt: null })).rejects.toMatchObject({
        code: engine.uniqueViolation,
      });
    });
  });
});
