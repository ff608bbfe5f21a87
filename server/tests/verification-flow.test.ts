/**
 * The whole flow through the same path a user takes: session → verification → the emulated
 * certify page or outcome endpoint → status from Alipay's record, with real RSA2 both ways.
 * Also: ownership (IDOR), expiry, terminal states, the query cache, and no personal data in
 * any log line of this file's run.
 */
import { CERTIFY_ID_LIFETIME_MS, CreateVerificationResponse, VerificationView } from '../../utils/api-contract';
import { maskCertNo, normalizeCertName } from '../../utils/identity';
import { makeCertNo, makeCertNoEndingInX, TEST_NAMES } from '../../tests/support/identities';
import { expectNoSecretsInLogs, Harness, startHarness } from './support/harness';

const usedIdentities: string[] = [];

function identity(seed: number, nameIndex = 0): { certName: string; certNo: string } {
  const value = { certName: TEST_NAMES[nameIndex % TEST_NAMES.length], certNo: makeCertNo(seed) };
  usedIdentities.push(value.certName, normalizeCertName(value.certName), value.certNo);
  return value;
}

let harness: Harness;

beforeEach(async () => {
  harness = await startHarness();
});

afterEach(async () => {
  await harness.close();
});

afterAll(() => {
  expectNoSecretsInLogs(usedIdentities);
});

async function createPending(token: string, seed: number): Promise<CreateVerificationResponse> {
  const response = await harness.createVerification(token, identity(seed));
  expect(response.statusCode).toBe(201);
  return response.json() as CreateVerificationResponse;
}

async function statusOf(token: string, verificationId: string): Promise<VerificationView> {
  const response = await harness.getVerification(token, verificationId);
  expect(response.statusCode).toBe(200);
  return response.json() as VerificationView;
}

describe('happy path', () => {
  it('creates a verification whose certify URL is signed for the emulator gateway', async () => {
    const token = await harness.login();
    const created = await createPending(token, 1);
    expect(created.certifyId).toMatch(/^[0-9a-f]{32}$/);
    expect(created.verificationId).toMatch(/^[0-9a-f-]{36}$/);
    const url = new URL(created.url);
    expect(url.pathname).toBe('/emulator/gateway.do');
    expect(url.searchParams.get('method')).toBe('alipay.user.certify.open.certify');
    expect(JSON.parse(url.searchParams.get('biz_content') as string)).toEqual({ certify_id: created.certifyId });
    expect(url.searchParams.get('sign')).toBeTruthy();
    expect(created.url).not.toContain(makeCertNo(1));
    expect(Date.parse(created.expiresAt) - harness.clock.now).toBe(CERTIFY_ID_LIFETIME_MS);
  });

  it('stays PENDING until the emulator records a pass, then answers PASSED from Alipay\'s record', async () => {
    const token = await harness.login();
    const created = await createPending(token, 2);
    expect((await statusOf(token, created.verificationId)).status).toBe('PENDING');
    await harness.setOutcome(created.certifyId, 'PASSED');
    harness.clock.advance(1000);
    const view = await statusOf(token, created.verificationId);
    expect(view).toEqual({
      verificationId: created.verificationId,
      status: 'PASSED',
      certNoMasked: maskCertNo(makeCertNo(2)),
      updatedAt: new Date(harness.clock.now).toISOString(),
    });
  });

  it('walks the emulated certify page: the signed URL opens it and the pass button records the outcome', async () => {
    const token = await harness.login();
    const created = await createPending(token, 3);
    const url = new URL(created.url);
    const page = await harness.emulatorRequest({ method: 'GET', url: `${url.pathname}${url.search}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-outcome="PASSED"');
    expect(page.body).toContain(maskCertNo(makeCertNo(3)));
    const action = /action="([^"]+)"/.exec(page.body)?.[1] as string;
    const choice = await harness.emulatorRequest({
      method: 'POST',
      url: action,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'outcome=PASSED',
    });
    expect(choice.statusCode).toBe(303);
    expect(choice.headers.location).toBe('http://127.0.0.1:3000/');
    harness.clock.advance(1000);
    expect((await statusOf(token, created.verificationId)).status).toBe('PASSED');
  });

  it('opens the certify page hours after the link was signed, while the certifyId lives', async () => {
    const token = await harness.login();
    const created = await createPending(token, 14);
    harness.clock.advance(22 * 60 * 60 * 1000);
    const url = new URL(created.url);
    const page = await harness.emulatorRequest({ url: `${url.pathname}${url.search}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-outcome="PASSED"');
  });

  it('accepts a number typed with a lowercase x and spaces, and masks the canonical form', async () => {
    const token = await harness.login();
    const certNo = makeCertNoEndingInX();
    usedIdentities.push(certNo);
    const typed = `${certNo.slice(0, 6)} ${certNo.slice(6, 14)} ${certNo.slice(14).toLowerCase()}`;
    usedIdentities.push(typed);
    const response = await harness.createVerification(token, { certName: TEST_NAMES[4], certNo: typed });
    expect(response.statusCode).toBe(201);
    const view = await statusOf(token, (response.json() as CreateVerificationResponse).verificationId);
    expect(view.certNoMasked).toBe(maskCertNo(certNo));
  });
});

describe('ownership', () => {
  it('answers 404 for another user\'s verification, exactly like an unknown id', async () => {
    const owner = await harness.login('owner-code');
    const intruder = await harness.login('intruder-code');
    const created = await createPending(owner, 4);
    const foreign = await harness.getVerification(intruder, created.verificationId);
    const unknown = await harness.getVerification(intruder, '00000000-0000-4000-8000-000000000000');
    expect(foreign.statusCode).toBe(404);
    expect(unknown.statusCode).toBe(404);
    expect(foreign.json()).toEqual(unknown.json());
    expect(foreign.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });

  it('gives two auth codes two users and the same code the same user', async () => {
    const first = await harness.login('same-code');
    const again = await harness.login('same-code');
    const created = await createPending(first, 5);
    expect((await harness.getVerification(again, created.verificationId)).statusCode).toBe(200);
  });

  it.each([
    ['no header', undefined],
    ['a non-bearer scheme', 'Basic dXNlcjpwYXNz'],
    ['an unknown token', `Bearer ${'a'.repeat(43)}`],
  ])('answers 401 UNAUTHORIZED for %s', async (_label, authorization) => {
    const response = await harness.request({
      method: 'POST',
      url: '/api/verifications',
      headers: authorization ? { authorization } : {},
      payload: identity(6),
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
  });

  it('answers 401 once the session has expired', async () => {
    const token = await harness.login();
    harness.clock.advance(7200 * 1000);
    const response = await harness.createVerification(token, identity(7));
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('UNAUTHORIZED');
  });
});

describe('status from Alipay\'s record', () => {
  it('keeps a failed attempt PENDING before expiry, then EXPIRED: by default Alipay does not say it failed', async () => {
    const token = await harness.login('failing-user');
    const created = await createPending(token, 8);
    await harness.setOutcome(created.certifyId, 'FAILED');
    harness.clock.advance(60_000);
    expect((await statusOf(token, created.verificationId)).status).toBe('PENDING');
    harness.clock.advance(CERTIFY_ID_LIFETIME_MS);
    // Sessions last 2 hours; the same Alipay user logs in again the next day.
    const nextDay = await harness.login('failing-user');
    expect((await statusOf(nextDay, created.verificationId)).status).toBe('EXPIRED');
  });

  it('answers FAILED after expiry when the app has the fail_reason extension and the person failed', async () => {
    await harness.setSettings({ failReason: true });
    const token = await harness.login('failing-user-with-reason');
    const created = await createPending(token, 15);
    await harness.setOutcome(created.certifyId, 'FAILED');
    harness.clock.advance(60_000);
    expect((await statusOf(token, created.verificationId)).status).toBe('PENDING');
    harness.clock.advance(CERTIFY_ID_LIFETIME_MS);
    const nextDay = await harness.login('failing-user-with-reason');
    expect((await statusOf(nextDay, created.verificationId)).status).toBe('FAILED');
  });

  it('answers EXPIRED after 23 hours when the person never finished', async () => {
    const created = await createPending(await harness.login('idle-user'), 9);
    harness.clock.advance(CERTIFY_ID_LIFETIME_MS);
    expect((await statusOf(await harness.login('idle-user'), created.verificationId)).status).toBe('EXPIRED');
  });

  it('counts a pass that Alipay recorded before expiry even when first polled after it', async () => {
    const created = await createPending(await harness.login('late-poller'), 10);
    await harness.setOutcome(created.certifyId, 'PASSED');
    harness.clock.advance(CERTIFY_ID_LIFETIME_MS + 1);
    expect((await statusOf(await harness.login('late-poller'), created.verificationId)).status).toBe('PASSED');
  });

  it('never moves a terminal state and stops asking Alipay once it is terminal', async () => {
    const created = await createPending(await harness.login('terminal-user'), 11);
    harness.clock.advance(CERTIFY_ID_LIFETIME_MS);
    const token = await harness.login('terminal-user');
    expect((await statusOf(token, created.verificationId)).status).toBe('EXPIRED');
    const queriesSoFar = harness.queryCalls.length;
    await harness.setOutcome(created.certifyId, 'PASSED');
    harness.clock.advance(60_000);
    expect((await statusOf(token, created.verificationId)).status).toBe('EXPIRED');
    expect(harness.queryCalls.length).toBe(queriesSoFar);
  });

  it('reuses a query answer within the cache window and shares one query among concurrent polls', async () => {
    const token = await harness.login();
    const created = await createPending(token, 12);
    await Promise.all([1, 2, 3, 4].map(() => statusOf(token, created.verificationId)));
    expect(harness.queryCalls).toEqual([created.certifyId]);
    await statusOf(token, created.verificationId);
    expect(harness.queryCalls.length).toBe(1);
    harness.clock.advance(1000);
    await statusOf(token, created.verificationId);
    expect(harness.queryCalls.length).toBe(2);
  });

  it('writes one audit line per state change with who, what, when and the trace id', async () => {
    const token = await harness.login('audit-code');
    const created = await createPending(token, 13);
    await harness.setOutcome(created.certifyId, 'PASSED');
    harness.clock.advance(1000);
    await statusOf(token, created.verificationId);
    const { capturedLogLines } = await import('./support/harness');
    const audits = capturedLogLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.audit === true && entry.verificationId === created.verificationId);
    expect(audits.map((entry) => [entry.from, entry.to])).toEqual([
      [null, 'PENDING'],
      ['PENDING', 'PASSED'],
    ]);
    for (const entry of audits) {
      expect(entry.userId).toMatch(/^oid:0[A-Za-z0-9]{45}$/);
      expect(entry.alipayTraceId).toMatch(/^[0-9a-f]{32}$/);
      expect(typeof entry.at).toBe('string');
    }
  });
});
