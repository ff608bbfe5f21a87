/**
 * The storage interface routes and services see. The embedded default is SQLite
 * (sqlite-repository.ts); a server database can replace it by implementing this.
 *
 * What is stored, and what never is: see the README's "Storage" section. In short, the ID
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
  completeVerification(change: StatusChange): Promise<boolean>;
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
  close(): Promise<void>;
}
