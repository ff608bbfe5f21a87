/**
 * The HTTP leg of an OpenAPI v2 gateway call: one form POST over a pool of kept-alive
 * connections (undici's Pool), answered as raw text, because the answer's signature covers the
 * exact bytes Alipay sent.
 *
 * alipay-sdk's exec() sends through urllib on undici too, and converts every key to camelCase
 * and back. Timed call after call against the emulator on the 2-core bench machine, that cost
 * 0.63 ms of CPU per call beyond the RSA work (docs/performance.md). The gateway protocol is
 * small and fixed, so we sign here and let undici do only the HTTP.
 *
 * The pool is the limit on concurrent calls: GATEWAY_CONNECTIONS connections, each kept open,
 * and calls beyond them wait in the pool's queue instead of opening (and later closing) more.
 * The timeouts are undici's own and start when a call leaves the queue, so a call that waited
 * its turn behind others is not counted as Alipay being slow: only a call Alipay actually
 * received can time out, which is what `timeout` ("the call may have happened") must mean.
 *
 * A merchant whose servers reach the internet only through an HTTP(S) proxy sets `proxyUrl`:
 * every call then goes through a CONNECT tunnel (undici's ProxyAgent), kept alive and pooled
 * like a direct connection. Through the tunnel to an https gateway, the proxy sees its host and
 * port, and then only TLS bytes.
 *
 * @see https://opendocs.alipay.com/common/02kf5q (request: common parameters in the URL, biz_content in the form body)
 * @see https://undici.nodejs.org/#/docs/api/Pool
 * @see https://undici.nodejs.org/#/docs/api/ProxyAgent
 */
import { Dispatcher, Pool, ProxyAgent } from 'undici';
import { UpstreamError } from './upstream-error';

/** A gateway answer, whatever its status: the client decides what it means. */
export interface GatewayAnswer {
  status: number;
  body: string;
  /** Alipay's trace id, from the `trace_id` response header. */
  traceId?: string;
}

export interface GatewayTransport {
  /**
   * POSTs `form` (URL-encoded) to the gateway with `query` appended to its URL. Rejects only
   * with UpstreamError: `timeout` when Alipay did not answer within the timeout, `unavailable`
   * when the connection failed or the answer was too large to be one of Alipay's.
   */
  post(query: Readonly<Record<string, string>>, form: Readonly<Record<string, string>>): Promise<GatewayAnswer>;
  /** Closes the kept-alive connections once the calls in flight have finished. */
  close(): void;
}

export interface GatewayTransportOptions {
  /** The gateway URL, e.g. https://openapi.alipay.com/gateway.do. */
  gateway: string;
  /**
   * For each wait on Alipay once a call has left the queue, in ms: to connect, for the answer's
   * headers, and between its body chunks. Alipay's answers are under 2 KB and arrive with
   * their headers, so in practice this is the call's time on the wire.
   */
  timeoutMs: number;
  userAgent: string;
  /** How many connections the pool keeps. Default GATEWAY_CONNECTIONS. */
  connections?: number;
  /**
   * An http:// or https:// proxy (credentials in the URL are sent as Proxy-Authorization)
   * to tunnel every call through. Never appears in an error message.
   */
  proxyUrl?: string;
}

/** Far above any answer of the four methods this product calls (they are under 2 KB). */
const MAX_ANSWER_BYTES = 1024 * 1024;
/**
 * Connections to the gateway, each kept open: the most calls in flight at once. A flow makes one
 * gateway call, so the pool must hold saturation x the gateway's latency (Little's law): with
 * RSA on the thread pool one process saturates near 430 flows a second on 2 cores (npm run
 * bench), which at Alipay's 100 to 250 ms per call needs 43 to 108 connections. 32 held the
 * bench's 100 ms scenario to 251 flows/s (32 / 0.1 s = 320 calls/s at best); 128 leaves room
 * for a slower gateway without letting a stalled one pile up unbounded work.
 */
export const GATEWAY_CONNECTIONS = 128;
/**
 * The pool for the emulator embedded in this same process (`npm start` without EMULATOR_URL).
 * Every call in flight is then work on this process's own event loop, so more connections only
 * queue more of it: 200 clients of server/scripts/load-flows.mjs ran without an error on 32,
 * and 128 let 12 of 1790 auth-code exchanges wait past their 5 s timeout (504).
 */
export const EMBEDDED_EMULATOR_CONNECTIONS = 32;
/**
 * An idle connection is closed after this long, before a server's own keep-alive timeout
 * (5 s in Node, more elsewhere) can close it under a request just being sent. undici also
 * honours a shorter `Keep-Alive: timeout=` hint from the server.
 */
const IDLE_SOCKET_TIMEOUT_MS = 4_000;

/** undici's error codes for a wait on the other side that ran out. */
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** ProxyAgent's refusal of a tunnel names the proxy's status in its message, and nothing else. */
const PROXY_REFUSAL = /^Proxy response \((\d{3})\) !== 200 when HTTP Tunneling$/;

function encodeForm(fields: Readonly<Record<string, string>>): string {
  return new URLSearchParams(fields).toString();
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

/** Creates the transport; its connections are reused across calls until close(). */
export function createGatewayTransport(options: GatewayTransportOptions): GatewayTransport {
  const gateway = new URL(options.gateway);
  const poolOptions = {
    connections: options.connections ?? GATEWAY_CONNECTIONS,
    keepAliveTimeout: IDLE_SOCKET_TIMEOUT_MS,
    keepAliveMaxTimeout: IDLE_SOCKET_TIMEOUT_MS,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connectTimeout: options.timeoutMs,
    maxResponseSize: MAX_ANSWER_BYTES,
  };
  const dispatcher: Dispatcher = options.proxyUrl
    ? new ProxyAgent({ uri: options.proxyUrl, ...poolOptions })
    : new Pool(gateway.origin, { ...poolOptions, connect: { timeout: options.timeoutMs } });
  const unreachable = options.proxyUrl ? 'Alipay could not be reached through the proxy' : 'Alipay could not be reached';

  /**
   * The UpstreamError for what undici threw, with it as `cause`.
   * @param answer set once the answer's headers had come: the failure was during its body
   */
  function classify(error: unknown, answer?: { traceId?: string }): UpstreamError {
    const traceId = answer?.traceId;
    const code = errorCode(error);
    const cause = { cause: error };
    if (code !== undefined && TIMEOUT_CODES.has(code)) {
      return new UpstreamError('timeout', `Alipay did not answer within ${options.timeoutMs} ms`, { traceId }, cause);
    }
    if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return new UpstreamError('unavailable', 'Alipay\'s answer exceeded the size limit', { traceId }, cause);
    const refusal = options.proxyUrl && error instanceof Error ? PROXY_REFUSAL.exec(error.message) : null;
    if (refusal) return new UpstreamError('unavailable', `The proxy refused the tunnel to Alipay (HTTP ${refusal[1]})`, {}, cause);
    if (answer) return new UpstreamError('unavailable', 'The connection to Alipay broke during the answer', { traceId }, cause);
    return new UpstreamError('unavailable', unreachable, {}, cause);
  }

  return {
    async post(query, form) {
      const url = new URL(gateway.href);
      for (const key of Object.keys(query)) url.searchParams.set(key, query[key]);
      let response: Dispatcher.ResponseData;
      try {
        response = await dispatcher.request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded;charset=utf-8',
            accept: 'application/json',
            'user-agent': options.userAgent,
          },
          body: encodeForm(form),
        });
      } catch (error) {
        throw classify(error);
      }
      const traceHeader = response.headers.trace_id;
      const traceId = typeof traceHeader === 'string' && traceHeader.length > 0 ? traceHeader : undefined;
      try {
        return { status: response.statusCode, body: await response.body.text(), traceId };
      } catch (error) {
        throw classify(error, { traceId });
      }
    },

    close() {
      // close(), not destroy(): calls in flight finish (each within the timeout), then every
      // connection ends. destroy() would end them all with one shared error object, which
      // urllib (alipay-sdk's HTTP client, loaded in the tests that run the SDK beside ours)
      // cannot tag twice: its patch of Socket#destroy throws.
      void dispatcher.close().catch(() => undefined);
    },
  };
}
