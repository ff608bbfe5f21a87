/**
 * The embedded Repository: Kysely over better-sqlite3, one file under DATA_DIR, migrated at
 * start. Every write is committed before the route answers, so a crash or restart never
 * loses a verification that a client was told about. Writes from concurrent requests share
 * one COMMIT (group-commit.ts); reads go through Kysely.
 */
import Database from 'better-sqlite3';
import { Kysely, Migrator, RawBuilder, SqliteDialect, sql } from 'kysely';
import { VerificationStatus } from '../../../utils/api-contract';
import { createGroupCommitter } from './group-commit';
import { ensurePrivateFile } from './private-file';
import {
  ApiKeyRecord,
  AttemptState,
  DeletedRecords,
  IdempotencyRecord,
  LiveVerificationQuery,
  Repository,
  SessionRecord,
  StatusChangeWithEvent,
  WebhookEventState,
} from './repository';
import {
  ApiKeysTable,
  AttemptsTable,
  IdempotencyTable,
  migrationsFor,
  SessionsTable,
  StatusHistoryTable,
  Tables,
  toApiKey,
  toAttempt,
  toIdempotencyRow,
  toVerification,
  toVerificationRow,
  toWebhookEvent,
  VerificationsTable,
  WebhookEventsTable,
} from './schema';
import { cacheStatements } from './statement-cache';

/** Schema history (schema.ts), as SQLite runs it. Exported for migration tests. */
export const MIGRATIONS = migrationsFor('sqlite');

// Reads by key skip Kysely's query builder: building and compiling their query objects took
// about a third of this layer's CPU per verification. Their SQL text never varies, so their
// statements stay cached; the hottest (prepareHotReads) skip Kysely altogether.

/** The first row a raw query returns, if any: executeTakeFirst for `sql` templates. */
async function takeFirst<Row>(db: Kysely<Tables>, query: RawBuilder<Row>): Promise<Row | undefined> {
  const { rows } = await query.execute(db);
  return rows[0];
}

/**
 * The reads of every verification request, as statements compiled once and run on
 * better-sqlite3 directly: Kysely's execution path (its driver, connection mutex and result
 * mapping) cost about 15 µs of CPU per lookup around a read that itself takes 2 µs. They run
 * on the connection the group committer writes on, between its transactions (both are
 * synchronous), so a read sees every write whose promise has settled.
 */
function prepareHotReads(database: Database.Database) {
  return {
    session: database.prepare<[string], SessionsTable>('select * from sessions where token_hash = ?'),
    verification: database.prepare<[string], VerificationsTable>('select * from verifications where id = ?'),
    liveAttempt: database.prepare<[string, string], AttemptsTable>(
      "select * from initialize_attempts where user_id = ? and idempotency_key = ? and state = 'INITIALIZING'",
    ),
    idempotency: database.prepare<[string, string], IdempotencyTable>('select * from idempotency_records where user_id = ? and idempotency_key = ?'),
    // status = 'PENDING' is written literally so SQLite can use the partial index verifications_live.
    liveVerification: database.prepare<[string, string, number, string, string, string], VerificationsTable>(
      `select * from verifications
       where user_id = ? and cert_no_hmac = ? and status = 'PENDING' and expires_at > ? and identity_hmac = ?
         and biz_code = ? and cert_type = ?
       order by expires_at desc limit 1`,
    ),
  };
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
    // INDEXED BY: without statistics SQLite prefers webhook_events_by_state (state = ?), which
    // reads every PENDING event, retries not due for hours included, and sorts them; the
    // partial index on next_attempt_at reads only the due ones, in order, up to the limit.
    claimDueWebhookEvents: database.prepare<[string, number, number, number, number]>(
      `update webhook_events set claimed_by = ?, lease_until = ?
       where id in (
         select id from webhook_events indexed by webhook_events_due
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
  // Statement journals (a savepoint's copy of every page a write touches), sorts and temporary
  // B-trees in memory: as files in /var/tmp they cost a write system call per page. None of it
  // needs to survive a crash, and the database file's durability does not depend on it.
  database.pragma('temp_store = MEMORY');
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: cacheStatements(database) }) });
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    throw error;
  }

  const writes = prepareWrites(database);
  const reads = prepareHotReads(database);
  const committer = createGroupCommitter(database);

  const repository: Repository = {
    async insertSession(session: SessionRecord) {
      await committer.run(() => writes.insertSession.run(session.tokenHash, session.userId, session.createdAt, session.expiresAt));
    },

    async findSession(tokenHash) {
      const row = reads.session.get(tokenHash);
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
      const row = reads.verification.get(id);
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
      const row = reads.liveAttempt.get(userId, idempotencyKey);
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
      const row = reads.liveVerification.get(query.userId, query.certNoHmac, query.expiresAfter, query.identityHmac, query.bizCode, query.certType);
      return row && toVerification(row);
    },

    async findIdempotency(userId, key): Promise<IdempotencyRecord | undefined> {
      const row = reads.idempotency.get(userId, key);
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

    async pendingMigrations() {
      return (await migrator.getMigrations()).filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
    },

    async close() {
      committer.flush();
      await db.destroy();
    },
  };
  return repository;
}
