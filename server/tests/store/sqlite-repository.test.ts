/**
 * What only the embedded SQLite store has: a file migrated from an older schema, and the
 * partial index its live-verification lookup reads through. The Repository contract itself,
 * on SQLite and PostgreSQL alike, is repository-contract.test.ts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { MIGRATIONS, openSqliteRepository } from '../../src/store/sqlite-repository';

describe('the sqlite store', () => {
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
