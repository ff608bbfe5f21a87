/**
 * A small HTTP client for tests, over Node's fetch against apps listening on ephemeral
 * 127.0.0.1 ports. We would use `app.inject()`, but its light-my-request depends on cookie@2,
 * which is ES-module-only and cannot be loaded by jest 30 on Node 20 (see the final report).
 */
import { createServer } from 'node:net';

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
