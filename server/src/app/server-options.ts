/**
 * The options `Fastify({...})` takes at construction, which no plugin can set later: body and
 * connection limits, the refusals no route sees, the logger and its redaction, and how strict
 * the schema validator is.
 * @see https://fastify.dev/docs/latest/Reference/Server/
 */
import { FastifyServerOptions, LogController } from 'fastify';
import { ServerConfig } from '../config';
import { ConnectionLimits, connectionLimitOptions, connectionLimitsFor } from '../plugins/connection-limits';
import { FRAMEWORK_ERROR_OPTIONS } from '../plugins/error-handler';
import { stdoutLogDestination } from './log-destination';

/** Request bodies of the API are small JSON objects; anything bigger is refused with 413. */
export const BODY_LIMIT_BYTES = 4096;

/** Log paths that could ever hold a secret or personal data; pino replaces them. */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'certName',
  'certNo',
  '*.certName',
  '*.certNo',
  '*.*.certName',
  '*.*.certNo',
  'cert_name',
  'cert_no',
  '*.cert_name',
  '*.cert_no',
  'body',
  '*.body',
  'token',
  '*.token',
  'privateKey',
  '*.privateKey',
];

export interface ServerOptionsInput {
  /** Where pino writes. Default: stdout, through the bounded asynchronous destination of log-destination.ts. */
  logStream?: NodeJS.WritableStream;
  /** How long clients may take. Default: connectionLimitsFor(config). */
  connectionLimits?: ConnectionLimits;
}

/** The `Fastify({...})` options for this server. */
export function serverOptions(config: ServerConfig, input: ServerOptionsInput = {}): FastifyServerOptions {
  return {
    bodyLimit: BODY_LIMIT_BYTES,
    ...connectionLimitOptions(input.connectionLimits ?? connectionLimitsFor(config)),
    ...FRAMEWORK_ERROR_OPTIONS,
    trustProxy: config.trustProxy,
    // plugins/request-log.ts writes one line per request instead.
    logController: new LogController({ disableRequestLogging: true }),
    logger: {
      level: config.logLevel,
      redact: { paths: REDACTED_LOG_PATHS, censor: '[REDACTED]' },
      stream: input.logStream ?? stdoutLogDestination().stream,
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  };
}
