/**
 * The merchant backend's HTTP contract, as types. The server's route schemas, the
 * mini-program's services/merchant.ts and the H5 page's client all name these, so a
 * change to the contract fails type-checking on every side at once.
 */
import { Branding, ConsentLanguage } from './consent-notice';
import { ApiErrorCode } from './error-codes';
import { CertType } from './identity';

/** A verification's state, from Alipay's own record (alipay.user.certify.open.query). */
export type VerificationStatus = 'PENDING' | 'PASSED' | 'FAILED' | 'EXPIRED';

/** `POST /api/sessions` */
export interface CreateSessionRequest {
  /** From my.getAuthCode({scopes: 'auth_base'}) or the auth_base OAuth redirect. */
  authCode: string;
}

/** `201` answer of `POST /api/sessions` */
export interface CreateSessionResponse {
  /** Sent back as `Authorization: Bearer <token>`. */
  token: string;
  /** ISO 8601. */
  expiresAt: string;
}

/** `POST /api/verifications` (Bearer; optional `Idempotency-Key: <uuid>`) */
export interface CreateVerificationRequest {
  certName: string;
  certNo: string;
  /** Defaults to the type the number implies; when given it must agree with it. */
  certType?: CertType;
  /** Alipay `biz_code`, from the server's allowlist; default `FACE`. */
  bizCode?: string;
  /**
   * `true` once the holder's guardian has read and agreed to a separate consent. Required
   * when the holder is under 14 in Beijing time (from the number's birth date) and the server
   * runs MINOR_POLICY=guardian-consent: without it, `400 GUARDIAN_CONSENT_REQUIRED`; with
   * MINOR_POLICY=refuse, `400 CERT_NO_MINOR` whatever it says. Stored with the verification.
   */
  guardianConsent?: boolean;
  /**
   * The id of the person's verification this request replaces because Alipay refused its
   * certifyId (the client policy's `new-verification` action). That verification is then not
   * reused for this request, which starts a new one: a new paid initialize, counted against the
   * limits. Another user's id, or one that is not live, changes nothing.
   */
  replaces?: string;
  /**
   * The version of the data notice the person read and agreed to: `consentVersion(text)` of
   * utils/consent-notice.ts over the text shown (the built-in one, or the one from
   * `GET /api/consent-notice`). Missing: `400 CONSENT_REQUIRED`; not a version of the
   * server's current notice in any language: `409 CONSENT_OUTDATED`. Both are refused before
   * any Alipay call, reuse or rate-limit counting. Stored with the verification, with the
   * time the server received it.
   */
  consentVersion: string;
}

/**
 * `201` answer of `POST /api/verifications` (a new verification), or `200` with `reused: true`
 * when the same user already has a PENDING verification of the same name and ID number (and
 * bizCode) whose certifyId lives long enough: that one comes back with a newly signed URL,
 * without a new (paid) initialize and without counting against the rate limits.
 */
export interface CreateVerificationResponse {
  verificationId: string;
  certifyId: string;
  /** The signed alipay.user.certify.open.certify URL (pageExecute, GET). */
  url: string;
  /** ISO 8601: when the certifyId stops being usable (23 hours after initialize). */
  expiresAt: string;
  /** Present, and `true`, only on a `200` that reused a live verification. */
  reused?: true;
}

/**
 * `200` answer of `POST /api/verifications/:verificationId/certify-url` (Bearer, no body or
 * `{}`): the same verification and certifyId with a newly signed certify URL, so a retry
 * never opens a URL signed long ago. `expiresAt` is still the certifyId's. `409
 * VERIFICATION_CLOSED` once the verification has a final status or its certifyId expired.
 */
export type CertifyUrlResponse = CreateVerificationResponse;

/**
 * `200` answer of `GET /api/consent-notice` (no auth; `?lang=zh-CN|en-US`, else the first
 * supported language of `Accept-Language`, else zh-CN): the data notice the server accepts
 * consent to, in one language.
 */
export interface ConsentNoticeResponse {
  language: ConsentLanguage;
  /** `consentVersion(text)`: the first 16 hex characters of the SHA-256 of `text`. */
  version: string;
  /** The notice as plain text, paragraphs separated by blank lines (consentNoticeText). */
  text: string;
}

/** `200` answer of `GET /api/verifications/:verificationId` (Bearer) */
export interface VerificationView {
  verificationId: string;
  status: VerificationStatus;
  /** For display only, e.g. `110***********002X`. */
  certNoMasked: string;
  /** ISO 8601. */
  updatedAt: string;
}

/** Every non-2xx answer. */
export interface ApiErrorBody {
  error: {
    code: ApiErrorCode;
    message: string;
  };
}

/** Alipay asks for the certify URL to be used within this long of initialize. */
export const CERTIFY_ID_LIFETIME_MS = 23 * 60 * 60 * 1000;

/**
 * `GET /api/client-config` (no auth): what the H5 page needs before it can log in.
 * In emulator mode the authorize URL is the emulator's copy of Alipay's auth_base page.
 */
export interface ClientConfig {
  mode: 'emulator' | 'alipay';
  appId: string;
  /** Alipay's auth_base OAuth page; the H5 page adds app_id, scope and redirect_uri. */
  oauthAuthorizeUrl: string;
  /**
   * Where 完成 on the verified screen sends the person: the merchant's return page (the server's
   * H5_DONE_URL, an absolute http(s) URL). Absent when none is configured; 完成 then starts a new
   * verification (the client policy's routeDone).
   */
  doneUrl?: string;
  /** Who the person is dealing with: the header, and the data notice built from it (consentNoticeFor). */
  branding: Branding;
  /** What the server does for a holder under 14, so the form can say it before the person submits. */
  minorPolicy: MinorPolicy;
}

/**
 * What happens when the ID number's holder is under 14 (PIPL art. 31): `guardian-consent`
 * starts the verification only with `guardianConsent: true` in the request, `refuse` never.
 */
export type MinorPolicy = 'guardian-consent' | 'refuse';
