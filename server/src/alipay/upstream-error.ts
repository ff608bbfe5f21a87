/**
 * What went wrong talking to Alipay, as one error class with a kind, so routes answer with
 * one code per failure and retries know what is safe to repeat. Messages never contain the
 * request, the response body or a sign string. What HTTP answer each kind becomes is the
 * error handler's business (plugins/error-handler.ts), not the adapter's.
 */
export type UpstreamErrorKind =
  /** Our explicit timeout fired; the call may or may not have happened at Alipay. */
  | 'timeout'
  /** Network failure, a non-200 answer or Alipay's 20000 (isp.unknow-error). */
  | 'unavailable'
  /** Alipay answered with a business or argument error (40001/40002/40004/...), carrying sub_code. */
  | 'rejected'
  /**
   * The answer could not be trusted: a success without a valid signature, a signature that
   * does not verify, or a text that could be read two ways. The outcome is unknown.
   */
  | 'unverified';

/** What is known about a failed call; never a request, a response body or a sign string. */
export interface UpstreamErrorDetail {
  alipayCode?: string;
  subCode?: string;
  traceId?: string;
  /** For an error answer: whether Alipay signed it (the gateway sends some errors unsigned). */
  signed?: boolean;
  /** For `unverified`: which rule the answer broke, for the operator's log. */
  reason?: string;
}

/** A failed Alipay call: its kind, and Alipay's code, sub_code and trace id when known. */
export class UpstreamError extends Error {
  constructor(
    readonly kind: UpstreamErrorKind,
    message: string,
    readonly detail: UpstreamErrorDetail = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UpstreamError';
  }
}
