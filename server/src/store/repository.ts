/**
 * The storage interface routes and services see. The embedded default is SQLite
 * (sqlite-repository.ts); a server database can replace it by implementing this.
 *
 * What is stored, and what never is: see docs/server-api.md, "Storage". In short, the ID
 * number only as an HMAC (for rate limits and idempotency) and masked (for display), and the
 * name not at all.
 */
import { VerificationStatus } from '../../../utils/api-contract';
import { CertType } from '../../../utils/identity';

export interface SessionRecord {
  /** SHA-256 (hex) of the bearer token; the token itself is never stored. */
  tokenHash: string;
  /** The Alipay subject the session is bound to: `uid:<user_id>` or `oid:<open_id>` (session-service.ts). */
  userId: string;
  createdAt: number;
  expiresAt: number;
}

export interface VerificationRecord {
  id: string;
  userId: string;
  /** ≤ 32 alphanumeric characters, unique. */
  outerOrderNo: string;
  certifyId: string;
  certType: CertType;
  bizCode: string;
  /** HMAC-SHA256(certNo, pepper), hex. */
  certNoHmac: string;
  /**
   * HMAC-SHA256 of the name and number together (pepper), hex: a live verification is reused
   * only for the very pair it was initialized with, since Alipay checks the face against that
   * pair. Null on rows stored before it existed, which are never reused.
   */
  identityHmac: string | null;
  certNoMasked: string;
  status: VerificationStatus;
  /** Epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  /** Alipay's trace id of the last call that changed this record. */
  alipayTraceId: string | null;
  /**
   * True when the holder was under 14 and the request carried their guardian's consent
   * (PIPL art. 31); false for everyone else.
   */
  guardianConsent: boolean;
  /**
   * The version of the data notice the person agreed to (utils/consent-notice.ts), and when the
   * server received that agreement (epoch ms). Null on rows stored before consent was recorded.
   * A reuse keeps the first request's: that is the agreement under which the data went to Alipay.
   */
  consentVersion: string | null;
  consentedAt: number | null;
}

/** What makes a stored verification the one to reuse for a new request. */
export interface LiveVerificationQuery {
  userId: string;
  certNoHmac: string;
  identityHmac: string;
  bizCode: string;
  certType: CertType;
  /** Only a certifyId that expires after this (epoch ms) qualifies. */
  expiresAfter: number;
}

export interface IdempotencyRecord {
  userId: string;
  key: string;
  /** HMAC of the request body, so a replay with another body is detected without storing it. */
  bodyHash: string;
  statusCode: number;
  /** The first answer, replayed verbatim. Contains no name or ID number. */
  responseJson: string;
  createdAt: number;
}

export interface StatusChange {
  id: string;
  to: Exclude<VerificationStatus, 'PENDING'>;
  updatedAt: number;
  alipayTraceId: string | null;
}

/** Where one paid initialize call stands: written before the call, settled after it. */
export type AttemptState = 'INITIALIZING' | 'INITIALIZED' | 'FAILED';

/**
 * One initialize call to Alipay, each of which may be billed: stored (INITIALIZING) and
 * committed before the call, so a crash can never leave a paid call without a record. It ends
 * INITIALIZED (its verification, same id, is stored in the same transaction) or FAILED (with
 * the error code; `INTERRUPTED` when a sweep found it still INITIALIZING after a crash).
 */
export interface InitializeAttempt {
  /** Also the id of the verification it becomes. */
  id: string;
  userId: string;
  outerOrderNo: string;
  certNoHmac: string;
  /** The request's Idempotency-Key: at most one INITIALIZING attempt per user and key. */
  idempotencyKey: string | null;
  state: AttemptState;
  /** Why it failed (an API error code, or INTERRUPTED); null otherwise. */
  errorCode: string | null;
  createdAt: number;
  updatedAt: number;
}

/** Attempts by state: "paid initialize calls" must equal their sum. */
export type AttemptCounts = Record<AttemptState, number>;

/** A status a verification had, and since when (epoch ms). */
export interface StatusHistoryEntry {
  status: VerificationStatus;
  at: number;
}

/** Which webhook event types exist (docs: "Webhooks"). */
export type WebhookEventType = 'verification.passed' | 'verification.expired' | 'verification.failed';

/** PENDING until delivered (a 2xx), DEAD once its retries ran out (replayable). */
export type WebhookEventState = 'PENDING' | 'DELIVERED' | 'DEAD';

/** One outbox row: a signed POST to WEBHOOK_URL still to make, made, or given up on. */
export interface WebhookEventRecord {
  /** The `webhook-id`: receivers deduplicate by it, so a retry or replay keeps it. */
  id: string;
  verificationId: string;
  userId: string;
  type: WebhookEventType;
  /** The exact body that is signed and sent; holds the masked ID only. */
  payloadJson: string;
  state: WebhookEventState;
  /** Delivery attempts made since `retryWindowStart`. */
  attempts: number;
  /** When the next attempt is due (epoch ms); null once delivered or dead. */
  nextAttemptAt: number | null;
  /** Retries stop this long after it (created, or replayed); epoch ms. */
  retryWindowStart: number;
  /** The last failure, for the operator: `HTTP 500`, `timeout`, `network`; never a body. */
  lastError: string | null;
  deliveredAt: number | null;
  createdAt: number;
}

/** A status change with the webhook event that announces it, stored in one transaction. */
export interface StatusChangeWithEvent extends StatusChange {
  event?: Omit<WebhookEventRecord, 'state' | 'attempts' | 'lastError' | 'deliveredAt'>;
}

/** A PENDING verification claimed for a re-query, with its place in the schedule. */
export interface DueVerification {
  record: VerificationRecord;
  /** Re-queries made so far (the next delay in the schedule is chosen by it). */
  checks: number;
  /** Consecutive re-queries that failed (Alipay unavailable), for the backoff. */
  failures: number;
  /** When it was due (epoch ms), for the lag. */
  dueAt: number;
}

/** A lease on due work, so two processes never work on the same row at once. */
export interface ClaimRequest {
  now: number;
  /** Who claims: unique per process (and worker). */
  owner: string;
  /** The lease ends at now + leaseMs, even if the owner died holding it. */
  leaseMs: number;
  limit: number;
}

/** After a re-query that left the verification PENDING (or failed): when to ask again. */
export interface CheckReschedule {
  id: string;
  owner: string;
  /** Epoch ms; null for no further re-query. */
  nextCheckAt: number | null;
  checks: number;
  failures: number;
}

export interface VerificationListQuery {
  status?: VerificationStatus;
  userId?: string;
  /** Only verifications created at or after this (epoch ms). */
  since?: number;
  /** Only those after this position in (createdAt, id) order: the cursor. */
  after?: { createdAt: number; id: string };
  limit: number;
}

/** An API key of the merchant API: only the SHA-256 of its secret is stored. */
export interface ApiKeyRecord {
  /** The public part, shown in lists and in the key itself (`mk_<id>_<secret>`). */
  id: string;
  /** SHA-256 (hex) of the whole key. */
  secretHash: string;
  /** What the key is for, as its creator described it. */
  name: string;
  scopes: string[];
  createdAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

/** What a deletion removed, by kind of record. */
export interface DeletedRecords {
  verifications: number;
  webhookEvents: number;
  attempts: number;
}

export interface Repository {
  insertSession(session: SessionRecord): Promise<void>;
  findSession(tokenHash: string): Promise<SessionRecord | undefined>;
  /**
   * Stores a new verification and, when given, its idempotency record, in one transaction.
   * @returns false when the idempotency key was taken meanwhile (the verification is not stored)
   */
  insertVerification(verification: VerificationRecord, idempotency?: IdempotencyRecord): Promise<boolean>;
  findVerification(id: string): Promise<VerificationRecord | undefined>;
  /**
   * Moves a PENDING verification to a terminal status. Terminal states never move: the
   * update only applies while the stored status is still PENDING.
   * @returns false when it was no longer PENDING
   */
  completeVerification(change: StatusChangeWithEvent): Promise<boolean>;
  /** The statuses a verification had, oldest first. */
  findStatusHistory(id: string): Promise<StatusHistoryEntry[]>;

  /**
   * Write-ahead of a paid call: stores the attempt (INITIALIZING) and commits.
   * @returns false when the same user and Idempotency-Key already has an INITIALIZING attempt
   */
  insertAttempt(attempt: InitializeAttempt): Promise<boolean>;
  /** Marks an INITIALIZING attempt FAILED with `errorCode`; a settled attempt never moves. */
  failAttempt(id: string, errorCode: string, at: number): Promise<boolean>;
  /**
   * Marks the attempt INITIALIZED and stores its verification (same id, PENDING, re-queried
   * first at `nextCheckAt`) with its first status, and the idempotency record when given, in
   * one transaction. The verification is stored even when the idempotency key was taken
   * meanwhile, because it was paid for.
   * @returns false when the idempotency record could not be stored (the key was taken)
   */
  completeAttempt(verification: VerificationRecord, options: { idempotency?: IdempotencyRecord; nextCheckAt: number | null }): Promise<boolean>;
  /** The INITIALIZING attempt of this user and key, if any. */
  findLiveAttempt(userId: string, idempotencyKey: string): Promise<InitializeAttempt | undefined>;
  findAttempt(id: string): Promise<InitializeAttempt | undefined>;
  /**
   * Marks FAILED (INTERRUPTED) every attempt still INITIALIZING that started before `cutoff`:
   * its process died between the paid call and its answer.
   * @returns how many
   */
  failInterruptedAttempts(cutoff: number, at: number): Promise<number>;
  countAttempts(): Promise<AttemptCounts>;

  /** Leases PENDING verifications whose re-query is due, oldest due first. */
  claimDueVerifications(claim: ClaimRequest): Promise<DueVerification[]>;
  /** Stores the next re-query time and releases the lease (only the lease's owner can). */
  rescheduleCheck(reschedule: CheckReschedule): Promise<void>;
  /** The earliest due time of a PENDING verification's re-query, if any (for the lag). */
  findEarliestDueCheck(): Promise<number | undefined>;

  /** Leases PENDING webhook events whose delivery is due, oldest due first. */
  claimDueWebhookEvents(claim: ClaimRequest): Promise<WebhookEventRecord[]>;
  /** A claimed event was delivered: DELIVERED, for good. */
  markWebhookDelivered(id: string, owner: string, at: number): Promise<void>;
  /** A claimed event's delivery failed: due again at `nextAttemptAt`, or DEAD when null. */
  markWebhookFailed(id: string, owner: string, failure: { at: number; error: string; nextAttemptAt: number | null }): Promise<void>;
  findWebhookEvent(id: string): Promise<WebhookEventRecord | undefined>;
  /** Events in one state, in (createdAt, id) order after the cursor. */
  listWebhookEvents(query: { state: WebhookEventState; after?: { createdAt: number; id: string }; limit: number }): Promise<WebhookEventRecord[]>;
  /**
   * A DEAD event is due again now with a new retry window, keeping its id.
   * @returns false when it is not DEAD
   */
  replayWebhookEvent(id: string, now: number): Promise<boolean>;

  /** Verifications in (createdAt, id) order, filtered, after the cursor. */
  listVerifications(query: VerificationListQuery): Promise<VerificationRecord[]>;
  /** The user's most recently created PASSED verification. */
  findLatestPassed(userId: string): Promise<VerificationRecord | undefined>;

  insertApiKey(key: ApiKeyRecord): Promise<void>;
  findApiKey(id: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /** @returns false when there is no such key or it was revoked already */
  revokeApiKey(id: string, at: number): Promise<boolean>;
  /** Records use of a key (at most one write per key a minute is enough for "last used"). */
  touchApiKey(id: string, at: number): Promise<void>;

  /**
   * Deletes one user's verifications with their status history, webhook events, attempts and
   * idempotency records (PIPL art. 47: deletion on request).
   */
  deleteUserRecords(userId: string): Promise<DeletedRecords>;
  /**
   * Deletes verifications created before `cutoff` with their status history and webhook
   * events, and attempts started before it (RETENTION_DAYS).
   */
  purgeVerificationsBefore(cutoff: number): Promise<DeletedRecords>;
  /**
   * The newest PENDING verification of this user, ID number (HMAC), name and number pair,
   * bizCode and certType whose certifyId expires after `expiresAfter`: one to reuse rather
   * than pay for another initialize.
   */
  findLiveVerification(query: LiveVerificationQuery): Promise<VerificationRecord | undefined>;
  findIdempotency(userId: string, key: string): Promise<IdempotencyRecord | undefined>;
  /**
   * Stores an idempotency record on its own, for an answer that created no verification (a reuse).
   * @returns false when the key was taken meanwhile (nothing is stored)
   */
  insertIdempotency(idempotency: IdempotencyRecord): Promise<boolean>;
  /**
   * Deletes sessions that expired before `now` and idempotency records created before
   * `idempotencyCutoff` (their certifyId is dead by then, so a replay would be useless).
   * Verifications are kept: they are the merchant's record.
   */
  purgeExpired(now: number, idempotencyCutoff: number): Promise<{ sessions: number; idempotencyRecords: number }>;
  /**
   * The migrations the database's schema lacks, by name, oldest first: none once migrated.
   * `GET /readyz` is not ready while there are any (say someone restored an old backup).
   */
  pendingMigrations(): Promise<string[]>;
  close(): Promise<void>;
}
