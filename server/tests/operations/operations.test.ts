/**
 * What an operator reads, through `app.inject()` on the real app: `/metrics` read by a strict
 * Prometheus text-format parser (support/prometheus-text.ts, not prom-client, which wrote the
 * text) with its counters moving as a verification runs; the token that guards
 * it and its absence in alipay mode without one; `/readyz`; the API reference at `/docs` under
 * its CSP; and the emulator's index page.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FastifyInstance } from 'fastify';
import { CreateVerificationResponse } from '../../../utils/api-contract';
import { maskCertNo } from '../../../utils/identity';
import { makeCertNo, TEST_NAMES } from '../../../tests/support/identities';
import { buildApp } from '../../src/app';
import { parseConfig } from '../../src/config';
import { maskCertifyId } from '../../src/emulator/index-page';
import { DOCS_CONTENT_SECURITY_POLICY } from '../../src/plugins/security-headers';
import { Repository } from '../../src/store/repository';
import { openSqliteRepository } from '../../src/store/sqlite-repository';
import { captureStream, expectNoSecretsInLogs, Harness, startEmulator, startHarness, TestClock, testKeys, TEST_PEPPER } from '../support/harness';
import { inject, send, TestResponse } from '../support/http';
import { Family, parsePrometheusText, sampleValue } from '../support/prometheus-text';

const person = { certName: TEST_NAMES[2], certNo: makeCertNo(7301) };
const METRICS_TOKEN = 'metrics-token-0123456789abcdef0123456789';

let harness: Harness | undefined;
const apps: FastifyInstance[] = [];

afterEach(async () => {
  await harness?.close();
  harness = undefined;
  for (const app of apps.splice(0)) await app.close();
});

afterAll(() => {
  expectNoSecretsInLogs([person.certName, person.certNo]);
});

function parseMetrics(response: TestResponse): Map<string, Family> {
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(response.body);
}

/** A counter's or gauge's value for `labels` (0 when that series has not been written). */
function valueOf(families: Map<string, Family>, family: string, labels: Record<string, string> = {}): number {
  return sampleValue(families, family, family, labels);
}

/** How many observations a histogram holds for `labels`. */
function countOf(families: Map<string, Family>, family: string, labels: Record<string, string>): number {
  return sampleValue(families, family, `${family}_count`, labels);
}

async function scrape(app: FastifyInstance, token?: string): Promise<Map<string, Family>> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return parseMetrics(await inject(app, { url: '/metrics', headers }));
}

/** The app in alipay mode (gateway: an emulator on a real port), as a merchant runs it. */
async function startAlipayMode(env: Record<string, string> = {}): Promise<FastifyInstance> {
  const emulator = await startEmulator(new TestClock());
  const keys = testKeys();
  const config = parseConfig(
    {
      ALIPAY_MODE: 'alipay',
      MERCHANT_NAME: '示例银行',
      MERCHANT_CONTACT: 'privacy@bank.example',
      ALIPAY_APP_ID: keys.appId,
      ALIPAY_PRIVATE_KEY: keys.appPrivateKey,
      ALIPAY_KEY_TYPE: 'PKCS8',
      ALIPAY_PUBLIC_KEY: keys.alipayPublicKey,
      ALIPAY_GATEWAY: `${emulator.url}/emulator/gateway.do`,
      ALIPAY_OAUTH_AUTHORIZE_URL: `${emulator.url}/emulator/oauth2/publicAppAuthorize.htm`,
      ID_HMAC_PEPPER: TEST_PEPPER,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'verify-operations-')),
      ...env,
    },
    '/nonexistent-repo',
  );
  const app = await buildApp({ config }, { repository: await openSqliteRepository(':memory:'), logStream: captureStream(), repoRoot: '/nonexistent-repo' });
  app.addHook('onClose', async () => emulator.app.close());
  apps.push(app);
  return app;
}

describe('GET /metrics', () => {
  it('counts requests, Alipay calls, paid initialize calls and status changes as a verification runs to PASSED', async () => {
    harness = await startHarness();
    const before = await scrape(harness.app);
    expect(valueOf(before, 'alipay_initialize_calls_total')).toBe(0);

    const token = await harness.login();
    const created = await harness.createVerification(token, person);
    expect(created.statusCode).toBe(201);
    const { verificationId, certifyId } = created.json<CreateVerificationResponse>();
    await harness.setOutcome(certifyId, 'PASSED');
    expect((await harness.getVerification(token, verificationId)).json<{ status: string }>().status).toBe('PASSED');

    const after = await scrape(harness.app);
    expect(after.get('http_requests_total')?.type).toBe('counter');
    expect(valueOf(after, 'http_requests_total', { method: 'POST', route: '/api/verifications', status_code: '201' })).toBe(1);
    expect(valueOf(after, 'http_requests_total', { method: 'GET', route: '/api/verifications/:verificationId', status_code: '200' })).toBe(1);
    // The first scrape was answered before the second was taken.
    expect(valueOf(after, 'http_requests_total', { method: 'GET', route: '/metrics', status_code: '200' })).toBe(1);
    // Route patterns only: no verification id in any label.
    expect(after.get('http_requests_total')?.samples.some((metric) => JSON.stringify(metric.labels).includes(verificationId))).toBe(false);

    expect(valueOf(after, 'alipay_initialize_calls_total')).toBe(1);
    expect(harness.initializeCalls).toHaveLength(1);
    // Every paid call was written down before it was made, and settled after.
    expect(after.get('initialize_attempts')?.type).toBe('gauge');
    expect(valueOf(after, 'initialize_attempts', { state: 'INITIALIZED' })).toBe(1);
    expect(valueOf(after, 'initialize_attempts', { state: 'INITIALIZING' })).toBe(0);
    const initialize = { method: 'alipay.user.certify.open.initialize', outcome: 'success' };
    expect(after.get('alipay_call_duration_seconds')?.type).toBe('histogram');
    expect(countOf(after, 'alipay_call_duration_seconds', initialize)).toBe(1);
    expect(sampleValue(after, 'alipay_call_duration_seconds', 'alipay_call_duration_seconds_bucket', { ...initialize, le: '+Inf' })).toBe(1);
    expect(countOf(after, 'alipay_call_duration_seconds', { method: 'alipay.system.oauth.token', outcome: 'success' })).toBe(1);
    expect(countOf(after, 'alipay_call_duration_seconds', { method: 'alipay.user.certify.open.query', outcome: 'success' })).toBe(1);

    expect(valueOf(after, 'verifications_total', { status: 'PENDING' })).toBe(1);
    expect(valueOf(after, 'verifications_total', { status: 'PASSED' })).toBe(1);
    expect(after.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
    expect(after.get('reconciler_lag_seconds')?.type).toBe('gauge');
    expect(after.get('webhook_deliveries_total')?.type).toBe('counter');
    expect(after.get('verifications_total')?.help).toMatch(/status/);
  });

  it('counts a failed initialize by its outcome, and as a paid call all the same', async () => {
    harness = await startHarness({ env: { ALIPAY_INITIALIZE_RETRIES: '0' } });
    const token = await harness.login();
    await harness.setFaults({ unavailableShare: 1, methods: ['alipay.user.certify.open.initialize'] });
    const refused = await harness.createVerification(token, person);
    expect(refused.json().error.code).toBe('UPSTREAM_UNAVAILABLE');
    const metrics = await scrape(harness.app);
    expect(countOf(metrics, 'alipay_call_duration_seconds', { method: 'alipay.user.certify.open.initialize', outcome: 'unavailable' })).toBe(1);
    expect(valueOf(metrics, 'alipay_initialize_calls_total')).toBe(1);
    expect(valueOf(metrics, 'http_requests_total', { route: '/api/verifications', status_code: '503' })).toBe(1);
  });

  it('requires the Bearer METRICS_TOKEN when one is set', async () => {
    harness = await startHarness({ env: { METRICS_TOKEN } });
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong-token' }, { authorization: `Basic ${METRICS_TOKEN}` }];
    for (const headers of attempts) {
      const refused = await inject(harness.app, { url: '/metrics', headers });
      expect(refused.statusCode).toBe(401);
      expect(refused.json().error.code).toBe('UNAUTHORIZED');
    }
    expect((await scrape(harness.app, METRICS_TOKEN)).has('http_requests_total')).toBe(true);
  });

  it('is not served in alipay mode without METRICS_TOKEN, and is with one', async () => {
    const closed = await startAlipayMode();
    const answer = await inject(closed, { url: '/metrics' });
    expect(answer.statusCode).toBe(404);
    expect(answer.json().error.code).toBe('NOT_FOUND');
    const guarded = await startAlipayMode({ METRICS_TOKEN });
    expect((await inject(guarded, { url: '/metrics' })).statusCode).toBe(401);
    expect((await scrape(guarded, METRICS_TOKEN)).has('alipay_initialize_calls_total')).toBe(true);
  });

  it('refuses a METRICS_TOKEN shorter than 32 characters at start', () => {
    expect(() => parseConfig({ METRICS_TOKEN: 'short', DATA_DIR: mkdtempSync(join(tmpdir(), 'verify-operations-')) }, '/nonexistent-repo')).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG', problems: expect.arrayContaining(['METRICS_TOKEN must be at least 32 characters']) }),
    );
  });
});

describe('GET /readyz', () => {
  it('answers 200 ready when the store answers, beside /healthz', async () => {
    harness = await startHarness();
    const ready = await inject(harness.app, { url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { store: 'ok', migrations: 'ok' } });
    expect((await inject(harness.app, { url: '/healthz' })).statusCode).toBe(200);
  });

  it('answers 503 naming the store when the store fails', async () => {
    const repository = await openSqliteRepository(':memory:');
    let broken = false;
    const failing: Repository = Object.assign(Object.create(repository) as Repository, {
      findSession: async (tokenHash: string) => {
        if (broken) throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
        return repository.findSession(tokenHash);
      },
    });
    harness = await startHarness({ repository: failing });
    broken = true;
    const answer = await inject(harness.app, { url: '/readyz' });
    expect(answer.statusCode).toBe(503);
    expect(answer.json()).toEqual({ status: 'unavailable', checks: { store: 'failed', migrations: 'ok' } });
    expect((await inject(harness.app, { url: '/healthz' })).statusCode).toBe(200);
  });

  it('answers 503 naming the migrations when the schema lacks one (an old backup restored under a running server)', async () => {
    const repository = await openSqliteRepository(':memory:');
    let restored = false;
    const rolledBack: Repository = Object.assign(Object.create(repository) as Repository, {
      pendingMigrations: async () => (restored ? ['0010_retention'] : repository.pendingMigrations()),
    });
    harness = await startHarness({ repository: rolledBack });
    expect((await inject(harness.app, { url: '/readyz' })).statusCode).toBe(200);
    restored = true;
    const answer = await inject(harness.app, { url: '/readyz' });
    expect(answer.statusCode).toBe(503);
    expect(answer.json()).toEqual({ status: 'unavailable', checks: { store: 'ok', migrations: 'failed' } });
  });

  it('runs the checks other pieces add', async () => {
    harness = await startHarness();
    harness.app.addReadinessCheck('webhook-worker', async () => {
      throw Object.assign(new Error('worker stopped'), { code: 'ERR_WORKER_STOPPED' });
    });
    const answer = await inject(harness.app, { url: '/readyz' });
    expect(answer.statusCode).toBe(503);
    expect(answer.json()).toEqual({ status: 'unavailable', checks: { store: 'ok', migrations: 'ok', 'webhook-worker': 'failed' } });
  });
});

describe('GET /docs', () => {
  it('serves Swagger UI under its CSP (same-origin scripts only), and the document it shows lists the API, the merchant API and the webhook body', async () => {
    harness = await startHarness();
    const page = await inject(harness.app, { url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toBe(DOCS_CONTENT_SECURITY_POLICY);
    expect(DOCS_CONTENT_SECURITY_POLICY).toContain("script-src 'self';");
    // No inline script: every script the page loads is a file on this origin.
    expect(page.body).not.toMatch(/<script>(?!\s*<\/script>)/);
    const scripts = [...page.body.matchAll(/<script src="([^"]+)"/g)].map((match) => match[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) {
      const asset = await inject(harness.app, { url: new URL(script, 'http://host/docs').pathname });
      expect(asset.statusCode).toBe(200);
    }
    const document = (await inject(harness.app, { url: '/docs/json' })).json<{ paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } }>();
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/sessions', '/api/verifications', '/api/verifications/{verificationId}', '/readyz', '/api/merchant/verifications']),
    );
    // The webhook body is described too, though no route of ours serves it.
    expect(Object.keys(document.components.schemas)).toContain('VerificationWebhook');
    // /metrics is for scrapers, not a documented API route.
    expect(Object.keys(document.paths)).not.toContain('/metrics');
  });
});

describe('GET /emulator (embedded)', () => {
  it('lists the emulator\'s certifications with masked ids only, and its fault knobs, in zh-CN with en-US', async () => {
    // The share applies to a method this flow never calls, so the flow itself is not faulted.
    harness = await startHarness({ faults: { timeoutShare: 0.25, methods: ['alipay.open.app.alipaycert.download'] } });
    const token = await harness.login();
    const { certifyId } = (await harness.createVerification(token, person)).json<CreateVerificationResponse>();
    await harness.setOutcome(certifyId, 'PASSED');

    const page = await send(harness.emulator.url, { url: '/emulator' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<html lang="zh-CN">');
    expect(page.body).toContain('支付宝网关模拟器');
    expect(page.body).toContain('Alipay gateway emulator');
    expect(page.body).toContain(maskCertNo(person.certNo));
    expect(page.body).toContain(maskCertifyId(certifyId));
    expect(page.body).toContain('已通过');
    expect(page.body).not.toContain(certifyId);
    expect(page.body).not.toContain(person.certNo);
    expect(page.body).not.toContain(person.certName);
    expect(page.body).toMatch(/timeoutShare<\/code><\/td><td><code>0\.25</);
    expect(page.body).toContain('EMULATOR_TIMEOUT_SHARE');
    expect((await send(harness.emulator.url, { url: '/emulator/' })).statusCode).toBe(200);
  });

  it('answers at /emulator on the app itself in embedded mode (the link server.ts prints)', async () => {
    const config = parseConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'verify-operations-')), ID_HMAC_PEPPER: TEST_PEPPER }, '/nonexistent-repo');
    const app = await buildApp({ config }, { emulatorKeys: testKeys(), repository: await openSqliteRepository(':memory:'), logStream: captureStream(), repoRoot: '/nonexistent-repo' });
    apps.push(app);
    const page = await inject(app, { url: '/emulator' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('还没有认证记录');
  });
});
