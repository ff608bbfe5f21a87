/**
 * The cloud functions' test harness: the real gateway emulator on an ephemeral 127.0.0.1 port
 * (real RSA2 both ways), the emulated cloud over it, and both functions built with a controlled
 * clock and a captured log. Every log line, the functions' and the emulator's, is kept so a test
 * can search it, and the cloud database, for personal data.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { FastifyInstance } from 'fastify';
import { buildEmulatorApp } from '../../server/src/emulator/emulator-app';
import { ensureEmulatorKeys, EmulatorKeys } from '../../server/src/emulator/keys';
import { consentNoticeFor } from '../../utils/consent-notice';
import { createEmulatedCloud, EmulatedCaller, EmulatedCloud, EmulatedSource } from '../emulated-cloud/emulated-cloud';
import { createIdentificationStart, StartAnswer } from '../functions/identification-start/start';
import { createIdentificationRetention, RetentionAnswer } from '../functions/identification-retention/retention';
import { createIdentificationStatus, StatusAnswer } from '../functions/identification-status/status';
import { CloudErrorAnswer } from '../functions/shared/errors';

// Each file starts real servers and signs with RSA on 2 shared cores: allow for a slow CI.
jest.setTimeout(20_000);

let cachedKeys: EmulatorKeys | undefined;

/** The server tests' key pairs, from the same temporary directory (RSA generation is slow). */
export function testKeys(): EmulatorKeys {
  cachedKeys ??= ensureEmulatorKeys(join(tmpdir(), 'alipay-identity-verify-test-keys'));
  return cachedKeys;
}

/** 2026-03-01 12:00:00 UTC: far from any day boundary in Beijing or UTC. */
export const START_TIME = Date.UTC(2026, 2, 1, 12, 0, 0);

export const TEST_PEPPER = 'cloud-test-pepper-0123456789abcdef0123456789';

/** The environment variables a deployment sets on both functions (docs/serverless.md). */
export const TEST_ENV: Readonly<Record<string, string>> = {
  ID_HMAC_PEPPER: TEST_PEPPER,
  ALIPAY_RETURN_URL: 'https://merchant.example/verified',
  MERCHANT_NAME: '示例银行',
  MERCHANT_CONTACT: 'privacy@bank.example',
};

/** The version of the zh-CN notice built from TEST_ENV's branding: what the mini-program would send. */
export const TEST_CONSENT_VERSION = consentNoticeFor('zh-CN', {
  merchantName: TEST_ENV.MERCHANT_NAME,
  dataController: TEST_ENV.MERCHANT_NAME,
  contact: TEST_ENV.MERCHANT_CONTACT,
  retentionDays: 180,
}).version;

export const ALICE: EmulatedCaller = { oAuthUserId: '2088000000000001' };
export const BOB: EmulatedCaller = { oAuthUserId: '2088000000000002' };

export interface CloudHarness {
  clock: { now: number };
  cloud: EmulatedCloud;
  /** Every log line so far: the functions' (JSON) and the emulator's. */
  logs: string[];
  /** The emulator's base URL, e.g. `http://127.0.0.1:41234`. */
  emulatorUrl: string;
  start(caller: EmulatedCaller, args: unknown): Promise<StartAnswer>;
  status(caller: EmulatedCaller, args: unknown): Promise<StatusAnswer>;
  /** identification-retention as its timer trigger runs it, or from another source. */
  retention(source?: EmulatedSource): Promise<RetentionAnswer | CloudErrorAnswer>;
  /** The person passes or fails the face check (the emulator's script route). */
  setOutcome(certifyId: string, outcome: 'PASSED' | 'FAILED'): Promise<void>;
  /** The person backs out on the emulator's certify page (6001 on the device): nothing recorded. */
  cancel(certifyId: string): Promise<void>;
  /** Opens a certify URL as Alipay's app would: the HTTP status of the emulator's page. */
  openCertifyUrl(url: string): Promise<number>;
  /** The emulator's fault knobs (`POST /emulator/faults`), e.g. `{unavailableShare: 1}`. */
  setFaults(faults: Record<string, unknown>): Promise<void>;
  /** The emulator's app settings (`POST /emulator/settings`), e.g. `{failReason: true}`. */
  setSettings(settings: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export interface CloudHarnessOptions {
  /** Replaces TEST_ENV entries; an entry set to undefined is removed. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The emulator, the emulated cloud and both functions, at START_TIME. */
export async function startCloudHarness(options: CloudHarnessOptions = {}): Promise<CloudHarness> {
  const keys = testKeys();
  const clock = { now: START_TIME };
  const logs: string[] = [];
  const emulator: FastifyInstance = await buildEmulatorApp({
    keys,
    storeFile: ':memory:',
    redirectOrigins: ['https://merchant.example'],
    clock: () => clock.now,
    sleep: async () => undefined,
    random: () => 0,
    logStream: new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        callback();
      },
    }),
  });
  const emulatorUrl = await emulator.listen({ port: 0, host: '127.0.0.1' });
  const cloud = createEmulatedCloud({
    gateway: `${emulatorUrl}/emulator/gateway.do`,
    appId: keys.appId,
    appPrivateKey: keys.appPrivateKey,
    alipayPublicKey: keys.alipayPublicKey,
    clock: () => clock.now,
  });
  const deps = {
    env: { ...TEST_ENV, ...options.env },
    clock: () => clock.now,
    log: (entry: object) => {
      logs.push(JSON.stringify(entry));
    },
  };
  const startFunction = createIdentificationStart(deps);
  const statusFunction = createIdentificationStatus(deps);
  const retentionFunction = createIdentificationRetention(deps);

  async function post(path: string, payload: unknown): Promise<Response> {
    return fetch(`${emulatorUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload), redirect: 'manual' });
  }

  return {
    clock,
    cloud,
    logs,
    emulatorUrl,
    start: (caller, args) => cloud.invoke(startFunction, caller, args),
    status: (caller, args) => cloud.invoke(statusFunction, caller, args),
    retention: (source = 'timing') => cloud.invoke(retentionFunction, 'anonymous', {}, source),
    async setOutcome(certifyId, outcome) {
      const response = await post(`/emulator/certifications/${certifyId}/outcome`, { outcome });
      if (response.status !== 200) throw new Error(`setOutcome answered ${response.status}`);
    },
    async cancel(certifyId) {
      const response = await post(`/emulator/certify-page/${certifyId}`, { outcome: 'CANCELLED' });
      if (response.status !== 303) throw new Error(`cancel answered ${response.status}`);
    },
    async openCertifyUrl(url) {
      return (await fetch(url)).status;
    },
    async setFaults(faults) {
      const response = await post('/emulator/faults', faults);
      if (response.status !== 200) throw new Error(`setFaults answered ${response.status}`);
    },
    async setSettings(settings) {
      const response = await post('/emulator/settings', settings);
      if (response.status !== 200) throw new Error(`setSettings answered ${response.status}`);
    },
    close: () => emulator.close(),
  };
}

/** Fails, without printing them, when the cloud database or any log line holds one of `secrets`. */
export function expectNoPersonalData(harness: CloudHarness, secrets: readonly string[]): void {
  expect(harness.logs.length).toBeGreaterThan(0);
  const texts = [harness.cloud.db.dump(), ...harness.logs];
  for (const secret of secrets) {
    const needles = [secret, encodeURIComponent(secret), secret.replace(/[\u0080-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)];
    texts.forEach((text, index) => {
      for (const needle of needles) {
        if (text.includes(needle)) throw new Error(`${index === 0 ? 'the cloud database' : `log line ${index - 1}`} holds a test name or ID number`);
      }
    });
  }
}
