/**
 * A verification as the cloud database keeps it: the HMACs and the masked number stand in for
 * the person, whose name and ID number exist only for the one init call and are never stored
 * or logged. One document per paid init, written before the call is made (INITIALIZING), so a
 * crash between the call and its answer still leaves a record of the money spent.
 */
import { createHmac, randomBytes } from 'crypto';
import { VerificationStatus, VerificationView } from '../../../utils/api-contract';
import { formatBeijingTimestamp } from '../../../server/src/alipay/beijing-time';
import { DbValue } from '../../types/serverless';

/** The collection both functions use; create it in the cloud console (docs/serverless.md). */
export const VERIFICATIONS_COLLECTION = 'identity_verifications';

/** A verification's states; the first two exist only in the database, never in an answer. */
export type StoredStatus = VerificationStatus | 'INITIALIZING' | 'INITIALIZE_FAILED';

const STORED_STATUSES: readonly StoredStatus[] = ['INITIALIZING', 'INITIALIZE_FAILED', 'PENDING', 'PASSED', 'FAILED', 'EXPIRED'];
const VIEW_STATUSES: readonly VerificationStatus[] = ['PENDING', 'PASSED', 'FAILED', 'EXPIRED'];

/** One document of VERIFICATIONS_COLLECTION. Times are epoch milliseconds. */
export type VerificationDocument = {
  verificationId: string;
  /** The Alipay user who started it (the cloud's word, never the caller's). */
  userId: string;
  outerOrderNo: string;
  certifyId: string | null;
  bizCode: string;
  certType: string;
  /** HMAC of the ID number: the per-number rate limit's key. */
  certNoHmac: string;
  /** HMAC of name and number: finds the same person's live verification to reuse. */
  identityHmac: string;
  /** For display only, e.g. `110***********002X`. */
  certNoMasked: string;
  status: StoredStatus;
  createdAt: number;
  updatedAt: number;
  /** When the certifyId stops being usable; null until init answered. */
  expiresAt: number | null;
  guardianConsent: boolean;
  consentVersion: string;
  consentedAt: number;
  /** The error code an INITIALIZE_FAILED attempt ended with. */
  errorCode: string | null;
  /** When a later start named it in `replaces` (Alipay refused its certifyId): never reused after that. */
  replacedAt: number | null;
};

function isText(value: DbValue | undefined): value is string {
  return typeof value === 'string';
}

function isNumber(value: DbValue | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * A stored document, checked field by field (the database holds whatever was written to it);
 * undefined when it is not a verification this code wrote.
 */
export function readVerificationDocument(raw: Readonly<Record<string, DbValue>> | null | undefined): VerificationDocument | undefined {
  if (!raw) return undefined;
  const status = STORED_STATUSES.find((known) => known === raw.status);
  const texts = ['verificationId', 'userId', 'outerOrderNo', 'bizCode', 'certType', 'certNoHmac', 'identityHmac', 'certNoMasked', 'consentVersion'];
  if (!status || !texts.every((key) => isText(raw[key]))) return undefined;
  if (!isNumber(raw.createdAt) || !isNumber(raw.updatedAt) || !isNumber(raw.consentedAt)) return undefined;
  if (raw.certifyId !== null && !isText(raw.certifyId)) return undefined;
  if (raw.expiresAt !== null && !isNumber(raw.expiresAt)) return undefined;
  if (typeof raw.guardianConsent !== 'boolean' || (raw.errorCode !== null && !isText(raw.errorCode))) return undefined;
  const replacedAt = raw.replacedAt === undefined ? null : raw.replacedAt;
  if (replacedAt !== null && !isNumber(replacedAt)) return undefined;
  return {
    verificationId: raw.verificationId as string,
    userId: raw.userId as string,
    outerOrderNo: raw.outerOrderNo as string,
    certifyId: raw.certifyId,
    bizCode: raw.bizCode as string,
    certType: raw.certType as string,
    certNoHmac: raw.certNoHmac as string,
    identityHmac: raw.identityHmac as string,
    certNoMasked: raw.certNoMasked as string,
    status,
    createdAt: raw.createdAt,
    updatedAt: raw.updatedAt,
    expiresAt: raw.expiresAt,
    guardianConsent: raw.guardianConsent,
    consentVersion: raw.consentVersion as string,
    consentedAt: raw.consentedAt,
    errorCode: raw.errorCode,
    replacedAt,
  };
}

/** The status an answer may show; undefined for the database-only states. */
export function viewStatusOf(status: StoredStatus): VerificationStatus | undefined {
  return VIEW_STATUSES.find((known) => known === status);
}

/** What identification-status answers: the HTTP API's `GET /api/verifications/:id` body. */
export function toVerificationView(document: VerificationDocument, status: VerificationStatus): VerificationView {
  return {
    verificationId: document.verificationId,
    status,
    certNoMasked: document.certNoMasked,
    updatedAt: new Date(document.updatedAt).toISOString(),
  };
}

/**
 * HMAC-SHA256 of `text` for one `purpose`, the server's construction (`purpose\ntext` under
 * ID_HMAC_PEPPER), so one pepper gives the same keys in both variants.
 */
export function hmacOf(pepper: string, purpose: 'cert-no' | 'identity', text: string): string {
  return createHmac('sha256', pepper).update(`${purpose}\n${text}`).digest('hex');
}

/**
 * A fresh outer_order_no: "IV", the Beijing time to the second and 16 random hex characters,
 * 32 alphanumerics in all, as Alipay suggests (a prefix, a time, a random tail) and the server makes them.
 */
export function newOuterOrderNo(now: number): string {
  return `IV${formatBeijingTimestamp(now).replace(/\D/g, '')}${randomBytes(8).toString('hex')}`;
}
