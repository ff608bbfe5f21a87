/**
 * Where the server's log lines go: stdout through pino's asynchronous destination (sonic-boom).
 * pino appends each line to a buffer in memory, and libuv's thread pool writes the buffer out,
 * so the event loop never waits on stdout: a slow disk or a stalled log collector costs log
 * lines, never requests. The buffer is bounded (LOG_BUFFER_MAX_BYTES): a line that does not fit
 * is dropped and counted, so memory cannot grow without limit while stdout takes nothing.
 *
 * What is buffered reaches stdout on every way out: a graceful close flushes it before
 * close-with-grace exits (plugins/graceful-close.ts, also after an uncaught error), and
 * pino.destination flushes synchronously on the process's `exit` event (any `process.exit`,
 * the shutdown deadline, a worker of WORKERS=N leaving). Only SIGKILL or a crash of Node
 * itself loses what is buffered: at most LOG_BUFFER_MAX_BYTES, at most LOG_BUFFER_MIN_BYTES
 * while stdout keeps up.
 * @see https://github.com/pinojs/pino/blob/main/docs/asynchronous.md
 * @see https://github.com/pinojs/sonic-boom#api
 */
import pino from 'pino';

/**
 * Bytes gathered before a write is started (unless LOG_FLUSH_INTERVAL_MS passes first): under
 * load one write carries ten or so request lines instead of one. Smaller costs more per line
 * (more writes handed to the thread pool; server/scripts/log-cost.mjs measures it).
 */
export const LOG_BUFFER_MIN_BYTES = 2048;

/**
 * The most one write carries: PIPE_BUF on Linux, the size up to which a write to a pipe is
 * atomic, so the lines of several processes sharing one stdout (WORKERS=N) never interleave
 * within a line. Also cheaper than sonic-boom's default (16 KiB), which measures its growing
 * chunk again at every line.
 * @see https://man7.org/linux/man-pages/man7/pipe.7.html
 */
export const LOG_WRITE_MAX_BYTES = 4096;

/**
 * The buffer's bound. A flow logs about 0.5 KB (2 KB with the embedded emulator's lines), so
 * this rides out one to three seconds of a stalled stdout at saturation; lines that would go
 * beyond it are dropped (and counted) until stdout takes some.
 */
export const LOG_BUFFER_MAX_BYTES = 1024 * 1024;

/** The longest a line waits in the buffer of a quiet server before it is written. */
export const LOG_FLUSH_INTERVAL_MS = 1000;

export interface LogDestinationOptions {
  /** The file descriptor written to (1: stdout). */
  fd: number;
  /** Default LOG_BUFFER_MIN_BYTES. */
  minBytes?: number;
  /** Default LOG_BUFFER_MAX_BYTES. */
  maxBytes?: number;
}

/** A bounded asynchronous log destination. */
export interface LogDestination {
  /** What pino writes to (Fastify's `logger.stream`). */
  readonly stream: pino.DestinationStream;
  /** Lines dropped so far because the buffer was full. */
  droppedLines(): number;
  /**
   * Resolves once every line written before the call is out: the write in flight (on the
   * thread pool) has finished, and what is left is written synchronously after it, in order.
   */
  flush(): Promise<void>;
}

/** Opens a bounded asynchronous destination on `options.fd`. */
export function openLogDestination(options: LogDestinationOptions): LogDestination {
  const stream = pino.destination({
    dest: options.fd,
    sync: false,
    minLength: options.minBytes ?? LOG_BUFFER_MIN_BYTES,
    maxLength: options.maxBytes ?? LOG_BUFFER_MAX_BYTES,
    maxWrite: LOG_WRITE_MAX_BYTES,
    periodicFlush: LOG_FLUSH_INTERVAL_MS,
  });
  let dropped = 0;
  // sonic-boom emits 'drop' with the line it refused when maxLength is set; pino writes one line per call.
  stream.on('drop', () => {
    dropped += 1;
  });
  return {
    stream,
    droppedLines: () => dropped,
    async flush() {
      // sonic-boom calls back once no write is in flight and at most minLength bytes are left
      // (it does not start a write for less), after an fsync that fails on a pipe, a socket or
      // a terminal (EINVAL): only a failed write counts. flushSync writes what is left, after
      // the earlier lines.
      await new Promise<void>((resolve, reject) =>
        stream.flush((error) => (error && (error as NodeJS.ErrnoException).syscall !== 'fsync' ? reject(error) : resolve())),
      );
      stream.flushSync();
    },
  };
}

/** stdout's destination, once opened: one per process, as there is one stdout. */
let stdoutDestination: LogDestination | undefined;

/** The process's stdout as a bounded asynchronous log destination, opened on first use. */
export function stdoutLogDestination(): LogDestination {
  stdoutDestination ??= openLogDestination({ fd: 1 });
  return stdoutDestination;
}

/** Lines dropped on stdout so far (0 while nothing logs there): for `log_lines_dropped_total`. */
export function droppedStdoutLogLines(): number {
  return stdoutDestination?.droppedLines() ?? 0;
}

/** Writes out every buffered stdout line; does nothing when nothing logs to stdout. */
export async function flushStdoutLogs(): Promise<void> {
  await stdoutDestination?.flush();
}
