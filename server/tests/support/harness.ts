/**
 * Test harness: the real backend, reached through `app.inject()`, talking over real HTTP, with
 * real RSA2 both ways, to the real emulator listening on an ephemeral 127.0.0.1 port. Time is a controlled
 * clock shared by both; retry sleeps are recorded, never waited; every log line of the test
 * file is captured so it can be searched for personal data at the end.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { FastifyInstance } from 'fastify';
import { AlipayGateway, createAlipayClient, CertifyInitializeInput } from '../../src/alipay/alipay-client';
import { buildApp, TestOverrides } from '../../src/app';
import { parseConfig, ServerConfig } from '../../src/config';
import { buildEmulatorApp } from '../../src/emulator/emulator-app';
import { FaultSettings } from '../../src/emulator/faults';
import { EmulatorKeys, ensureEmulatorKeys } from '../../src/emulator/keys';
import { EmulatorSettings } from '../../src/emulator/settings';
import { Repository } from '../../src/store/repository';
import { inject, send, TestRequest, TestResponse } from './http';
import { DEVELOPMENT_BRANDING, consentNoticeFor } from '../../../utils/consent-notice';
import { openSqliteRepository } from '../../src/store/sqlite-repository';

// Each file builds several real apps over real sockets with RSA on 2 cores: allow for a slow CI.
jest.setTimeout(20_000);

let cachedKeys: EmulatorKeys | undefined;

/**
 * Two RSA keypairs, generated once and shared by every test file through a temp directory
 * (2048-bit generation can take seconds on a busy machine), then memoized per file.
 */
export function testKeys(): EmulatorKeys {
  cachedKeys ??= ensureEmulatorKeys(join(tmpdir(), 'alipay-identity-verify-test-keys'));
  return cachedKeys;
}

/** Every log line written by any app built in this test file. */
/** The version of the notice the clients show (zh-CN): what every test request consents to. */
export const CURRENT_CONSENT_VERSION = consentNoticeFor('zh-CN', DEVELOPMENT_BRANDING).version;

/** The branding a real-mode test server is started with (alipay mode requires it). */
export const TEST_MERCHANT_ENV = { MERCHANT_NAME: '示例银行', MERCHANT_CONTACT: 'privacy@bank.example' };

/** The version of the zh-CN notice a server started with TEST_MERCHANT_ENV shows. */
export const TEST_MERCHANT_CONSENT_VERSION = consentNoticeFor('zh-CN', {
  merchantName: TEST_MERCHANT_ENV.MERCHANT_NAME,
  dataController: TEST_MERCHANT_ENV.MERCHANT_NAME,
  contact: TEST_MERCHANT_ENV.MERCHANT_CONTACT,
  retentionDays: DEVELOPMENT_BRANDING.retentionDays,
}).version;

export const capturedLogLines: string[] = [];

export function captureStream(): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      capturedLogLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
}

export const TEST_PEPPER = 'test-pepper-0123456789abcdef0123456789abcdef';

/** 2026-03-01 12:00:00 UTC: a fixed start, far from any day boundary in Beijing or UTC. */
export const START_TIME = Date.UTC(2026, 2, 1, 12, 0, 0);

export class TestClock {
  constructor(public now: number = START_TIME) {}
  readonly read = (): number => this.now;
  advance(ms: number): void {
    this.now += ms;
  }
}

export interface HarnessOptions {
  env?: Record<string, string>;
  faults?: Partial<FaultSettings>;
  /** Reuse a repository (restart tests); default a fresh in-memory one. */
  repository?: Repository;
  clock?: TestClock;
  /** An emulator to reuse across two backends (restart tests). */
  emulator?: RunningEmulator;
  configure?: (config: ServerConfig) => void;
}

export interface RunningEmulator {
  app: FastifyInstance;
  url: string;
}

/**
 * The emulator on 127.0.0.1 with an OS-chosen port.
 * @param latencySleeps receives every latency the emulator was asked to add (it never waits)
 */
export async function startEmulator(clock: TestClock, faults?: Partial<FaultSettings>, latencySleeps: number[] = []): Promise<RunningEmulator> {
  const app = await buildEmulatorApp({
    keys: testKeys(),
    storeFile: ':memory:',
    redirectOrigins: ['http://127.0.0.1:3000'],
    clock: clock.read,
    sleep: async (ms) => {
      latencySleeps.push(ms);
    },
    random: () => 0,
    logStream: captureStream(),
    faults: faults && { latencyMs: 0, unavailableShare: 0, timeoutShare: 0, badSignatureShare: 0, unsignedShare: 0, methods: [], remaining: null, ...faults },
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url: address };
}

export interface Harness {
  app: FastifyInstance;
  request(request: TestRequest): Promise<TestResponse>;
  emulatorRequest(request: TestRequest): Promise<TestResponse>;
  emulator: RunningEmulator;
  clock: TestClock;
  repository: Repository;
  /** Backoff delays the services asked to sleep, in order. */
  sleeps: number[];
  /** outer_order_no of every initialize call, in order. */
  initializeCalls: string[];
  /** certify_id of every query call, in order. */
  queryCalls: string[];
  login(authCode?: string): Promise<string>;
  /** `POST /api/verifications`, with `consentVersion` of the current zh-CN notice unless `body` names one. */
  createVerification(token: string, body: Record<string, unknown>, headers?: Record<string, string>): Promise<TestResponse>;
  getVerification(token: string, verificationId: string): Promise<TestResponse>;
  setOutcome(certifyId: string, outcome: 'PASSED' | 'FAILED'): Promise<void>;
  setFaults(faults: Partial<FaultSettings>): Promise<void>;
  setSettings(settings: Partial<EmulatorSettings>): Promise<void>;
  close(): Promise<void>;
}

let authCodeCounter = 0;

/** Records the calls that cost money or hit Alipay, and passes them on to the real client. */
function recordingGateway(inner: AlipayGateway, initializeCalls: string[], queryCalls: string[]): AlipayGateway {
  return {
    exchangeAuthCode: (authCode) => inner.exchangeAuthCode(authCode),
    initializeCertify: (input: CertifyInitializeInput) => {
      initializeCalls.push(input.outerOrderNo);
      return inner.initializeCertify(input);
    },
    buildCertifyUrl: (certifyId) => inner.buildCertifyUrl(certifyId),
    queryCertify: (certifyId) => {
      queryCalls.push(certifyId);
      return inner.queryCertify(certifyId);
    },
  };
}

/** Builds the backend (external-emulator mode) against a running emulator. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = options.clock ?? new TestClock();
  const emulator = options.emulator ?? (await startEmulator(clock, options.faults));
  const ownsEmulator = options.emulator === undefined;
  const config = parseConfig(
    {
      ALIPAY_MODE: 'emulator',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'verify-test-')),
      ID_HMAC_PEPPER: TEST_PEPPER,
      EMULATOR_URL: emulator.url,
      ALIPAY_TIMEOUT_MS: '2000',
      ...options.env,
    },
    '/nonexistent-repo',
  );
  options.configure?.(config);
  const keys = testKeys();
  const initializeCalls: string[] = [];
  const queryCalls: string[] = [];
  const alipay = recordingGateway(
    createAlipayClient({
      appId: keys.appId,
      privateKey: keys.appPrivateKey,
      keyType: 'PKCS8',
      alipayPublicKey: keys.alipayPublicKey,
      gateway: `${emulator.url}/emulator/gateway.do`,
      timeoutMs: config.alipayTimeoutMs,
      clock: clock.read,
    }),
    initializeCalls,
    queryCalls,
  );
  const repository = options.repository ?? (await openSqliteRepository(':memory:'));
  const sleeps: number[] = [];
  const overrides: TestOverrides = {
    clock: clock.read,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    alipay,
    repository,
    emulatorKeys: keys,
    logStream: captureStream(),
    repoRoot: '/nonexistent-repo',
    startWorkers: false,
  };
  const app = await buildApp({ config }, overrides);
  const request = (input: TestRequest): Promise<TestResponse> => inject(app, input);
  const emulatorRequest = (input: TestRequest): Promise<TestResponse> => send(emulator.url, input);

  const harness: Harness = {
    app,
    request,
    emulatorRequest,
    emulator,
    clock,
    repository,
    sleeps,
    initializeCalls,
    queryCalls,
    async login(authCode) {
      authCodeCounter += 1;
      const response = await request({
        method: 'POST',
        url: '/api/sessions',
        payload: { authCode: authCode ?? `code${authCodeCounter}` },
      });
      if (response.statusCode !== 201) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
      return (response.json() as { token: string }).token;
    },
    createVerification(token, body, headers = {}) {
      // Consent to the current notice unless the test says otherwise (`consentVersion: undefined` omits it).
      const payload = { consentVersion: CURRENT_CONSENT_VERSION, ...body };
      return request({ method: 'POST', url: '/api/verifications', headers: { authorization: `Bearer ${token}`, ...headers }, payload });
    },
    getVerification(token, verificationId) {
      return request({ method: 'GET', url: `/api/verifications/${verificationId}`, headers: { authorization: `Bearer ${token}` } });
    },
    async setOutcome(certifyId, outcome) {
      const response = await emulatorRequest({
        method: 'POST',
        url: `/emulator/certifications/${certifyId}/outcome`,
        payload: { outcome },
      });
      if (response.statusCode !== 200) throw new Error(`setOutcome failed: ${response.statusCode}`);
    },
    async setFaults(faults) {
      const response = await emulatorRequest({ method: 'POST', url: '/emulator/faults', payload: faults });
      if (response.statusCode !== 200) throw new Error(`setFaults failed: ${response.statusCode} ${response.body}`);
    },
    async setSettings(settings) {
      const response = await emulatorRequest({ method: 'POST', url: '/emulator/settings', payload: settings });
      if (response.statusCode !== 200) throw new Error(`setSettings failed: ${response.statusCode} ${response.body}`);
    },
    async close() {
      await app.close();
      if (ownsEmulator) await emulator.app.close();
    },
  };
  return harness;
}

/** Fails with the offending line when any captured log line contains one of `secrets`. */
export function expectNoSecretsInLogs(secrets: readonly string[]): void {
  expect(capturedLogLines.length).toBeGreaterThan(0);
  const needles = new Set<string>();
  for (const secret of secrets) {
    needles.add(secret);
    // The same text as a JSON string with non-ASCII escaped, in case a serializer escapes it.
    needles.add(secret.replace(/[\u0080-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`));
    needles.add(encodeURIComponent(secret));
  }
  capturedLogLines.forEach((line, index) => {
    for (const needle of needles) {
      // The message names the line, not the data, so a failure does not print it either.
      if (line.includes(needle)) throw new Error(`captured log line ${index} contains a test name or ID number`);
    }
  });
}
