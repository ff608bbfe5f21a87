/**
 * How tests talk to an app: `inject` through Fastify's `app.inject()` (no socket, the way
 * route tests go), `send` over Node's fetch for apps that must listen on an ephemeral
 * 127.0.0.1 port (the emulator the Alipay client reaches over real HTTP, and the tests about
 * sockets themselves). Both answer the same TestResponse.
 */
import { createServer } from 'node:net';
import { FastifyInstance } from 'fastify';

export interface ErrorJson {
  error: { code: string; message: string; subCode?: string };
}

export interface TestResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  json<T = ErrorJson & Record<string, unknown>>(): T;
}

export interface TestRequest {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as is (set the content type yourself). */
  payload?: unknown;
}

/** Sends one request to `baseUrl`; redirects are returned, not followed. */
export async function send(baseUrl: string, request: TestRequest): Promise<TestResponse> {
  const headers: Record<string, string> = { ...request.headers };
  let body: string | undefined;
  if (typeof request.payload === 'string') body = request.payload;
  else if (request.payload !== undefined) {
    body = JSON.stringify(request.payload);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(new URL(request.url, baseUrl), { method: request.method ?? 'GET', headers, body, redirect: 'manual' });
  const text = await response.text();
  const responseHeaders: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    responseHeaders[key] = value;
  });
  return {
    statusCode: response.status,
    headers: responseHeaders,
    body: text,
    json: <T>() => JSON.parse(text) as T,
  };
}

/** Sends one request through `app.inject()`; redirects are returned, not followed. */
export async function inject(app: FastifyInstance, request: TestRequest): Promise<TestResponse> {
  const headers: Record<string, string> = { ...request.headers };
  let payload: string | undefined;
  if (typeof request.payload === 'string') payload = request.payload;
  else if (request.payload !== undefined) {
    payload = JSON.stringify(request.payload);
    headers['content-type'] ??= 'application/json';
  }
  const response = await app.inject({ method: (request.method ?? 'GET') as 'GET', url: request.url, headers, payload });
  const responseHeaders: Record<string, string> = {};
  for (const [key, value] of Object.entries(response.headers)) {
    if (value !== undefined) responseHeaders[key] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return {
    statusCode: response.statusCode,
    headers: responseHeaders,
    body: response.body,
    json: <T>() => JSON.parse(response.body) as T,
  };
}

/** A TCP port on 127.0.0.1 that was free a moment ago, for a process or server that must be told its port up front. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
