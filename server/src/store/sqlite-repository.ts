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
import {
  ApiKeyRecord,
  AttemptState,
  DeletedRecords,
  IdempotencyRecord,
  InitializeAttempt,
  LiveVerificationQuery,
  Repository,
  SessionRecord,
  StatusChangeWithEvent,
  VerificationRecord,
  WebhookEventRecord,
  WebhookEventState,
  WebhookEventType,
} from './repository';
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

/** The reconciler's bookkeeping on a verification (0008_reconcile_schedule). */
interface ScheduleColumns {
  next_check_at: number | null;
  check_count: number;
  check_failures: number;
  claimed_by: string | null;
  lease_until: number | null;
}

interface AttemptsTable {
  id: string;
  user_id: string;
  outer_order_no: string;
  cert_no_hmac: string;
  idempotency_key: string | null;
  state: string;
  error_code: string | null;
  created_at: number;
  updated_at: number;
}

interface StatusHistoryTable {
  verification_id: string;
  status: string;
  at: number;
}

interface WebhookEventsTable {
  id: string;
  verification_id: string;
  user_id: string;
  type: string;
  payload_json: string;
  state: string;
  attempts: number;
  next_attempt_at: number | null;
  retry_window_start: number;
  last_error: string | null;
  delivered_at: number | null;
  created_at: number;
  claimed_by: string | null;
  lease_until: number | null;
}

interface ApiKeysTable {
  id: string;
  secret_hash: string;
  name: string;
  /** Space-separated, as OAuth writes scopes. */
  scopes: string;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

interface Tables {
  sessions: SessionsTable;
  verifications: VerificationsTable & ScheduleColumns;
  idempotency_records: IdempotencyTable;
  initialize_attempts: AttemptsTable;
  verification_status_history: StatusHistoryTable;
  webhook_events: WebhookEventsTable;
  api_keys: ApiKeysTable;
  kysely_migration: { name: string; timestamp: Generated<string> };
}

/** Schema history. Append new migrations; never edit an applied one. Exported for migration tests. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
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
  // Every paid initialize call is written down (INITIALIZING) and committed before it is made,
  // then settled. At most one INITIALIZING attempt per user and Idempotency-Key, across
  // processes, by a partial unique index (NULL keys never collide). Settled states never
  // move, for attempts and verifications alike: triggers refuse it whoever writes.
  '0006_initialize_attempts': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('initialize_attempts')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('user_id', 'text', (column) => column.notNull())
        .addColumn('outer_order_no', 'text', (column) => column.notNull().unique())
        .addColumn('cert_no_hmac', 'text', (column) => column.notNull())
        .addColumn('idempotency_key', 'text')
        .addColumn('state', 'text', (column) => column.notNull().check(sql`state in ('INITIALIZING', 'INITIALIZED', 'FAILED')`))
        .addColumn('error_code', 'text')
        .addColumn('created_at', 'integer', (column) => column.notNull())
        .addColumn('updated_at', 'integer', (column) => column.notNull())
        .execute();
      await sql`create unique index initialize_attempts_live_key on initialize_attempts (user_id, idempotency_key) where state = 'INITIALIZING'`.execute(db);
      await sql`create index initialize_attempts_initializing on initialize_attempts (created_at) where state = 'INITIALIZING'`.execute(db);
      await db.schema.createIndex('initialize_attempts_user_id').on('initialize_attempts').column('user_id').execute();
      await sql`create trigger initialize_attempts_settled before update of state on initialize_attempts
        when old.state <> 'INITIALIZING' and new.state <> old.state
        begin select raise(abort, 'a settled attempt never moves'); end`.execute(db);
      await sql`create trigger verifications_terminal before update of status on verifications
        when old.status <> 'PENDING' and new.status <> old.status
        begin select raise(abort, 'a terminal status never moves'); end`.execute(db);
    },
  },
  // The statuses each verification had and since when, for the merchant API. Rows from before
  // get theirs from what the row says: PENDING at creation, its final status at its last update.
  '0007_status_history': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('verification_status_history')
        .addColumn('verification_id', 'text', (column) => column.notNull())
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('at', 'integer', (column) => column.notNull())
        .addPrimaryKeyConstraint('verification_status_history_pk', ['verification_id', 'status'])
        .execute();
      await sql`insert into verification_status_history (verification_id, status, at)
        select id, 'PENDING', created_at from verifications`.execute(db);
      await sql`insert into verification_status_history (verification_id, status, at)
        select id, status, updated_at from verifications where status <> 'PENDING'`.execute(db);
      await db.schema.createIndex('verifications_created').on('verifications').columns(['created_at', 'id']).execute();
    },
  },
  // The reconciler's schedule lives in the row, so a restart loses no due time, and its lease
  // (claimed_by, lease_until) keeps two processes from re-querying one verification at once.
  // PENDING rows from before are due at once.
  '0008_reconcile_schedule': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('verifications').addColumn('next_check_at', 'integer').execute();
      await db.schema.alterTable('verifications').addColumn('check_count', 'integer', (column) => column.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('verifications').addColumn('check_failures', 'integer', (column) => column.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('verifications').addColumn('claimed_by', 'text').execute();
      await db.schema.alterTable('verifications').addColumn('lease_until', 'integer').execute();
      await sql`update verifications set next_check_at = updated_at where status = 'PENDING'`.execute(db);
      await sql`create index verifications_due on verifications (next_check_at) where status = 'PENDING'`.execute(db);
    },
  },
  // The webhook outbox: written in the transaction of the status change it announces, one
  // event per verification and type, delivered (at least once) by the webhook worker.
  '0009_webhook_outbox': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('webhook_events')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('verification_id', 'text', (column) => column.notNull())
        .addColumn('user_id', 'text', (column) => column.notNull())
        .addColumn('type', 'text', (column) => column.notNull())
        .addColumn('payload_json', 'text', (column) => column.notNull())
        .addColumn('state', 'text', (column) => column.notNull().check(sql`state in ('PENDING', 'DELIVERED', 'DEAD')`))
        .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'integer')
        .addColumn('retry_window_start', 'integer', (column) => column.notNull())
        .addColumn('last_error', 'text')
        .addColumn('delivered_at', 'integer')
        .addColumn('created_at', 'integer', (column) => column.notNull())
        .addColumn('claimed_by', 'text')
        .addColumn('lease_until', 'integer')
        .addUniqueConstraint('webhook_events_one_per_type', ['verification_id', 'type'])
        .execute();
      await sql`create index webhook_events_due on webhook_events (next_attempt_at) where state = 'PENDING'`.execute(db);
      await db.schema.createIndex('webhook_events_by_state').on('webhook_events').columns(['state', 'created_at', 'id']).execute();
      await db.schema.createIndex('webhook_events_user_id').on('webhook_events').column('user_id').execute();
    },
  },
  // API keys of the merchant API: the SHA-256 of each key, never the key.
  '0010_api_keys': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('secret_hash', 'text', (column) => column.notNull().unique())
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('scopes', 'text', (column) => column.notNull())
        .addColumn('created_at', 'integer', (column) => column.notNull())
        .addColumn('revoked_at', 'integer')
        .addColumn('last_used_at', 'integer')
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

function toAttempt(row: AttemptsTable): InitializeAttempt {
  return {
    id: row.id,
    userId: row.user_id,
    outerOrderNo: row.outer_order_no,
    certNoHmac: row.cert_no_hmac,
    idempotencyKey: row.idempotency_key,
    state: row.state as AttemptState,
    errorCode: row.error_code,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toWebhookEvent(row: WebhookEventsTable): WebhookEventRecord {
  return {
    id: row.id,
    verificationId: row.verification_id,
    userId: row.user_id,
    type: row.type as WebhookEventType,
    payloadJson: row.payload_json,
    state: row.state as WebhookEventState,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    retryWindowStart: row.retry_window_start,
    lastError: row.last_error,
    deliveredAt: row.delivered_at,
    createdAt: row.created_at,
  };
}

function toApiKey(row: ApiKeysTable): ApiKeyRecord {
  return {
    id: row.id,
    secretHash: row.secret_hash,
    name: row.name,
    scopes: row.scopes.split(' ').filter(Boolean),
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

function toVerificationRow(verification: VerificationRecord, nextCheckAt: number | null): VerificationsTable & { next_check_at: number | null } {
  return {
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
    next_check_at: nextCheckAt,
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
        consent_version, consented_at, next_check_at)
       values (@id, @user_id, @outer_order_no, @certify_id, @cert_type, @biz_code, @cert_no_hmac,
        @identity_hmac, @cert_no_masked, @status, @created_at, @updated_at, @expires_at, @alipay_trace_id, @guardian_consent,
        @consent_version, @consented_at, @next_check_at)`,
    ),
    insertHistory: database.prepare<[string, string, number]>(
      'insert into verification_status_history (verification_id, status, at) values (?, ?, ?)',
    ),
    // ON CONFLICT DO NOTHING (SQLite and PostgreSQL alike): a taken key stores nothing, and says so by changes = 0.
    insertIdempotencyIfAbsent: database.prepare<[IdempotencyTable]>(
      `insert into idempotency_records (user_id, idempotency_key, body_hash, status_code, response_json, created_at)
       values (@user_id, @idempotency_key, @body_hash, @status_code, @response_json, @created_at)
       on conflict do nothing`,
    ),
    insertAttempt: database.prepare<[AttemptsTable]>(
      `insert into initialize_attempts (id, user_id, outer_order_no, cert_no_hmac, idempotency_key, state, error_code, created_at, updated_at)
       values (@id, @user_id, @outer_order_no, @cert_no_hmac, @idempotency_key, @state, @error_code, @created_at, @updated_at)`,
    ),
    settleAttempt: database.prepare<[string, string | null, number, string]>(
      "update initialize_attempts set state = ?, error_code = ?, updated_at = ? where id = ? and state = 'INITIALIZING'",
    ),
    failInterruptedAttempts: database.prepare<[number, number]>(
      "update initialize_attempts set state = 'FAILED', error_code = 'INTERRUPTED', updated_at = ? where state = 'INITIALIZING' and created_at < ?",
    ),
    claimDueVerifications: database.prepare<[string, number, number, number, number]>(
      `update verifications set claimed_by = ?, lease_until = ?
       where id in (
         select id from verifications
         where status = 'PENDING' and next_check_at <= ? and (lease_until is null or lease_until <= ?)
         order by next_check_at limit ?)
       returning *`,
    ),
    rescheduleCheck: database.prepare<[number | null, number, number, string, string]>(
      `update verifications set next_check_at = ?, check_count = ?, check_failures = ?, claimed_by = null, lease_until = null
       where id = ? and claimed_by = ?`,
    ),
    insertWebhookEvent: database.prepare<[WebhookEventsTable]>(
      `insert into webhook_events (id, verification_id, user_id, type, payload_json, state, attempts, next_attempt_at,
        retry_window_start, last_error, delivered_at, created_at, claimed_by, lease_until)
       values (@id, @verification_id, @user_id, @type, @payload_json, @state, @attempts, @next_attempt_at,
        @retry_window_start, @last_error, @delivered_at, @created_at, @claimed_by, @lease_until)`,
    ),
    claimDueWebhookEvents: database.prepare<[string, number, number, number, number]>(
      `update webhook_events set claimed_by = ?, lease_until = ?
       where id in (
         select id from webhook_events
         where state = 'PENDING' and next_attempt_at <= ? and (lease_until is null or lease_until <= ?)
         order by next_attempt_at limit ?)
       returning *`,
    ),
    markWebhookDelivered: database.prepare<[number, string, string]>(
      `update webhook_events set state = 'DELIVERED', attempts = attempts + 1, delivered_at = ?, next_attempt_at = null,
        claimed_by = null, lease_until = null
       where id = ? and claimed_by = ? and state = 'PENDING'`,
    ),
    markWebhookFailed: database.prepare<[string, number | null, string, string, string]>(
      `update webhook_events set state = ?, attempts = attempts + 1, next_attempt_at = ?, last_error = ?,
        claimed_by = null, lease_until = null
       where id = ? and claimed_by = ? and state = 'PENDING'`,
    ),
    replayWebhookEvent: database.prepare<[number, number, string]>(
      `update webhook_events set state = 'PENDING', attempts = 0, next_attempt_at = ?, retry_window_start = ?,
        claimed_by = null, lease_until = null
       where id = ? and state = 'DEAD'`,
    ),
    insertApiKey: database.prepare<[ApiKeysTable]>(
      `insert into api_keys (id, secret_hash, name, scopes, created_at, revoked_at, last_used_at)
       values (@id, @secret_hash, @name, @scopes, @created_at, @revoked_at, @last_used_at)`,
    ),
    revokeApiKey: database.prepare<[number, string]>('update api_keys set revoked_at = ? where id = ? and revoked_at is null'),
    touchApiKey: database.prepare<[number, string]>('update api_keys set last_used_at = ? where id = ?'),
    deleteUserHistory: database.prepare<[string]>(
      'delete from verification_status_history where verification_id in (select id from verifications where user_id = ?)',
    ),
    deleteUserVerifications: database.prepare<[string]>('delete from verifications where user_id = ?'),
    deleteUserWebhookEvents: database.prepare<[string]>('delete from webhook_events where user_id = ?'),
    deleteUserAttempts: database.prepare<[string]>('delete from initialize_attempts where user_id = ?'),
    deleteUserIdempotency: database.prepare<[string]>('delete from idempotency_records where user_id = ?'),
    purgeOldHistory: database.prepare<[number]>(
      'delete from verification_status_history where verification_id in (select id from verifications where created_at < ?)',
    ),
    purgeOldWebhookEvents: database.prepare<[number]>(
      'delete from webhook_events where verification_id in (select id from verifications where created_at < ?)',
    ),
    purgeOldVerifications: database.prepare<[number]>('delete from verifications where created_at < ?'),
    purgeOldAttempts: database.prepare<[number]>('delete from initialize_attempts where created_at < ?'),
    insertIdempotency: database.prepare<[IdempotencyTable]>(
      `insert into idempotency_records (user_id, idempotency_key, body_hash, status_code, response_json, created_at)
       values (@user_id, @idempotency_key, @body_hash, @status_code, @response_json, @created_at)`,
    ),
    completeVerification: database.prepare<[string, number, string | null, string]>(
      `update verifications set status = ?, updated_at = ?, alipay_trace_id = ?, next_check_at = null, claimed_by = null, lease_until = null
       where id = ? and status = 'PENDING'`,
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

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE';
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

  const repository: Repository = {
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
          writes.insertVerification.run(toVerificationRow(verification, null));
          writes.insertHistory.run(verification.id, verification.status, verification.createdAt);
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

    async completeVerification(change: StatusChangeWithEvent) {
      return committer.run(() => {
        const { changes } = writes.completeVerification.run(change.to, change.updatedAt, change.alipayTraceId, change.id);
        if (changes !== 1) return false;
        writes.insertHistory.run(change.id, change.to, change.updatedAt);
        const { event } = change;
        if (event) {
          writes.insertWebhookEvent.run({
            id: event.id,
            verification_id: event.verificationId,
            user_id: event.userId,
            type: event.type,
            payload_json: event.payloadJson,
            state: 'PENDING',
            attempts: 0,
            next_attempt_at: event.nextAttemptAt,
            retry_window_start: event.retryWindowStart,
            last_error: null,
            delivered_at: null,
            created_at: event.createdAt,
            claimed_by: null,
            lease_until: null,
          });
        }
        return true;
      });
    },

    async findStatusHistory(id) {
      const { rows } = await sql<StatusHistoryTable>`select * from verification_status_history where verification_id = ${id} order by at, rowid`.execute(db);
      return rows.map((row) => ({ status: row.status as VerificationStatus, at: row.at }));
    },

    async insertAttempt(attempt) {
      try {
        await committer.run(() =>
          writes.insertAttempt.run({
            id: attempt.id,
            user_id: attempt.userId,
            outer_order_no: attempt.outerOrderNo,
            cert_no_hmac: attempt.certNoHmac,
            idempotency_key: attempt.idempotencyKey,
            state: attempt.state,
            error_code: attempt.errorCode,
            created_at: attempt.createdAt,
            updated_at: attempt.updatedAt,
          }),
        );
        return true;
      } catch (error) {
        if (isUniqueViolation(error) && attempt.idempotencyKey !== null) {
          const live = await repository.findLiveAttempt(attempt.userId, attempt.idempotencyKey);
          if (live) return false;
        }
        throw error;
      }
    },

    async failAttempt(id, errorCode, at) {
      const { changes } = await committer.run(() => writes.settleAttempt.run('FAILED', errorCode, at, id));
      return changes === 1;
    },

    async completeAttempt(verification, options) {
      return committer.run(() => {
        writes.settleAttempt.run('INITIALIZED', null, verification.createdAt, verification.id);
        writes.insertVerification.run(toVerificationRow(verification, options.nextCheckAt));
        writes.insertHistory.run(verification.id, verification.status, verification.createdAt);
        if (!options.idempotency) return true;
        return writes.insertIdempotencyIfAbsent.run(toIdempotencyRow(options.idempotency)).changes === 1;
      });
    },

    async findLiveAttempt(userId, idempotencyKey) {
      const row = await takeFirst(
        db,
        sql<AttemptsTable>`select * from initialize_attempts
          where user_id = ${userId} and idempotency_key = ${idempotencyKey} and state = 'INITIALIZING'`,
      );
      return row && toAttempt(row);
    },

    async findAttempt(id) {
      const row = await takeFirst(db, sql<AttemptsTable>`select * from initialize_attempts where id = ${id}`);
      return row && toAttempt(row);
    },

    async failInterruptedAttempts(cutoff, at) {
      return committer.run(() => writes.failInterruptedAttempts.run(at, cutoff).changes);
    },

    async countAttempts() {
      const { rows } = await sql<{ state: AttemptState; count: number }>`select state, count(*) as count from initialize_attempts group by state`.execute(db);
      const counts = { INITIALIZING: 0, INITIALIZED: 0, FAILED: 0 };
      for (const row of rows) counts[row.state] = Number(row.count);
      return counts;
    },

    async claimDueVerifications(claim) {
      const rows = await committer.run(
        () => writes.claimDueVerifications.all(claim.owner, claim.now + claim.leaseMs, claim.now, claim.now, claim.limit) as Tables['verifications'][],
      );
      return rows
        .map((row) => ({ record: toVerification(row), checks: row.check_count, failures: row.check_failures, dueAt: row.next_check_at as number }))
        .sort((a, b) => a.dueAt - b.dueAt);
    },

    async rescheduleCheck(reschedule) {
      await committer.run(() =>
        writes.rescheduleCheck.run(reschedule.nextCheckAt, reschedule.checks, reschedule.failures, reschedule.id, reschedule.owner),
      );
    },

    async findEarliestDueCheck() {
      const row = await takeFirst(db, sql<{ due: number | null }>`select min(next_check_at) as due from verifications where status = 'PENDING'`);
      return row?.due ?? undefined;
    },

    async claimDueWebhookEvents(claim) {
      const rows = await committer.run(
        () => writes.claimDueWebhookEvents.all(claim.owner, claim.now + claim.leaseMs, claim.now, claim.now, claim.limit) as WebhookEventsTable[],
      );
      return rows.map(toWebhookEvent).sort((a, b) => (a.nextAttemptAt as number) - (b.nextAttemptAt as number));
    },

    async markWebhookDelivered(id, owner, at) {
      await committer.run(() => writes.markWebhookDelivered.run(at, id, owner));
    },

    async markWebhookFailed(id, owner, failure) {
      const state: WebhookEventState = failure.nextAttemptAt === null ? 'DEAD' : 'PENDING';
      await committer.run(() => writes.markWebhookFailed.run(state, failure.nextAttemptAt, failure.error, id, owner));
    },

    async findWebhookEvent(id) {
      const row = await takeFirst(db, sql<WebhookEventsTable>`select * from webhook_events where id = ${id}`);
      return row && toWebhookEvent(row);
    },

    async listWebhookEvents(query) {
      let select = db.selectFrom('webhook_events').selectAll().where('state', '=', query.state);
      const { after } = query;
      if (after) {
        select = select.where((eb) =>
          eb.or([eb('created_at', '>', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)])]),
        );
      }
      const rows = await select.orderBy('created_at').orderBy('id').limit(query.limit).execute();
      return rows.map(toWebhookEvent);
    },

    async replayWebhookEvent(id, now) {
      const { changes } = await committer.run(() => writes.replayWebhookEvent.run(now, now, id));
      return changes === 1;
    },

    async listVerifications(query) {
      let select = db.selectFrom('verifications').selectAll();
      if (query.status !== undefined) select = select.where('status', '=', query.status);
      if (query.userId !== undefined) select = select.where('user_id', '=', query.userId);
      if (query.since !== undefined) select = select.where('created_at', '>=', query.since);
      const { after } = query;
      if (after) {
        select = select.where((eb) =>
          eb.or([eb('created_at', '>', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)])]),
        );
      }
      const rows = await select.orderBy('created_at').orderBy('id').limit(query.limit).execute();
      return rows.map(toVerification);
    },

    async findLatestPassed(userId) {
      const row = await takeFirst(
        db,
        sql<VerificationsTable>`select * from verifications where user_id = ${userId} and status = 'PASSED'
          order by created_at desc, id desc limit 1`,
      );
      return row && toVerification(row);
    },

    async insertApiKey(key: ApiKeyRecord) {
      await committer.run(() =>
        writes.insertApiKey.run({
          id: key.id,
          secret_hash: key.secretHash,
          name: key.name,
          scopes: key.scopes.join(' '),
          created_at: key.createdAt,
          revoked_at: key.revokedAt,
          last_used_at: key.lastUsedAt,
        }),
      );
    },

    async findApiKey(id) {
      const row = await takeFirst(db, sql<ApiKeysTable>`select * from api_keys where id = ${id}`);
      return row && toApiKey(row);
    },

    async listApiKeys() {
      const rows = await db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map(toApiKey);
    },

    async revokeApiKey(id, at) {
      const { changes } = await committer.run(() => writes.revokeApiKey.run(at, id));
      return changes === 1;
    },

    async touchApiKey(id, at) {
      await committer.run(() => writes.touchApiKey.run(at, id));
    },

    async deleteUserRecords(userId): Promise<DeletedRecords> {
      return committer.run(() => {
        writes.deleteUserHistory.run(userId);
        writes.deleteUserIdempotency.run(userId);
        return {
          webhookEvents: writes.deleteUserWebhookEvents.run(userId).changes,
          verifications: writes.deleteUserVerifications.run(userId).changes,
          attempts: writes.deleteUserAttempts.run(userId).changes,
        };
      });
    },

    async purgeVerificationsBefore(cutoff): Promise<DeletedRecords> {
      return committer.run(() => {
        writes.purgeOldHistory.run(cutoff);
        const webhookEvents = writes.purgeOldWebhookEvents.run(cutoff).changes;
        return {
          webhookEvents,
          verifications: writes.purgeOldVerifications.run(cutoff).changes,
          attempts: writes.purgeOldAttempts.run(cutoff).changes,
        };
      });
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
  return repository;
}
