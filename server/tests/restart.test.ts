/**
 * A pending verification survives a restart: everything is committed to SQLite before the
 * 201, so a backend rebuilt on the same file can still answer for it and see it complete.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateVerificationResponse } from '../../utils/api-contract';
import { makeCertNo, TEST_NAMES } from '../../tests/support/identities';
import { openSqliteRepository } from '../src/store/sqlite-repository';
import { expectNoSecretsInLogs, Harness, startEmulator, startHarness, TestClock } from './support/harness';

const person = { certName: TEST_NAMES[3], certNo: makeCertNo(501) };
const harnesses: Harness[] = [];

afterAll(async () => {
  for (const harness of harnesses) await harness.close();
  expectNoSecretsInLogs([person.certName, person.certNo]);
});

it('keeps a pending verification across a restart and completes it afterwards', async () => {
  const clock = new TestClock();
  const emulator = await startEmulator(clock);
  const file = join(mkdtempSync(join(tmpdir(), 'verify-restart-')), 'verifications.sqlite');

  const before = await startHarness({ clock, emulator, repository: await openSqliteRepository(file) });
  harnesses.push(before);
  const created = (await before.createVerification(await before.login('restart-user'), person)).json<CreateVerificationResponse>();
  await before.app.close();

  const after = await startHarness({ clock, emulator, repository: await openSqliteRepository(file) });
  harnesses.push(after);
  const token = await after.login('restart-user');
  const pending = await after.getVerification(token, created.verificationId);
  expect(pending.statusCode).toBe(200);
  expect(pending.json<{ status: string }>().status).toBe('PENDING');

  await after.setOutcome(created.certifyId, 'PASSED');
  clock.advance(1000);
  const passed = await after.getVerification(token, created.verificationId);
  expect(passed.json<{ status: string }>().status).toBe('PASSED');
  await emulator.app.close();
});
