/**
 * Every gateway fault, injected through the emulator's knobs and seen through the API:
 * timeouts, 20000 and network errors (retried with backoff on query), initialize retried only
 * with a new outer_order_no, 40004 never retried, and bad or missing signatures never PASSED.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateVerificationResponse } from '../../utils/api-contract';
import { makeCertNo, TEST_NAMES } from '../../tests/support/identities';
import { openSqliteRepository } from '../src/store/sqlite-repository';
import { expectNoSecretsInLogs, Harness, startEmulator, startHarness, TestClock } from './support/harness';

const QUERY = 'alipay.user.certify.open.query';
const INITIALIZE = 'alipay.user.certify.open.initialize';
const OAUTH = 'alipay.system.oauth.token';

const used: string[] = [];
let seed = 100;
function identity(): { certName: string; certNo: string } {
  seed += 1;
  const value = { certName: TEST_NAMES[seed % TEST_NAMES.length], certNo: makeCertNo(seed) };
  used.push(value.certName, value.certNo);
  return value;
}

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

afterAll(() => {
  expectNoSecretsInLogs(used);
});

async function pendingVerification(h: Harness, authCode?: string): Promise<{ token: string; created: CreateVerificationResponse }> {
  const token = await h.login(authCode);
  const response = await h.createVerification(token, identity());
  expect(response.statusCode).toBe(201);
  return { token, created: response.json<CreateVerificationResponse>() };
}

describe('query faults', () => {
  it('retries 20000 with exponential backoff and jitter, then answers from the successful attempt', async () => {
    harness = await startHarness();
    const { token, created } = await pendingVerification(harness);
    await harness.setOutcome(created.certifyId, 'PASSED');
    await harness.setFaults({ unavailableShare: 1, methods: [QUERY], remaining: 2 });
    const response = await harness.getVerification(token, created.verificationId);
    expect(response.statusCode).toBe(200);
    expect(response.json<{ status: string }>().status).toBe('PASSED');
    expect(harness.queryCalls).toHaveLength(3);
    // random() is 0.5 in the harness: half of 200 ms × 2^n.
    expect(harness.sleeps).toEqual([100, 200]);
  });

  it('answers 503 UPSTREAM_UNAVAILABLE when 20000 outlasts the retries', async () => {
    harness = await startHarness();
    const { token, created } = await pendingVerification(harness);
    await harness.setFaults({ unavailableShare: 1, methods: [QUERY] });
    const response = await harness.getVerification(token, created.verificationId);
    expect(response.statusCode).toBe(503);
    expect(response.json().error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(harness.queryCalls).toHaveLength(3);
  });

  it('does not ask a failing Alipay again for polls within the cache window', async () => {
    harness = await startHarness();
    const { token, created } = await pendingVerification(harness);
    await harness.setFaults({ unavailableShare: 1, methods: [QUERY] });
    expect((await harness.getVerification(token, created.verificationId)).statusCode).toBe(503);
    const callsAfterFailure = harness.queryCalls.length;
    const cached = await harness.getVerification(token, created.verificationId);
    expect(cached.statusCode).toBe(200);
    expect(cached.json<{ status: string }>().status).toBe('PENDING');
    expect(harness.queryCalls).toHaveLength(callsAfterFailure);
    harness.clock.advance(1000);
    expect((await harness.getVerification(token, created.verificationId)).statusCode).toBe(503);
    expect(harness.queryCalls.length).toBeGreaterThan(callsAfterFailure);
  });

  it('retries a network error and answers 503 UPSTREAM_UNAVAILABLE when the gateway stays down', async () => {
    const clock = new TestClock();
    const emulator = await startEmulator(clock);
    harness = await startHarness({ clock, emulator });
    const { token, created } = await pendingVerification(harness);
    await emulator.app.close();
    const response = await harness.getVerification(token, created.verificationId);
    expect(response.statusCode).toBe(503);
    expect(response.json().error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(harness.queryCalls).toHaveLength(3);
  });

  it('answers 504 UPSTREAM_TIMEOUT when the gateway does not answer in time, without retrying', async () => {
    harness = await startHarness({ env: { ALIPAY_TIMEOUT_MS: '300' } });
    const { token, created } = await pendingVerification(harness);
    await harness.setFaults({ timeoutShare: 1, methods: [QUERY] });
    const response = await harness.getVerification(token, created.verificationId);
    expect(response.statusCode).toBe(504);
    expect(response.json().error.code).toBe('UPSTREAM_TIMEOUT');
    expect(harness.queryCalls).toHaveLength(1);
  });

  it.each([
    ['a bad signature', { badSignatureShare: 1 }],
    ['no signature', { unsignedShare: 1 }],
  ])('answers 502 UPSTREAM_UNVERIFIED for %s and never stores PASSED', async (_label, fault) => {
    harness = await startHarness();
    const { token, created } = await pendingVerification(harness);
    await harness.setOutcome(created.certifyId, 'PASSED');
    await harness.setFaults({ ...fault, methods: [QUERY] });
    const response = await harness.getVerification(token, created.verificationId);
    expect(response.statusCode).toBe(502);
    expect(response.json().error.code).toBe('UPSTREAM_UNVERIFIED');
    expect(harness.queryCalls).toHaveLength(1);
    expect((await harness.repository.findVerification(created.verificationId))?.status).toBe('PENDING');
  });

  it('answers 502 UPSTREAM_REJECTED with Alipay\'s sub_code for a 40004 on query, without retrying', async () => {
    const clock = new TestClock();
    const file = join(mkdtempSync(join(tmpdir(), 'verify-faults-')), 'verifications.sqlite');
    const first = await startHarness({ clock, repository: await openSqliteRepository(file) });
    const { created } = await pendingVerification(first, 'rejected-user');
    await first.close();
    // A fresh emulator has never heard of that certify_id, so it answers 40004 as Alipay would.
    harness = await startHarness({ clock, repository: await openSqliteRepository(file) });
    const token = await harness.login('rejected-user');
    const response = await harness.getVerification(token, created.verificationId);
    expect(response.statusCode).toBe(502);
    expect(response.json().error).toEqual({
      code: 'UPSTREAM_REJECTED',
      message: expect.stringContaining('CERTIFY_ID_NOT_EXIST'),
      subCode: 'CERTIFY_ID_NOT_EXIST',
    });
    expect(harness.queryCalls).toHaveLength(1);
  });
});

describe('initialize faults', () => {
  it('retries a 20000 once with a new outer_order_no and stores the one that succeeded', async () => {
    harness = await startHarness();
    await harness.setFaults({ unavailableShare: 1, methods: [INITIALIZE], remaining: 1 });
    const { created } = await pendingVerification(harness);
    expect(harness.initializeCalls).toHaveLength(2);
    const [firstNo, secondNo] = harness.initializeCalls;
    expect(firstNo).not.toBe(secondNo);
    for (const outerOrderNo of harness.initializeCalls) expect(outerOrderNo).toMatch(/^[A-Za-z0-9]{32}$/);
    expect((await harness.repository.findVerification(created.verificationId))?.outerOrderNo).toBe(secondNo);
  });

  it('answers 503 UPSTREAM_UNAVAILABLE and stores nothing when every attempt gets 20000', async () => {
    harness = await startHarness();
    await harness.setFaults({ unavailableShare: 1, methods: [INITIALIZE] });
    const token = await harness.login();
    const response = await harness.createVerification(token, identity());
    expect(response.statusCode).toBe(503);
    expect(response.json().error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(harness.initializeCalls).toHaveLength(2);
  });

  it('answers 504 UPSTREAM_TIMEOUT and does not retry: the first call may have happened', async () => {
    harness = await startHarness({ env: { ALIPAY_TIMEOUT_MS: '300' } });
    await harness.setFaults({ timeoutShare: 1, methods: [INITIALIZE] });
    const token = await harness.login();
    const response = await harness.createVerification(token, identity());
    expect(response.statusCode).toBe(504);
    expect(response.json().error.code).toBe('UPSTREAM_TIMEOUT');
    expect(harness.initializeCalls).toHaveLength(1);
  });

  it('answers 502 UPSTREAM_REJECTED with the sub_code for a business failure (40004), never retried', async () => {
    harness = await startHarness({ env: { BIZ_CODE_ALLOWLIST: 'FACE,NOT_A_SCENE' } });
    const token = await harness.login();
    const response = await harness.createVerification(token, { ...identity(), bizCode: 'NOT_A_SCENE' });
    expect(response.statusCode).toBe(502);
    expect(response.json().error).toEqual({ code: 'UPSTREAM_REJECTED', message: expect.stringContaining('INVALID_PARAMETER'), subCode: 'INVALID_PARAMETER' });
    expect(harness.initializeCalls).toHaveLength(1);
  });

  it('answers 502 UPSTREAM_UNVERIFIED when the initialize answer is unsigned', async () => {
    harness = await startHarness();
    await harness.setFaults({ unsignedShare: 1, methods: [INITIALIZE] });
    const token = await harness.login();
    const response = await harness.createVerification(token, identity());
    expect(response.statusCode).toBe(502);
    expect(response.json().error.code).toBe('UPSTREAM_UNVERIFIED');
  });
});

describe('session faults', () => {
  it('answers 502 UPSTREAM_UNVERIFIED when the oauth.token answer is badly signed', async () => {
    harness = await startHarness();
    await harness.setFaults({ badSignatureShare: 1, methods: [OAUTH] });
    const response = await harness.request({ method: 'POST', url: '/api/sessions', payload: { authCode: 'some-code' } });
    expect(response.statusCode).toBe(502);
    expect(response.json().error.code).toBe('UPSTREAM_UNVERIFIED');
  });

  it('answers 503 UPSTREAM_UNAVAILABLE when oauth.token gets 20000', async () => {
    harness = await startHarness();
    await harness.setFaults({ unavailableShare: 1, methods: [OAUTH] });
    const response = await harness.request({ method: 'POST', url: '/api/sessions', payload: { authCode: 'some-code' } });
    expect(response.statusCode).toBe(503);
    expect(response.json().error.code).toBe('UPSTREAM_UNAVAILABLE');
  });
});
