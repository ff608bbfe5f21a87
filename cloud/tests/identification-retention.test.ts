/**
 * identification-retention: what the data notice promises ("deleted after RETENTION_DAYS")
 * done with no server, by a timer-triggered function: records older than RETENTION_DAYS go,
 * newer ones stay, and only the timer can run it.
 */
import { makeCertNo, TEST_NAMES } from '../../tests/support/identities';
import { consentNoticeFor } from '../../utils/consent-notice';
import { ALICE, CloudHarness, expectNoPersonalData, startCloudHarness, TEST_ENV } from './support';

const DAY_MS = 24 * 60 * 60 * 1000;
/** RETENTION_DAYS is in the notice, so it names its own version. */
const CONSENT_VERSION = consentNoticeFor('zh-CN', {
  merchantName: TEST_ENV.MERCHANT_NAME,
  dataController: TEST_ENV.MERCHANT_NAME,
  contact: TEST_ENV.MERCHANT_CONTACT,
  retentionDays: 30,
}).version;
let harness: CloudHarness;

beforeEach(async () => {
  harness = await startCloudHarness({ env: { RETENTION_DAYS: '30' } });
});

afterEach(async () => {
  await harness.close();
});

async function startOne(seed: number): Promise<string> {
  const answer = await harness.start(ALICE, { certName: TEST_NAMES[seed % TEST_NAMES.length], certNo: makeCertNo(seed), consentVersion: CONSENT_VERSION });
  if ('error' in answer) throw new Error(`start answered ${answer.error.code}`);
  return answer.verificationId;
}

function storedIds(): string[] {
  return (JSON.parse(harness.cloud.db.dump()).identity_verifications as Array<{ verificationId: string }>).map((document) => document.verificationId);
}

it('deletes the records older than RETENTION_DAYS and keeps the rest', async () => {
  const old = await startOne(90);
  harness.clock.now += 20 * DAY_MS;
  const recent = await startOne(91);
  harness.clock.now += 10 * DAY_MS + 1;
  expect(await harness.retention()).toEqual({ deleted: 1 });
  expect(storedIds()).toEqual([recent]);
  expect(storedIds()).not.toContain(old);
  // The deleted one is now unknown to its owner too.
  expect(await harness.status(ALICE, { verificationId: old })).toMatchObject({ error: { code: 'NOT_FOUND' } });
  expect(harness.logs.some((line) => line.includes('"event":"verification.retention"') && line.includes('"deleted":1'))).toBe(true);
  expectNoPersonalData(harness, [TEST_NAMES[0], TEST_NAMES[1], makeCertNo(90), makeCertNo(91)]);
});

it('refuses to run for a client call (FORBIDDEN) and deletes nothing', async () => {
  await startOne(92);
  harness.clock.now += 31 * DAY_MS;
  expect(await harness.retention('client')).toEqual({ error: { code: 'FORBIDDEN', message: expect.any(String) } });
  expect(storedIds()).toHaveLength(1);
});
