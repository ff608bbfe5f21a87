/**
 * Limits per user, per ID number (by HMAC, across users) and per IP: 429 RATE_LIMITED with
 * Retry-After, counted on the injected clock, reset when the window passes.
 */
import { makeCertNo, TEST_NAMES } from '../../tests/support/identities';
import { expectNoSecretsInLogs, Harness, startHarness } from './support/harness';

const used: string[] = [...TEST_NAMES];
function identity(seed: number): { certName: string; certNo: string } {
  used.push(makeCertNo(seed));
  return { certName: TEST_NAMES[seed % TEST_NAMES.length], certNo: makeCertNo(seed) };
}

let harness: Harness;

afterEach(async () => {
  await harness.close();
});

afterAll(() => {
  expectNoSecretsInLogs(used);
});

describe('rate limits', () => {
  it('limits verifications per user and lifts the limit when the window passes', async () => {
    harness = await startHarness({ env: { RATE_LIMIT_PER_USER: '2', RATE_LIMIT_WINDOW_SECONDS: '600' } });
    const token = await harness.login();
    expect((await harness.createVerification(token, identity(301))).statusCode).toBe(201);
    harness.clock.advance(100_000);
    expect((await harness.createVerification(token, identity(302))).statusCode).toBe(201);
    const limited = await harness.createVerification(token, identity(303));
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    expect(limited.headers['retry-after']).toBe('500');
    expect(harness.initializeCalls).toHaveLength(2);
    harness.clock.advance(500_000);
    expect((await harness.createVerification(token, identity(304))).statusCode).toBe(201);
  });

  it('limits one ID number across users, so the endpoint is no name/ID oracle', async () => {
    harness = await startHarness({ env: { RATE_LIMIT_PER_CERT_NO: '2' } });
    const same = identity(305);
    expect((await harness.createVerification(await harness.login('u1'), same)).statusCode).toBe(201);
    expect((await harness.createVerification(await harness.login('u2'), same)).statusCode).toBe(201);
    const limited = await harness.createVerification(await harness.login('u3'), same);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBe(3600);
    expect((await harness.createVerification(await harness.login('u4'), identity(306))).statusCode).toBe(201);
  });

  it('counts a number typed differently as the same number', async () => {
    harness = await startHarness({ env: { RATE_LIMIT_PER_CERT_NO: '1' } });
    const plain = identity(307);
    const spaced = { ...plain, certNo: `${plain.certNo.slice(0, 9)} ${plain.certNo.slice(9)}` };
    expect((await harness.createVerification(await harness.login(), plain)).statusCode).toBe(201);
    expect((await harness.createVerification(await harness.login(), spaced)).statusCode).toBe(429);
  });

  it('limits session and verification creations per IP per minute', async () => {
    harness = await startHarness({ env: { RATE_LIMIT_PER_IP_PER_MINUTE: '3' } });
    const statuses: number[] = [];
    for (let index = 0; index < 4; index += 1) {
      statuses.push((await harness.request({ method: 'POST', url: '/api/sessions', payload: { authCode: `ip-${index}` } })).statusCode);
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
    const limited = await harness.request({ method: 'POST', url: '/api/sessions', payload: { authCode: 'ip-x' } });
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    expect(limited.headers['retry-after']).toBe('60');
    harness.clock.advance(60_000);
    expect((await harness.request({ method: 'POST', url: '/api/sessions', payload: { authCode: 'ip-y' } })).statusCode).toBe(201);
  });

  it('does not count status polls against the IP limit (many people share one carrier NAT address)', async () => {
    harness = await startHarness({ env: { RATE_LIMIT_PER_IP_PER_MINUTE: '2' } });
    const token = await harness.login();
    const created = await harness.createVerification(token, identity(308));
    const verificationId = created.json<{ verificationId: string }>().verificationId;
    for (let poll = 0; poll < 5; poll += 1) {
      expect((await harness.getVerification(token, verificationId)).statusCode).toBe(200);
    }
    const third = await harness.request({ method: 'POST', url: '/api/sessions', payload: { authCode: 'ip-z' } });
    expect(third.statusCode).toBe(429);
  });

  it('does not rate-limit the health check', async () => {
    harness = await startHarness({ env: { RATE_LIMIT_PER_IP_PER_MINUTE: '1' } });
    const statuses = await Promise.all([1, 2, 3].map(async () => (await harness.request({ url: '/healthz' })).statusCode));
    expect(statuses).toEqual([200, 200, 200]);
  });
});
