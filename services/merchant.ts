/**
 * Typed client of the merchant's backend (utils/api-contract.ts): its HTTP API, or with
 * config/index.ts BACKEND = 'serverless' the cloud functions (services/serverless.ts), which
 * answer the same shapes and codes, so the pages never know which. Every HTTP call goes through
 * platform/request.ts; answers pass the client policy's response guards (utils/client-policy.ts),
 * the same ones the H5 page uses, so a wrong backend fails here as BAD_RESPONSE instead of as an
 * undefined deep inside a page.
 */
import {
  CertifyUrlResponse,
  ClientConfig,
  ConsentNoticeResponse,
  CreateSessionResponse,
  CreateVerificationRequest,
  CreateVerificationResponse,
  VerificationView,
} from '../utils/api-contract';
import { ApiError, isClientConfig, isConsentNoticeResponse, isCreateSessionResponse, isCreateVerificationResponse, isVerificationView } from '../utils/client-policy';
import { ConsentLanguage } from '../utils/consent-notice';
import { request } from '../platform/request';
import { BACKEND, SERVERLESS_CLIENT_CONFIG } from '../config/index';
import { clientConfigOf, consentNoticeOf, createVerification as startInCloud, getVerification as readInCloud, renewCertifyUrl as renewInCloud } from './serverless';

/** The body when it passes `isValid`, else BAD_RESPONSE. */
function checked<T>(body: unknown, isValid: (value: unknown) => value is T): T {
  if (!isValid(body)) throw new ApiError('BAD_RESPONSE', { status: 200 });
  return body;
}

/** `POST /api/sessions`: trades an auth_base code for a bearer token. */
export function createSession(authCode: string): Promise<CreateSessionResponse> {
  return request<unknown>({ method: 'POST', path: '/api/sessions', body: { authCode }, authenticated: false }).then((body) => checked(body, isCreateSessionResponse));
}

/**
 * `GET /api/client-config` (no login): the merchant's branding (the header and the data
 * notice), the minors policy and where 完成 leads. An answer that fails the client policy's
 * isClientConfig (a missing branding text, an unknown minors policy) fails as BAD_RESPONSE,
 * so the form never shows a notice that names nobody.
 */
export function getClientConfig(): Promise<ClientConfig> {
  if (BACKEND === 'serverless') return Promise.resolve(clientConfigOf(SERVERLESS_CLIENT_CONFIG));
  return request<unknown>({ method: 'GET', path: '/api/client-config', authenticated: false }).then((body) => checked(body, isClientConfig));
}

/**
 * `GET /api/consent-notice`: the data notice the server accepts consent to now. Asked only
 * after a `409 CONSENT_OUTDATED`: until then the page shows the notice built from the
 * client config's branding (utils/consent-notice.ts), which is the server's unless the
 * server changed first. An answer whose version is not the hash of its text fails as
 * BAD_RESPONSE.
 */
export function getConsentNotice(language: ConsentLanguage): Promise<ConsentNoticeResponse> {
  if (BACKEND === 'serverless') return Promise.resolve(consentNoticeOf(language, SERVERLESS_CLIENT_CONFIG.branding));
  return request<unknown>({ method: 'GET', path: `/api/consent-notice?lang=${language}`, authenticated: false }).then((body) => checked(body, isConsentNoticeResponse));
}

/**
 * `POST /api/verifications`: the server validates the identity again, calls Alipay's
 * initialize, and answers the certifyId and the signed certify URL.
 * @param idempotencyKey one uuid per submission, reused when the same submission is retried,
 *   so a retry after a lost answer never pays for a second initialize
 */
export function createVerification(input: CreateVerificationRequest, idempotencyKey: string): Promise<CreateVerificationResponse> {
  if (BACKEND === 'serverless') return startInCloud(input);
  return request<unknown>({
    method: 'POST',
    path: '/api/verifications',
    body: input,
    headers: { 'Idempotency-Key': idempotencyKey },
  }).then((body) => checked(body, isCreateVerificationResponse));
}

/** `GET /api/verifications/:verificationId`: the server's word on the outcome. */
export function getVerification(verificationId: string): Promise<VerificationView> {
  if (BACKEND === 'serverless') return readInCloud(verificationId);
  return request<unknown>({ method: 'GET', path: `/api/verifications/${encodeURIComponent(verificationId)}` }).then((body) => checked(body, isVerificationView));
}

/**
 * `POST /api/verifications/:verificationId/certify-url`: a newly signed certify URL for the
 * same certifyId (no new initialize), so reopening the face check never uses a URL signed
 * long ago. Rejects with `VERIFICATION_CLOSED` once the verification has a final status or
 * its certifyId has expired: then only its status is left to show.
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify
 */
export function renewCertifyUrl(verificationId: string): Promise<CertifyUrlResponse> {
  if (BACKEND === 'serverless') return renewInCloud(verificationId);
  return request<unknown>({
    method: 'POST',
    path: `/api/verifications/${encodeURIComponent(verificationId)}/certify-url`,
    // request() always sends JSON, and the server refuses an empty JSON body.
    body: {},
  }).then((body) => checked(body, isCreateVerificationResponse));
}
