/**
 * Reusing a live verification, through the real app over HTTP against the emulator: the same
 * user sending the same name and ID number again (after a cancel, a lost page, a restart of the
 * form) gets the same verification and certifyId back with a newly signed URL, `200` and
 * `reused: true`, with no paid initialize and nothing counted against the rate limits. Anything
 * else (another user, number, name or bizCode; a certifyId near or past its end; a settled
 * verification) starts a new one.
 */
import { CERTIFY_ID_LIFETIME_MS, CreateVerificationResponse } from '../../utils/api-contract';
import { normalizeCertName } from '../../utils/identity';
import { makeCertNo, TEST_NAMES } from '../../tests/support/identities';
import { REUSE_MIN_REMAINING_MS } from '../src/services/verification-service';
import { expectNoSecretsInLogs, Harness, startHarness } from './support/harness';
import { TestResponse } from './support/http';

const usedIdentities: string[] = [];

let harness: Harness;

afterEach(async () => {
  await harness.close();
});

afterAll(() => {
  expectNoSecretsInLogs(usedIdentities);
});

type Identity = Record<'certName' | 'certNo', string>;

function identity(seed: number, name: string = TEST_NAMES[seed % TEST_NAMES.length]): Identity {
  const certNo = makeCertNo(seed);
  usedIdentities.push(name, normalizeCertName(name), certNo);
  return { certName: name, certNo };
}

async function created(response: Promise<TestResponse>): Promise<CreateVerificationResponse> {
  const answer = await response;
  expect(answer.statusCode).toBe(201);
  const body = answer.json<CreateVerificationResponse>();
  expect(body.reused).toBeUndefined();
  return body;
}

async function reused(response: Promise<TestResponse>): Promise<CreateVerificationResponse> {
  const answer = await response;
  expect(answer.statusCode).toBe(200);
  const body = answer.json<CreateVerificationResponse>();
  expect(body.reused).toBe(true);
  return body;
}

describe('the same user, name and ID number while a verification is live', () => {
  beforeEach(async () => {
    harness = await startHarness();
  });

  it('answers 200 with the same verification and certifyId, a newly signed URL that opens the certify page, and no initialize', async () => {
    const token = await harness.login();
    const person = identity(901);
    const first = await created(harness.createVerification(token, person));
    harness.clock.advance(5 * 60 * 1000);

    const again = await reused(harness.createVerification(token, person));
    expect(again).toEqual({ ...first, url: expect.any(String), reused: true });
    expect(again.url).not.toBe(first.url);
    const fresh = new URL(again.url);
    expect(fresh.searchParams.get('timestamp')).not.toBe(new URL(first.url).searchParams.get('timestamp'));
    expect(JSON.parse(fresh.searchParams.get('biz_content') as string)).toEqual({ certify_id: first.certifyId });
    expect(harness.initializeCalls).toHaveLength(1);
    expect(harness.queryCalls).toEqual([]);

    const page = await harness.emulatorRequest({ method: 'GET', url: `${fresh.pathname}${fresh.search}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-outcome="PASSED"');
    await harness.setOutcome(first.certifyId, 'PASSED');
    expect((await harness.getVerification(token, first.verificationId)).json()).toMatchObject({ status: 'PASSED' });
  });

  it('matches the number however it is typed, and with the certType the number implies given or not', async () => {
    const token = await harness.login();
    const person = identity(902);
    const first = await created(harness.createVerification(token, person));
    const spaced = { ...person, certNo: `${person.certNo.slice(0, 6)} ${person.certNo.slice(6, 14)} ${person.certNo.slice(14).toLowerCase()}` };
    const again = await reused(harness.createVerification(token, { ...spaced, certType: 'IDENTITY_CARD', bizCode: 'FACE' }));
    expect(again.verificationId).toBe(first.verificationId);
    expect(harness.initializeCalls).toHaveLength(1);
  });

  it('gives concurrent requests one initialize and one verification', async () => {
    const token = await harness.login();
    const person = identity(903);
    const answers = await Promise.all([1, 2, 3, 4].map(() => harness.createVerification(token, person)));
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([200, 200, 200, 201]);
    expect(new Set(answers.map((answer) => answer.json<CreateVerificationResponse>().verificationId)).size).toBe(1);
    expect(harness.initializeCalls).toHaveLength(1);
  });
});

describe('a verification whose certifyId Alipay refused (replaces)', () => {
  beforeEach(async () => {
    harness = await startHarness();
  });

  it('is not reused when the request says it replaces it: a new verification and a new paid initialize', async () => {
    const token = await harness.login();
    const person = identity(911);
    const refused = await created(harness.createVerification(token, person));

    const replacement = await created(harness.createVerification(token, { ...person, replaces: refused.verificationId }));
    expect(replacement.verificationId).not.toBe(refused.verificationId);
    expect(replacement.certifyId).not.toBe(refused.certifyId);
    expect(harness.initializeCalls).toHaveLength(2);

    // The replacement is the live one now: the same person again reuses it, not the refused one.
    const again = await reused(harness.createVerification(token, person));
    expect(again.verificationId).toBe(replacement.verificationId);
    expect(harness.initializeCalls).toHaveLength(2);
  });

  it('changes nothing when it names another verification than the live one', async () => {
    const token = await harness.login();
    const person = identity(912);
    const first = await created(harness.createVerification(token, person));
    const again = await reused(harness.createVerification(token, { ...person, replaces: '00000000-0000-4000-8000-000000000000' }));
    expect(again.verificationId).toBe(first.verificationId);
    expect(harness.initializeCalls).toHaveLength(1);
  });
});

describe('the rate limits', () => {
  it('count no reuse: six reuses pass with RATE_LIMIT_PER_CERT_NO=2 and RATE_LIMIT_PER_USER=1, and the limits still hold for new verifications', async () => {
    harness = await startHarness({ env: { RATE_LIMIT_PER_CERT_NO: '2', RATE_LIMIT_PER_USER: '1' } });
    const token = await harness.login('reuse-limits-owner');
    const person = identity(904);
    const first = await created(harness.createVerification(token, person));
    for (let attempt = 0; attempt < 6; attempt += 1) {
      harness.clock.advance(1000);
      expect((await reused(harness.createVerification(token, person))).verificationId).toBe(first.verificationId);
    }
    expect(harness.initializeCalls).toHaveLength(1);

    // The user's one verification per window is spent by the first creation alone.
    const limitedUser = await harness.createVerification(token, identity(905));
    expect(limitedUser.statusCode).toBe(429);
    expect(limitedUser.json().error.code).toBe('RATE_LIMITED');
    // The number's second use in the window is still free for someone else, its third is not.
    await created(harness.createVerification(await harness.login('reuse-limits-other'), person));
    const limitedNumber = await harness.createVerification(await harness.login('reuse-limits-third'), person);
    expect(limitedNumber.statusCode).toBe(429);
    expect(limitedNumber.json().error.code).toBe('RATE_LIMITED');
    expect(harness.initializeCalls).toHaveLength(2);
  });
});

describe('a new verification instead', () => {
  beforeEach(async () => {
    harness = await startHarness({ env: { BIZ_CODE_ALLOWLIST: 'FACE,SMART_FACE' } });
  });

  it('for another user with the same name and number', async () => {
    const person = identity(906);
    const mine = await created(harness.createVerification(await harness.login('reuse-user-a'), person));
    const theirs = await created(harness.createVerification(await harness.login('reuse-user-b'), person));
    expect(theirs.verificationId).not.toBe(mine.verificationId);
    expect(theirs.certifyId).not.toBe(mine.certifyId);
    expect(harness.initializeCalls).toHaveLength(2);
  });

  it('for another ID number of the same user', async () => {
    const token = await harness.login();
    const first = await created(harness.createVerification(token, identity(907)));
    const second = await created(harness.createVerification(token, identity(908)));
    expect(second.verificationId).not.toBe(first.verificationId);
    expect(harness.initializeCalls).toHaveLength(2);
  });

  it('for the same number with a corrected name: Alipay checks the face against the pair it was initialized with', async () => {
    const token = await harness.login();
    const mistyped = await created(harness.createVerification(token, identity(909, TEST_NAMES[0])));
    const corrected = await created(harness.createVerification(token, identity(909, TEST_NAMES[1])));
    expect(corrected.verificationId).not.toBe(mistyped.verificationId);
    expect(harness.initializeCalls).toHaveLength(2);
  });

  it('for another bizCode', async () => {
    const token = await harness.login();
    const person = identity(910);
    const face = await created(harness.createVerification(token, person));
    const smart = await created(harness.createVerification(token, { ...person, bizCode: 'SMART_FACE' }));
    expect(smart.verificationId).not.toBe(face.verificationId);
    // Each bizCode then reuses its own.
    expect((await reused(harness.createVerification(token, { ...person, bizCode: 'SMART_FACE' }))).verificationId).toBe(smart.verificationId);
    expect((await reused(harness.createVerification(token, person))).verificationId).toBe(face.verificationId);
    expect(harness.initializeCalls).toHaveLength(2);
  });

  it(`once the certifyId has less than ${REUSE_MIN_REMAINING_MS / 60_000} minutes left, and not a second before`, async () => {
    const person = identity(911);
    const first = await created(harness.createVerification(await harness.login('reuse-margin'), person));
    harness.clock.advance(CERTIFY_ID_LIFETIME_MS - REUSE_MIN_REMAINING_MS - 1000);
    // The first session has expired by now; the same Alipay user signs in again.
    const token = await harness.login('reuse-margin');
    expect((await reused(harness.createVerification(token, person))).verificationId).toBe(first.verificationId);
    harness.clock.advance(1000);
    const fresh = await created(harness.createVerification(token, person));
    expect(fresh.verificationId).not.toBe(first.verificationId);
    expect(harness.initializeCalls).toHaveLength(2);
    expect(harness.queryCalls).toEqual([]);
  });

  it('once the certifyId has expired, while it is still stored PENDING', async () => {
    const person = identity(912);
    const first = await created(harness.createVerification(await harness.login('reuse-expired'), person));
    harness.clock.advance(CERTIFY_ID_LIFETIME_MS);
    const token = await harness.login('reuse-expired');
    const second = await created(harness.createVerification(token, person));
    expect((await harness.getVerification(token, first.verificationId)).json()).toMatchObject({ status: 'EXPIRED' });
    // The new one is live, so it is the one reused now.
    expect((await reused(harness.createVerification(token, person))).verificationId).toBe(second.verificationId);
    expect(harness.initializeCalls).toHaveLength(2);
  });

  it('once the verification has PASSED', async () => {
    const token = await harness.login();
    const person = identity(913);
    const first = await created(harness.createVerification(token, person));
    await harness.setOutcome(first.certifyId, 'PASSED');
    expect((await harness.getVerification(token, first.verificationId)).json()).toMatchObject({ status: 'PASSED' });
    const second = await created(harness.createVerification(token, person));
    expect(second.verificationId).not.toBe(first.verificationId);
    expect(harness.initializeCalls).toHaveLength(2);
  });
});

describe('with an Idempotency-Key', () => {
  beforeEach(async () => {
    harness = await startHarness();
  });

  it('stores a reuse under its key: a replay answers the same 200 as stored, with the URL signed then', async () => {
    const token = await harness.login();
    const person = identity(914);
    await created(harness.createVerification(token, person, { 'idempotency-key': 'reuse-key-0001' }));
    harness.clock.advance(1000);
    const reuse = await harness.createVerification(token, person, { 'idempotency-key': 'reuse-key-0002' });
    harness.clock.advance(1000);
    const replay = await harness.createVerification(token, person, { 'idempotency-key': 'reuse-key-0002' });
    expect(reuse.statusCode).toBe(200);
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toEqual(reuse.json());
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(reuse.headers['idempotent-replayed']).toBeUndefined();
    expect(harness.initializeCalls).toHaveLength(1);
  });

  it('replays the first creation under its own key as stored, even while reuses happen', async () => {
    const token = await harness.login();
    const person = identity(915);
    const headers = { 'idempotency-key': 'reuse-key-0003' };
    const original = await harness.createVerification(token, person, headers);
    harness.clock.advance(1000);
    await reused(harness.createVerification(token, person));
    const replay = await harness.createVerification(token, person, headers);
    expect(replay.statusCode).toBe(201);
    expect(replay.json()).toEqual(original.json());
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(harness.initializeCalls).toHaveLength(1);
  });

  it('answers 409 IDEMPOTENCY_MISMATCH for a reuse key sent again with another body', async () => {
    const token = await harness.login();
    const person = identity(916);
    await created(harness.createVerification(token, person));
    const headers = { 'idempotency-key': 'reuse-key-0004' };
    await reused(harness.createVerification(token, person, headers));
    const mismatch = await harness.createVerification(token, identity(917), headers);
    expect(mismatch.statusCode).toBe(409);
    expect(mismatch.json().error.code).toBe('IDEMPOTENCY_MISMATCH');
    expect(harness.initializeCalls).toHaveLength(1);
  });
});
