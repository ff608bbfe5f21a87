/**
 * The HTTP leg of an OpenAPI v2 gateway call: one form POST over a kept-alive connection,
 * answered as raw text, because the answer's signature covers the exact bytes Alipay sent.
 *
 * alipay-sdk's exec() does the same through urllib and undici, and converts every key to
 * camelCase and back. Timed call after call against the emulator on the 2-core bench
 * machine, that cost 0.63 ms of CPU per call beyond the RSA work, where a plain node:http
 * round trip costs 0.2 ms (README, "Performance"). The gateway protocol is small and
 * fixed, so we speak it here.
 *
 * A merchant whose servers reach the internet only through an HTTP(S) proxy sets `proxyUrl`:
 * every call then goes through a CONNECT tunnel (https-proxy-agent), kept alive like a direct
 * connection. Through the tunnel to an https gateway, the proxy sees its host and port, and
 * then only TLS bytes.
 *
 * @see https://opendocs.alipay.com/common/02kf5q (request: common parameters in the URL, biz_content in the form body)
 */
import { Agent as HttpAgent, ClientRequest, IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { HttpsProxyAgent } from 'https-proxy-agent';
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
   * with UpstreamError: `timeout` when no full answer came within the timeout, `unavailable`
   * when the connection failed or the answer was too large to be one of Alipay's.
   */
  post(query: Readonly<Record<string, string>>, form: Readonly<Record<string, string>>): Promise<GatewayAnswer>;
  /** Closes the kept-alive connections. */
  close(): void;
}

export interface GatewayTransportOptions {
  /** The gateway URL, e.g. https://openapi.alipay.com/gateway.do. */
  gateway: string;
  /** For the whole call, connection to last byte, in ms. */
  timeoutMs: number;
  userAgent: string;
  /**
   * An http:// or https:// proxy (credentials in the URL are sent as Proxy-Authorization)
   * to tunnel every call through. Never appears in an error message.
   */
  proxyUrl?: string;
}

/** Far above any answer of the four methods this product calls (they are under 2 KB). */
const MAX_ANSWER_BYTES = 1024 * 1024;
/** Idle connections kept per gateway; more are opened under load and closed once idle. */
const MAX_IDLE_SOCKETS = 64;
/**
 * An idle connection is closed after this long, before a server's own keep-alive timeout
 * (5 s in Node, more elsewhere) can close it under a request just being sent. Node's Agent
 * also honours a shorter `Keep-Alive: timeout=` hint from the server.
 */
const IDLE_SOCKET_TIMEOUT_MS = 4_000;

function encodeForm(fields: Readonly<Record<string, string>>): string {
  return new URLSearchParams(fields).toString();
}

/**
 * Calls `refused` when the proxy answers CONNECT with anything but 200 (407: its credentials
 * are wrong), so that answer is never read as the gateway's. https-proxy-agent emits
 * `proxyConnect` on the request; without a proxy it never fires.
 */
function onProxyRefusal(request: ClientRequest, refused: (status: number | undefined) => void): void {
  request.once('proxyConnect', (connect: { statusCode?: number }) => {
    if (connect.statusCode !== 200) refused(connect.statusCode);
  });
}

/** Creates the transport; its connections are reused across calls until close(). */
export function createGatewayTransport(options: GatewayTransportOptions): GatewayTransport {
  const gateway = new URL(options.gateway);
  const secure = gateway.protocol === 'https:';
  const agentOptions = { keepAlive: true, maxFreeSockets: MAX_IDLE_SOCKETS, timeout: IDLE_SOCKET_TIMEOUT_MS, scheduling: 'lifo' as const };
  const agent = options.proxyUrl
    ? new HttpsProxyAgent(options.proxyUrl, agentOptions)
    : secure
      ? new HttpsAgent(agentOptions)
      : new HttpAgent(agentOptions);
  const unreachable = options.proxyUrl ? 'Alipay could not be reached through the proxy' : 'Alipay could not be reached';
  const send = secure ? httpsRequest : httpRequest;

  function readAnswer(response: IncomingMessage, resolve: (answer: GatewayAnswer) => void, fail: (error: UpstreamError) => void): void {
    const traceHeader = response.headers.trace_id;
    const traceId = typeof traceHeader === 'string' && traceHeader.length > 0 ? traceHeader : undefined;
    const chunks: Buffer[] = [];
    let received = 0;
    response.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > MAX_ANSWER_BYTES) {
        fail(new UpstreamError('unavailable', 'Alipay\'s answer exceeded the size limit', { traceId }));
        response.destroy();
        return;
      }
      chunks.push(chunk);
    });
    response.once('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), traceId }));
    response.once('error', (error) => fail(new UpstreamError('unavailable', 'The connection to Alipay broke during the answer', { traceId }, { cause: error })));
  }

  return {
    post(query, form) {
      const url = new URL(gateway.href);
      for (const key of Object.keys(query)) url.searchParams.set(key, query[key]);
      const body = encodeForm(form);
      return new Promise<GatewayAnswer>((resolve, reject) => {
        let settled = false;
        const settle = (outcome: () => void): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          outcome();
        };
        const fail = (error: UpstreamError): void => settle(() => reject(error));
        const outgoing = send(
          url,
          {
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/x-www-form-urlencoded;charset=utf-8',
              'content-length': Buffer.byteLength(body),
              accept: 'application/json',
              'user-agent': options.userAgent,
            },
          },
          (response) => readAnswer(response, (answer) => settle(() => resolve(answer)), fail),
        );
        const timer = setTimeout(() => {
          fail(new UpstreamError('timeout', `Alipay did not answer within ${options.timeoutMs} ms`));
          outgoing.destroy();
        }, options.timeoutMs);
        onProxyRefusal(outgoing, (status) => fail(new UpstreamError('unavailable', `The proxy refused the tunnel to Alipay (HTTP ${status})`)));
        outgoing.once('error', (error) => fail(new UpstreamError('unavailable', unreachable, {}, { cause: error })));
        outgoing.end(body);
      });
    },

    close() {
      agent.destroy();
    },
  };
}
