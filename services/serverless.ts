/**
 * Typed client of the Serverless variant's two cloud functions (cloud/functions/), for
 * services/merchant.ts when config/index.ts says BACKEND = 'serverless'. The functions answer
 * the HTTP API's bodies (utils/api-contract.ts) and its error codes, so the answers pass the
 * same client-policy guards and the pages cannot tell the two backends apart.
 *
 * - createVerification → identification-start `{certName, certNo, …}`
 * - renewCertifyUrl → identification-start `{verificationId}` (a new URL, no new init)
 * - getVerification → identification-status `{verificationId}`
 *
 * There is no session to create (the cloud authorizes the user) and no server to ask for the
 * notice: it is built from the branding in config/index.ts, the same the functions' environment holds.
 *
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.initialize
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.query
 */
import {
  CertifyUrlResponse,
  ClientConfig,
  ConsentNoticeResponse,
  CreateVerificationRequest,
  CreateVerificationResponse,
  MinorPolicy,
  VerificationView,
} from '../utils/api-contract';
import { ApiError, isCreateVerificationResponse, isVerificationView } from '../utils/client-policy';
import { Branding, ConsentLanguage, consentNoticeFor } from '../utils/consent-notice';
import { ErrorCode } from '../utils/error-codes';
import { invokeCloudFunction } from '../platform/cloud-function';

/**
 * Runs function `name`: its answer when it passes `isValid`; its `{error: {code, message,
 * retryAfterSeconds?}}` as the ApiError the HTTP API's would be; else BAD_RESPONSE.
 */
function call<T>(name: string, args: object, isValid: (value: unknown) => value is T): Promise<T> {
  return invokeCloudFunction(name, args).then((answer) => {
    if (isValid(answer)) return answer;
    const error = answer && typeof answer === 'object' ? (answer as { error?: { code?: unknown; message?: unknown; retryAfterSeconds?: unknown } }).error : undefined;
    if (!error || typeof error.code !== 'string' || !error.code) throw new ApiError('BAD_RESPONSE');
    throw new ApiError(error.code as ErrorCode, {
      message: typeof error.message === 'string' ? error.message : undefined,
      retryAfterSeconds: typeof error.retryAfterSeconds === 'number' ? error.retryAfterSeconds : undefined,
    });
  });
}

/**
 * identification-start: the function validates the identity again, calls init and certify,
 * and answers the certifyId and the signed certify URL. There is no Idempotency-Key: a second
 * start for the same person reuses the live verification instead of paying again.
 */
export function createVerification(input: CreateVerificationRequest): Promise<CreateVerificationResponse> {
  return call('identification-start', input, isCreateVerificationResponse);
}

/** identification-status: the function's word on the outcome (query while PENDING). */
export function getVerification(verificationId: string): Promise<VerificationView> {
  return call('identification-status', { verificationId }, isVerificationView);
}

/**
 * identification-start with only `{verificationId}`: a newly signed URL for the same certifyId;
 * rejects with VERIFICATION_CLOSED once the verification is final or expired.
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify
 */
export function renewCertifyUrl(verificationId: string): Promise<CertifyUrlResponse> {
  return call('identification-start', { verificationId }, isCreateVerificationResponse);
}

/**
 * The client config the merchant backend would serve, from the configured branding and minors
 * policy. The H5-only fields (mode, appId, oauthAuthorizeUrl) are empty: the mini-program never reads them.
 */
export function clientConfigOf(config: { branding: Branding; minorPolicy: MinorPolicy }): ClientConfig {
  return { mode: 'alipay', appId: '', oauthAuthorizeUrl: '', branding: config.branding, minorPolicy: config.minorPolicy };
}

/** The notice the functions accept consent to: the one built from the configured branding. */
export function consentNoticeOf(language: ConsentLanguage, branding: Branding): ConsentNoticeResponse {
  const notice = consentNoticeFor(language, branding);
  return { language, version: notice.version, text: notice.text };
}
