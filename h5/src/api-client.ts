/**
 * Typed calls to the merchant backend (same origin), one function per endpoint of
 * utils/api-contract.ts. Every failure becomes the client policy's ApiError
 * (utils/client-policy.ts, shared with the mini-program) whose code comes from
 * utils/error-codes.ts, so the page branches on codes and never on messages; answers pass the
 * policy's response guards.
 */
import {
  CertifyUrlResponse,
  ClientConfig,
  ConsentNoticeResponse,
  CreateSessionResponse,
  CreateVerificationRequest,
  CreateVerificationResponse,
  VerificationView,
} from '../../utils/api-contract';
import {
  ApiError,
  isClientConfig,
  isConsentNoticeResponse,
  isCreateSessionResponse,
  isCreateVerificationResponse,
  isVerificationView,
  readApiError,
} from '../../utils/client-policy';
import { ConsentLanguage } from '../../utils/consent-notice';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  fetch: FetchLike;
  /** Per request, in ms. */
  timeoutMs?: number;
}

/** Default per-request timeout: the backend answers within its own 10 s upstream budget. */
export const REQUEST_TIMEOUT_MS = 15_000;

/** The backend client the page uses. */
export interface ApiClient {
  getClientConfig(): Promise<ClientConfig>;
  /** The data notice the server accepts consent to now (asked after a 409 CONSENT_OUTDATED). */
  getConsentNotice(language: ConsentLanguage): Promise<ConsentNoticeResponse>;
  createSession(authCode: string): Promise<CreateSessionResponse>;
  createVerification(token: string, request: CreateVerificationRequest, idempotencyKey: string): Promise<CreateVerificationResponse>;
  getVerification(token: string, verificationId: string): Promise<VerificationView>;
  /**
   * A newly signed certify URL for the same certifyId (no new initialize), for reopening the
   * face check; `VERIFICATION_CLOSED` once the verification is over.
   */
  renewCertifyUrl(token: string, verificationId: string): Promise<CertifyUrlResponse>;
}

/** Builds the client over `fetch` (injected so it can be swapped; the page passes window.fetch). */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;

  async function send<T>(path: string, init: RequestInit, isValid: (body: unknown) => body is T): Promise<T> {
    // AbortController is missing from some older Alipay web views (iOS 12.0); the race
    // below still times out there, the request just is not cancelled.
    const controller = typeof AbortController === 'function' ? new AbortController() : null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new ApiError('REQUEST_TIMEOUT', { message: `No answer within ${timeoutMs} ms` }));
        if (controller) controller.abort();
      }, timeoutMs);
    });
    const request = options
      .fetch(path, { ...init, signal: controller ? controller.signal : undefined, credentials: 'same-origin', cache: 'no-store' })
      .catch((error: unknown) => {
        throw new ApiError('NETWORK_ERROR', { message: 'The request did not reach the server', cause: error });
      });
    let response: Response;
    try {
      response = await Promise.race([request, timeout]);
    } finally {
      clearTimeout(timer);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      throw new ApiError('BAD_RESPONSE', { status: response.status, message: `HTTP ${response.status} with a body that is not JSON`, cause: error });
    }
    if (!response.ok) throw readApiError(response.status, body, response.headers.get('Retry-After'), Date.now());
    if (!isValid(body)) throw new ApiError('BAD_RESPONSE', { status: response.status, message: `HTTP ${response.status} with an unexpected body` });
    return body;
  }

  const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

  return {
    getClientConfig: () => send('/api/client-config', { method: 'GET' }, isClientConfig),
    getConsentNotice: (language) => send(`/api/consent-notice?lang=${language}`, { method: 'GET' }, isConsentNoticeResponse),
    createSession: (authCode) =>
      send(
        '/api/sessions',
        { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ authCode }) },
        isCreateSessionResponse,
      ),
    createVerification: (token, request, idempotencyKey) =>
      send(
        '/api/verifications',
        {
          method: 'POST',
          headers: { ...bearer(token), 'Content-Type': 'application/json', 'Idempotency-Key': idempotencyKey },
          body: JSON.stringify(request),
        },
        isCreateVerificationResponse,
      ),
    getVerification: (token, verificationId) =>
      send(`/api/verifications/${encodeURIComponent(verificationId)}`, { method: 'GET', headers: bearer(token) }, isVerificationView),
    renewCertifyUrl: (token, verificationId) =>
      send(
        `/api/verifications/${encodeURIComponent(verificationId)}/certify-url`,
        // The server refuses an empty JSON body; the path says everything, so send `{}`.
        { method: 'POST', headers: { ...bearer(token), 'Content-Type': 'application/json' }, body: '{}' },
        isCreateVerificationResponse,
      ),
  };
}
