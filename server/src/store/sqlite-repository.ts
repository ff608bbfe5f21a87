/**
 * The embedded Repository: Kysely over better-sqlite3, one file under DATA_DIR, migrated at
 * start. Every write is committed before the route answers, so a crash or restart never
 * loses a verification that a client was told about.
 */
import Database from 'better-sqlite3';
import { CompiledQuery, Generated, Kysely, Migration, Migrator, RawBuilder, SqliteDialect, Transaction, sql } from 'kysely';
import { VerificationStatus } from '../../../utils/api-contract';
import { CertType } from '../../../utils/identity';
import { IdempotencyRecord, Repository, SessionRecord, StatusChange, VerificationRecord } from './repository';
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
  cert_no_masked: string;
  status: string;
  created_at: number;
  updated_at: number;
  expires_at: number;
  alipay_trace_id: string | null;
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
    certNoMasked: row.cert_no_masked,
    status: row.status as VerificationStatus,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
    alipayTraceId: row.alipay_trace_id,
  };
}

// The queries every request runs (lookups by key, the verification insert) skip Kysely's
// query builder: building and compiling their query objects took about a third of this
// layer's CPU per verification. Their SQL text never varies, so their statements stay cached.

/** The first row a raw query returns, if any: executeTakeFirst for `sql` templates. */
async function takeFirst<Row>(db: Kysely<Tables>, query: RawBuilder<Row>): Promise<Row | undefined> {
  const { rows } = await query.execute(db);
  return rows[0];
}

/** Inserts one row, leaving out undefined columns as Kysely's `values()` does. */
async function insertRow<Table extends 'verifications' | 'idempotency_records'>(
  trx: Transaction<Tables>,
  table: Table,
  row: Tables[Table],
): Promise<void> {
  const columns: string[] = [];
  const values: unknown[] = [];
  for (const [column, value] of Object.entries(row)) {
    if (value === undefined) continue;
    columns.push(`"${column}"`);
    values.push(value);
  }
  const placeholders = values.map(() => '?').join(', ');
  await trx.executeQuery(CompiledQuery.raw(`insert into "${table}" (${columns.join(', ')}) values (${placeholders})`, values));
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

  return {
    async insertSession(session: SessionRecord) {
      await db
        .insertInto('sessions')
        .values({ token_hash: session.tokenHash, user_id: session.userId, created_at: session.createdAt, expires_at: session.expiresAt })
        .execute();
    },

    async findSession(tokenHash) {
      const row = await takeFirst(db, sql<SessionsTable>`select * from sessions where token_hash = ${tokenHash}`);
      return row && { tokenHash: row.token_hash, userId: row.user_id, createdAt: row.created_at, expiresAt: row.expires_at };
    },

    async insertVerification(verification, idempotency) {
      try {
        await db.transaction().execute(async (trx) => {
          if (idempotency) {
            await insertRow(trx, 'idempotency_records', {
              user_id: idempotency.userId,
              idempotency_key: idempotency.key,
              body_hash: idempotency.bodyHash,
              status_code: idempotency.statusCode,
              response_json: idempotency.responseJson,
              created_at: idempotency.createdAt,
            });
          }
          await insertRow(trx, 'verifications', {
            id: verification.id,
            user_id: verification.userId,
            outer_order_no: verification.outerOrderNo,
            certify_id: verification.certifyId,
            cert_type: verification.certType,
            biz_code: verification.bizCode,
            cert_no_hmac: verification.certNoHmac,
            cert_no_masked: verification.certNoMasked,
            status: verification.status,
            created_at: verification.createdAt,
            updated_at: verification.updatedAt,
            expires_at: verification.expiresAt,
            alipay_trace_id: verification.alipayTraceId,
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
      const result = await db
        .updateTable('verifications')
        .set({ status: change.to, updated_at: change.updatedAt, alipay_trace_id: change.alipayTraceId })
        .where('id', '=', change.id)
        .where('status', '=', 'PENDING')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
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

    async purgeExpired(now, idempotencyCutoff) {
      const sessions = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
      const records = await db.deleteFrom('idempotency_records').where('created_at', '<', idempotencyCutoff).executeTakeFirst();
      return { sessions: Number(sessions.numDeletedRows), idempotencyRecords: Number(records.numDeletedRows) };
    },

    async close() {
      await db.destroy();
    },
  };
}
