/**
 * How a cloud function fails: one error class with a code from utils/error-codes.ts (the same
 * codes the HTTP API answers with), and the `{error: {code, message}}` answer it becomes.
 * The underlying error is kept as `cause` for the log; the answer never carries it.
 */
import { ApiErrorCode } from '../../../utils/error-codes';

/** A failure the caller is told about by its code. */
export class CloudFunctionError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly extra: { retryAfterSeconds?: number } = {},
    options?: { cause?: unknown },
  ) {
    super(message);
    this.name = 'CloudFunctionError';
    // Set here rather than through super's options: the cloud's Node runtimes before 16.9 ignore them.
    if (options) this.cause = options.cause;
  }
}

/** What a function returns instead of throwing: the HTTP API's error body, plus Retry-After's seconds. */
export interface CloudErrorAnswer {
  error: {
    code: ApiErrorCode;
    message: string;
    /** Only with RATE_LIMITED: the seconds until a new verification may start (the HTTP API's Retry-After). */
    retryAfterSeconds?: number;
  };
}

/** 404 alike for an unknown id and another user's, so ids cannot be probed. */
export function notFound(): CloudFunctionError {
  return new CloudFunctionError('NOT_FOUND', 'No such resource');
}

/**
 * The answer for any error: a CloudFunctionError as it is, anything else as INTERNAL_ERROR
 * with a generic message (its detail may name internals, so it goes to the log only).
 */
export function toErrorAnswer(error: unknown): CloudErrorAnswer {
  if (error instanceof CloudFunctionError) {
    const answer: CloudErrorAnswer = { error: { code: error.code, message: error.message } };
    if (error.extra.retryAfterSeconds !== undefined) answer.error.retryAfterSeconds = error.extra.retryAfterSeconds;
    return answer;
  }
  return { error: { code: 'INTERNAL_ERROR', message: 'Something went wrong; try again later' } };
}
