/**
 * The gateway transport against a plain node:http server: what goes where, connection
 * reuse and the pool's limit, each way a call can fail (the UpstreamError kind is what retries and routes read),
 * and the same through a real CONNECT proxy.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, connect, Socket } from 'node:net';
import { createGatewayTransport, EMBEDDED_EMULATOR_CONNECTIONS, GATEWAY_CONNECTIONS, GatewayTransport } from '../../src/alipay/gateway-transport';
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

it('keeps its connections open across calls one after another', async () => {
  handle = (_request, _body, response) => response.writeHead(200).end('{}');
  for (let call = 0; call < 10; call += 1) await transport.post({}, {});
  // undici may open a second one when a call is sent while the previous one's connection is
  // still being released; never one per call.
  expect(connections).toBeLessThanOrEqual(2);
});

it('carries 200 concurrent calls on at most GATEWAY_CONNECTIONS kept-alive connections, and opens none for the next 200', async () => {
  handle = (_request, _body, response) => setImmediate(() => response.writeHead(200).end('{}'));
  // Opening the pool's connections at once on a busy CI machine can take longer than the other tests' 300 ms.
  const patient = createGatewayTransport({ gateway: gatewayUrl(), timeoutMs: 5000, userAgent: 'test-agent' });
  try {
    const burst = (): Promise<unknown[]> => Promise.all(Array.from({ length: 200 }, () => patient.post({}, {})));
    await burst();
    const opened = connections;
    expect(opened).toBeLessThanOrEqual(GATEWAY_CONNECTIONS);
    await burst();
    expect(connections).toBe(opened);
  } finally {
    patient.close();
  }
});

it('keeps to the connections it is given (the embedded emulator\'s smaller pool)', async () => {
  handle = (_request, _body, response) => setImmediate(() => response.writeHead(200).end('{}'));
  const small = createGatewayTransport({ gateway: gatewayUrl(), timeoutMs: 5000, userAgent: 'test-agent', connections: EMBEDDED_EMULATOR_CONNECTIONS });
  try {
    await Promise.all(Array.from({ length: 200 }, () => small.post({}, {})));
    expect(connections).toBeGreaterThan(1);
    expect(connections).toBeLessThanOrEqual(EMBEDDED_EMULATOR_CONNECTIONS);
  } finally {
    small.close();
  }
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

describe('through an HTTP proxy', () => {
  const PROXY_USER = 'merchant';
  const PROXY_SECRET = 's3cret-proxy-pass';
  let proxy: Server;
  let tunnels: string[];
  let proxyAuthorizations: Array<string | undefined>;
  /** The only Proxy-Authorization the proxy accepts; anything else gets 407. */
  const expectedAuthorization = `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_SECRET}`).toString('base64')}`;

  function proxyUrl(credentials = `${PROXY_USER}:${PROXY_SECRET}`): string {
    return `http://${credentials}@127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  }

  beforeAll(async () => {
    // A minimal CONNECT proxy, as a merchant's egress proxy works: it checks Proxy-Authorization,
    // opens a TCP connection to the requested host:port and pipes both ways.
    proxy = createServer((_request, response) => response.writeHead(405).end());
    proxy.on('connect', (request: IncomingMessage, client: Socket, head: Buffer) => {
      tunnels.push(request.url as string);
      proxyAuthorizations.push(request.headers['proxy-authorization']);
      if (request.headers['proxy-authorization'] !== expectedAuthorization) {
        client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const [host, port] = (request.url as string).split(':');
      const upstream = connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    proxy.closeAllConnections();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
  });

  beforeEach(() => {
    tunnels = [];
    proxyAuthorizations = [];
  });

  it('sends every call through kept-alive tunnels, authenticated with the credentials in the proxy URL', async () => {
    const seen: string[] = [];
    handle = (request, body, response) => {
      seen.push(`${request.url} ${body}`);
      response.writeHead(200, { trace_id: 'trace-p' }).end('{"a_response":{},"sign":"x"}');
    };
    const proxied = createGatewayTransport({ gateway: gatewayUrl(), timeoutMs: 1000, userAgent: 'test-agent', proxyUrl: proxyUrl() });
    try {
      for (let call = 0; call < 3; call += 1) {
        expect(await proxied.post({ method: 'a.b' }, { biz_content: '{}' })).toEqual({ status: 200, body: '{"a_response":{},"sign":"x"}', traceId: 'trace-p' });
      }
    } finally {
      proxied.close();
    }
    // One tunnel per pooled connection (at most two for calls one after another, as direct).
    expect(tunnels.length).toBeLessThanOrEqual(2);
    expect(new Set(tunnels)).toEqual(new Set([`127.0.0.1:${(server.address() as AddressInfo).port}`]));
    expect(new Set(proxyAuthorizations)).toEqual(new Set([expectedAuthorization]));
    expect(connections).toBe(tunnels.length);
    expect(seen).toEqual(Array(3).fill('/gateway.do?method=a.b biz_content=%7B%7D'));
  });

  it('rejects with kind unavailable, naming the proxy\'s status and never its credentials, when the proxy refuses the tunnel', async () => {
    handle = (_request, _body, response) => response.writeHead(200).end('{}');
    const refused = createGatewayTransport({ gateway: gatewayUrl(), timeoutMs: 1000, userAgent: 'test-agent', proxyUrl: proxyUrl(`${PROXY_USER}:wrong-${PROXY_SECRET}`) });
    try {
      const error = await upstreamErrorOf(refused.post({}, {}));
      expect(error.kind).toBe('unavailable');
      expect(error.message).toBe('The proxy refused the tunnel to Alipay (HTTP 407)');
      expect(`${error.stack} ${JSON.stringify(error)}`).not.toContain(PROXY_SECRET);
    } finally {
      refused.close();
    }
    expect(tunnels).toHaveLength(1);
    expect(connections).toBe(0);
  });

  it('rejects with kind unavailable, never naming the proxy\'s credentials, when the proxy cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = createGatewayTransport({
      gateway: gatewayUrl(),
      timeoutMs: 1000,
      userAgent: 'test-agent',
      proxyUrl: `http://${PROXY_USER}:${PROXY_SECRET}@127.0.0.1:${port}`,
    });
    try {
      const error = await upstreamErrorOf(unreachable.post({}, {}));
      expect(error.kind).toBe('unavailable');
      expect(error.message).toBe('Alipay could not be reached through the proxy');
      expect(`${error.stack} ${JSON.stringify(error)}`).not.toMatch(new RegExp(`${PROXY_SECRET}|${PROXY_USER}`));
    } finally {
      unreachable.close();
    }
  });
});
