/**
 * How the server stops: requests in progress may finish for a grace period, new requests on
 * connections still open get a 503 in our error shape, the connections left after the grace
 * period are cut, and a hard deadline exits the process (non-zero, with a log line) if the
 * close still has not finished, say because a store hangs on close.
 * @see https://fastify.dev/docs/latest/Guides/Recommendations/#graceful-shutdown
 */
import { FastifyInstance } from 'fastify';
import { ApiError } from '../errors';

/**
 * One Alipay call times out after 5 s by default, so most requests in progress are done by
 * then; a longer one (retries) is cut, and its client sees a dropped connection, which it
 * treats as any network error.
 */
export const SHUTDOWN_GRACE_MS = 5_000;

/** Under Docker's default 10 s between SIGTERM and SIGKILL (Kubernetes waits 30 s), so the log line gets written. */
export const SHUTDOWN_DEADLINE_MS = 9_000;

/**
 * Answers every request that reaches a route once close has begun with 503 and
 * `Connection: close` (Fastify's `return503OnClosing`, in our error shape). Such requests
 * arrive on keep-alive connections that were busy when close began.
 */
export function refuseRequestsWhileClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return;
    void reply.header('connection', 'close');
    // INTERNAL_ERROR's copy ("the service is unavailable, try again later") is what the person should read.
    throw new ApiError(503, 'INTERNAL_ERROR', 'The server is shutting down; try again');
  });
}

export interface CloseOptions {
  /** What asked for the close, for the log (`SIGTERM`). */
  reason: string;
  /** Ends the process; called once, with 0 after a clean close and 1 otherwise. */
  exit: (code: number) => void;
  /** Default SHUTDOWN_GRACE_MS. */
  graceMs?: number;
  /** Default SHUTDOWN_DEADLINE_MS. */
  deadlineMs?: number;
}

/**
 * Closes `app` within a bounded time and then calls `exit`. Idle keep-alive connections are
 * dropped at once (`forceCloseConnections: 'idle'`), the rest after `graceMs`, and at
 * `deadlineMs` the process exits with 1 whatever is still pending.
 */
export function closeGracefully(app: FastifyInstance, options: CloseOptions): void {
  const graceMs = options.graceMs ?? SHUTDOWN_GRACE_MS;
  const deadlineMs = options.deadlineMs ?? SHUTDOWN_DEADLINE_MS;
  let exited = false;
  const exitOnce = (code: number): void => {
    if (exited) return;
    exited = true;
    clearTimeout(graceTimer);
    clearTimeout(deadlineTimer);
    options.exit(code);
  };
  app.log.info({ reason: options.reason }, 'shutting down');
  const graceTimer = setTimeout(() => {
    app.log.warn({ graceMs }, 'requests still open after the grace period; closing their connections');
    app.server.closeAllConnections();
  }, graceMs);
  const deadlineTimer = setTimeout(() => {
    app.log.error({ deadlineMs }, 'shutdown did not finish before the deadline; exiting');
    exitOnce(1);
  }, deadlineMs);
  app.close().then(
    () => exitOnce(0),
    (error: unknown) => {
      app.log.error({ err: error }, 'shutdown failed');
      exitOnce(1);
    },
  );
}
