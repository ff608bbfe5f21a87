/**
 * Idempotency-Key: the same key and body replay the first answer with no second (paid)
 * initialize; another body answers 409; concurrent duplicates cause one initialize.
 */
import { CreateVerificationResponse } from '../../utils/api-contract';
import { makeCertNo, TEST_NAMES } from '../../tests/support/identities';
import { FAILURE_SHARED_FOR_MS } from '../src/services/verification-service';
import { expectNoSecretsInLogs, Harness, startHarness } from './support/harness';

const first = { certName: TEST_NAMES[0], certNo: makeCertNo(201) };
const second = { certName: TEST_NAMES[1], certNo: makeCertNo(202) };

let harness: Harness;

beforeEach(async () => {
  harness = await startHarness();
});

afterEach(async () => {
  await harness.close();
});

afterAll(() => {
  expectNoSecretsInLogs([first.certName, first.certNo, second.certName, second.certNo]);
});

describe('Idempotency-Key', () => {
  it('replays the first answer for the same key and body, without a second initialize', async () => {
    const token = await harness.login();
    const headers = { 'idempotency-key': 'key-aaaa-0001' };
    const original = await harness.createVerification(token, first, headers);
    const replay = await harness.createVerification(token, first, headers);
    expect(original.statusCode).toBe(201);
    expect(replay.statusCode).toBe(201);
    expect(replay.json<CreateVerificationResponse>()).toEqual(original.json<CreateVerificationResponse>());
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(harness.initializeCalls).toHaveLength(1);
  });

  it('answers 409 IDEMPOTENCY_MISMATCH for the same key with another body', async () => {
    const token = await harness.login();
    const headers = { 'idempotency-key': 'key-aaaa-0002' };
    expect((await harness.createVerification(token, first, headers)).statusCode).toBe(201);
    const mismatch = await harness.createVerification(token, second, headers);
    expect(mismatch.statusCode).toBe(409);
    expect(mismatch.json().error.code).toBe('IDEMPOTENCY_MISMATCH');
    expect(mismatch.body).not.toContain(second.certNo);
    expect(harness.initializeCalls).toHaveLength(1);
  });

  it('makes one initialize for concurrent duplicates and gives them all the same answer', async () => {
    const token = await harness.login();
    const headers = { 'idempotency-key': 'key-aaaa-0003' };
    const responses = await Promise.all([1, 2, 3, 4, 5].map(() => harness.createVerification(token, first, headers)));
    expect(responses.map((response) => response.statusCode)).toEqual([201, 201, 201, 201, 201]);
    const ids = new Set(responses.map((response) => response.json<CreateVerificationResponse>().verificationId));
    expect(ids.size).toBe(1);
    expect(harness.initializeCalls).toHaveLength(1);
  });

  it('keeps keys per user: the same key from two users makes two verifications', async () => {
    const headers = { 'idempotency-key': 'key-aaaa-0004' };
    const alice = await harness.createVerification(await harness.login('user-a'), first, headers);
    const bob = await harness.createVerification(await harness.login('user-b'), first, headers);
    expect(alice.json<CreateVerificationResponse>().verificationId).not.toBe(bob.json<CreateVerificationResponse>().verificationId);
    expect(harness.initializeCalls).toHaveLength(2);
  });

  it('does not remember a failed attempt: the same key succeeds once Alipay is back', async () => {
    const token = await harness.login();
    const headers = { 'idempotency-key': 'key-aaaa-0005' };
    await harness.setFaults({ unavailableShare: 1, methods: ['alipay.user.certify.open.initialize'], remaining: 2 });
    const failed = await harness.createVerification(token, first, headers);
    expect(failed.statusCode).toBe(503);
    expect(failed.json().error.code).toBe('UPSTREAM_UNAVAILABLE');
    // A retry within FAILURE_SHARED_FOR_MS is a duplicate of the failed request: it shares its error.
    harness.clock.advance(FAILURE_SHARED_FOR_MS);
    const retried = await harness.createVerification(token, first, headers);
    expect(retried.statusCode).toBe(201);
  });

  it('creates a new verification for every request without a key for another person', async () => {
    const token = await harness.login();
    expect((await harness.createVerification(token, first)).statusCode).toBe(201);
    expect((await harness.createVerification(token, second)).statusCode).toBe(201);
    expect(harness.initializeCalls).toHaveLength(2);
  });
});
