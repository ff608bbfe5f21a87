/**
 * Background reconciliation through the whole app, against the emulator over real HTTP, with
 * a real webhook receiver on 127.0.0.1 and the clock injected (the test runs each pass itself,
 * no sleeps): a person who passes and never polls is marked PASSED and the merchant gets a
 * signed verification.passed; a certifyId nobody finishes ends EXPIRED (or FAILED when Alipay's
 * fail_reason extension is on); Alipay unavailable means backoff, then success; a poll and the
 * reconciler share one query.
 */
import { CreateVerificationResponse } from '../../utils/api-contract';
import { makeCertNo, TEST_NAMES } from '../../tests/support/identities';
import { VerificationEventBody } from '../src/webhooks/events';
import { expectNoSecretsInLogs, Harness, startHarness } from './support/harness';
import { startWebhookReceiver, verifyAsDocumented, WebhookReceiver } from './support/webhook-receiver';

const SECRET = `whsec_${Buffer.alloc(32, 42).toString('base64')}`;
const people = [0, 1, 2, 3].map((index) => ({ certName: TEST_NAMES[index], certNo: makeCertNo(700 + index) }));

let harness: Harness;
let receiver: WebhookReceiver;

beforeEach(async () => {
  receiver = await startWebhookReceiver();
  harness = await startHarness({ env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET } });
});

afterEach(async () => {
  await harness.close();
  await receiver.close();
});

afterAll(() => {
  expectNoSecretsInLogs(people.flatMap((person) => [person.certName, person.certNo]));
});

async function start(person: { certName: string; certNo: string }): Promise<CreateVerificationResponse & { token: string }> {
  const token = await harness.login();
  const created = await harness.createVerification(token, person);
  expect(created.statusCode).toBe(201);
  return { ...created.json<CreateVerificationResponse>(), token };
}

/** Runs reconciler passes at each 10 s of clock time up to `untilMs` from now, then delivers webhooks. */
async function runFor(untilMs: number): Promise<void> {
  const end = harness.clock.now + untilMs;
  while (harness.clock.now < end) {
    harness.clock.advance(Math.min(10_000, end - harness.clock.now));
    await harness.app.reconciler.runOnce();
  }
  await harness.app.webhookWorker?.runOnce();
}

function received(): VerificationEventBody[] {
  return receiver.received.map((webhook) => verifyAsDocumented(SECRET, webhook, harness.clock.now) as VerificationEventBody);
}

it('marks PASSED a person who passed and never polled, and sends a signed verification.passed', async () => {
  const created = await start(people[0]);
  await harness.setOutcome(created.certifyId, 'PASSED');
  await runFor(19_000);
  expect(harness.queryCalls).toHaveLength(0);
  await runFor(1000);
  expect(harness.queryCalls).toEqual([created.certifyId]);
  const stored = await harness.repository.findVerification(created.verificationId);
  expect(stored?.status).toBe('PASSED');
  expect(received()).toEqual([
    {
      type: 'verification.passed',
      timestamp: new Date(stored?.updatedAt ?? 0).toISOString(),
      data: {
        verificationId: created.verificationId,
        userId: stored?.userId,
        status: 'PASSED',
        certNoMasked: stored?.certNoMasked,
        updatedAt: new Date(stored?.updatedAt ?? 0).toISOString(),
      },
    },
  ]);
  expect(receiver.received[0].body).not.toContain(people[0].certNo);
  // Settled: no more queries, no second event.
  await runFor(2 * 60 * 60 * 1000);
  expect(harness.queryCalls).toHaveLength(1);
  expect(receiver.received).toHaveLength(1);
});

it('ends EXPIRED at the certifyId lifetime when nobody finishes, with verification.expired', async () => {
  const created = await start(people[1]);
  await runFor(23 * 60 * 60 * 1000);
  expect((await harness.repository.findVerification(created.verificationId))?.status).toBe('EXPIRED');
  // 20 s, 1 min, 5 min, 30 min, then every hour from 1 h to 22 h, and the last at 23 h.
  expect(harness.queryCalls).toHaveLength(4 + 22 + 1);
  expect(received().map((event) => [event.type, event.data.status])).toEqual([['verification.expired', 'EXPIRED']]);
});

it('ends FAILED with verification.failed when Alipay returns fail_reason', async () => {
  await harness.setSettings({ failReason: true });
  const created = await start(people[2]);
  await harness.setOutcome(created.certifyId, 'FAILED');
  await runFor(23 * 60 * 60 * 1000);
  expect(received().map((event) => [event.type, event.data.status])).toEqual([['verification.failed', 'FAILED']]);
});

it('backs off while Alipay is unavailable, then marks PASSED; a poll meanwhile shares its query', async () => {
  const created = await start(people[3]);
  await harness.setOutcome(created.certifyId, 'PASSED');
  await harness.setFaults({ unavailableShare: 1, methods: ['alipay.user.certify.open.query'], remaining: null });
  harness.clock.advance(20_000);
  expect(await harness.app.reconciler.runOnce()).toMatchObject({ checked: 1, failed: 1 });
  const failedCalls = harness.queryCalls.length;
  // Within the backoff, passes ask nothing.
  harness.clock.advance(10_000);
  expect(await harness.app.reconciler.runOnce()).toMatchObject({ checked: 0 });
  expect(harness.queryCalls).toHaveLength(failedCalls);

  await harness.setFaults({ unavailableShare: 0 });
  harness.clock.advance(30_000);
  // The person polls just as the reconciler runs: whichever asks first, the other shares its
  // answer, so Alipay is asked once.
  await Promise.all([harness.app.reconciler.runOnce(), harness.getVerification(created.token, created.verificationId)]);
  expect(harness.queryCalls).toHaveLength(failedCalls + 1);
  harness.clock.advance(1000);
  expect((await harness.getVerification(created.token, created.verificationId)).json<{ status: string }>().status).toBe('PASSED');
  await harness.app.webhookWorker?.runOnce();
  expect(received().map((event) => event.type)).toEqual(['verification.passed']);
});
