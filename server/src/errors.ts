/**
 * The one error type routes throw. The central error handler (plugins/error-handler.ts)
 * turns it into `{error: {code, message}}` with its status; anything else becomes a
 * generic 500 so no internal detail leaks.
 */
import { ApiErrorCode } from '../../utils/error-codes';

/**
 * An error with an HTTP status and a code from utils/error-codes.ts; its message is shown to
 * clients. One made from another error keeps it as `cause`, for the log only.
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly extra: { retryAfterSeconds?: number; subCode?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApiError';
  }
}

/** 404 for an unknown id and for another user's id alike, so ids cannot be probed. */
export function notFound(): ApiError {
  return new ApiError(404, 'NOT_FOUND', 'No such resource');
}

/** 401 for a missing, malformed, unknown or expired bearer token, with no hint which. */
export function unauthorized(): ApiError {
  return new ApiError(401, 'UNAUTHORIZED', 'A valid session token is required (Authorization: Bearer <token>)');
}

/** 429 with the seconds to wait, sent as `Retry-After`. */
export function rateLimited(retryAfterSeconds: number): ApiError {
  return new ApiError(429, 'RATE_LIMITED', 'Too many requests; try again later', { retryAfterSeconds });
}
