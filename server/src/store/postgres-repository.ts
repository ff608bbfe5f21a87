/**
 * The server-database Repository, selected by DATABASE_URL=postgres://…: Kysely's Postgres
 * dialect over a `pg` pool, for several instances sharing one database. The same schema as
 * the embedded store (schema.ts, one migration list), migrated by `npm run migrate` and never
 * at start: an instance refuses an unmigrated database (StoreError DATABASE_NOT_MIGRATED), so
 * that N instances starting together never race to change the schema.
 *
 * What SQLite's single writer gave for free, the database enforces here across processes:
 * uniqueness by constraints and partial unique indexes, settled states by plpgsql triggers,
 * and the reconciler's and webhook worker's claims by `FOR UPDATE SKIP LOCKED` leases. Each
 * write is one transaction that has committed (synchronous_commit) before its promise
 * resolves, so a 201 is never sent for a row that a crash could lose.
 * @see https://www.postgresql.org/docs/15/sql-select.html#SQL-FOR-UPDATE-SHARE (SKIP LOCKED)
 */
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import { Pool, PoolClient, types } from 'pg';
import { VerificationStatus } from '../../../utils/api-contract';
import {
  ApiKeyRecord,
  AttemptState,
  DeletedRecords,
  IdempotencyRecord,
  Repository,
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
import { StoreError } from './store-error';

/** Schema history (schema.ts), as PostgreSQL runs it. */
export const POSTGRES_MIGRATIONS = migrationsFor('postgres');

/** PostgreSQL's SQLSTATE for a unique violation. */
const UNIQUE_VIOLATION = '23505';

/**
 * Every integer column is `bigint` (epoch milliseconds); pg hands int8 back as a string
 * because it may exceed 2^53. Ours never do (milliseconds until the year 285,616), so they
 * are read as numbers. Set on this pool only, not on pg's global parsers.
 */
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === types.builtins.INT8) return (value: string) => Number(value);
    return types.getTypeParser(oid, format);
  },
};

export interface PostgresOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** Connections per process. Default 10. */
  poolSize?: number;
  /** An idle connection broke (the server restarted): the pool drops it; this is told why. */
  onPoolError?: (error: Error) => void;
}

function createPool(options: PostgresOptions): Pool {
  const pool = new Pool({ connectionString: options.url, max: options.poolSize ?? 10, types: TYPES });
  // Without a listener, an idle client's error would crash the process; the next query gets a fresh client.
  pool.on('error', (error) => options.onPoolError?.(error));
  return pool;
}

function migratorOf(db: Kysely<Tables>): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => POSTGRES_MIGRATIONS } });
}

/**
 * Applies the migrations not applied yet (`npm run migrate`). Safe to run from several hosts
 * at once: Kysely's migrator holds a lock row while it migrates.
 * @returns the names of the migrations applied by this run
 * @throws StoreError MIGRATION_FAILED, with the failing migration's error as `cause`
 */
export async function migratePostgres(options: PostgresOptions): Promise<string[]> {
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool: createPool({ ...options, poolSize: 1 }) }) });
  try {
    const { error, results = [] } = await migratorOf(db).migrateToLatest();
    if (error) {
      const failed = results.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
      throw new StoreError('MIGRATION_FAILED', `Migration ${failed} failed; nothing after it was applied`, { cause: error });
    }
    return results.map((result) => result.migrationName);
  } finally {
    await db.destroy();
  }
}

function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, constraint: violated } = error as { code?: unknown; constraint?: unknown };
  return code === UNIQUE_VIOLATION && (constraint === undefined || violated === constraint);
}

/** `insert into <table> (<columns>) values ($1, …)` for one row object. */
function insertSql(table: string, row: object, suffix = ''): { text: string; values: unknown[] } {
  const columns = Object.keys(row);
  const placeholders = columns.map((_, index) => `$${index + 1}`);
  return { text: `insert into ${table} (${columns.join(', ')}) values (${placeholders.join(', ')})${suffix}`, values: Object.values(row) };
}

/**
 * Opens the pool and checks that every migration has been applied.
 * @throws StoreError DATABASE_NOT_MIGRATED when some are not (run `npm run migrate`)
 */
export async function openPostgresRepository(options: PostgresOptions): Promise<Repository> {
  const pool = createPool(options);
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  try {
    const pending = (await migratorOf(db).getMigrations()).filter((migration) => migration.executedAt === undefined);
    if (pending.length > 0) {
      throw new StoreError(
        'DATABASE_NOT_MIGRATED',
        `The PostgreSQL database at DATABASE_URL lacks ${pending.length} migration(s) (${pending[0].name} first): run \`npm run migrate\` with the same DATABASE_URL, then start again`,
      );
    }
  } catch (error) {
    await db.destroy();
    if (error instanceof StoreError) throw error;
    // The driver's message names the host or the refusal (never the password): the operator's first clue.
    // Duck-typed: the socket's errors may come from another realm (jest), failing instanceof.
    const message = (error as { message?: unknown } | null)?.message;
    const reason = typeof message === 'string' && message !== '' ? `: ${message}` : '';
    throw new StoreError('DATABASE_UNREACHABLE', `Could not read the schema version of the PostgreSQL database at DATABASE_URL${reason}`, { cause: error });
  }

  async function rows<Row>(text: string, values: unknown[] = []): Promise<Row[]> {
    return (await pool.query<Row & object>(text, values)).rows;
  }

  async function first<Row>(text: string, values: unknown[] = []): Promise<Row | undefined> {
    return (await rows<Row>(text, values))[0];
  }

  async function changed(text: string, values: unknown[] = []): Promise<number> {
    return (await pool.query(text, values)).rowCount ?? 0;
  }

  /**
   * Runs `work` in one transaction on one connection: COMMIT when it returns (what it wrote
   * before deciding to stop is its whole effect), ROLLBACK when it throws.
   */
  async function transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let reusable = true;
    try {
      await client.query('begin');
      const result = await work(client);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => {
        reusable = false;
      });
      throw error;
    } finally {
      // A connection whose rollback failed is in an unknown state: destroyed, not reused.
      client.release(!reusable);
    }
  }

  async function insertHistory(client: PoolClient, id: string, status: string, at: number): Promise<void> {
    await client.query('insert into verification_status_history (verification_id, status, at) values ($1, $2, $3)', [id, status, at]);
  }

  const claimSql = (table: 'verifications' | 'webhook_events', open: string, due: string) => `
    update ${table} set claimed_by = $1, lease_until = $2
    where id in (
      select id from ${table}
      where ${open} and ${due} <= $3 and (lease_until is null or lease_until <= $3)
      order by ${due} limit $4
      for update skip locked)
    returning *`;

  const repository: Repository = {
    async insertSession(session) {
      await changed('insert into sessions (token_hash, user_id, created_at, expires_at) values ($1, $2, $3, $4)', [
        session.tokenHash,
        session.userId,
        session.createdAt,
        session.expiresAt,
      ]);
    },

    async findSession(tokenHash) {
      const row = await first<SessionsTable>('select * from sessions where token_hash = $1', [tokenHash]);
      return row && { tokenHash: row.token_hash, userId: row.user_id, createdAt: row.created_at, expiresAt: row.expires_at };
    },

    async insertVerification(verification, idempotency) {
      return transaction(async (client) => {
        if (idempotency) {
          const insert = insertSql('idempotency_records', toIdempotencyRow(idempotency), ' on conflict do nothing');
          if ((await client.query(insert.text, insert.values)).rowCount !== 1) return false;
        }
        const insert = insertSql('verifications', toVerificationRow(verification, null));
        await client.query(insert.text, insert.values);
        await insertHistory(client, verification.id, verification.status, verification.createdAt);
        return true;
      });
    },

    async findVerification(id) {
      const row = await first<VerificationsTable>('select * from verifications where id = $1', [id]);
      return row && toVerification(row);
    },

    async completeVerification(change: StatusChangeWithEvent) {
      return transaction(async (client) => {
        const { rowCount } = await client.query(
          `update verifications set status = $1, updated_at = $2, alipay_trace_id = $3, next_check_at = null, claimed_by = null, lease_until = null
           where id = $4 and status = 'PENDING'`,
          [change.to, change.updatedAt, change.alipayTraceId, change.id],
        );
        if (rowCount !== 1) return false;
        await insertHistory(client, change.id, change.to, change.updatedAt);
        const { event } = change;
        if (event) {
          const insert = insertSql('webhook_events', {
            id: event.id,
            verification_id: event.verificationId,
            user_id: event.userId,
            type: event.type,
            payload_json: event.payloadJson,
            state: 'PENDING',
            attempts: 0,
            next_attempt_at: event.nextAttemptAt,
            retry_window_start: event.retryWindowStart,
            created_at: event.createdAt,
          });
          await client.query(insert.text, insert.values);
        }
        return true;
      });
    },

    async findStatusHistory(id) {
      // No rowid here: PENDING comes first when a change shares its millisecond.
      const history = await rows<StatusHistoryTable>(
        "select * from verification_status_history where verification_id = $1 order by at, (status <> 'PENDING')",
        [id],
      );
      return history.map((row) => ({ status: row.status as VerificationStatus, at: row.at }));
    },

    async insertAttempt(attempt) {
      const insert = insertSql('initialize_attempts', {
        id: attempt.id,
        user_id: attempt.userId,
        outer_order_no: attempt.outerOrderNo,
        cert_no_hmac: attempt.certNoHmac,
        idempotency_key: attempt.idempotencyKey,
        state: attempt.state,
        error_code: attempt.errorCode,
        created_at: attempt.createdAt,
        updated_at: attempt.updatedAt,
      });
      try {
        await pool.query(insert.text, insert.values);
        return true;
      } catch (error) {
        if (isUniqueViolation(error, 'initialize_attempts_live_key')) return false;
        throw error;
      }
    },

    async failAttempt(id, errorCode, at) {
      const count = await changed(
        "update initialize_attempts set state = 'FAILED', error_code = $1, updated_at = $2 where id = $3 and state = 'INITIALIZING'",
        [errorCode, at, id],
      );
      return count === 1;
    },

    async completeAttempt(verification, options) {
      // Committed even when the key was taken meanwhile: the verification was paid for.
      return transaction(async (client) => {
        await client.query("update initialize_attempts set state = 'INITIALIZED', error_code = null, updated_at = $1 where id = $2 and state = 'INITIALIZING'", [
          verification.createdAt,
          verification.id,
        ]);
        const insert = insertSql('verifications', toVerificationRow(verification, options.nextCheckAt));
        await client.query(insert.text, insert.values);
        await insertHistory(client, verification.id, verification.status, verification.createdAt);
        if (!options.idempotency) return true;
        const idempotency = insertSql('idempotency_records', toIdempotencyRow(options.idempotency), ' on conflict do nothing');
        return (await client.query(idempotency.text, idempotency.values)).rowCount === 1;
      });
    },

    async findLiveAttempt(userId, idempotencyKey) {
      const row = await first<AttemptsTable>(
        "select * from initialize_attempts where user_id = $1 and idempotency_key = $2 and state = 'INITIALIZING'",
        [userId, idempotencyKey],
      );
      return row && toAttempt(row);
    },

    async findAttempt(id) {
      const row = await first<AttemptsTable>('select * from initialize_attempts where id = $1', [id]);
      return row && toAttempt(row);
    },

    async failInterruptedAttempts(cutoff, at) {
      return changed(
        "update initialize_attempts set state = 'FAILED', error_code = 'INTERRUPTED', updated_at = $1 where state = 'INITIALIZING' and created_at < $2",
        [at, cutoff],
      );
    },

    async countAttempts() {
      const counted = await rows<{ state: AttemptState; count: number }>('select state, count(*) as count from initialize_attempts group by state');
      const counts = { INITIALIZING: 0, INITIALIZED: 0, FAILED: 0 };
      for (const row of counted) counts[row.state] = Number(row.count);
      return counts;
    },

    async claimDueVerifications(claim) {
      const claimed = await rows<Tables['verifications']>(claimSql('verifications', "status = 'PENDING'", 'next_check_at'), [
        claim.owner,
        claim.now + claim.leaseMs,
        claim.now,
        claim.limit,
      ]);
      return claimed
        .map((row) => ({ record: toVerification(row), checks: row.check_count, failures: row.check_failures, dueAt: row.next_check_at as number }))
        .sort((a, b) => a.dueAt - b.dueAt);
    },

    async rescheduleCheck(reschedule) {
      await changed(
        `update verifications set next_check_at = $1, check_count = $2, check_failures = $3, claimed_by = null, lease_until = null
         where id = $4 and claimed_by = $5`,
        [reschedule.nextCheckAt, reschedule.checks, reschedule.failures, reschedule.id, reschedule.owner],
      );
    },

    async findEarliestDueCheck() {
      const row = await first<{ due: number | null }>("select min(next_check_at) as due from verifications where status = 'PENDING'");
      return row?.due ?? undefined;
    },

    async claimDueWebhookEvents(claim) {
      const claimed = await rows<WebhookEventsTable>(claimSql('webhook_events', "state = 'PENDING'", 'next_attempt_at'), [
        claim.owner,
        claim.now + claim.leaseMs,
        claim.now,
        claim.limit,
      ]);
      return claimed.map(toWebhookEvent).sort((a, b) => (a.nextAttemptAt as number) - (b.nextAttemptAt as number));
    },

    async markWebhookDelivered(id, owner, at) {
      await changed(
        `update webhook_events set state = 'DELIVERED', attempts = attempts + 1, delivered_at = $1, next_attempt_at = null,
          claimed_by = null, lease_until = null
         where id = $2 and claimed_by = $3 and state = 'PENDING'`,
        [at, id, owner],
      );
    },

    async markWebhookFailed(id, owner, failure) {
      const state: WebhookEventState = failure.nextAttemptAt === null ? 'DEAD' : 'PENDING';
      await changed(
        `update webhook_events set state = $1, attempts = attempts + 1, next_attempt_at = $2, last_error = $3,
          claimed_by = null, lease_until = null
         where id = $4 and claimed_by = $5 and state = 'PENDING'`,
        [state, failure.nextAttemptAt, failure.error, id, owner],
      );
    },

    async findWebhookEvent(id) {
      const row = await first<WebhookEventsTable>('select * from webhook_events where id = $1', [id]);
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
      const listed = await select.orderBy('created_at').orderBy('id').limit(query.limit).execute();
      return listed.map(toWebhookEvent);
    },

    async replayWebhookEvent(id, now) {
      const count = await changed(
        `update webhook_events set state = 'PENDING', attempts = 0, next_attempt_at = $1, retry_window_start = $1,
          claimed_by = null, lease_until = null
         where id = $2 and state = 'DEAD'`,
        [now, id],
      );
      return count === 1;
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
      const listed = await select.orderBy('created_at').orderBy('id').limit(query.limit).execute();
      return listed.map(toVerification);
    },

    async findLatestPassed(userId) {
      const row = await first<VerificationsTable>(
        "select * from verifications where user_id = $1 and status = 'PASSED' order by created_at desc, id desc limit 1",
        [userId],
      );
      return row && toVerification(row);
    },

    async insertApiKey(key: ApiKeyRecord) {
      const insert = insertSql('api_keys', {
        id: key.id,
        secret_hash: key.secretHash,
        name: key.name,
        scopes: key.scopes.join(' '),
        created_at: key.createdAt,
        revoked_at: key.revokedAt,
        last_used_at: key.lastUsedAt,
      } satisfies ApiKeysTable);
      await pool.query(insert.text, insert.values);
    },

    async findApiKey(id) {
      const row = await first<ApiKeysTable>('select * from api_keys where id = $1', [id]);
      return row && toApiKey(row);
    },

    async listApiKeys() {
      return (await rows<ApiKeysTable>('select * from api_keys order by created_at, id')).map(toApiKey);
    },

    async revokeApiKey(id, at) {
      return (await changed('update api_keys set revoked_at = $1 where id = $2 and revoked_at is null', [at, id])) === 1;
    },

    async touchApiKey(id, at) {
      await changed('update api_keys set last_used_at = $1 where id = $2', [at, id]);
    },

    async deleteUserRecords(userId): Promise<DeletedRecords> {
      return transaction(async (client) => {
        const count = async (text: string) => (await client.query(text, [userId])).rowCount ?? 0;
        await count('delete from verification_status_history where verification_id in (select id from verifications where user_id = $1)');
        await count('delete from idempotency_records where user_id = $1');
        return {
          webhookEvents: await count('delete from webhook_events where user_id = $1'),
          verifications: await count('delete from verifications where user_id = $1'),
          attempts: await count('delete from initialize_attempts where user_id = $1'),
        };
      });
    },

    async purgeVerificationsBefore(cutoff): Promise<DeletedRecords> {
      return transaction(async (client) => {
        const count = async (text: string) => (await client.query(text, [cutoff])).rowCount ?? 0;
        await count('delete from verification_status_history where verification_id in (select id from verifications where created_at < $1)');
        const webhookEvents = await count('delete from webhook_events where verification_id in (select id from verifications where created_at < $1)');
        return {
          webhookEvents,
          verifications: await count('delete from verifications where created_at < $1'),
          attempts: await count('delete from initialize_attempts where created_at < $1'),
        };
      });
    },

    async findLiveVerification(query) {
      const row = await first<VerificationsTable>(
        `select * from verifications
         where user_id = $1 and cert_no_hmac = $2 and status = 'PENDING' and expires_at > $3 and identity_hmac = $4
           and biz_code = $5 and cert_type = $6
         order by expires_at desc limit 1`,
        [query.userId, query.certNoHmac, query.expiresAfter, query.identityHmac, query.bizCode, query.certType],
      );
      return row && toVerification(row);
    },

    async findIdempotency(userId, key): Promise<IdempotencyRecord | undefined> {
      const row = await first<IdempotencyTable>('select * from idempotency_records where user_id = $1 and idempotency_key = $2', [userId, key]);
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
      const insert = insertSql('idempotency_records', toIdempotencyRow(idempotency), ' on conflict do nothing');
      return (await changed(insert.text, insert.values)) === 1;
    },

    async purgeExpired(now, idempotencyCutoff) {
      return transaction(async (client) => ({
        sessions: (await client.query('delete from sessions where expires_at <= $1', [now])).rowCount ?? 0,
        idempotencyRecords: (await client.query('delete from idempotency_records where created_at < $1', [idempotencyCutoff])).rowCount ?? 0,
      }));
    },

    async pendingMigrations() {
      return (await migratorOf(db).getMigrations()).filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
    },

    async close() {
      await db.destroy();
    },
  };
  return repository;
}
