/**
 * Every failure code in the product. The same code names the same failure on every
 * layer: the shared validator, the backend's `{error: {code, message}}` body, the
 * mini-program's `ApiError` and the H5 page. Programs branch on codes; messages are
 * for people and may change.
 */

/** Why a name or an ID number was refused (see utils/identity.ts). */
export type IdentityErrorCode =
  | 'CERT_NO_REQUIRED'
  | 'CERT_NO_FORMAT'
  | 'CERT_NO_LEGACY_15'
  | 'CERT_NO_REGION'
  | 'CERT_NO_BIRTH_DATE'
  | 'CERT_NO_CHECKSUM'
  | 'CERT_TYPE_MISMATCH'
  | 'CERT_NAME_REQUIRED'
  | 'CERT_NAME_TOO_LONG'
  | 'CERT_NAME_CHARSET'
  | 'CERT_NAME_DOT'
  /** A Latin-letter name (permanent residence cards only) with a character or order a card never has. */
  | 'CERT_NAME_LATIN_CHARSET';

/** Failures the backend answers with, besides identity ones. */
export type ServerErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  /**
   * 408: the server stopped waiting for the rest of a request (sent too slowly). The same
   * failure a client reports when it stops waiting for an answer, so the same code and copy.
   */
  | 'REQUEST_TIMEOUT'
  | 'BIZ_CODE_NOT_ALLOWED'
  | 'UNAUTHORIZED'
  | 'AUTH_CODE_INVALID'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'IDEMPOTENCY_MISMATCH'
  /**
   * 409 from `POST /api/verifications`: a request with the same Idempotency-Key is still being
   * processed (by another server process), so this one starts no second paid call. Retry after
   * `Retry-After` seconds: the same key then answers as the first request did.
   */
  | 'IDEMPOTENCY_IN_PROGRESS'
  /** 403 from the merchant API: the API key is valid but lacks the scope the route needs. */
  | 'FORBIDDEN'
  /**
   * 409 from `POST /api/verifications/:id/certify-url`: the verification has a final status,
   * or its certifyId is past its lifetime, so no certify URL can be signed for it. Read its
   * status (`GET /api/verifications/:id`) instead.
   */
  | 'VERIFICATION_CLOSED'
  /**
   * 400 from `POST /api/verifications`: the ID number's holder is under 14 (Beijing time) and
   * the request did not carry `guardianConsent: true` (MINOR_POLICY=guardian-consent).
   */
  | 'GUARDIAN_CONSENT_REQUIRED'
  /** 400 from `POST /api/verifications`: the holder is under 14 and MINOR_POLICY=refuse. */
  | 'CERT_NO_MINOR'
  /**
   * 400 from `POST /api/verifications`: no `consentVersion`, so no record of which data notice
   * the person agreed to. Refused before any Alipay call.
   */
  | 'CONSENT_REQUIRED'
  /**
   * 409 from `POST /api/verifications`: `consentVersion` names a notice this server no longer
   * shows (its text changed). Show the current one (`GET /api/consent-notice`) and ask again.
   */
  | 'CONSENT_OUTDATED'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_REJECTED'
  | 'UPSTREAM_UNVERIFIED'
  | 'INTERNAL_ERROR';

/** Every code an API error body may carry. */
export type ApiErrorCode = IdentityErrorCode | ServerErrorCode;

/** Failures only a client can see: the request never got a usable answer. */
export type ClientErrorCode =
  | 'NETWORK_ERROR'
  | 'REQUEST_TIMEOUT'
  | 'BAD_RESPONSE'
  /** my.getAuthCode, or the H5 auth_base redirect, gave no auth code. */
  | 'AUTH_CODE_UNAVAILABLE';

/** Every code a client (mini-program or H5) may have to handle. */
export type ErrorCode = ApiErrorCode | ClientErrorCode;
