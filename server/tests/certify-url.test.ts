/**
 * `POST /api/verifications/:id/certify-url` through the real app over HTTP, against the
 * emulator: a newly signed URL for the same certifyId that opens the certify page, with no
 * second initialize; owner only; 409 VERIFICATION_CLOSED once the verification is over;
 * counted per IP; and neither URL in any log line.
 */
import { CERTIFY_ID_LIFETIME_MS, CertifyUrlResponse, CreateVerificationResponse } from '../../utils/api-contract';
import { normalizeCertName } from '../../utils/identity';
import { makeCertNo, TEST_NAMES } from '../../tests/support/identities';
import { capturedLogLines, expectNoSecretsInLogs, Harness, startHarness } from './support/harness';
import { TestResponse } from './support/http';

const usedIdentities: string[] = [];
/** Every certify URL's signature seen in this file, to search the logs for at the end. */
const signedUrlSecrets: string[] = [];
/**
 * Hosts of this file's emulators. The standalone emulator logs the raw URL of every request,
 * as Alipay's own servers may; only the backend's lines must never hold a certify URL.
 */
const emulatorHosts = new Set<string>();

let harness: Harness;

async function start(env?: Record<string, string>): Promise<void> {
  harness = await startHarness({ env });
  emulatorHosts.add(new URL(harness.emulator.url).host);
}

function isEmulatorLine(line: string): boolean {
  try {
    const entry = JSON.parse(line) as { req?: { host?: unknown } };
    return typeof entry.req?.host === 'string' && emulatorHosts.has(entry.req.host);
  } catch {
    return false;
  }
}

afterEach(async () => {
  await harness.close();
});

afterAll(() => {
  expectNoSecretsInLogs(usedIdentities);
  expect(signedUrlSecrets.length).toBeGreaterThan(0);
  const backendLines = capturedLogLines.filter((line) => !isEmulatorLine(line));
  expect(backendLines.length).toBeGreaterThan(0);
  const leaking = backendLines.filter((line) => signedUrlSecrets.some((secret) => line.includes(secret)));
  expect(leaking).toEqual([]);
});

function remember(url: string): URL {
  const parsed = new URL(url);
  const sign = parsed.searchParams.get('sign') as string;
  signedUrlSecrets.push(sign, encodeURIComponent(sign), `${parsed.pathname}${parsed.search}`);
  return parsed;
}

async function createPending(token: string, seed: number): Promise<CreateVerificationResponse> {
  const identity = { certName: TEST_NAMES[seed % TEST_NAMES.length], certNo: makeCertNo(seed) };
  usedIdentities.push(identity.certName, normalizeCertName(identity.certName), identity.certNo);
  const response = await harness.createVerification(token, identity);
  expect(response.statusCode).toBe(201);
  const created = response.json() as CreateVerificationResponse;
  remember(created.url);
  return created;
}

function renew(token: string | null, verificationId: string, payload: unknown = {}): Promise<TestResponse> {
  return harness.request({
    method: 'POST',
    url: `/api/verifications/${verificationId}/certify-url`,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
    payload,
  });
}

function expectClosed(response: TestResponse): void {
  expect(response.statusCode).toBe(409);
  expect(response.json()).toEqual({ error: { code: 'VERIFICATION_CLOSED', message: expect.any(String) } });
}

describe('a live verification', () => {
  beforeEach(async () => {
    await start();
  });

  it('gets a newly signed URL for the same certifyId that opens the certify page, with no second initialize', async () => {
    const token = await harness.login();
    const created = await createPending(token, 801);
    harness.clock.advance(5 * 60 * 1000);

    const response = await renew(token, created.verificationId);
    expect(response.statusCode).toBe(200);
    const renewed = response.json() as CertifyUrlResponse;
    expect(renewed).toEqual({
      verificationId: created.verificationId,
      certifyId: created.certifyId,
      url: expect.any(String),
      expiresAt: created.expiresAt,
    });
    expect(renewed.url).not.toBe(created.url);

    const first = new URL(created.url);
    const fresh = remember(renewed.url);
    expect(fresh.origin + fresh.pathname).toBe(first.origin + first.pathname);
    expect(fresh.searchParams.get('method')).toBe('alipay.user.certify.open.certify');
    expect(JSON.parse(fresh.searchParams.get('biz_content') as string)).toEqual({ certify_id: created.certifyId });
    expect(fresh.searchParams.get('timestamp')).not.toBe(first.searchParams.get('timestamp'));
    expect(fresh.searchParams.get('sign')).not.toBe(first.searchParams.get('sign'));

    const page = await harness.emulatorRequest({ method: 'GET', url: `${fresh.pathname}${fresh.search}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-outcome="PASSED"');
    expect(harness.initializeCalls).toHaveLength(1);
    expect(harness.queryCalls).toEqual([]);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('signs again on every call, and accepts a call with no body at all', async () => {
    const token = await harness.login();
    const created = await createPending(token, 802);
    harness.clock.advance(1000);
    const withBody = await renew(token, created.verificationId);
    harness.clock.advance(1000);
    const withoutBody = await renew(token, created.verificationId, undefined);
    expect(withBody.statusCode).toBe(200);
    expect(withoutBody.statusCode).toBe(200);
    const urls = [created.url, (withBody.json() as CertifyUrlResponse).url, (withoutBody.json() as CertifyUrlResponse).url];
    urls.slice(1).forEach(remember);
    expect(new Set(urls).size).toBe(3);
    expect(harness.initializeCalls).toHaveLength(1);
  });

  it('answers 404 for another user\'s verification, exactly like an unknown id', async () => {
    const owner = await harness.login('certify-url-owner');
    const intruder = await harness.login('certify-url-intruder');
    const created = await createPending(owner, 803);
    const foreign = await renew(intruder, created.verificationId);
    const unknown = await renew(intruder, '00000000-0000-4000-8000-000000000000');
    expect(foreign.statusCode).toBe(404);
    expect(unknown.statusCode).toBe(404);
    expect(foreign.json()).toEqual(unknown.json());
    expect(foreign.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
    expect(foreign.body).not.toContain(created.certifyId);
  });

  it('answers 401 without a session token', async () => {
    const token = await harness.login();
    const created = await createPending(token, 804);
    const response = await renew(null, created.verificationId);
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('UNAUTHORIZED');
  });
});

describe('a verification that is over', () => {
  beforeEach(async () => {
    await start();
  });

  it('answers 409 VERIFICATION_CLOSED once the verification is PASSED', async () => {
    const token = await harness.login();
    const created = await createPending(token, 805);
    await harness.setOutcome(created.certifyId, 'PASSED');
    harness.clock.advance(1000);
    expect((await harness.getVerification(token, created.verificationId)).json()).toMatchObject({ status: 'PASSED' });
    expectClosed(await renew(token, created.verificationId));
  });

  it('answers 409 VERIFICATION_CLOSED once the certifyId has expired, before and after a status read settles it', async () => {
    const created = await createPending(await harness.login('certify-url-expiry'), 806);
    harness.clock.advance(CERTIFY_ID_LIFETIME_MS);
    // The first session has expired by now; the same Alipay user signs in again.
    const token = await harness.login('certify-url-expiry');
    // Still PENDING in the store: the lifetime alone closes it, with no Alipay call.
    expectClosed(await renew(token, created.verificationId));
    expect(harness.queryCalls).toEqual([]);
    expect((await harness.getVerification(token, created.verificationId)).json()).toMatchObject({ status: 'EXPIRED' });
    expectClosed(await renew(token, created.verificationId));
  });

  it('still signs one second before the certifyId expires', async () => {
    const created = await createPending(await harness.login('certify-url-last-second'), 807);
    harness.clock.advance(CERTIFY_ID_LIFETIME_MS - 1000);
    const token = await harness.login('certify-url-last-second');
    const response = await renew(token, created.verificationId);
    expect(response.statusCode).toBe(200);
    remember((response.json() as CertifyUrlResponse).url);
  });
});

describe('the per-IP limit', () => {
  it('counts each call like the other signing routes, with Retry-After', async () => {
    await start({ RATE_LIMIT_PER_IP_PER_MINUTE: '3' });
    const token = await harness.login();
    const created = await createPending(token, 808);
    const third = await renew(token, created.verificationId);
    expect(third.statusCode).toBe(200);
    remember((third.json() as CertifyUrlResponse).url);
    const limited = await renew(token, created.verificationId);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    harness.clock.advance(60_000);
    const after = await renew(token, created.verificationId);
    expect(after.statusCode).toBe(200);
    remember((after.json() as CertifyUrlResponse).url);
  });
});
