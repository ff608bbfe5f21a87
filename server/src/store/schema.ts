/**
 * The schema both stores share: the tables' row types, the migrations of both engines from
 * one list (migrationsFor), and the mapping between rows and the records of repository.ts.
 */
import { Generated, Kysely, Migration, sql } from 'kysely';
import { VerificationStatus } from '../../../utils/api-contract';
import { CertType } from '../../../utils/identity';
import {
  ApiKeyRecord,
  AttemptState,
  IdempotencyRecord,
  InitializeAttempt,
  VerificationRecord,
  WebhookEventRecord,
  WebhookEventState,
  WebhookEventType,
} from './repository';

/** The SQL engines a Repository runs on. */
export type SqlDialect = 'sqlite' | 'postgres';

export interface SessionsTable {
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}

export interface VerificationsTable {
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

export interface IdempotencyTable {
  user_id: string;
  idempotency_key: string;
  body_hash: string;
  status_code: number;
  response_json: string;
  created_at: number;
}

/** The reconciler's bookkeeping on a verification (0008_reconcile_schedule). */
export interface ScheduleColumns {
  next_check_at: number | null;
  check_count: number;
  check_failures: number;
  claimed_by: string | null;
  lease_until: number | null;
}

export interface AttemptsTable {
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

export interface StatusHistoryTable {
  verification_id: string;
  status: string;
  at: number;
}

export interface WebhookEventsTable {
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

export interface ApiKeysTable {
  id: string;
  secret_hash: string;
  name: string;
  /** Space-separated, as OAuth writes scopes. */
  scopes: string;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

export interface Tables {
  sessions: SessionsTable;
  verifications: VerificationsTable & ScheduleColumns;
  idempotency_records: IdempotencyTable;
  initialize_attempts: AttemptsTable;
  verification_status_history: StatusHistoryTable;
  webhook_events: WebhookEventsTable;
  api_keys: ApiKeysTable;
  kysely_migration: { name: string; timestamp: Generated<string> };
}

/**
 * Schema history, one list for both engines. Append new migrations; never edit an applied one.
 * Where the engines differ it says so: integers are `bigint` on PostgreSQL (epoch milliseconds
 * overflow its 32-bit `integer`; SQLite's `integer` is 64-bit already), and the triggers that
 * keep settled states still are SQLite trigger bodies there and plpgsql functions here.
 * Partial unique indexes, check constraints and `on conflict` read the same in both.
 */
export function migrationsFor(dialect: SqlDialect): Readonly<Record<string, Migration>> {
  const int = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    '0001_initial': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('sessions')
          .addColumn('token_hash', 'text', (column) => column.primaryKey())
          .addColumn('user_id', 'text', (column) => column.notNull())
          .addColumn('created_at', int, (column) => column.notNull())
          .addColumn('expires_at', int, (column) => column.notNull())
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
          .addColumn('created_at', int, (column) => column.notNull())
          .addColumn('updated_at', int, (column) => column.notNull())
          .addColumn('expires_at', int, (column) => column.notNull())
          .addColumn('alipay_trace_id', 'text')
          .execute();
        await db.schema.createIndex('verifications_user_id').on('verifications').column('user_id').execute();
        await db.schema
          .createTable('idempotency_records')
          .addColumn('user_id', 'text', (column) => column.notNull())
          .addColumn('idempotency_key', 'text', (column) => column.notNull())
          .addColumn('body_hash', 'text', (column) => column.notNull())
          .addColumn('status_code', int, (column) => column.notNull())
          .addColumn('response_json', 'text', (column) => column.notNull())
          .addColumn('created_at', int, (column) => column.notNull())
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
          .addColumn('guardian_consent', int, (column) => column.notNull().defaultTo(0))
          .execute();
      },
    },
    // Which data notice the person agreed to (its version, a hash of its text) and when. Rows
    // from before have none: their consent was a checkbox whose text was not recorded.
    '0005_consent_record': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('verifications').addColumn('consent_version', 'text').execute();
        await db.schema.alterTable('verifications').addColumn('consented_at', int).execute();
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
          .addColumn('created_at', int, (column) => column.notNull())
          .addColumn('updated_at', int, (column) => column.notNull())
          .execute();
        await sql`create unique index initialize_attempts_live_key on initialize_attempts (user_id, idempotency_key) where state = 'INITIALIZING'`.execute(db);
        await sql`create index initialize_attempts_initializing on initialize_attempts (created_at) where state = 'INITIALIZING'`.execute(db);
        await db.schema.createIndex('initialize_attempts_user_id').on('initialize_attempts').column('user_id').execute();
        await refuseMoves(db, dialect, 'initialize_attempts_settled', 'initialize_attempts', 'state', 'INITIALIZING', 'a settled attempt never moves');
        await refuseMoves(db, dialect, 'verifications_terminal', 'verifications', 'status', 'PENDING', 'a terminal status never moves');
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
          .addColumn('at', int, (column) => column.notNull())
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
        await db.schema.alterTable('verifications').addColumn('next_check_at', int).execute();
        await db.schema.alterTable('verifications').addColumn('check_count', int, (column) => column.notNull().defaultTo(0)).execute();
        await db.schema.alterTable('verifications').addColumn('check_failures', int, (column) => column.notNull().defaultTo(0)).execute();
        await db.schema.alterTable('verifications').addColumn('claimed_by', 'text').execute();
        await db.schema.alterTable('verifications').addColumn('lease_until', int).execute();
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
          .addColumn('attempts', int, (column) => column.notNull().defaultTo(0))
          .addColumn('next_attempt_at', int)
          .addColumn('retry_window_start', int, (column) => column.notNull())
          .addColumn('last_error', 'text')
          .addColumn('delivered_at', int)
          .addColumn('created_at', int, (column) => column.notNull())
          .addColumn('claimed_by', 'text')
          .addColumn('lease_until', int)
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
          .addColumn('created_at', int, (column) => column.notNull())
          .addColumn('revoked_at', int)
          .addColumn('last_used_at', int)
          .execute();
      },
    },
  };
}

/**
 * A trigger named `name` that refuses to move `column` of `table` away from any value but
 * `open`, whoever writes: settled attempts and terminal statuses are kept by the database.
 * SQLite's trigger body aborts; PostgreSQL's plpgsql function raises check_violation (23514).
 */
async function refuseMoves(db: Kysely<unknown>, dialect: SqlDialect, name: string, table: string, column: string, open: string, message: string): Promise<void> {
  const moved = sql`old.${sql.ref(column)} <> ${sql.lit(open)} and new.${sql.ref(column)} <> old.${sql.ref(column)}`;
  if (dialect === 'sqlite') {
    await sql`create trigger ${sql.id(name)} before update of ${sql.ref(column)} on ${sql.table(table)}
      when ${moved}
      begin select raise(abort, ${sql.lit(message)}); end`.execute(db);
    return;
  }
  await sql`create function ${sql.id(name)}() returns trigger language plpgsql as $$
    begin
      if ${moved} then
        raise exception ${sql.lit(message)} using errcode = 'check_violation';
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger ${sql.id(name)} before update of ${sql.ref(column)} on ${sql.table(table)}
    for each row execute function ${sql.id(name)}()`.execute(db);
}

export function toVerification(row: VerificationsTable): VerificationRecord {
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

export function toAttempt(row: AttemptsTable): InitializeAttempt {
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

export function toWebhookEvent(row: WebhookEventsTable): WebhookEventRecord {
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

export function toApiKey(row: ApiKeysTable): ApiKeyRecord {
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

export function toVerificationRow(verification: VerificationRecord, nextCheckAt: number | null): VerificationsTable & { next_check_at: number | null } {
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

export function toIdempotencyRow(record: IdempotencyRecord): IdempotencyTable {
  return {
    user_id: record.userId,
    idempotency_key: record.key,
    body_hash: record.bodyHash,
    status_code: record.statusCode,
    response_json: record.responseJson,
    created_at: record.createdAt,
  };
}
