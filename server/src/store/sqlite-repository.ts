/**
 * The embedded Repository: Kysely over better-sqlite3, one file under DATA_DIR, migrated at
 * start. Every write is committed before the route answers, so a crash or restart never
 * loses a verification that a client was told about. Writes from concurrent requests share
 * one COMMIT (group-commit.ts); reads go through Kysely.
 */
import Database from 'better-sqlite3';
import { Generated, Kysely, Migration, Migrator, RawBuilder, SqliteDialect, sql } from 'kysely';
import { VerificationStatus } from '../../../utils/api-contract';
import { CertType } from '../../../utils/identity';
import { createGroupCommitter } from './group-commit';
import { ensurePrivateFile } from './private-file';
import { IdempotencyRecord, LiveVerificationQuery, Repository, SessionRecord, StatusChange, VerificationRecord } from './repository';
import { cacheStatements } from './statement-cache';

interface SessionsTable {
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}

interface VerificationsTable {
  id: string;
  user_id: string;
  outer_order_no: string;
  certify_id: string;
  cert_type: string;
  biz_code: string;
  cert_no_hmac: string;
  identity_hmac: string | null;
  cert_no_masked: string;
  status: string;
  created_at: number;
  updated_at: number;
  expires_at: number;
  alipay_trace_id: string | null;
  /** 1 when a guardian consented for a holder under 14, else 0. */
  guardian_consent: number;
  /** Null on rows from before 0005_consent_record. */
  consent_version: string | null;
  consented_at: number | null;
}

interface IdempotencyTable {
  user_id: string;
  idempotency_key: string;
  body_hash: string;
  status_code: number;
  response_json: string;
  created_at: number;
}

interface Tables {
  sessions: SessionsTable;
  verifications: VerificationsTable;
  idempotency_records: IdempotencyTable;
  kysely_migration: { name: string; timestamp: Generated<string> };
}

/** Schema history. Append new migrations; never edit an applied one. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', 'text', (column) => column.primaryKey())
        .addColumn('user_id', 'text', (column) => column.notNull())
        .addColumn('created_at', 'integer', (column) => column.notNull())
        .addColumn('expires_at', 'integer', (column) => column.notNull())
        .execute();
      await db.schema
        .createTable('verifications')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('user_id', 'text', (column) => column.notNull())
        .addColumn('outer_order_no', 'text', (column) => column.notNull().unique())
        .addColumn('certify_id', 'text', (column) => column.notNull().unique())
        .addColumn('cert_type', 'text', (column) => column.notNull())
        .addColumn('biz_code', 'text', (column) => column.notNull())
        .addColumn('cert_no_hmac', 'text', (column) => column.notNull())
        .addColumn('cert_no_masked', 'text', (column) => column.notNull())
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('created_at', 'integer', (column) => column.notNull())
        .addColumn('updated_at', 'integer', (column) => column.notNull())
        .addColumn('expires_at', 'integer', (column) => column.notNull())
        .addColumn('alipay_trace_id', 'text')
        .execute();
      await db.schema.createIndex('verifications_user_id').on('verifications').column('user_id').execute();
      await db.schema
        .createTable('idempotency_records')
        .addColumn('user_id', 'text', (column) => column.notNull())
        .addColumn('idempotency_key', 'text', (column) => column.notNull())
        .addColumn('body_hash', 'text', (column) => column.notNull())
        .addColumn('status_code', 'integer', (column) => column.notNull())
        .addColumn('response_json', 'text', (column) => column.notNull())
        .addColumn('created_at', 'integer', (column) => column.notNull())
        .addPrimaryKeyConstraint('idempotency_records_pk', ['user_id', 'idempotency_key'])
        .execute();
    },
  },
  // Sessions now bind to `uid:<user_id>` or `oid:<open_id>` (session-service.ts). Rows from
  // before were all bound to a bare user_id, so they move into the uid namespace.
  '0002_namespaced_subjects': {
    async up(db: Kysely<unknown>) {
      for (const table of ['sessions', 'verifications', 'idempotency_records']) {
        await sql`update ${sql.table(table)} set user_id = 'uid:' || user_id where user_id not like '%:%'`.execute(db);
      }
    },
  },
  // A new verification for the same user, name and number reuses a live PENDING one instead
  // of paying for another initialize. Rows from before have no identity_hmac and are never
  // reused. The index holds PENDING rows only (the lookup names status = 'PENDING' literally,
  // which a partial index needs), so it stays small however many settled rows pile up.
  '0003_live_verification_lookup': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('verifications').addColumn('identity_hmac', 'text').execute();
      await sql`create index verifications_live on verifications (user_id, cert_no_hmac, expires_at) where status = 'PENDING'`.execute(db);
    },
  },
  // PIPL art. 31: whether a guardian consented for a holder under 14. Rows from before were
  // all started without one.
  '0004_guardian_consent': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('verifications')
        .addColumn('guardian_consent', 'integer', (column) => column.notNull().defaultTo(0))
        .execute();
    },
  },
  // Which data notice the person agreed to (its version, a hash of its text) and when. Rows
  // from before have none: their consent was a checkbox whose text was not recorded.
  '0005_consent_record': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('verifications').addColumn('consent_version', 'text').execute();
      await db.schema.alterTable('verifications').addColumn('consented_at', 'integer').execute();
    },
  },
};

function toVerification(row: VerificationsTable): VerificationRecord {
  return {
    id: row.id,
    userId: row.user_id,
    outerOrderNo: row.outer_order_no,
    certifyId: row.certify_id,
    certType: row.cert_type as CertType,
    bizCode: row.biz_code,
    certNoHmac: row.cert_no_hmac,
    identityHmac: row.identity_hmac,
    certNoMasked: row.cert_no_masked,
    status: row.status as VerificationStatus,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
    alipayTraceId: row.alipay_trace_id,
    guardianConsent: row.guardian_consent === 1,
    consentVersion: row.consent_version,
    consentedAt: row.consented_at,
  };
}

// The reads every request runs (lookups by key) skip Kysely's query builder: building and
// compiling their query objects took about a third of this layer's CPU per verification.
// Their SQL text never varies, so their statements stay cached.

/** The first row a raw query returns, if any: executeTakeFirst for `sql` templates. */
async function takeFirst<Row>(db: Kysely<Tables>, query: RawBuilder<Row>): Promise<Row | undefined> {
  const { rows } = await query.execute(db);
  return rows[0];
}

/**
 * Every write, as a statement compiled once. Writes run through the group committer
 * (group-commit.ts) on better-sqlite3 directly, because a Kysely transaction spans awaits
 * and could not share one COMMIT with other requests' writes.
 */
function prepareWrites(database: Database.Database) {
  return {
    insertSession: database.prepare<[string, string, number, number]>(
      'insert into sessions (token_hash, user_id, created_at, expires_at) values (?, ?, ?, ?)',
    ),
    insertVerification: database.prepare<[VerificationsTable]>(
      `insert into verifications (id, user_id, outer_order_no, certify_id, cert_type, biz_code, cert_no_hmac,
        identity_hmac, cert_no_masked, status, created_at, updated_at, expires_at, alipay_trace_id, guardian_consent,
        consent_version, consented_at)
       values (@id, @user_id, @outer_order_no, @certify_id, @cert_type, @biz_code, @cert_no_hmac,
        @identity_hmac, @cert_no_masked, @status, @created_at, @updated_at, @expires_at, @alipay_trace_id, @guardian_consent,
        @consent_version, @consented_at)`,
    ),
    insertIdempotency: database.prepare<[IdempotencyTable]>(
      `insert into idempotency_records (user_id, idempotency_key, body_hash, status_code, response_json, created_at)
       values (@user_id, @idempotency_key, @body_hash, @status_code, @response_json, @created_at)`,
    ),
    completeVerification: database.prepare<[string, number, string | null, string]>(
      "update verifications set status = ?, updated_at = ?, alipay_trace_id = ? where id = ? and status = 'PENDING'",
    ),
    purgeSessions: database.prepare<[number]>('delete from sessions where expires_at <= ?'),
    purgeIdempotency: database.prepare<[number]>('delete from idempotency_records where created_at < ?'),
  };
}

function toIdempotencyRow(record: IdempotencyRecord): IdempotencyTable {
  return {
    user_id: record.userId,
    idempotency_key: record.key,
    body_hash: record.bodyHash,
    status_code: record.statusCode,
    response_json: record.responseJson,
    created_at: record.createdAt,
  };
}

/** Duck-typed: the native addon's errors may come from another realm (jest), failing instanceof. */
function isPrimaryKeyViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * Opens (creating if needed) and migrates the database.
 * @param filename a file path, or ':memory:' for tests
 */
export async function openSqliteRepository(filename: string): Promise<Repository> {
  ensurePrivateFile(filename);
  const database = new Database(filename);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('busy_timeout = 5000');
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: cacheStatements(database) }) });
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    throw error;
  }

  const writes = prepareWrites(database);
  const committer = createGroupCommitter(database);

  return {
    async insertSession(session: SessionRecord) {
      await committer.run(() => writes.insertSession.run(session.tokenHash, session.userId, session.createdAt, session.expiresAt));
    },

    async findSession(tokenHash) {
      const row = await takeFirst(db, sql<SessionsTable>`select * from sessions where token_hash = ${tokenHash}`);
      return row && { tokenHash: row.token_hash, userId: row.user_id, createdAt: row.created_at, expiresAt: row.expires_at };
    },

    async insertVerification(verification, idempotency) {
      try {
        await committer.run(() => {
          if (idempotency) writes.insertIdempotency.run(toIdempotencyRow(idempotency));
          writes.insertVerification.run({
            id: verification.id,
            user_id: verification.userId,
            outer_order_no: verification.outerOrderNo,
            certify_id: verification.certifyId,
            cert_type: verification.certType,
            biz_code: verification.bizCode,
            cert_no_hmac: verification.certNoHmac,
            identity_hmac: verification.identityHmac,
            cert_no_masked: verification.certNoMasked,
            status: verification.status,
            created_at: verification.createdAt,
            updated_at: verification.updatedAt,
            expires_at: verification.expiresAt,
            alipay_trace_id: verification.alipayTraceId,
            guardian_consent: verification.guardianConsent ? 1 : 0,
            consent_version: verification.consentVersion,
            consented_at: verification.consentedAt,
          });
        });
        return true;
      } catch (error) {
        if (idempotency && isPrimaryKeyViolation(error)) return false;
        throw error;
      }
    },

    async findVerification(id) {
      const row = await takeFirst(db, sql<VerificationsTable>`select * from verifications where id = ${id}`);
      return row && toVerification(row);
    },

    async completeVerification(change: StatusChange) {
      const { changes } = await committer.run(() =>
        writes.completeVerification.run(change.to, change.updatedAt, change.alipayTraceId, change.id),
      );
      return changes === 1;
    },

    async findLiveVerification(query: LiveVerificationQuery) {
      // status = 'PENDING' is written literally so SQLite can use the partial index verifications_live.
      const row = await takeFirst(
        db,
        sql<VerificationsTable>`select * from verifications
          where user_id = ${query.userId} and cert_no_hmac = ${query.certNoHmac} and status = 'PENDING'
            and expires_at > ${query.expiresAfter} and identity_hmac = ${query.identityHmac}
            and biz_code = ${query.bizCode} and cert_type = ${query.certType}
          order by expires_at desc limit 1`,
      );
      return row && toVerification(row);
    },

    async findIdempotency(userId, key): Promise<IdempotencyRecord | undefined> {
      const row = await takeFirst(
        db,
        sql<IdempotencyTable>`select * from idempotency_records where user_id = ${userId} and idempotency_key = ${key}`,
      );
      return (
        row && {
          userId: row.user_id,
          key: row.idempotency_key,
          bodyHash: row.body_hash,
          statusCode: row.status_code,
          responseJson: row.response_json,
          createdAt: row.created_at,
        }
      );
    },

    async insertIdempotency(idempotency) {
      try {
        await committer.run(() => writes.insertIdempotency.run(toIdempotencyRow(idempotency)));
        return true;
      } catch (error) {
        if (isPrimaryKeyViolation(error)) return false;
        throw error;
      }
    },

    async purgeExpired(now, idempotencyCutoff) {
      return committer.run(() => ({
        sessions: writes.purgeSessions.run(now).changes,
        idempotencyRecords: writes.purgeIdempotency.run(idempotencyCutoff).changes,
      }));
    },

    async close() {
      committer.flush();
      await db.destroy();
    },
  };
}
