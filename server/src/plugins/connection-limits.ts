/**
 * How long a client may hold a connection. Without these, Node and Fastify wait forever for a
 * request that arrives a byte at a time, so a handful of slow clients can hold every socket
 * and keep a shutdown from ever finishing.
 * @see https://fastify.dev/docs/latest/Reference/Server/#requesttimeout
 * @see https://nodejs.org/api/http.html#serverrequesttimeout
 */
import type { ServerOptions } from 'node:http';
import { FastifyServerOptions } from 'fastify';
import { ServerConfig } from '../config';

export interface ConnectionLimits {
  /** Longest a client may take to send one whole request (request line, headers, body), in ms. */
  requestTimeoutMs: number;
  /** Longest a connection may stay silent both ways, in ms, including while a handler waits for Alipay. */
  connectionTimeoutMs: number;
  /** How often Node looks for requests past `requestTimeoutMs`, in ms: a slow request is cut within the sum. */
  timeoutCheckIntervalMs: number;
}

/**
 * The H5 page gives up on a request after 15 s and the mini-program after 10 s (their
 * REQUEST_TIMEOUT_MS), and our bodies are at most 4 KiB: a request still arriving after 15 s
 * has nobody waiting for its answer. (Behind a reverse proxy the proxy buffers the body, so
 * this only ever cuts clients that talk to us directly.)
 */
export const REQUEST_TIMEOUT_MS = 15_000;

/** Node checks every 30 s by default, which would let a slow request live 45 s; 1 s costs a walk over open sockets. */
export const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** A connection silent for a minute is dead whatever the settings. */
export const MIN_CONNECTION_TIMEOUT_MS = 60_000;

/**
 * The socket's inactivity limit must outlast the slowest answer, or a request that waited on
 * Alipay is cut after its paid call: every try of the longest-retried call can time out,
 * doubled for backoff and a cert download in cert mode. With the defaults (5 s, 2 retries)
 * that is 30 s, under the one-minute floor; a merchant who raises ALIPAY_TIMEOUT_MS or the
 * retries gets a longer limit with no second setting to keep in step.
 */
export function connectionLimitsFor(config: ServerConfig): ConnectionLimits {
  const tries = 1 + Math.max(config.queryRetries, config.initializeRetries);
  return {
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    connectionTimeoutMs: Math.max(MIN_CONNECTION_TIMEOUT_MS, 2 * tries * config.alipayTimeoutMs),
    timeoutCheckIntervalMs: TIMEOUT_CHECK_INTERVAL_MS,
  };
}

/** The `Fastify({...})` options that enforce `limits` and say how connections end on close. */
export function connectionLimitOptions(
  limits: ConnectionLimits,
): Pick<FastifyServerOptions, 'requestTimeout' | 'connectionTimeout' | 'forceCloseConnections' | 'return503OnClosing'> & { http: ServerOptions } {
  return {
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.connectionTimeoutMs,
    // Node enforces requestTimeout only while headersTimeout (default 60 s) is no longer
    // (seen on Node 20: with the default, a dribbled body is never cut), so both are set.
    http: { connectionsCheckingInterval: limits.timeoutCheckIntervalMs, headersTimeout: limits.requestTimeoutMs, requestTimeout: limits.requestTimeoutMs },
    // close() drops idle keep-alive sockets at once and lets requests in progress finish;
    // plugins/graceful-close.ts cuts the rest after a grace period.
    forceCloseConnections: 'idle',
    // Fastify's own 503 has another body shape; plugins/graceful-close.ts answers in ours.
    return503OnClosing: false,
  };
}
