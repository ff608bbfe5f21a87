/**
 * Both cloud functions as the mini-program calls them, in the emulated cloud over the gateway
 * emulator: a pass, a failure, a cancel, a retry after a 6002, reuse, another user's id, and the
 * status rules (PASSED only when query says T; EXPIRED or FAILED only after the certifyId's
 * lifetime; a final status never moves). Every test ends by searching the cloud database and
 * every log line for the names and numbers it used.
 */
import { CERTIFY_ID_LIFETIME_MS, CreateVerificationResponse, VerificationView } from '../../utils/api-contract';
import { maskCertNo } from '../../utils/identity';
import { makeCertNo, TEST_NAMES } from '../../tests/support/identities';
import { ALICE, BOB, CloudHarness, expectNoPersonalData, startCloudHarness, TEST_CONSENT_VERSION } from './support';

let harness: CloudHarness;
const usedSecrets: string[] = [];

beforeEach(async () => {
  harness = await startCloudHarness();
  usedSecrets.length = 0;
});

afterEach(async () => {
  expectNoPersonalData(harness, usedSecrets);
  await harness.close();
});

function person(seed: number): { certName: string; certNo: string } {
  const certName = TEST_NAMES[seed % TEST_NAMES.length];
  const certNo = makeCertNo(seed);
  usedSecrets.push(certName, certNo);
  return { certName, certNo };
}

async function startFor(seed: number, caller = ALICE): Promise<CreateVerificationResponse> {
  const answer = await harness.start(caller, { ...person(seed), consentVersion: TEST_CONSENT_VERSION });
  if ('error' in answer) throw new Error(`start answered ${answer.error.code}`);
  return answer;
}

async function statusOf(verificationId: string, caller = ALICE): Promise<VerificationView> {
  const answer = await harness.status(caller, { verificationId });
  if ('error' in answer) throw new Error(`status answered ${answer.error.code}`);
  return answer;
}

function callsOf(name: 'init' | 'certify' | 'query'): number {
  return harness.cloud.identification.calls.filter((call) => call.call === name).length;
}

describe('identification-start', () => {
  it('answers a verification whose certify URL opens the emulator page, stored as PENDING with the masked number only', async () => {
    const started = await startFor(1);
    expect(started).toEqual({
      verificationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      certifyId: expect.any(String),
      url: expect.stringContaining('/emulator/gateway.do?'),
      expiresAt: new Date(harness.clock.now + CERTIFY_ID_LIFETIME_MS).toISOString(),
    });
    expect(await harness.openCertifyUrl(started.url)).toBe(200);
    const stored = JSON.parse(harness.cloud.db.dump()).identity_verifications;
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ status: 'PENDING', certNoMasked: maskCertNo(makeCertNo(1)), consentVersion: TEST_CONSENT_VERSION, userId: '2088000000000001' });
    expect(stored[0].outerOrderNo).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it('calls init then certify in the object form (SDK >= 1.0.0), without an ISV token unless APP_AUTH_TOKEN is set', async () => {
    await startFor(2);
    expect(harness.cloud.identification.calls).toEqual([
      { call: 'init', form: 'object', appAuthToken: false },
      { call: 'certify', form: 'object', appAuthToken: false },
    ]);
  });

  it('reuses the same person\'s live verification with a newly signed URL and no second init', async () => {
    const first = await startFor(3);
    harness.clock.now += 60_000;
    const second = await harness.start(ALICE, { ...person(3), consentVersion: TEST_CONSENT_VERSION });
    expect(second).toMatchObject({ verificationId: first.verificationId, certifyId: first.certifyId, reused: true });
    expect((second as CreateVerificationResponse).url).not.toBe(first.url);
    expect(callsOf('init')).toBe(1);
  });
});

describe('a new verification replacing one whose certifyId Alipay refused (replaces)', () => {
  it('starts a new verification with a new paid init instead of reusing the refused one, and never reuses that one again', async () => {
    const refused = await startFor(15);
    const replacing = await harness.start(ALICE, { ...person(15), consentVersion: TEST_CONSENT_VERSION, replaces: refused.verificationId });
    expect(replacing).toMatchObject({ certifyId: expect.any(String) });
    expect(replacing).not.toHaveProperty('reused');
    expect((replacing as CreateVerificationResponse).certifyId).not.toBe(refused.certifyId);
    expect(callsOf('init')).toBe(2);
    const again = await harness.start(ALICE, { ...person(15), consentVersion: TEST_CONSENT_VERSION });
    expect(again).toMatchObject({ verificationId: (replacing as CreateVerificationResponse).verificationId, reused: true });
  });

  it('changes nothing when it names another user\'s verification', async () => {
    const bobs = await startFor(16, BOB);
    await startFor(17);
    const answer = await harness.start(ALICE, { ...person(17), consentVersion: TEST_CONSENT_VERSION, replaces: bobs.verificationId });
    expect(answer).toMatchObject({ reused: true });
    const again = await harness.start(BOB, { ...person(16), consentVersion: TEST_CONSENT_VERSION });
    expect(again).toMatchObject({ verificationId: bobs.verificationId, reused: true });
  });
});

describe('identification-status', () => {
  it('is PENDING until the person passes, then PASSED from query\'s ["T"]', async () => {
    const started = await startFor(4);
    expect(await statusOf(started.verificationId)).toEqual({
      verificationId: started.verificationId,
      status: 'PENDING',
      certNoMasked: maskCertNo(makeCertNo(4)),
      updatedAt: new Date(harness.clock.now).toISOString(),
    });
    await harness.setOutcome(started.certifyId, 'PASSED');
    harness.clock.now += 5_000;
    expect(await statusOf(started.verificationId)).toMatchObject({ status: 'PASSED', updatedAt: new Date(harness.clock.now).toISOString() });
  });

  it('is PASSED from query\'s "T" too', async () => {
    harness.cloud.identification.shapes.passedForm = 'string';
    const started = await startFor(5);
    await harness.setOutcome(started.certifyId, 'PASSED');
    expect((await statusOf(started.verificationId)).status).toBe('PASSED');
  });

  it('keeps a final status without asking Alipay again, even past the certifyId\'s lifetime', async () => {
    const started = await startFor(6);
    await harness.setOutcome(started.certifyId, 'PASSED');
    await statusOf(started.verificationId);
    const queries = callsOf('query');
    harness.clock.now += CERTIFY_ID_LIFETIME_MS + 1;
    expect((await statusOf(started.verificationId)).status).toBe('PASSED');
    expect(callsOf('query')).toBe(queries);
  });

  it('keeps a failed face check PENDING while the certifyId lives (the person may try again), then EXPIRED', async () => {
    const started = await startFor(7);
    await harness.setOutcome(started.certifyId, 'FAILED');
    expect((await statusOf(started.verificationId)).status).toBe('PENDING');
    harness.clock.now += CERTIFY_ID_LIFETIME_MS;
    expect((await statusOf(started.verificationId)).status).toBe('EXPIRED');
    expect(harness.logs.some((line) => line.includes('"to":"EXPIRED"'))).toBe(true);
  });

  it('is FAILED after the lifetime when query gives a fail_reason', async () => {
    await harness.setSettings({ failReason: true });
    const started = await startFor(8);
    await harness.setOutcome(started.certifyId, 'FAILED');
    harness.clock.now += CERTIFY_ID_LIFETIME_MS;
    expect((await statusOf(started.verificationId)).status).toBe('FAILED');
  });

  it('keeps a cancelled check PENDING, and the same URL opens again and can still pass', async () => {
    const started = await startFor(9);
    await harness.cancel(started.certifyId);
    expect((await statusOf(started.verificationId)).status).toBe('PENDING');
    expect(await harness.openCertifyUrl(started.url)).toBe(200);
    await harness.setOutcome(started.certifyId, 'PASSED');
    expect((await statusOf(started.verificationId)).status).toBe('PASSED');
  });

  it('answers another user\'s verificationId exactly as an unknown one', async () => {
    const started = await startFor(10);
    const foreign = await harness.status(BOB, { verificationId: started.verificationId });
    const unknown = await harness.status(BOB, { verificationId: '00000000-0000-4000-8000-000000000000' });
    expect(foreign).toEqual({ error: { code: 'NOT_FOUND', message: 'No such resource' } });
    expect(unknown).toEqual(foreign);
    expect(callsOf('query')).toBe(0);
  });

  it('refuses an anonymous caller (no Alipay user behind the call)', async () => {
    const started = await startFor(11);
    const answer = await harness.status('anonymous', { verificationId: started.verificationId });
    expect(answer).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
  });

  it('refuses args other than {verificationId}', async () => {
    expect(await harness.status(ALICE, { verificationId: 42 })).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    expect(await harness.status(ALICE, { verificationId: 'x', userId: '2088000000000002' })).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
  });
});

describe('a retry after 6002 (identification-start with {verificationId})', () => {
  it('signs a new URL for the same certifyId with no new init, and the check can then pass', async () => {
    const started = await startFor(12);
    harness.clock.now += 30_000;
    const renewed = await harness.start(ALICE, { verificationId: started.verificationId });
    expect(renewed).toEqual({ verificationId: started.verificationId, certifyId: started.certifyId, url: expect.any(String), expiresAt: started.expiresAt });
    expect((renewed as CreateVerificationResponse).url).not.toBe(started.url);
    expect(await harness.openCertifyUrl((renewed as CreateVerificationResponse).url)).toBe(200);
    expect(callsOf('init')).toBe(1);
    await harness.setOutcome(started.certifyId, 'PASSED');
    expect((await statusOf(started.verificationId)).status).toBe('PASSED');
  });

  it('answers VERIFICATION_CLOSED once the verification is final, and NOT_FOUND for another user\'s', async () => {
    const started = await startFor(13);
    expect(await harness.start(BOB, { verificationId: started.verificationId })).toEqual({ error: { code: 'NOT_FOUND', message: 'No such resource' } });
    await harness.setOutcome(started.certifyId, 'PASSED');
    await statusOf(started.verificationId);
    expect(await harness.start(ALICE, { verificationId: started.verificationId })).toMatchObject({ error: { code: 'VERIFICATION_CLOSED' } });
  });

  it('answers VERIFICATION_CLOSED once the certifyId has expired', async () => {
    const started = await startFor(14);
    harness.clock.now += CERTIFY_ID_LIFETIME_MS;
    expect(await harness.start(ALICE, { verificationId: started.verificationId })).toMatchObject({ error: { code: 'VERIFICATION_CLOSED' } });
  });
});
