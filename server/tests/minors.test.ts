/**
 * Minors (PIPL art. 31), through the real app over HTTP against the emulator: a holder under
 * 14 on today's date in Beijing (from the number's birth date) needs `guardianConsent: true`
 * with MINOR_POLICY=guardian-consent (the default) and is refused with MINOR_POLICY=refuse,
 * both before any paid initialize and before any rate limit counts. The clock sits at
 * midnight in Beijing, when the date in UTC is still the day before.
 */
import { CreateVerificationResponse } from '../../utils/api-contract';
import { normalizeCertName } from '../../utils/identity';
import { makeCertNoBornOn, TEST_NAMES, withCheckCharacter } from '../../tests/support/identities';
import { expectNoSecretsInLogs, Harness, startHarness, TestClock } from './support/harness';
import { TestResponse } from './support/http';

/** 2026-03-02 00:00:00 in Beijing, still 2026-03-01 in UTC. */
const BEIJING_MIDNIGHT = Date.UTC(2026, 2, 1, 16, 0, 0);

const usedIdentities: string[] = [];

let harness: Harness;

afterEach(async () => {
  await harness.close();
});

afterAll(() => {
  expectNoSecretsInLogs(usedIdentities);
});

function person(certNo: string, name: string = TEST_NAMES[usedIdentities.length % TEST_NAMES.length]): { certName: string; certNo: string } {
  usedIdentities.push(name, normalizeCertName(name), certNo);
  return { certName: name, certNo };
}

/** Turned 14 today in Beijing (born 2012-03-02); still 13 by the UTC date. */
function fourteenToday(seed: number): { certName: string; certNo: string } {
  return person(makeCertNoBornOn(new Date(Date.UTC(2012, 2, 2)), seed));
}

/** Turns 14 tomorrow in Beijing (born 2012-03-03). */
function fourteenTomorrow(seed: number): { certName: string; certNo: string } {
  return person(makeCertNoBornOn(new Date(Date.UTC(2012, 2, 3)), seed));
}

/** Nine years old. */
function child(seed: number): { certName: string; certNo: string } {
  return person(makeCertNoBornOn(new Date(Date.UTC(2016, 10, 20)), seed));
}

async function start(env: Record<string, string> = {}, now: number = BEIJING_MIDNIGHT): Promise<void> {
  harness = await startHarness({ env, clock: new TestClock(now) });
}

function expectRefused(response: TestResponse, code: 'GUARDIAN_CONSENT_REQUIRED' | 'CERT_NO_MINOR'): void {
  expect(response.statusCode).toBe(400);
  expect(response.json()).toEqual({ error: { code, message: expect.any(String) } });
}

async function storedConsent(response: TestResponse): Promise<boolean | undefined> {
  expect(response.statusCode).toBe(201);
  const record = await harness.repository.findVerification(response.json<CreateVerificationResponse>().verificationId);
  return record?.guardianConsent;
}

describe('MINOR_POLICY=guardian-consent (the default)', () => {
  beforeEach(async () => {
    await start();
  });

  it.each([
    ['under 14', child],
    ['14 tomorrow in Beijing', fourteenTomorrow],
  ])('refuses a holder %s without guardianConsent: true, with no initialize', async (_label, holder) => {
    const token = await harness.login();
    expectRefused(await harness.createVerification(token, holder(1)), 'GUARDIAN_CONSENT_REQUIRED');
    expectRefused(await harness.createVerification(token, { ...holder(2), guardianConsent: false }), 'GUARDIAN_CONSENT_REQUIRED');
    expect(harness.initializeCalls).toEqual([]);
  });

  it.each([
    ['under 14', child],
    ['14 tomorrow in Beijing', fourteenTomorrow],
  ])('starts a holder %s with guardianConsent: true, and stores the consent', async (_label, holder) => {
    const token = await harness.login();
    expect(await storedConsent(await harness.createVerification(token, { ...holder(3), guardianConsent: true }))).toBe(true);
    expect(harness.initializeCalls).toHaveLength(1);
  });

  it('starts a holder who is exactly 14 today in Beijing without any consent, and stores none', async () => {
    const token = await harness.login();
    expect(await storedConsent(await harness.createVerification(token, fourteenToday(4)))).toBe(false);
    expect(harness.initializeCalls).toHaveLength(1);
  });

  it('stores no guardian consent for an adult who sends one', async () => {
    const token = await harness.login();
    const adult = person(makeCertNoBornOn(new Date(Date.UTC(1990, 5, 1)), 5));
    expect(await storedConsent(await harness.createVerification(token, { ...adult, guardianConsent: true }))).toBe(false);
  });

  it('checks the residence permits too: the birth date sits in the same digits', async () => {
    const token = await harness.login();
    const permit = person(withCheckCharacter('81000020160101001'));
    expectRefused(await harness.createVerification(token, permit), 'GUARDIAN_CONSENT_REQUIRED');
    expect(harness.initializeCalls).toEqual([]);
  });

  it('asks for the consent again before reusing a minor\'s live verification', async () => {
    const token = await harness.login();
    const holder = child(6);
    const first = await harness.createVerification(token, { ...holder, guardianConsent: true });
    expect(first.statusCode).toBe(201);
    expectRefused(await harness.createVerification(token, holder), 'GUARDIAN_CONSENT_REQUIRED');
    const again = await harness.createVerification(token, { ...holder, guardianConsent: true });
    expect(again.statusCode).toBe(200);
    expect(again.json<CreateVerificationResponse>().verificationId).toBe(first.json<CreateVerificationResponse>().verificationId);
    expect(harness.initializeCalls).toHaveLength(1);
  });
});

describe('MINOR_POLICY=refuse', () => {
  beforeEach(async () => {
    await start({ MINOR_POLICY: 'refuse' });
  });

  it.each([
    ['under 14', child],
    ['14 tomorrow in Beijing', fourteenTomorrow],
  ])('refuses a holder %s even with guardianConsent: true, with no initialize', async (_label, holder) => {
    const token = await harness.login();
    expectRefused(await harness.createVerification(token, holder(7)), 'CERT_NO_MINOR');
    expectRefused(await harness.createVerification(token, { ...holder(8), guardianConsent: true }), 'CERT_NO_MINOR');
    expect(harness.initializeCalls).toEqual([]);
  });

  it('starts a holder who is exactly 14 today in Beijing', async () => {
    const token = await harness.login();
    expect(await storedConsent(await harness.createVerification(token, fourteenToday(9)))).toBe(false);
    expect(harness.initializeCalls).toHaveLength(1);
  });
});

describe('the birthday turns at midnight in Beijing', () => {
  it.each([
    ['guardian-consent', 'GUARDIAN_CONSENT_REQUIRED'],
    ['refuse', 'CERT_NO_MINOR'],
  ] as const)('MINOR_POLICY=%s: refused one millisecond before, started at midnight', async (policy, code) => {
    await start({ MINOR_POLICY: policy }, BEIJING_MIDNIGHT - 1);
    const token = await harness.login();
    const holder = fourteenToday(10);
    expectRefused(await harness.createVerification(token, holder), code);
    expect(harness.initializeCalls).toEqual([]);
    harness.clock.advance(1);
    expect((await harness.createVerification(token, holder)).statusCode).toBe(201);
    expect(harness.initializeCalls).toHaveLength(1);
  });
});

describe('the rate limits', () => {
  it.each([
    ['guardian-consent', 'GUARDIAN_CONSENT_REQUIRED'],
    ['refuse', 'CERT_NO_MINOR'],
  ] as const)('count no refusal under MINOR_POLICY=%s', async (policy, code) => {
    await start({ MINOR_POLICY: policy, RATE_LIMIT_PER_USER: '1', RATE_LIMIT_PER_CERT_NO: '1' });
    const token = await harness.login();
    const holder = child(11);
    expectRefused(await harness.createVerification(token, holder), code);
    expectRefused(await harness.createVerification(token, holder), code);
    expect((await harness.createVerification(token, fourteenToday(12))).statusCode).toBe(201);
    expect(harness.initializeCalls).toHaveLength(1);
  });
});
