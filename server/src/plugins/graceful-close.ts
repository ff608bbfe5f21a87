/**
 * How the server stops: requests in progress may finish for a grace period, new requests on
 * connections still open get a 503 in our error shape, the connections left after the grace
 * period are cut, and a hard deadline exits the process (non-zero, with a log line) if the
 * close still has not finished, say because a store hangs on close. close-with-grace owns the
 * signals, the deadline and the exit code; this module says what a close does.
 * @see https://github.com/mcollina/close-with-grace
 * @see https://fastify.dev/docs/latest/Guides/Recommendations/#graceful-shutdown
 */
import closeWithGrace from 'close-with-grace';
import { FastifyInstance } from 'fastify';
import { flushStdoutLogs } from '../app/log-destination';
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
  /** Default SHUTDOWN_GRACE_MS. */
  graceMs?: number;
}

/**
 * Closes `app`: idle keep-alive connections are dropped at once (`forceCloseConnections:
 * 'idle'`), requests in progress may finish for `graceMs`, then their connections are cut.
 * Every onClose hook runs, so background workers stop and the stores close.
 */
export async function closeGracefully(app: FastifyInstance, options: CloseOptions): Promise<void> {
  const graceMs = options.graceMs ?? SHUTDOWN_GRACE_MS;
  app.log.info({ reason: options.reason }, 'shutting down');
  const graceTimer = setTimeout(() => {
    app.log.warn({ graceMs }, 'requests still open after the grace period; closing their connections');
    app.server.closeAllConnections();
  }, graceMs);
  try {
    await app.close();
  } finally {
    clearTimeout(graceTimer);
  }
}

export interface ShutdownOptions {
  /** Default SHUTDOWN_GRACE_MS. */
  graceMs?: number;
  /** Default SHUTDOWN_DEADLINE_MS. */
  deadlineMs?: number;
  /**
   * Process events that start the close; default all of close-with-grace's (SIGINT, SIGTERM,
   * uncaughtException, unhandledRejection, …). `manual`: none, the caller calls `close()`
   * (tests, which must not leave process listeners behind).
   */
  events?: 'process' | 'manual';
}

/** close-with-grace's handle. */
export interface ShutdownHandle {
  /** Starts the close now, as a signal would. */
  close(): void;
  /** Removes the process listeners. */
  uninstall(): void;
}

/** Every event close-with-grace listens to, for `events: 'manual'`. */
const ALL_PROCESS_EVENTS: NonNullable<closeWithGrace.Options['skip']> = [
  'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGSEGV', 'SIGUSR2', 'SIGTERM',
  'uncaughtException', 'unhandledRejection', 'beforeExit',
];

/**
 * Closes the app gracefully on SIGINT/SIGTERM (and on an uncaught error, after logging it) and
 * writes out the buffered log lines, through close-with-grace: it exits 0 after a clean close
 * and 1 after a failed one, and at `deadlineMs` it exits 1 whatever is still pending (a store
 * that hangs on close), after our log line. A second signal exits at once.
 * @returns close-with-grace's handle; `close()` starts the same close by hand
 * @see https://github.com/mcollina/close-with-grace
 */
export function exitGracefully(app: FastifyInstance, options: ShutdownOptions = {}): ShutdownHandle {
  const deadlineMs = options.deadlineMs ?? SHUTDOWN_DEADLINE_MS;
  return closeWithGrace(
    {
      delay: deadlineMs,
      // Our log lines instead of close-with-grace's console output.
      logger: false,
      skip: options.events === 'manual' ? ALL_PROCESS_EVENTS : [],
      onTimeout: () => app.log.error({ deadlineMs }, 'shutdown did not finish before the deadline; exiting'),
      onSecondSignal: (signal) => app.log.error({ signal }, 'second signal during shutdown; exiting'),
      onSecondError: (error) => app.log.error({ err: error }, 'second error during shutdown; exiting'),
    },
    async ({ signal, err, manual }) => {
      if (err) app.log.error({ err }, 'uncaught error; shutting down');
      try {
        await closeGracefully(app, { reason: signal ?? (err ? 'uncaught error' : manual ? 'manual' : 'exit'), graceMs: options.graceMs });
      } catch (error) {
        app.log.error({ err: error }, 'shutdown failed');
        throw error;
      } finally {
        // Log lines wait in a buffer (app/log-destination.ts); this close's lines among them
        // reach stdout before close-with-grace exits, the uncaught error's line too.
        await flushStdoutLogs();
      }
    },
  );
}
