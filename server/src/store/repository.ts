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
  certNoMasked: string;
  status: VerificationStatus;
  /** Epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  /** Alipay's trace id of the last call that changed this record. */
  alipayTraceId: string | null;
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
  findIdempotency(userId: string, key: string): Promise<IdempotencyRecord | undefined>;
  /**
   * Deletes sessions that expired before `now` and idempotency records created before
   * `idempotencyCutoff` (their certifyId is dead by then, so a replay would be useless).
   * Verifications are kept: they are the merchant's record.
   */
  purgeExpired(now: number, idempotencyCutoff: number): Promise<{ sessions: number; idempotencyRecords: number }>;
  close(): Promise<void>;
}
