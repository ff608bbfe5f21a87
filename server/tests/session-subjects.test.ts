/**
 * Who a session is bound to, through the public API against the emulator: `open_id` for an
 * app created since 2023–24 (the emulator's default, as the real gateway's), `user_id` for
 * older apps, and the two in separate namespaces. And the migration that moves rows stored
 * before the namespaces into `uid:`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { CreateVerificationResponse } from '../../utils/api-contract';
import { makeCertNo, TEST_NAMES } from '../../tests/support/identities';
import { openIdForAuthCode, userIdForAuthCode } from '../src/emulator/gateway';
import { MIGRATIONS, openSqliteRepository } from '../src/store/sqlite-repository';
import { Harness, startHarness } from './support/harness';

let harness: Harness;

beforeEach(async () => {
  harness = await startHarness();
});

afterEach(async () => {
  await harness.close();
});

/** Logs in with `authCode`, starts a verification, and returns the subject it was stored under. */
async function subjectAfterLogin(authCode: string, seed: number): Promise<string> {
  const token = await harness.login(authCode);
  const created = await harness.createVerification(token, { certName: TEST_NAMES[seed % TEST_NAMES.length], certNo: makeCertNo(900 + seed) });
  expect(created.statusCode).toBe(201);
  const record = await harness.repository.findVerification(created.json<CreateVerificationResponse>().verificationId);
  return record?.userId ?? '';
}

it('binds a new app\'s session to open_id, in the oid: namespace', async () => {
  expect(await subjectAfterLogin('new-app-user', 1)).toBe(`oid:${openIdForAuthCode('new-app-user')}`);
});

it('binds to user_id when Alipay gives it, alone or beside open_id, in the uid: namespace', async () => {
  await harness.setSettings({ oauthIdentity: 'user_id' });
  expect(await subjectAfterLogin('old-app-user', 2)).toBe(`uid:${userIdForAuthCode('old-app-user')}`);
  await harness.setSettings({ oauthIdentity: 'both' });
  expect(await subjectAfterLogin('old-app-user', 3)).toBe(`uid:${userIdForAuthCode('old-app-user')}`);
});

it('keeps the two namespaces apart: the same person by open_id and by user_id cannot see each other\'s verifications', async () => {
  const openToken = await harness.login('same-person');
  const created = await harness.createVerification(openToken, { certName: TEST_NAMES[0], certNo: makeCertNo(950) });
  await harness.setSettings({ oauthIdentity: 'user_id' });
  const userToken = await harness.login('same-person');
  const seen = await harness.getVerification(userToken, created.json<CreateVerificationResponse>().verificationId);
  expect(seen.statusCode).toBe(404);
  expect(seen.json<{ error: { code: string } }>().error.code).toBe('NOT_FOUND');
});

it('moves sessions, verifications and idempotency records stored before the namespaces into uid:', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'verify-subjects-')), 'verifications.sqlite');
  // The file as the release before 0002 wrote it: bare user ids, and none of the migrations
  // from 0002 on applied.
  const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(file) }) });
  const { error } = await new Migrator({ db: old, provider: { getMigrations: async () => MIGRATIONS } }).migrateTo('0001_initial');
  expect(error).toBeUndefined();
  await sql`insert into verifications (id, user_id, outer_order_no, certify_id, cert_type, biz_code, cert_no_hmac, cert_no_masked,
      status, created_at, updated_at, expires_at) values ('old', '2088000000000009', 'IVold', 'certifyold', 'IDENTITY_CARD', 'FACE', 'h', 'm',
      'PENDING', 1, 1, 2)`.execute(old);
  await sql`insert into sessions (token_hash, user_id, created_at, expires_at) values ('h', '2088000000000009', 1, 9999999999999)`.execute(old);
  await old.destroy();

  const migrated = await openSqliteRepository(file);
  try {
    // 0003 onwards leave an old row unmatched for reuse, without a guardian's consent or a consent record.
    expect(await migrated.findVerification('old')).toMatchObject({
      userId: 'uid:2088000000000009',
      identityHmac: null,
      guardianConsent: false,
      consentVersion: null,
      consentedAt: null,
    });
    expect((await migrated.findSession('h'))?.userId).toBe('uid:2088000000000009');
  } finally {
    await migrated.close();
  }
});
