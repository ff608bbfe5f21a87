/**
 * The one error handler: every failure leaves as `{error: {code, message}}` with a code from
 * utils/error-codes.ts. 4xx messages say what to fix; 5xx messages are generic and the
 * detail goes to the log only. Identity refusals carry the shared zh-CN message, which
 * never contains the submitted value.
 */
import { FastifyError, FastifyInstance } from 'fastify';
import { ApiErrorBody } from '../../../utils/api-contract';
import { toApiError, UpstreamError } from '../alipay/upstream-error';
import { ApiError } from '../errors';

function fromFrameworkError(error: FastifyError): ApiError | undefined {
  if (error.validation) return new ApiError(400, 'VALIDATION_FAILED', error.message);
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError(400, 'VALIDATION_FAILED', 'The body is not valid JSON');
    default:
      break;
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new ApiError(400, 'VALIDATION_FAILED', 'Malformed request');
  }
  return undefined;
}

/** Installs the error and not-found handlers on the root instance (they apply to every route). */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let apiError: ApiError | undefined;
    if (error instanceof ApiError) apiError = error;
    else if (error instanceof UpstreamError) {
      apiError = toApiError(error);
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
    const body: ApiErrorBody = { error: { code: 'NOT_FOUND', message: 'No such resource' } };
    return reply.code(404).send(body);
  });
}
