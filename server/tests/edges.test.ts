/**
 * The server's own edges, over real sockets on 127.0.0.1: slow and silent clients are cut
 * off, shutdown finishes in bounded time whoever is connected, every refusal (down to Node's
 * HTTP parser) is `{error: {code, message}}` without the request echoed, the emulator's OAuth
 * page refuses control characters, the SQLite files are private, and the H5 page carries
 * its CSP (and HSTS over HTTPS) with no public source map in production.
 */
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { buildApp, TestOverrides, verificationApp } from '../src/app';
import { serverOptions } from '../src/app/server-options';
import { parseConfig } from '../src/config';
import { ConnectionLimits, connectionLimitsFor, MIN_CONNECTION_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from '../src/plugins/connection-limits';
import { exitGracefully } from '../src/plugins/graceful-close';
import { H5_CONTENT_SECURITY_POLICY, STRICT_TRANSPORT_SECURITY } from '../src/plugins/security-headers';
import { openSqliteRepository } from '../src/store/sqlite-repository';
import { capturedLogLines, captureStream, testKeys, TEST_PEPPER } from './support/harness';
import { freePort, send } from './support/http';
import { RawConnection, RawResponse, sendRaw, within } from './support/raw-http';

const apps: FastifyInstance[] = [];

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

/** Long enough that only the limit under test can end a connection. */
const PATIENT: ConnectionLimits = { requestTimeoutMs: 60_000, connectionTimeoutMs: 60_000, timeoutCheckIntervalMs: 1_000 };

/** How long a test waits for something that should happen within tens of milliseconds before it calls it a failure. */
const FAILURE_AFTER_MS = 5_000;

interface Running {
  app: FastifyInstance;
  port: number;
  baseUrl: string;
}

interface StartOptions {
  env?: Record<string, string>;
  limits?: ConnectionLimits;
  repoRoot?: string;
  /** Leave the repository to buildApp (SQLite in DATA_DIR) instead of an in-memory one. */
  fileRepository?: boolean;
  repository?: TestOverrides['repository'];
  /** The caller closes the app (shutdown tests). */
  unmanaged?: boolean;
}

/** The app as `npm start` builds it (embedded emulator), listening on a free 127.0.0.1 port. */
async function start(options: StartOptions = {}): Promise<Running> {
  const port = await freePort();
  const dataDir = options.env?.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'verify-edges-'));
  const repoRoot = options.repoRoot ?? '/nonexistent-repo';
  const config = parseConfig({ PORT: String(port), DATA_DIR: dataDir, ID_HMAC_PEPPER: TEST_PEPPER, ...options.env }, repoRoot);
  const app = await buildApp({ config }, {
    emulatorKeys: testKeys(),
    repository: options.repository ?? (options.fileRepository ? undefined : await openSqliteRepository(':memory:')),
    logStream: captureStream(),
    repoRoot,
    connectionLimits: options.limits ?? PATIENT,
  });
  if (!options.unmanaged) apps.push(app);
  await app.listen({ port, host: '127.0.0.1' });
  return { app, port, baseUrl: `http://127.0.0.1:${port}` };
}

/** Asserts the body is exactly `{error: {code, message}}` with `code`, and returns the message. */
function expectErrorShape(response: RawResponse, statusCode: number, code: string): string {
  expect(response.statusCode).toBe(statusCode);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(response.body) as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
  expect(body.error.code).toBe(code);
  return body.error.message;
}

/** Writes one byte of `body` every `intervalMs` until it is all sent or the server closes the connection. */
async function dribble(connection: RawConnection, body: string, intervalMs: number): Promise<number> {
  let sent = 0;
  while (sent < body.length && !connection.isClosed) {
    connection.write(body[sent]);
    sent += 1;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return sent;
}

/** 20 s of dribbling at a byte per 20 ms: far past every limit the tests set, and past the tests' own failure deadline. */
const DRIBBLED_BODY = JSON.stringify({ authCode: 'x'.repeat(990) });
const DRIBBLED_HEAD = `POST /api/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${DRIBBLED_BODY.length}\r\n\r\n`;

describe('slow and silent clients', () => {
  it('cuts off a client that dribbles its body a byte at a time with 408 REQUEST_TIMEOUT', async () => {
    const { port } = await start({ limits: { requestTimeoutMs: 200, connectionTimeoutMs: 60_000, timeoutCheckIntervalMs: 20 } });
    const connection = await RawConnection.open(port);
    connection.write(DRIBBLED_HEAD);
    // 20 ms a byte: never silent long enough for a socket timeout.
    const sent = await dribble(connection, DRIBBLED_BODY, 20);
    const [answer] = await connection.allResponses();
    expect(sent).toBeLessThan(DRIBBLED_BODY.length);
    expectErrorShape(answer, 408, 'REQUEST_TIMEOUT');
    expect(answer.headers.connection).toBe('close');
  });

  it('cuts off a client that dribbles its headers with 408 REQUEST_TIMEOUT', async () => {
    const { port } = await start({ limits: { requestTimeoutMs: 200, connectionTimeoutMs: 60_000, timeoutCheckIntervalMs: 20 } });
    const connection = await RawConnection.open(port);
    const sent = await dribble(connection, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'x'.repeat(100)}\r\n\r\n`, 20);
    const [answer] = await connection.allResponses();
    expect(sent).toBeLessThan(100);
    expectErrorShape(answer, 408, 'REQUEST_TIMEOUT');
  });

  it('drops a connection that sends nothing once it has been silent for connectionTimeout', async () => {
    const { port } = await start({ limits: { ...PATIENT, connectionTimeoutMs: 100 } });
    const connection = await RawConnection.open(port);
    await within(connection.closed, FAILURE_AFTER_MS, 'the silent connection was not dropped');
  });

  it('keeps the socket limit longer than the slowest answer a merchant configures', () => {
    const base = { ALIPAY_MODE: 'emulator', DATA_DIR: tmpdir(), ID_HMAC_PEPPER: TEST_PEPPER };
    const defaults = connectionLimitsFor(parseConfig(base, '/nonexistent-repo'));
    expect(defaults).toEqual({ requestTimeoutMs: REQUEST_TIMEOUT_MS, connectionTimeoutMs: MIN_CONNECTION_TIMEOUT_MS, timeoutCheckIntervalMs: 1_000 });
    // 3 tries of 30 s each, doubled for backoff and a cert download.
    const slow = connectionLimitsFor(parseConfig({ ...base, ALIPAY_TIMEOUT_MS: '30000', ALIPAY_QUERY_RETRIES: '2' }, '/nonexistent-repo'));
    expect(slow.connectionTimeoutMs).toBe(180_000);
  });
});

describe('shutdown', () => {
  /** An idle keep-alive connection: one answered request, left open. */
  async function idleKeepAlive(port: number): Promise<RawConnection> {
    const connection = await RawConnection.open(port);
    connection.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect((await connection.response(0)).statusCode).toBe(200);
    return connection;
  }

  /**
   * Starts the close as SIGTERM would, through close-with-grace, with process.exit caught: the
   * exit code it would have ended the process with. close-with-grace's deadline timer outlives
   * the close, so the tests keep the deadline short.
   */
  function closeAsOnSignal(app: FastifyInstance, options: { graceMs: number; deadlineMs: number }): Promise<number> {
    return new Promise<number>((resolve) => {
      const exit = jest.spyOn(process, 'exit').mockImplementation(((code?: number) => {
        exit.mockRestore();
        resolve(code ?? 0);
      }) as typeof process.exit);
      exitGracefully(app, { ...options, events: 'manual' }).close();
    });
  }

  it('finishes within the grace period with a dribbling client and an idle keep-alive client connected, and exits 0', async () => {
    const { app, port } = await start({ unmanaged: true });
    const idle = await idleKeepAlive(port);
    const slow = await RawConnection.open(port);
    // Pipelined behind a request that is answered, so its headers are in before close begins.
    slow.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n${DRIBBLED_HEAD}`);
    expect((await slow.response(0)).statusCode).toBe(200);
    const dribbling = dribble(slow, DRIBBLED_BODY, 20);

    const exitCode = closeAsOnSignal(app, { graceMs: 100, deadlineMs: 2_000 });
    expect(await within(exitCode, FAILURE_AFTER_MS, 'the close did not finish')).toBe(0);
    await dribbling;
    expect(idle.isClosed).toBe(true);
    expect(slow.isClosed).toBe(true);
    expect(capturedLogLines.some((line) => line.includes('requests still open after the grace period'))).toBe(true);
  });

  it('exits 1 with a log line when the close has not finished by the deadline', async () => {
    const repository = await openSqliteRepository(':memory:');
    // A store whose close never returns: the case the deadline exists for.
    const hanging = Object.assign(Object.create(repository) as typeof repository, { close: () => new Promise<void>(() => undefined) });
    const { app } = await start({ unmanaged: true, repository: hanging });
    const exitCode = closeAsOnSignal(app, { graceMs: 20, deadlineMs: 100 });
    expect(await within(exitCode, FAILURE_AFTER_MS, 'the deadline did not fire')).toBe(1);
    expect(capturedLogLines.some((line) => line.includes('shutdown did not finish before the deadline'))).toBe(true);
    await repository.close();
  });

  it('stops a background worker that its piece registered with an onClose hook, before the store closes, and exits 0', async () => {
    const config = parseConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'verify-edges-')), ID_HMAC_PEPPER: TEST_PEPPER }, '/nonexistent-repo');
    const repository = await openSqliteRepository(':memory:');
    const events: string[] = [];
    const app = Fastify(serverOptions(config, { logStream: captureStream() }));
    await app.register(fp(verificationApp), {
      config,
      overrides: { emulatorKeys: testKeys(), repoRoot: '/nonexistent-repo', repository: Object.assign(Object.create(repository) as typeof repository, {
        close: async () => {
          events.push('store closed');
          await repository.close();
        },
      }) },
    });
    // A worker piece, as workers/ plug in: start with the app, stop in the piece's own onClose hook.
    await app.register(fp(async (instance) => {
      const timer = setInterval(() => events.push('worker ran'), 60_000);
      instance.addHook('onClose', async () => {
        clearInterval(timer);
        events.push('worker stopped');
      });
    }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const exitCode = closeAsOnSignal(app, { graceMs: 100, deadlineMs: 2_000 });
    expect(await within(exitCode, FAILURE_AFTER_MS, 'the close did not finish')).toBe(0);
    expect(events).toEqual(['worker stopped', 'store closed']);
  });

  it('stops the app\'s own reconciler and webhook worker on SIGTERM, before the store closes', async () => {
    const repository = await openSqliteRepository(':memory:');
    const events: string[] = [];
    const closingStore = Object.assign(Object.create(repository) as typeof repository, {
      close: async () => {
        events.push('store closed');
        await repository.close();
      },
    });
    // A receiver that is never reached: the worker only has to be running.
    const { app } = await start({
      unmanaged: true,
      repository: closingStore,
      env: { WEBHOOK_URL: 'http://127.0.0.1:9/hooks', WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 5).toString('base64')}` },
    });
    const webhookWorker = app.webhookWorker;
    if (!webhookWorker) throw new Error('WEBHOOK_URL is set, so the app has a webhook worker');
    const stopReconciler = app.reconciler.stop.bind(app.reconciler);
    const stopWebhooks = webhookWorker.stop.bind(webhookWorker);
    jest.spyOn(app.reconciler, 'stop').mockImplementation(async () => {
      await stopReconciler();
      events.push('reconciler stopped');
    });
    jest.spyOn(webhookWorker, 'stop').mockImplementation(async () => {
      await stopWebhooks();
      events.push('webhook worker stopped');
    });
    const exitCode = closeAsOnSignal(app, { graceMs: 100, deadlineMs: 2_000 });
    expect(await within(exitCode, FAILURE_AFTER_MS, 'the close did not finish')).toBe(0);
    expect(events[events.length - 1]).toBe('store closed');
    expect([...events].sort()).toEqual(['reconciler stopped', 'store closed', 'webhook worker stopped']);
  });

  it('answers a request that arrives on an open connection during the close with 503 in the error shape', async () => {
    const { app, port } = await start({ unmanaged: true });
    const idle = await idleKeepAlive(port);
    const busy = await RawConnection.open(port);
    // One request and the start of a second, pipelined: the connection is mid-request, not idle.
    busy.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    expect((await busy.response(0)).statusCode).toBe(200);

    const closed = app.close();
    // Idle connections are dropped only once the close has begun.
    await within(idle.closed, FAILURE_AFTER_MS, 'the idle connection was not dropped');
    busy.write('\r\n');
    const answer = await busy.response(1);
    expectErrorShape(answer, 503, 'INTERNAL_ERROR');
    expect(answer.headers.connection).toBe('close');
    await within(closed, FAILURE_AFTER_MS, 'the close did not finish');
  });
});

describe('every refusal is {error: {code, message}} and never echoes the request', () => {
  const MARKER = 'ECHOME7F3A';
  const refusals: Array<[string, string, number, string]> = [
    ['a bad percent-escape in the path', `GET /api/verifications/${MARKER}%E0%A4%A HTTP/1.1\r\nHost: x\r\n\r\n`, 400, 'VALIDATION_FAILED'],
    ['a percent sign with no hex digits', `GET /${MARKER}/%zz HTTP/1.1\r\nHost: x\r\n\r\n`, 400, 'VALIDATION_FAILED'],
    ['headers over the size limit (431)', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${MARKER}${'a'.repeat(20_000)}\r\n\r\n`, 431, 'PAYLOAD_TOO_LARGE'],
    ['a request line with a space in the path', `GET /${MARKER} path HTTP/1.1\r\nHost: x\r\n\r\n`, 400, 'VALIDATION_FAILED'],
    ['an unknown method', `${MARKER} / HTTP/1.1\r\nHost: x\r\n\r\n`, 400, 'VALIDATION_FAILED'],
    ['a header line without a colon', `GET / HTTP/1.1\r\nHost: x\r\n${MARKER}\r\n\r\n`, 400, 'VALIDATION_FAILED'],
    ['a control character in the path', `GET /${MARKER}\x01 HTTP/1.1\r\nHost: x\r\n\r\n`, 400, 'VALIDATION_FAILED'],
    ['both Content-Length and Transfer-Encoding', `POST /api/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n`, 400, 'VALIDATION_FAILED'],
    ['a path longer than the URL limit', `GET /${MARKER}${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431, 'PAYLOAD_TOO_LARGE'],
    ['a path parameter over the router\'s length limit', `GET /api/verifications/${MARKER}${'a'.repeat(300)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 414, 'VALIDATION_FAILED'],
    ['an unknown route', `GET /no-such/${MARKER}<script> HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 404, 'NOT_FOUND'],
    // The server has no 405: a method a path does not take is a resource that does not exist.
    ['a method the API route does not take', `DELETE /api/sessions?${MARKER} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 404, 'NOT_FOUND'],
    ['POST to a page', `POST /?${MARKER} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`, 404, 'NOT_FOUND'],
    ['a WebDAV method', `PROPFIND /${MARKER} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 404, 'NOT_FOUND'],
  ];

  it.each(refusals)('%s', async (_name, request, statusCode, code) => {
    const { port } = await start();
    const answer = await sendRaw(port, request);
    const message = expectErrorShape(answer, statusCode, code);
    expect(answer.body).not.toContain(MARKER);
    expect(message).not.toContain('/');
  });

  it('logs a parser refusal by its code, never with the refused bytes', async () => {
    const { port } = await start({ env: { LOG_LEVEL: 'debug' } });
    capturedLogLines.splice(0);
    await sendRaw(port, `GET /${MARKER} path HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${MARKER}\r\n\r\n`);
    const refusal = capturedLogLines.find((line) => line.includes('HTTP parser'));
    expect(refusal).toBeDefined();
    expect(capturedLogLines.join('\n')).not.toContain(MARKER);
  });
});

describe("the emulator's OAuth page", () => {
  const controls: Array<[string, string]> = [
    ['CR LF (header injection)', '\r\nSet-Cookie: a=b'],
    ['LF', '\n'],
    ['NUL', '\u0000'],
    ['tab', '\t'],
    ['another C0 control', '\u001f'],
    ['DEL', '\u007f'],
  ];

  it.each(controls)('refuses a redirect_uri with %s with 400 VALIDATION_FAILED', async (_name, control) => {
    const { baseUrl } = await start();
    const query = new URLSearchParams({ app_id: testKeys().appId, scope: 'auth_base', redirect_uri: `${baseUrl}/back${control}x` });
    const answer = await send(baseUrl, { url: `/emulator/oauth2/publicAppAuthorize.htm?${query}` });
    expect(answer.statusCode).toBe(400);
    expect(answer.json().error.code).toBe('VALIDATION_FAILED');
    expect(answer.headers.location).toBeUndefined();
  });

  it('redirects to a redirect_uri with non-ASCII characters, percent-encoded', async () => {
    const { baseUrl } = await start();
    const query = new URLSearchParams({ app_id: testKeys().appId, scope: 'auth_base', redirect_uri: `${baseUrl}/回来`, state: 's1' });
    const answer = await send(baseUrl, { url: `/emulator/oauth2/publicAppAuthorize.htm?${query}` });
    expect(answer.statusCode).toBe(302);
    const location = new URL(answer.headers.location);
    expect(location.pathname).toBe(`/${encodeURIComponent('回来')}`);
    expect(location.searchParams.get('state')).toBe('s1');
  });
});

describe('SQLite files', () => {
  const fileMode = (path: string): number => statSync(path).mode & 0o777;

  it('creates both databases and their -wal and -shm files readable by the owner only (0600), under umask 022', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'verify-modes-'));
    const previousUmask = process.umask(0o022);
    try {
      await start({ env: { DATA_DIR: dataDir }, fileRepository: true });
    } finally {
      process.umask(previousUmask);
    }
    // Read while the app is open: SQLite removes -wal and -shm on a clean close.
    for (const name of ['verifications.sqlite', 'emulator.sqlite']) {
      for (const suffix of ['', '-wal', '-shm']) {
        expect({ file: `${name}${suffix}`, mode: fileMode(join(dataDir, `${name}${suffix}`)).toString(8) }).toEqual({ file: `${name}${suffix}`, mode: '600' });
      }
    }
  });

  it('narrows a database file created earlier with wider permissions to 0600', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'verify-modes-'));
    const repositoryFile = join(dataDir, 'verifications.sqlite');
    writeFileSync(repositoryFile, '', { mode: 0o644 });
    await start({ env: { DATA_DIR: dataDir }, fileRepository: true });
    expect(fileMode(repositoryFile).toString(8)).toBe('600');
  });
});

describe('H5 page headers', () => {
  /** A repo root with a built H5 page, bundle and source map in it. */
  function fakeRepoWithH5(): string {
    const root = mkdtempSync(join(tmpdir(), 'verify-repo-'));
    mkdirSync(join(root, 'h5', 'public'), { recursive: true });
    mkdirSync(join(root, 'h5', 'dist'), { recursive: true });
    writeFileSync(join(root, 'h5', 'public', 'index.html'), '<!doctype html><title>H5</title><script src="/assets/main.js"></script>');
    writeFileSync(join(root, 'h5', 'public', 'styles.css'), 'body { margin: 0; }');
    writeFileSync(join(root, 'h5', 'dist', 'main.js'), 'window.started = true;\n//# sourceMappingURL=main.js.map');
    writeFileSync(join(root, 'h5', 'dist', 'main.js.map'), '{"version":3,"sources":["../src/main.ts"],"mappings":""}');
    return root;
  }

  it('serves the page with a CSP that allows only its own origin and forbids framing, plugins and <base>', async () => {
    const { baseUrl } = await start({ repoRoot: fakeRepoWithH5() });
    for (const url of ['/', '/index.html', '/?auth_code=abc&state=s1']) {
      const page = await send(baseUrl, { url });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-security-policy']).toBe(H5_CONTENT_SECURITY_POLICY);
    }
    const directives = H5_CONTENT_SECURITY_POLICY.split('; ');
    expect(directives).toEqual(expect.arrayContaining(["default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"]));
    expect(H5_CONTENT_SECURITY_POLICY).not.toContain('unsafe');
    // The policy is the page's: a stylesheet or an API answer does not need one.
    expect((await send(baseUrl, { url: '/styles.css' })).headers['content-security-policy']).toBeUndefined();
  });

  it('lets the page load the merchant\'s logo from its one https origin, and images from no other', async () => {
    const { baseUrl } = await start({ repoRoot: fakeRepoWithH5(), env: { MERCHANT_LOGO_URL: 'https://static.bank.example/brand/logo.png' } });
    const policy = (await send(baseUrl, { url: '/' })).headers['content-security-policy'] as string;
    expect(policy.split('; ')).toContain("img-src 'self' data: https://static.bank.example");
    expect(policy).toBe(H5_CONTENT_SECURITY_POLICY.replace("img-src 'self' data:", "img-src 'self' data: https://static.bank.example"));
    const samePlace = await start({ repoRoot: fakeRepoWithH5(), env: { MERCHANT_LOGO_URL: '/brand/logo.png' } });
    expect((await send(samePlace.baseUrl, { url: '/' })).headers['content-security-policy']).toBe(H5_CONTENT_SECURITY_POLICY);
  });

  it('sends HSTS only when the request came over HTTPS (trusted X-Forwarded-Proto) or PUBLIC_URL is https', async () => {
    const overHttps = { 'x-forwarded-proto': 'https' };
    const behindProxy = await start({ env: { TRUST_PROXY: '1' } });
    expect((await send(behindProxy.baseUrl, { url: '/healthz', headers: overHttps })).headers['strict-transport-security']).toBe(STRICT_TRANSPORT_SECURITY);
    expect((await send(behindProxy.baseUrl, { url: '/healthz' })).headers['strict-transport-security']).toBeUndefined();

    // Without TRUST_PROXY the header is anyone's to send, so it proves nothing.
    const direct = await start();
    expect((await send(direct.baseUrl, { url: '/healthz', headers: overHttps })).headers['strict-transport-security']).toBeUndefined();

    const publicHttps = await start({ env: { PUBLIC_URL: 'https://verify.example.com' } });
    expect((await send(publicHttps.baseUrl, { url: '/healthz' })).headers['strict-transport-security']).toBe(STRICT_TRANSPORT_SECURITY);
  });

  describe('source maps', () => {
    const previousNodeEnv = process.env.NODE_ENV;
    afterEach(() => {
      process.env.NODE_ENV = previousNodeEnv;
    });

    it('answers 404 NOT_FOUND for the bundle\'s source map when NODE_ENV=production, and still serves the bundle', async () => {
      process.env.NODE_ENV = 'production';
      const { baseUrl } = await start({ repoRoot: fakeRepoWithH5() });
      const map = await send(baseUrl, { url: '/assets/main.js.map' });
      expect(map.statusCode).toBe(404);
      expect(map.json().error.code).toBe('NOT_FOUND');
      expect((await send(baseUrl, { url: '/assets/main.js' })).statusCode).toBe(200);
    });

    it('serves the source map outside production, for debugging', async () => {
      process.env.NODE_ENV = 'development';
      const { baseUrl } = await start({ repoRoot: fakeRepoWithH5() });
      expect((await send(baseUrl, { url: '/assets/main.js.map' })).statusCode).toBe(200);
    });
  });
});
