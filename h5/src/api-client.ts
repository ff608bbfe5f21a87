/**
 * Typed calls to the merchant backend (same origin), one function per endpoint of
 * utils/api-contract.ts. Every failure becomes an ApiError whose code comes from
 * utils/error-codes.ts, so the page branches on codes and never on messages.
 */
import {
  CertifyUrlResponse,
  ClientConfig,
  CreateSessionResponse,
  CreateVerificationRequest,
  CreateVerificationResponse,
  VerificationView,
} from '../../utils/api-contract';
import { ErrorCode } from '../../utils/error-codes';

/** A failed call: the backend's code, or NETWORK_ERROR / REQUEST_TIMEOUT / BAD_RESPONSE. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  /** HTTP status, or 0 when no answer arrived. */
  readonly status: number;

  constructor(code: ErrorCode, message: string, status: number) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  fetch: FetchLike;
  /** Per request, in ms. */
  timeoutMs?: number;
}

/** Default per-request timeout: the backend answers within its own 10 s upstream budget. */
export const REQUEST_TIMEOUT_MS = 15_000;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

function readApiError(body: unknown, status: number): ApiError {
  const error = isObject(body) ? body.error : undefined;
  if (isObject(error) && typeof error.code === 'string') {
    return new ApiError(error.code as ErrorCode, typeof error.message === 'string' ? error.message : '', status);
  }
  return new ApiError('BAD_RESPONSE', `HTTP ${status} without an error body`, status);
}

/** The backend client the page uses. */
export interface ApiClient {
  getClientConfig(): Promise<ClientConfig>;
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
        reject(new ApiError('REQUEST_TIMEOUT', `No answer within ${timeoutMs} ms`, 0));
        if (controller) controller.abort();
      }, timeoutMs);
    });
    const request = options
      .fetch(path, { ...init, signal: controller ? controller.signal : undefined, credentials: 'same-origin', cache: 'no-store' })
      .catch(() => {
        throw new ApiError('NETWORK_ERROR', 'The request did not reach the server', 0);
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
    } catch {
      throw new ApiError('BAD_RESPONSE', `HTTP ${response.status} with a body that is not JSON`, response.status);
    }
    if (!response.ok) throw readApiError(body, response.status);
    if (!isValid(body)) throw new ApiError('BAD_RESPONSE', `HTTP ${response.status} with an unexpected body`, response.status);
    return body;
  }

  const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

  return {
    getClientConfig: () => send('/api/client-config', { method: 'GET' }, isClientConfig),
    createSession: (authCode) =>
      send(
        '/api/sessions',
        { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ authCode }) },
        isSession,
      ),
    createVerification: (token, request, idempotencyKey) =>
      send(
        '/api/verifications',
        {
          method: 'POST',
          headers: { ...bearer(token), 'Content-Type': 'application/json', 'Idempotency-Key': idempotencyKey },
          body: JSON.stringify(request),
        },
        isCreatedVerification,
      ),
    getVerification: (token, verificationId) =>
      send(`/api/verifications/${encodeURIComponent(verificationId)}`, { method: 'GET', headers: bearer(token) }, isVerificationView),
    renewCertifyUrl: (token, verificationId) =>
      send(
        `/api/verifications/${encodeURIComponent(verificationId)}/certify-url`,
        // The server refuses an empty JSON body; the path says everything, so send `{}`.
        { method: 'POST', headers: { ...bearer(token), 'Content-Type': 'application/json' }, body: '{}' },
        isCreatedVerification,
      ),
  };
}

function hasStrings(value: unknown, keys: readonly string[]): value is Record<string, string> {
  return isObject(value) && keys.every((key) => typeof value[key] === 'string');
}

function isClientConfig(body: unknown): body is ClientConfig {
  return hasStrings(body, ['mode', 'appId', 'oauthAuthorizeUrl']) && (body.mode === 'emulator' || body.mode === 'alipay');
}

function isSession(body: unknown): body is CreateSessionResponse {
  return hasStrings(body, ['token', 'expiresAt']);
}

/** Also the shape of a renewed certify URL (CertifyUrlResponse). */
function isCreatedVerification(body: unknown): body is CreateVerificationResponse {
  return hasStrings(body, ['verificationId', 'certifyId', 'url', 'expiresAt']);
}

const STATUSES = ['PENDING', 'PASSED', 'FAILED', 'EXPIRED'];

function isVerificationView(body: unknown): body is VerificationView {
  return hasStrings(body, ['verificationId', 'status', 'certNoMasked', 'updatedAt']) && STATUSES.indexOf(body.status) >= 0;
}

