/**
 * The gateway transport against a plain node:http server: what goes where, connection
 * reuse, and each way a call can fail (the UpstreamError kind is what retries and routes read).
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { createGatewayTransport, GatewayTransport } from '../../src/alipay/gateway-transport';
import { upstreamErrorOf } from '../support/records';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

let server: Server;
let handle: Handler;
let connections = 0;
let transport: GatewayTransport;

function gatewayUrl(): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/gateway.do`;
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handle(request, Buffer.concat(chunks).toString('utf8'), response));
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  connections = 0;
  transport = createGatewayTransport({ gateway: gatewayUrl(), timeoutMs: 300, userAgent: 'test-agent' });
});

afterEach(() => {
  transport.close();
});

it('puts the query in the URL and the form, URL-encoded, in the body, and returns the raw answer with its trace id', async () => {
  let seen: { url?: string; body: string; contentType?: string; userAgent?: string } = { body: '' };
  handle = (request, body, response) => {
    seen = { url: request.url, body, contentType: request.headers['content-type'], userAgent: request.headers['user-agent'] };
    response.writeHead(200, { 'content-type': 'application/json', trace_id: 'trace-1' }).end('{"a_response":{"code":"10000"},"sign":"x"}');
  };
  const answer = await transport.post({ method: 'a.b', timestamp: '2026-01-16 04:30:00' }, { biz_content: '{"cert_name":"张三·李"}' });

  expect(answer).toEqual({ status: 200, body: '{"a_response":{"code":"10000"},"sign":"x"}', traceId: 'trace-1' });
  const url = new URL(seen.url as string, 'http://gateway');
  expect(url.pathname).toBe('/gateway.do');
  expect(url.searchParams.get('timestamp')).toBe('2026-01-16 04:30:00');
  expect(url.searchParams.get('biz_content')).toBeNull();
  expect(new URLSearchParams(seen.body).get('biz_content')).toBe('{"cert_name":"张三·李"}');
  expect(seen.contentType).toBe('application/x-www-form-urlencoded;charset=utf-8');
  expect(seen.userAgent).toBe('test-agent');
});

it('reuses one kept-alive connection for calls one after another', async () => {
  handle = (_request, _body, response) => response.writeHead(200).end('{}');
  for (let call = 0; call < 5; call += 1) await transport.post({}, {});
  expect(connections).toBe(1);
});

it('hands a non-200 answer back as it came, for the client to classify', async () => {
  handle = (_request, _body, response) => response.writeHead(502).end('bad gateway');
  expect(await transport.post({}, {})).toEqual({ status: 502, body: 'bad gateway', traceId: undefined });
});

it('rejects with kind timeout when the whole answer has not come within the timeout', async () => {
  handle = (_request, _body, response) => {
    response.writeHead(200);
    response.write('{"a_response":');
  };
  const error = await upstreamErrorOf(transport.post({}, {}));
  expect(error.kind).toBe('timeout');
});

it('rejects with kind unavailable when nothing listens at the gateway', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const unreachable = createGatewayTransport({ gateway: `http://127.0.0.1:${port}/gateway.do`, timeoutMs: 1000, userAgent: 'test-agent' });
  try {
    const error = await upstreamErrorOf(unreachable.post({}, {}));
    expect(error.kind).toBe('unavailable');
  } finally {
    unreachable.close();
  }
});

it('rejects with kind unavailable, without buffering it all, an answer over 1 MiB', async () => {
  handle = (_request, _body, response) => {
    response.writeHead(200);
    response.end(Buffer.alloc(1024 * 1024 + 1, 0x20));
  };
  const error = await upstreamErrorOf(transport.post({}, {}));
  expect(error.kind).toBe('unavailable');
  expect(error.message).toContain('size limit');
});

it('rejects with kind unavailable when the connection drops mid-answer', async () => {
  handle = (request, _body, response) => {
    response.writeHead(200, { 'content-length': '100' });
    response.write('{"partial":');
    setImmediate(() => request.socket.destroy());
  };
  const error = await upstreamErrorOf(transport.post({}, {}));
  expect(error.kind).toBe('unavailable');
});
