/**
 * The app as `npm start` runs it: the emulator embedded in the same instance and reached over
 * real HTTP (so these tests listen and send as a browser does), the browser's path through the
 * OAuth and certify pages, the H5 files, the OpenAPI document; then, through app.inject(),
 * real mode wiring and the auth-code refusal.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FastifyInstance } from 'fastify';
import { ClientConfig, CreateVerificationResponse } from '../../utils/api-contract';
import { makeCertNo, TEST_NAMES } from '../../tests/support/identities';
import { AlipayGateway } from '../src/alipay/alipay-client';
import { UpstreamError } from '../src/alipay/upstream-error';
import { buildApp } from '../src/app';
import { parseConfig } from '../src/config';
import { openSqliteRepository } from '../src/store/sqlite-repository';
import { DEVELOPMENT_BRANDING } from '../../utils/consent-notice';
import { capturedLogLines, captureStream, CURRENT_CONSENT_VERSION, expectNoSecretsInLogs, startEmulator, TestClock, testKeys, TEST_PEPPER, TEST_MERCHANT_CONSENT_VERSION, TEST_MERCHANT_ENV } from './support/harness';
import { freePort, inject, send } from './support/http';

const person = { certName: TEST_NAMES[4], certNo: makeCertNo(601) };
const apps: FastifyInstance[] = [];

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

afterAll(() => {
  expectNoSecretsInLogs([person.certName, person.certNo]);
});

/** A repo root with a built H5 page in it, as the H5 part leaves it. */
function fakeRepoWithH5(): string {
  const root = mkdtempSync(join(tmpdir(), 'verify-repo-'));
  mkdirSync(join(root, 'h5', 'public'), { recursive: true });
  mkdirSync(join(root, 'h5', 'dist'), { recursive: true });
  writeFileSync(join(root, 'h5', 'public', 'index.html'), '<!doctype html><title>H5</title><script src="/assets/main.js"></script>');
  writeFileSync(join(root, 'h5', 'dist', 'main.js'), 'window.started = true;');
  return root;
}

async function startEmbedded(clock: TestClock, repoRoot = '/nonexistent-repo'): Promise<{ app: FastifyInstance; baseUrl: string }> {
  const port = await freePort();
  const config = parseConfig({ PORT: String(port), DATA_DIR: mkdtempSync(join(tmpdir(), 'verify-embedded-')) }, repoRoot);
  const app = await buildApp({ config }, {
    clock: clock.read,
    emulatorKeys: testKeys(),
    repository: await openSqliteRepository(':memory:'),
    logStream: captureStream(),
    repoRoot,
  });
  apps.push(app);
  await app.listen({ port, host: '127.0.0.1' });
  return { app, baseUrl: config.publicUrl };
}

describe('emulator mode, embedded (npm start)', () => {
  it('walks the browser\'s whole path: OAuth page, session, verification, certify page, PASSED', async () => {
    const clock = new TestClock();
    const { baseUrl } = await startEmbedded(clock);
    const clientConfig = (await send(baseUrl, { url: '/api/client-config' })).json<ClientConfig>();
    expect(clientConfig).toEqual({
      mode: 'emulator',
      appId: testKeys().appId,
      oauthAuthorizeUrl: `${baseUrl}/emulator/oauth2/publicAppAuthorize.htm`,
      branding: DEVELOPMENT_BRANDING,
      minorPolicy: 'guardian-consent',
    });

    const authorizeUrl = `${clientConfig.oauthAuthorizeUrl}?${new URLSearchParams({ app_id: clientConfig.appId, scope: 'auth_base', redirect_uri: `${baseUrl}/` })}`;
    const redirect = await send(baseUrl, { url: authorizeUrl });
    const authCode = new URL(redirect.headers.location).searchParams.get('auth_code') as string;
    const session = await send(baseUrl, { method: 'POST', url: '/api/sessions', payload: { authCode } });
    expect(session.statusCode).toBe(201);
    expect(session.headers['cache-control']).toBe('no-store');
    const { token } = session.json<{ token: string }>();
    const authorization = { authorization: `Bearer ${token}` };

    const created = await send(baseUrl, { method: 'POST', url: '/api/verifications', headers: authorization, payload: { ...person, consentVersion: CURRENT_CONSENT_VERSION } });
    expect(created.statusCode).toBe(201);
    const { url, verificationId } = created.json<CreateVerificationResponse>();
    expect(url.startsWith(`${baseUrl}/emulator/gateway.do?`)).toBe(true);

    const page = await send(baseUrl, { url });
    expect(page.statusCode).toBe(200);
    const action = /action="([^"]+)"/.exec(page.body)?.[1] as string;
    const back = await send(baseUrl, {
      method: 'POST',
      url: action,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'outcome=PASSED',
    });
    expect(back.statusCode).toBe(303);
    expect(back.headers.location).toBe(`${baseUrl}/`);

    clock.advance(1000);
    const status = await send(baseUrl, { url: `/api/verifications/${verificationId}`, headers: authorization });
    expect(status.json<{ status: string }>().status).toBe('PASSED');
  });

  it('serves the H5 page at / and its bundle at /assets/ when they are built', async () => {
    const { baseUrl } = await startEmbedded(new TestClock(), fakeRepoWithH5());
    const index = await send(baseUrl, { url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain('<title>H5</title>');
    expect(index.headers).toMatchObject({ 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY' });
    const bundle = await send(baseUrl, { url: '/assets/main.js' });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.body).toContain('window.started');
  });

  it('logs each request once, by route pattern, never with the OAuth auth_code or a verification id', async () => {
    const { baseUrl } = await startEmbedded(new TestClock(), fakeRepoWithH5());
    const authCode = 'one-time-code-4f1c9e';
    const verificationId = '2b0f9a6e-4a63-4d43-9c3e-0d7c1c0e5b11';
    capturedLogLines.splice(0);
    expect((await send(baseUrl, { url: `/?auth_code=${authCode}&state=s1` })).statusCode).toBe(200);
    expect((await send(baseUrl, { url: `/api/verifications/${verificationId}` })).statusCode).toBe(401);
    expect((await send(baseUrl, { url: '/no-such-page' })).statusCode).toBe(404);

    const requestLines = capturedLogLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'request');
    expect(requestLines.map(({ method, route, statusCode }) => ({ method, route, statusCode }))).toEqual([
      { method: 'GET', route: '/*', statusCode: 200 },
      { method: 'GET', route: '/api/verifications/:verificationId', statusCode: 401 },
      { method: 'GET', route: 'unmatched', statusCode: 404 },
    ]);
    expect(requestLines.every((line) => typeof line.responseTimeMs === 'number')).toBe(true);
    expect(capturedLogLines.filter((line) => /incoming request|request completed/.test(line))).toEqual([]);
    expect(capturedLogLines.join('\n')).not.toContain(authCode);
    expect(capturedLogLines.join('\n')).not.toContain(verificationId);
  });

  it('starts without the H5 files and answers 404 NOT_FOUND for them', async () => {
    const { baseUrl } = await startEmbedded(new TestClock());
    const index = await send(baseUrl, { url: '/' });
    expect(index.statusCode).toBe(404);
    expect(index.json().error.code).toBe('NOT_FOUND');
  });

  it('serves /healthz and the OpenAPI document of the API', async () => {
    const { baseUrl } = await startEmbedded(new TestClock());
    expect((await send(baseUrl, { url: '/healthz' })).json()).toEqual({ status: 'ok', mode: 'emulator' });
    const openapi = (await send(baseUrl, { url: '/openapi.json' })).json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
    expect(openapi.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(['/api/sessions', '/api/verifications', '/api/verifications/{verificationId}', '/api/client-config', '/api/consent-notice', '/healthz']),
    );
    expect(openapi.paths['/api/verifications'].post).toMatchObject({ security: [{ bearerAuth: [] }] });
    // The reuse answer (200, reused: true) and the guardian's consent are in the document.
    const create = openapi.paths['/api/verifications'].post as {
      requestBody: { content: Record<string, { schema: { properties: Record<string, { type: string }> } }> };
      responses: Record<string, { content: Record<string, { schema: { properties: Record<string, { type: string }> } }> }>;
    };
    expect(create.requestBody.content['application/json'].schema.properties.guardianConsent).toMatchObject({ type: 'boolean' });
    expect(create.responses['200'].content['application/json'].schema.properties.reused).toMatchObject({ type: 'boolean' });
    expect(create.responses['201'].content['application/json'].schema.properties).toHaveProperty('verificationId');
  });
});

describe('real mode', () => {
  it('signs with the configured app key, sends app_auth_token, verifies with Alipay\'s public key', async () => {
    const clock = new TestClock();
    const emulator = await startEmulator(clock);
    const keys = testKeys();
    const config = parseConfig(
      {
        ALIPAY_MODE: 'alipay',
        ...TEST_MERCHANT_ENV,
        ALIPAY_APP_ID: keys.appId,
        ALIPAY_PRIVATE_KEY: keys.appPrivateKey,
        ALIPAY_KEY_TYPE: 'PKCS8',
        ALIPAY_PUBLIC_KEY: keys.alipayPublicKey,
        ALIPAY_APP_AUTH_TOKEN: 'isv-token-1',
        ALIPAY_GATEWAY: `${emulator.url}/emulator/gateway.do`,
        ALIPAY_OAUTH_AUTHORIZE_URL: `${emulator.url}/emulator/oauth2/publicAppAuthorize.htm`,
        ID_HMAC_PEPPER: TEST_PEPPER,
        DATA_DIR: mkdtempSync(join(tmpdir(), 'verify-real-')),
      },
      '/nonexistent-repo',
    );
    const app = await buildApp({ config }, { clock: clock.read, repository: await openSqliteRepository(':memory:'), logStream: captureStream() });
    apps.push(app);
    expect((await inject(app, { url: '/api/client-config' })).json()).toEqual({
      mode: 'alipay',
      appId: keys.appId,
      oauthAuthorizeUrl: `${emulator.url}/emulator/oauth2/publicAppAuthorize.htm`,
      branding: { merchantName: '示例银行', dataController: '示例银行', contact: 'privacy@bank.example', retentionDays: 180 },
      minorPolicy: 'guardian-consent',
    });
    const session = await inject(app, { method: 'POST', url: '/api/sessions', payload: { authCode: 'real-mode-code' } });
    expect(session.statusCode).toBe(201);
    const created = await inject(app, {
      method: 'POST',
      url: '/api/verifications',
      headers: { authorization: `Bearer ${session.json<{ token: string }>().token}` },
      payload: { ...person, consentVersion: TEST_MERCHANT_CONSENT_VERSION },
    });
    expect(created.statusCode).toBe(201);
    expect(new URL(created.json<CreateVerificationResponse>().url).searchParams.get('app_auth_token')).toBe('isv-token-1');
    expect((await inject(app, { url: '/emulator/faults' })).statusCode).toBe(404);
    await emulator.app.close();
  });
});

describe('sessions', () => {
  it('answers 400 AUTH_CODE_INVALID when Alipay refuses the auth code', async () => {
    const refusing: AlipayGateway = {
      exchangeAuthCode: async () => {
        throw new UpstreamError('rejected', 'Alipay answered 40002', { alipayCode: '40002', subCode: 'isv.code-invalid' });
      },
      initializeCertify: async () => {
        throw new Error('not used');
      },
      buildCertifyUrl: async () => 'not used',
      queryCertify: async () => {
        throw new Error('not used');
      },
    };
    const config = parseConfig({ ID_HMAC_PEPPER: TEST_PEPPER, DATA_DIR: mkdtempSync(join(tmpdir(), 'verify-sessions-')) }, '/nonexistent-repo');
    const app = await buildApp({ config }, {
      alipay: refusing,
      emulatorKeys: testKeys(),
      repository: await openSqliteRepository(':memory:'),
      logStream: captureStream(),
    });
    apps.push(app);
    const response = await inject(app, { method: 'POST', url: '/api/sessions', payload: { authCode: 'used-code' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('AUTH_CODE_INVALID');
  });
});
