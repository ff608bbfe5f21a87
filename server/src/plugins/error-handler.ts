/**
 * The one error handler: every failure leaves as `{error: {code, message}}` with a code from
 * utils/error-codes.ts. 4xx messages say what to fix; 5xx messages are generic and the
 * detail goes to the log only. Identity refusals carry the shared zh-CN message, which
 * never contains the submitted value.
 *
 * That holds for the failures no route sees too: Node's HTTP parser refusing a request
 * (`clientErrorHandler`) and the router refusing its URL (`frameworkErrors`). Fastify's own
 * answers to those have another shape and echo the raw path, which may carry an auth_code
 * or a verification id; these never quote the request.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { ApiErrorBody } from '../../../utils/api-contract';
import { ApiErrorCode } from '../../../utils/error-codes';
import { UpstreamError } from '../alipay/upstream-error';
import { ApiError } from '../errors';

function fromFrameworkError(error: FastifyError): ApiError | undefined {
  const cause = { cause: error };
  if (error.validation) return new ApiError(400, 'VALIDATION_FAILED', error.message, {}, cause);
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large', {}, cause);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json', {}, cause);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError(400, 'VALIDATION_FAILED', 'The body is not valid JSON', {}, cause);
    default:
      break;
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new ApiError(400, 'VALIDATION_FAILED', 'Malformed request', {}, cause);
  }
  return undefined;
}

/**
 * The HTTP answer for a failed Alipay call, by its kind (docs/server-api.md, "Gateway faults"): a
 * timeout is 504 and may be retried, an unavailable gateway 503, a refusal 502 with Alipay's
 * sub_code (it says what to fix), an untrustworthy answer 502 with the outcome unknown.
 * The upstream error stays as `cause`.
 */
export function fromUpstreamError(error: UpstreamError): ApiError {
  const cause = { cause: error };
  switch (error.kind) {
    case 'timeout':
      return new ApiError(504, 'UPSTREAM_TIMEOUT', 'Alipay did not answer in time; try again', {}, cause);
    case 'unavailable':
      return new ApiError(503, 'UPSTREAM_UNAVAILABLE', 'Alipay is unavailable; try again later', {}, cause);
    case 'rejected': {
      const subCode = error.detail.subCode ?? error.detail.alipayCode ?? 'unknown';
      return new ApiError(502, 'UPSTREAM_REJECTED', `Alipay rejected the request (sub_code: ${subCode})`, { subCode }, cause);
    }
    case 'unverified':
      return new ApiError(502, 'UPSTREAM_UNVERIFIED', 'Alipay\'s answer could not be verified; the outcome is unknown', {}, cause);
  }
}

function errorBody(code: ApiErrorCode, message: string): ApiErrorBody {
  return { error: { code, message } };
}

/** The answer to a request Node's HTTP parser refused, by the parser's error code. */
function fromClientError(errorCode: string | undefined): { status: number; body: ApiErrorBody } {
  switch (errorCode) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, body: errorBody('REQUEST_TIMEOUT', 'The request did not arrive in time') };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, body: errorBody('PAYLOAD_TOO_LARGE', 'The request headers are too large') };
    default:
      return { status: 400, body: errorBody('VALIDATION_FAILED', 'Malformed request') };
  }
}

/**
 * Node's `clientError` listener: a request the HTTP parser refused (a bad request line or
 * header, headers over the size limit) or one that did not arrive within `requestTimeout`.
 * Answers in our error shape, then drops the connection, as Node does.
 * @see https://nodejs.org/api/http.html#event-clienterror
 */
function onClientError(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, body } = fromClientError(error.code);
  // The error's rawPacket holds the refused bytes (a token, an ID number): log the code only.
  this.log.debug({ clientError: error.code ?? 'unknown', statusCode: status }, 'refused a request the HTTP parser could not take');
  // Not in the middle of another answer on this connection (a pipelined request that failed).
  const current = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !current?.headersSent) {
    const text = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy(error);
}

/** The router's refusals (a URL that does not decode, a path parameter over its length limit). */
function onFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  let status: number;
  let body: ApiErrorBody;
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      status = 400;
      body = errorBody('VALIDATION_FAILED', 'The URL is not valid');
      break;
    case 'FST_ERR_MAX_PARAM_LENGTH':
      status = 414;
      body = errorBody('VALIDATION_FAILED', 'The URL is too long');
      break;
    default:
      request.log.error({ err: error }, 'unhandled router error');
      status = 500;
      body = errorBody('INTERNAL_ERROR', 'Internal error');
  }
  void reply.code(status).type('application/json; charset=utf-8').send(body);
}

/**
 * Server options that route the failures no handler sees through our error shape; spread
 * them into the `Fastify({...})` call (they cannot be set after construction).
 */
export const FRAMEWORK_ERROR_OPTIONS: Pick<FastifyServerOptions, 'clientErrorHandler' | 'frameworkErrors'> = {
  clientErrorHandler: onClientError,
  frameworkErrors: onFrameworkError as FastifyServerOptions['frameworkErrors'],
};

/** Installs the error and not-found handlers on the root instance (they apply to every route). */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let apiError: ApiError | undefined;
    if (error instanceof ApiError) apiError = error;
    else if (error instanceof UpstreamError) {
      apiError = fromUpstreamError(error);
      request.log.warn({ upstream: { kind: error.kind, ...error.detail } }, 'Alipay call failed');
    } else apiError = fromFrameworkError(error);
    if (!apiError) {
      request.log.error({ err: error }, 'unhandled error');
      apiError = new ApiError(500, 'INTERNAL_ERROR', 'Internal error');
    }
    const body: ApiErrorBody & { error: { subCode?: string } } = { error: { code: apiError.code, message: apiError.message } };
    if (apiError.extra.subCode) body.error.subCode = apiError.extra.subCode;
    if (apiError.extra.retryAfterSeconds !== undefined) void reply.header('retry-after', String(apiError.extra.retryAfterSeconds));
    return reply.code(apiError.statusCode).type('application/json; charset=utf-8').send(body);
  });

  app.setNotFoundHandler((_request, reply) => {
    return reply.code(404).send(errorBody('NOT_FOUND', 'No such resource'));
  });
}
