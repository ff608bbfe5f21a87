/**
 * What Alipay's face verification told the client, as one discriminated union, and
 * the pure mapping from the raw `startBizService('open-certify')` answer to it.
 *
 * The mini-program (my.call) and the H5 page (AlipayJSBridge.call) get the same raw
 * answer and both map it here. None of these outcomes is proof: a client-side 9000
 * can be forged, so only the backend's alipay.user.certify.open.query decides.
 *
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify (the URL the client opens)
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.query (the only proof of a pass)
 */

/** `result.errorCode` values Alipay documents for resultStatus 4000. */
export type KnownCertifyErrorCode = 'UNKNOWN_ERROR' | 'SYSTEM_ERROR' | 'USER_IS_NOT_CERTIFY';

export const KNOWN_CERTIFY_ERROR_CODES: readonly KnownCertifyErrorCode[] = [
  'UNKNOWN_ERROR',
  'SYSTEM_ERROR',
  'USER_IS_NOT_CERTIFY',
];

/** Why verification could not even start on this client. */
export type UnsupportedReason = 'api-missing' | 'version-too-old';

export type CertifyOutcome =
  /** 9000: Alipay says the face check finished; the backend still has to confirm. */
  | { status: 'passed' }
  /** 6001: the user backed out. */
  | { status: 'cancelled' }
  /** 6002: the network failed; the same certifyId and url may be retried. */
  | { status: 'network' }
  /** 4000: a business error. `errorCode` is kept verbatim when Alipay sends one we do not know. */
  | { status: 'failed'; errorCode: string; known: boolean }
  /** Any other resultStatus, kept verbatim. */
  | { status: 'unknown'; resultStatus: string }
  /** The bridge call itself failed (a `fail` callback): its error number and message. */
  | { status: 'bridge-error'; error: number; errorMessage: string }
  /** The client cannot run open-certify; the user must upgrade Alipay. */
  | { status: 'unsupported'; reason: UnsupportedReason; version?: string };

export type CertifyOutcomeStatus = CertifyOutcome['status'];

function readResultStatus(raw: unknown): string {
  if (raw === null || typeof raw !== 'object') return '';
  const value = (raw as { resultStatus?: unknown }).resultStatus;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && isFinite(value)) return String(value);
  return '';
}

function readErrorCode(raw: unknown): string {
  const result = raw !== null && typeof raw === 'object' ? (raw as { result?: unknown }).result : undefined;
  if (result === null || typeof result !== 'object') return 'UNKNOWN_ERROR';
  const code = (result as { errorCode?: unknown }).errorCode;
  return typeof code === 'string' && code.length > 0 ? code : 'UNKNOWN_ERROR';
}

/**
 * Maps the raw answer of `startBizService({name: 'open-certify'})` to a CertifyOutcome.
 * Total: any input, including null, a missing `result` or a numeric status, gives an
 * outcome and never throws. A 4000 without an errorCode counts as `UNKNOWN_ERROR`.
 */
export function mapCertifyResult(raw: unknown): CertifyOutcome {
  const resultStatus = readResultStatus(raw);
  switch (resultStatus) {
    case '9000':
      return { status: 'passed' };
    case '6001':
      return { status: 'cancelled' };
    case '6002':
      return { status: 'network' };
    case '4000': {
      const errorCode = readErrorCode(raw);
      return { status: 'failed', errorCode, known: KNOWN_CERTIFY_ERROR_CODES.indexOf(errorCode as KnownCertifyErrorCode) >= 0 };
    }
    default:
      return { status: 'unknown', resultStatus };
  }
}

/**
 * Maps a bridge `fail` callback (`{error, errorMessage}`) to its own outcome, so a
 * broken bridge is never mistaken for an Alipay answer.
 */
export function mapBridgeFailure(raw: unknown): CertifyOutcome {
  const failure = raw !== null && typeof raw === 'object' ? (raw as { error?: unknown; errorMessage?: unknown }) : {};
  const error = typeof failure.error === 'number' ? failure.error : Number(failure.error);
  return {
    status: 'bridge-error',
    error: isFinite(error) ? error : -1,
    errorMessage: typeof failure.errorMessage === 'string' ? failure.errorMessage : '',
  };
}
