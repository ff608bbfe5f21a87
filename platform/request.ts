/**
 * The one caller of my.request: JSON in and out, a timeout, the client policy's ApiError
 * (utils/client-policy.ts) carrying the server's error code and Retry-After, and one silent
 * re-login when the server answers 401.
 *
 * The session itself lives in services/session.ts and is plugged in with
 * useSessionProvider(), so this module knows how to ask for a token but not how to
 * obtain one (services/session.ts itself calls back into request() to log in).
 *
 * @see https://opendocs.alipay.com/mini/api/owycmh (my.request)
 */
import { API_BASE_URL, REQUEST_TIMEOUT_MS } from '../config/index';
import { ApiError, readApiError } from '../utils/client-policy';
import { startTimer, stopTimer } from './timers';

/** What request() needs from the session: the current token and a way to get a new one. */
export interface SessionProvider {
  /** The bearer token, or null when there is none yet (or it has expired). */
  getToken(): string | null;
  /** Logs in again and answers the new token; rejects with an ApiError. */
  renew(): Promise<string>;
}

let sessionProvider: SessionProvider | null = null;

/** Plugs in the session (app.ts does this at launch, before the first request). */
export function useSessionProvider(provider: SessionProvider | null): void {
  sessionProvider = provider;
}

export interface RequestOptions {
  method: 'GET' | 'POST';
  /** Path under API_BASE_URL, starting with `/`. */
  path: string;
  /** Sent as JSON. */
  body?: object;
  /** Extra headers, e.g. `Idempotency-Key`. */
  headers?: Record<string, string>;
  /** Send `Authorization: Bearer <token>` and re-log in once on 401. Default true. */
  authenticated?: boolean;
  /** Milliseconds; default REQUEST_TIMEOUT_MS. */
  timeoutMs?: number;
}

interface RawResponse {
  status: number;
  text: string;
  /** The `Retry-After` header, when the answer had one. */
  retryAfter: string | null;
}

/** my.request failure numbers that mean "no answer in time" and "no network". */
const MY_REQUEST_TIMEOUT = 13;
const MY_REQUEST_HTTP_STATUS_ERROR = 19;

function sendOnce(options: RequestOptions, token: string | null): Promise<RawResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const extra = options.headers || {};
  Object.keys(extra).forEach((name) => {
    headers[name] = extra[name];
  });
  const timeoutMs = options.timeoutMs || REQUEST_TIMEOUT_MS;
  return new Promise<RawResponse>((resolve, reject) => {
    let settled = false;
    // Our own timer as well as my.request's `timeout`: some clients never call back
    // when the radio drops, and the user must not wait forever on a spinner.
    const timer = startTimer(() => {
      if (settled) return;
      settled = true;
      reject(new ApiError('REQUEST_TIMEOUT'));
    }, timeoutMs);
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      stopTimer(timer);
      outcome();
    };
    my.request({
      url: API_BASE_URL + options.path,
      method: options.method,
      headers,
      data: options.body === undefined ? undefined : JSON.stringify(options.body),
      // Text, parsed here, so a proxy's HTML error page becomes BAD_RESPONSE, not a bridge error.
      dataType: 'text',
      timeout: timeoutMs,
      success: (response) =>
        finish(() => resolve({ status: response.status || response.statusCode, text: toText(response.data), retryAfter: readRetryAfter(response) })),
      fail: (failure) => finish(() => {
        const withResponse = failure as { error?: number; status?: number; data?: unknown };
        // Newer clients report 4xx/5xx as a failure (error 19) that still carries the answer.
        if (typeof withResponse.status === 'number' && withResponse.status > 0) {
          resolve({ status: withResponse.status, text: toText(withResponse.data), retryAfter: readRetryAfter(failure) });
          return;
        }
        if (withResponse.error === MY_REQUEST_TIMEOUT) reject(new ApiError('REQUEST_TIMEOUT', { cause: failure }));
        else if (withResponse.error === MY_REQUEST_HTTP_STATUS_ERROR) reject(new ApiError('BAD_RESPONSE', { cause: failure }));
        else reject(new ApiError('NETWORK_ERROR', { cause: failure }));
      }),
    });
  });
}

/** `Retry-After` from my.request's `headers` (or the older `header`), whatever its case. */
function readRetryAfter(answer: unknown): string | null {
  const holder = answer as { headers?: unknown; header?: unknown };
  const headers = holder && (holder.headers || holder.header);
  if (headers === null || typeof headers !== 'object') return null;
  const names = Object.keys(headers);
  for (let index = 0; index < names.length; index += 1) {
    const value = (headers as Record<string, unknown>)[names[index]];
    if (names[index].toLowerCase() === 'retry-after' && typeof value === 'string') return value;
  }
  return null;
}

function toText(data: unknown): string {
  if (typeof data === 'string') return data;
  if (data !== null && typeof data === 'object' && !(data instanceof ArrayBuffer)) return JSON.stringify(data);
  return '';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function currentToken(): string | null {
  return sessionProvider ? sessionProvider.getToken() : null;
}

function renewToken(): Promise<string> {
  if (!sessionProvider) return Promise.reject(new ApiError('UNAUTHORIZED', { status: 401 }));
  return sessionProvider.renew();
}

/**
 * Calls the backend and answers the parsed JSON body of a 2xx response.
 * An authenticated call without a token logs in first; a 401 logs in again and
 * retries once, so an expired session never reaches the user.
 * @throws ApiError (utils/client-policy.ts) with the server's code, or NETWORK_ERROR / REQUEST_TIMEOUT / BAD_RESPONSE
 */
export function request<T>(options: RequestOptions): Promise<T> {
  const authenticated = options.authenticated !== false;
  const token = authenticated ? currentToken() : null;
  const first = authenticated && !token ? renewToken().then((fresh) => sendOnce(options, fresh)) : sendOnce(options, token);
  return first
    .then((response) => (authenticated && response.status === 401 ? renewToken().then((fresh) => sendOnce(options, fresh)) : response))
    .then((response) => {
      if (response.status < 200 || response.status >= 300) throw readApiError(response.status, parseJson(response.text), response.retryAfter, Date.now());
      const body = parseJson(response.text);
      if (body === undefined || body === null || typeof body !== 'object') throw new ApiError('BAD_RESPONSE', { status: response.status });
      return body as T;
    });
}
