/**
 * A typed promise wrapper that opens Alipay's face verification (open-certify) for a
 * certifyId and signed URL from our backend, and resolves to a CertifyOutcome.
 *
 * Which client API, and why:
 * 1. The Alipay version from my.getSystemInfo must be at least MIN_ALIPAY_VERSION
 *    (10.1.32, the minimum this product supports for open-certify); below it the
 *    answer is `unsupported` / `version-too-old` whatever APIs appear to exist, so an
 *    old client gets an upgrade message instead of an untested path.
 * 2. When `my.canIUse('startAPVerify')` is true we call my.startAPVerify({certifyId, url}):
 *    it is the named, typed API for the same native service, and canIUse can really
 *    probe it. (`startBizService` is a JSAPI name reached through my.call, not a
 *    canIUse key, so probing it would say nothing.)
 * 3. Otherwise my.call('startBizService', {name: 'open-certify', param}), the generic
 *    form Alipay's integration guide documents and the one the H5 page uses through
 *    AlipayJSBridge.call, so both clients get the same raw answer.
 * 4. Neither available: `unsupported` / `api-missing`.
 * Both paths map through utils/certify-outcome.ts, so callers see one union.
 *
 * Single flight: while one verification is open, a second startCertify() rejects with
 * CertifyBridgeError `CERTIFY_IN_PROGRESS` (a programmer error: the page disables its
 * button and debounces taps, so a second call means a bug, and two face checks on
 * screen at once would confuse the user and the backend alike). Alipay outcomes never
 * reject; only programmer errors do.
 *
 * @see https://help.aliyun.com/document_detail/144545.html (my.call('startBizService', {name: 'open-certify'}), resultStatus values)
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify (the URL opened here)
 * @see https://opendocs.alipay.com/mini/api/system-info (my.getSystemInfo `version`)
 */
import { MIN_ALIPAY_VERSION, supportsOpenCertify } from '../utils/alipay-version';
import { CertifyOutcome, mapBridgeFailure, mapCertifyResult } from '../utils/certify-outcome';

export { MIN_ALIPAY_VERSION };

/** What the backend's `POST /api/verifications` answered. */
export interface CertifyRequest {
  certifyId: string;
  url: string;
}

export type CertifyBridgeErrorCode = 'CERTIFY_IN_PROGRESS' | 'CERTIFY_INVALID_ARGUMENT';

/** A programmer error: the call itself was wrong, so no verification was opened. */
export class CertifyBridgeError extends Error {
  readonly code: CertifyBridgeErrorCode;

  constructor(code: CertifyBridgeErrorCode, message: string) {
    super(message);
    this.name = 'CertifyBridgeError';
    this.code = code;
  }
}

/** How this client can open open-certify, or why it cannot. */
export type CertifySupport =
  | { supported: true; via: 'startAPVerify' | 'startBizService'; version: string }
  | { supported: false; outcome: Extract<CertifyOutcome, { status: 'unsupported' }> };

let certifyOpen = false;

function readAlipayVersion(): Promise<string | undefined> {
  return new Promise<string | undefined>((resolve) => {
    my.getSystemInfo({
      success: (info) => resolve(info && typeof info.version === 'string' ? info.version : undefined),
      // No system info means we cannot prove the client is new enough: treat it as too old.
      fail: () => resolve(undefined),
    });
  });
}

function canUseStartAPVerify(): boolean {
  return typeof my.canIUse === 'function' && my.canIUse('startAPVerify') === true && typeof my.startAPVerify === 'function';
}

/**
 * Checks, without opening anything, whether this client can run open-certify.
 * The verify page calls it on load so an old client sees the upgrade message before
 * the user types anything, and before the backend pays for an initialize.
 */
export function checkCertifySupport(): Promise<CertifySupport> {
  return readAlipayVersion().then((version): CertifySupport => {
    if (!supportsOpenCertify(version)) {
      return { supported: false, outcome: { status: 'unsupported', reason: 'version-too-old', version } };
    }
    const confirmed = version as string;
    if (canUseStartAPVerify()) return { supported: true, via: 'startAPVerify', version: confirmed };
    if (typeof my.call === 'function') return { supported: true, via: 'startBizService', version: confirmed };
    return { supported: false, outcome: { status: 'unsupported', reason: 'api-missing', version: confirmed } };
  });
}

function openWithStartAPVerify(request: CertifyRequest): Promise<CertifyOutcome> {
  return new Promise<CertifyOutcome>((resolve) => {
    my.startAPVerify({
      certifyId: request.certifyId,
      url: request.url,
      success: (answer) => resolve(mapCertifyResult(answer)),
      fail: (failure) => resolve(mapBridgeFailure(failure)),
    });
  });
}

function openWithStartBizService(request: CertifyRequest): Promise<CertifyOutcome> {
  return new Promise<CertifyOutcome>((resolve) => {
    my.call(
      'startBizService',
      { name: 'open-certify', param: JSON.stringify({ certifyId: request.certifyId, url: request.url }) },
      (answer: unknown) => {
        // my.call reports a bridge failure through the same callback, as {error, errorMessage}.
        const isBridgeFailure =
          answer !== null && typeof answer === 'object' && !('resultStatus' in answer) && 'error' in answer;
        resolve(isBridgeFailure ? mapBridgeFailure(answer) : mapCertifyResult(answer));
      },
    );
  });
}

/** True while a verification opened by startCertify() has not answered yet. */
export function isCertifyOpen(): boolean {
  return certifyOpen;
}

/**
 * Opens Alipay's face verification and resolves to what the client reported.
 * The outcome is a hint for the UI, never proof: only the backend's
 * alipay.user.certify.open.query decides whether the user passed.
 * @throws CertifyBridgeError `CERTIFY_INVALID_ARGUMENT` for an empty certifyId or url,
 *   `CERTIFY_IN_PROGRESS` while another verification is open
 */
export function startCertify(request: CertifyRequest): Promise<CertifyOutcome> {
  if (!request || typeof request.certifyId !== 'string' || request.certifyId.length === 0 || typeof request.url !== 'string' || request.url.length === 0) {
    return Promise.reject(new CertifyBridgeError('CERTIFY_INVALID_ARGUMENT', 'startCertify needs a non-empty certifyId and url'));
  }
  if (certifyOpen) {
    return Promise.reject(new CertifyBridgeError('CERTIFY_IN_PROGRESS', 'A verification is already open'));
  }
  certifyOpen = true;
  const close = (): void => {
    certifyOpen = false;
  };
  return checkCertifySupport()
    .then((support) => {
      if (!support.supported) return support.outcome;
      return support.via === 'startAPVerify' ? openWithStartAPVerify(request) : openWithStartBizService(request);
    })
    .then(
      (outcome) => {
        close();
        return outcome;
      },
      (error: unknown) => {
        close();
        throw error;
      },
    );
}
