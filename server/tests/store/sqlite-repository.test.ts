/**
 * The SQLite repository: unique outer_order_no, terminal states that never move, the
 * idempotency key constraint, the purge of expired sessions and idempotency records, and the
 * lookup of a live verification to reuse (through its partial index).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { LiveVerificationQuery, Repository } from '../../src/store/repository';
import { MIGRATIONS, openSqliteRepository } from '../../src/store/sqlite-repository';
import { pendingVerification } from '../support/records';

let repository: Repository;

beforeEach(async () => {
  repository = await openSqliteRepository(':memory:');
});

afterEach(async () => {
  await repository.close();
});

describe('sqlite repository', () => {
  it('refuses a second verification with the same outer_order_no', async () => {
    await repository.insertVerification(pendingVerification('1'));
    await expect(repository.insertVerification(pendingVerification('2', { outerOrderNo: pendingVerification('1').outerOrderNo }))).rejects.toMatchObject({
      code: 'SQLITE_CONSTRAINT_UNIQUE',
    });
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

  it('stores and reads back the guardian consent', async () => {
    await repository.insertVerification(pendingVerification('15', { guardianConsent: true }));
    expect(await repository.findVerification('15')).toMatchObject({ guardianConsent: true });
  });

  it('stores and reads back the consent record', async () => {
    await repository.insertVerification(pendingVerification('16', { consentVersion: '0123456789abcdef', consentedAt: 1234 }));
    expect(await repository.findVerification('16')).toMatchObject({ consentVersion: '0123456789abcdef', consentedAt: 1234 });
  });

  it('migrates a database from before the consent record: its rows read as having none, with a history and due for a re-query', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'verify-consent-')), 'verifications.sqlite');
    // The file as it was before 0005_consent_record, holding one row of then.
    const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(file) }) });
    const { error } = await new Migrator({ db: old, provider: { getMigrations: async () => MIGRATIONS } }).migrateTo('0004_guardian_consent');
    expect(error).toBeUndefined();
    await sql`insert into verifications (id, user_id, outer_order_no, certify_id, cert_type, biz_code, cert_no_hmac, cert_no_masked,
        status, created_at, updated_at, expires_at) values ('old', 'uid:1', 'IVold', 'certifyold', 'IDENTITY_CARD', 'FACE', 'h', 'm',
        'PENDING', 1, 1, 2)`.execute(old);
    await old.destroy();
    const migrated = await openSqliteRepository(file);
    try {
      expect(await migrated.findVerification('old')).toMatchObject({ consentVersion: null, consentedAt: null });
      expect(await migrated.findStatusHistory('old')).toEqual([{ status: 'PENDING', at: 1 }]);
      expect(await migrated.findEarliestDueCheck()).toBe(1);
    } finally {
      await migrated.close();
    }
  });

  it('reads through the partial index of PENDING rows', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'verify-index-')), 'verifications.sqlite');
    await (await openSqliteRepository(file)).close();
    const database = new Database(file, { readonly: true });
    try {
      const plan = database
        .prepare(
          `explain query plan select * from verifications
            where user_id = ? and cert_no_hmac = ? and status = 'PENDING' and expires_at > ? and identity_hmac = ?
              and biz_code = ? and cert_type = ? order by expires_at desc limit 1`,
        )
        .all('u', 'h', 0, 'i', 'FACE', 'IDENTITY_CARD') as { detail: string }[];
      expect(plan.map((row) => row.detail).join('\n')).toContain('USING INDEX verifications_live');
    } finally {
      database.close();
    }
  });
});

describe('an idempotency record on its own', () => {
  it('is stored once; the same key again stores nothing', async () => {
    const record = { userId: 'u', key: 'k', bodyHash: 'h', statusCode: 200, responseJson: '{"reused":true}', createdAt: 1000 };
    expect(await repository.insertIdempotency(record)).toBe(true);
    expect(await repository.insertIdempotency({ ...record, responseJson: '{}' })).toBe(false);
    expect(await repository.findIdempotency('u', 'k')).toEqual(record);
  });
});
