/**
 * The consent record (PIPL art. 14 and 17), through the real app over HTTP against the
 * emulator: `GET /api/consent-notice` serves the notice with its version per language;
 * `POST /api/verifications` refuses a missing `consentVersion` (400 CONSENT_REQUIRED) and one
 * of a notice whose text changed (409 CONSENT_OUTDATED) before any paid initialize, reuse or
 * rate-limit counting, and stores the version with the time the server received it.
 */
import { createHash } from 'node:crypto';
import { ConsentNoticeResponse, CreateVerificationResponse } from '../../utils/api-contract';
import { consentVersion, DEVELOPMENT_BRANDING, consentNoticeFor } from '../../utils/consent-notice';
import { makeCertNo, TEST_NAMES } from '../../tests/support/identities';
import { CURRENT_CONSENT_VERSION, expectNoSecretsInLogs, Harness, startHarness, TestClock } from './support/harness';
import { TestResponse } from './support/http';

const NOW = Date.UTC(2026, 4, 20, 3, 0, 0);

const people = [
  { certName: TEST_NAMES[0], certNo: makeCertNo(7701) },
  { certName: TEST_NAMES[1], certNo: makeCertNo(7702) },
];

/** The version of the zh-CN notice as it read before its last word changed. */
const OUTDATED_VERSION = consentVersion(`${consentNoticeFor('zh-CN', DEVELOPMENT_BRANDING).text}。`);

let harness: Harness;

afterAll(() => {
  expectNoSecretsInLogs(people.flatMap((person) => [person.certName, person.certNo]));
});

async function start(env: Record<string, string> = {}): Promise<void> {
  harness = await startHarness({ env, clock: new TestClock(NOW) });
}

function expectRefused(response: TestResponse, status: number, code: 'CONSENT_REQUIRED' | 'CONSENT_OUTDATED'): void {
  expect(response.statusCode).toBe(status);
  expect(response.json()).toEqual({ error: { code, message: expect.any(String) } });
}

describe('GET /api/consent-notice', () => {
  beforeAll(async () => {
    await start();
  });

  afterAll(async () => {
    await harness.close();
  });

  async function notice(query: string, headers: Record<string, string> = {}): Promise<ConsentNoticeResponse> {
    const response = await harness.request({ method: 'GET', url: `/api/consent-notice${query}`, headers });
    expect(response.statusCode).toBe(200);
    expect(response.headers.vary).toContain('Accept-Language');
    return response.json<ConsentNoticeResponse>();
  }

  it('serves the zh-CN notice by default, whose version is the first 16 hex of the SHA-256 of its text', async () => {
    const body = await notice('');
    expect(body).toEqual({ language: 'zh-CN', version: CURRENT_CONSENT_VERSION, text: consentNoticeFor('zh-CN', DEVELOPMENT_BRANDING).text });
    expect(body.version).toBe(createHash('sha256').update(body.text, 'utf8').digest('hex').slice(0, 16));
  });

  it('serves the en-US notice for ?lang=en-US, with its own version', async () => {
    const body = await notice('?lang=en-US');
    expect(body).toEqual({ language: 'en-US', version: consentVersion(consentNoticeFor('en-US', DEVELOPMENT_BRANDING).text), text: consentNoticeFor('en-US', DEVELOPMENT_BRANDING).text });
    expect(body.version).not.toBe(CURRENT_CONSENT_VERSION);
  });

  it.each([
    ['en-GB,en;q=0.9', 'en-US'],
    ['fr-FR, en;q=0.5', 'en-US'],
    ['zh-TW,en;q=0.8', 'zh-CN'],
    ['fr-FR', 'zh-CN'],
  ] as const)('picks the first language it writes from Accept-Language %s: %s', async (acceptLanguage, language) => {
    expect((await notice('', { 'accept-language': acceptLanguage })).language).toBe(language);
  });

  it('lets ?lang win over Accept-Language', async () => {
    expect((await notice('?lang=zh-CN', { 'accept-language': 'en-US' })).language).toBe('zh-CN');
  });

  it('refuses a language it does not write with 400 VALIDATION_FAILED', async () => {
    const response = await harness.request({ method: 'GET', url: '/api/consent-notice?lang=fr-FR' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('VALIDATION_FAILED');
  });
});

describe('POST /api/verifications', () => {
  beforeEach(async () => {
    await start({ RATE_LIMIT_PER_USER: '1', RATE_LIMIT_PER_CERT_NO: '1' });
  });

  afterEach(async () => {
    await harness.close();
  });

  it.each([
    ['no consentVersion', undefined],
    ['an empty consentVersion', ''],
  ])('refuses %s with 400 CONSENT_REQUIRED and no initialize', async (_label, version) => {
    const token = await harness.login();
    expectRefused(await harness.createVerification(token, { ...people[0], consentVersion: version }), 400, 'CONSENT_REQUIRED');
    expect(harness.initializeCalls).toEqual([]);
  });

  it('refuses the version of a notice whose text changed with 409 CONSENT_OUTDATED and no initialize', async () => {
    const token = await harness.login();
    expectRefused(await harness.createVerification(token, { ...people[0], consentVersion: OUTDATED_VERSION }), 409, 'CONSENT_OUTDATED');
    expect(harness.initializeCalls).toEqual([]);
  });

  it('counts neither refusal against the rate limits (one allowed per hour here)', async () => {
    const token = await harness.login();
    expectRefused(await harness.createVerification(token, { ...people[0], consentVersion: undefined }), 400, 'CONSENT_REQUIRED');
    expectRefused(await harness.createVerification(token, { ...people[0], consentVersion: OUTDATED_VERSION }), 409, 'CONSENT_OUTDATED');
    expect((await harness.createVerification(token, people[0])).statusCode).toBe(201);
    expect(harness.initializeCalls).toHaveLength(1);
  });

  it('refuses an outdated version before reusing a live verification', async () => {
    const token = await harness.login();
    expect((await harness.createVerification(token, people[1])).statusCode).toBe(201);
    expectRefused(await harness.createVerification(token, { ...people[1], consentVersion: OUTDATED_VERSION }), 409, 'CONSENT_OUTDATED');
    const reused = await harness.createVerification(token, people[1]);
    expect(reused.statusCode).toBe(200);
    expect(reused.json<CreateVerificationResponse>().reused).toBe(true);
    expect(harness.initializeCalls).toHaveLength(1);
  });

  it('stores the version agreed to and when the server received it, zh-CN or en-US', async () => {
    const token = await harness.login();
    const enVersion = consentVersion(consentNoticeFor('en-US', DEVELOPMENT_BRANDING).text);
    const created = await harness.createVerification(token, { ...people[0], consentVersion: enVersion });
    expect(created.statusCode).toBe(201);
    const record = await harness.repository.findVerification(created.json<CreateVerificationResponse>().verificationId);
    expect(record).toMatchObject({ consentVersion: enVersion, consentedAt: NOW });
  });
});
