/**
 * Every paid initialize call is accounted for: written down (INITIALIZING) before it is made,
 * settled after; duplicates of a request in flight share its outcome instead of paying again;
 * a crash between the paid call and its completion leaves an attempt the sweep at start settles.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateVerificationResponse } from '../../utils/api-contract';
import { makeCertNo, TEST_NAMES } from '../../tests/support/identities';
import { DEFAULT_INTERRUPTED_AFTER_MS, FAILURE_SHARED_FOR_MS } from '../src/services/verification-service';
import { Repository } from '../src/store/repository';
import { openSqliteRepository } from '../src/store/sqlite-repository';
import { expectNoSecretsInLogs, Harness, startEmulator, startHarness, TestClock } from './support/harness';

const person = { certName: TEST_NAMES[0], certNo: makeCertNo(611) };
const other = { certName: TEST_NAMES[1], certNo: makeCertNo(612) };
const harnesses: Harness[] = [];

async function harness(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  const started = await startHarness(options);
  harnesses.push(started);
  return started;
}

afterEach(async () => {
  for (const started of harnesses.splice(0)) await started.close();
});

afterAll(() => {
  expectNoSecretsInLogs([person.certName, person.certNo, other.certName, other.certNo]);
});

describe('write-ahead accounting of paid calls', () => {
  it('stores one settled attempt per paid call, and the verification under the attempt id', async () => {
    const h = await harness();
    const token = await h.login();
    const created = (await h.createVerification(token, person)).json<CreateVerificationResponse>();
    const attempt = await h.repository.findAttempt(created.verificationId);
    expect(attempt).toMatchObject({ state: 'INITIALIZED', idempotencyKey: null });
    expect(h.initializeCalls).toEqual([attempt?.outerOrderNo]);
    expect(await h.repository.countAttempts()).toEqual({ INITIALIZING: 0, INITIALIZED: 1, FAILED: 0 });
  });

  it('gives concurrent same-key requests behind a failing initialize its error: one paid call per retry decision', async () => {
    const h = await harness();
    const token = await h.login();
    await h.setFaults({ unavailableShare: 1, methods: ['alipay.user.certify.open.initialize'], remaining: 100 });
    const headers = { 'idempotency-key': 'key-wal-0001' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => h.createVerification(token, person, headers)));
    expect(answers.map((answer) => answer.statusCode)).toEqual(Array(10).fill(503));
    expect(new Set(answers.map((answer) => answer.json<{ error: { code: string } }>().error.code))).toEqual(new Set(['UPSTREAM_UNAVAILABLE']));
    // The first request's call and the one retry after a 20000 (ALIPAY_INITIALIZE_RETRIES=1); none for the 9 duplicates.
    expect(h.initializeCalls).toHaveLength(2);
    expect(await h.repository.countAttempts()).toEqual({ INITIALIZING: 0, INITIALIZED: 0, FAILED: 2 });

    // Within FAILURE_SHARED_FOR_MS a duplicate still gets that error, with no call.
    h.clock.advance(FAILURE_SHARED_FOR_MS - 1);
    expect((await h.createVerification(token, person, headers)).statusCode).toBe(503);
    expect(h.initializeCalls).toHaveLength(2);

    // The client's next try, later, is a new decision: it may pay again, and succeeds once Alipay is back.
    h.clock.advance(1);
    await h.setFaults({ unavailableShare: 0, remaining: null });
    const retried = await h.createVerification(token, person, headers);
    expect(retried.statusCode).toBe(201);
    expect(h.initializeCalls).toHaveLength(3);
    expect(await h.repository.countAttempts()).toEqual({ INITIALIZING: 0, INITIALIZED: 1, FAILED: 2 });
  });

  it('records a timed-out call as a failed attempt with its code', async () => {
    const h = await harness();
    const token = await h.login();
    await h.setFaults({ timeoutShare: 1, methods: ['alipay.user.certify.open.initialize'], remaining: 1 });
    const answer = await h.createVerification(token, person, { 'idempotency-key': 'key-wal-0002' });
    expect(answer.statusCode).toBe(504);
    expect(h.initializeCalls).toHaveLength(1);
    const [failed] = await h.repository.listVerifications({ limit: 10 });
    expect(failed).toBeUndefined();
    expect(await h.repository.countAttempts()).toEqual({ INITIALIZING: 0, INITIALIZED: 0, FAILED: 1 });
  });

  it('accounts for a paid call whose process died before completing it: the sweep after restart settles it', async () => {
    const clock = new TestClock();
    const emulator = await startEmulator(clock);
    const file = join(mkdtempSync(join(tmpdir(), 'verify-wal-')), 'verifications.sqlite');
    const durable = await openSqliteRepository(file);
    // The process "dies" after the paid call answered and before its completion is written:
    // the completion never reaches the store (it is rejected only when the test ends).
    let crash: (error: Error) => void = () => undefined;
    let paidCallAnswered: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => {
      paidCallAnswered = resolve;
    });
    const dying: Repository = {
      ...durable,
      completeAttempt: () => {
        paidCallAnswered();
        return new Promise<boolean>((_resolve, reject) => {
          crash = reject;
        });
      },
    };
    const before = await harness({ clock, emulator, repository: dying });
    const token = await before.login('crash-user');
    const lost = before.createVerification(token, person, { 'idempotency-key': 'key-wal-0003' });
    await answered;
    expect(before.initializeCalls).toHaveLength(1);

    // Restart on the same file, past the time a live attempt could still be waiting for its answer.
    clock.advance(DEFAULT_INTERRUPTED_AFTER_MS + 1);
    const after = await harness({ clock, emulator, repository: await openSqliteRepository(file) });
    expect(await after.repository.countAttempts()).toEqual({ INITIALIZING: 1, INITIALIZED: 0, FAILED: 0 });
    // The reconciler's first pass after start settles it.
    expect(await after.app.reconciler.runOnce()).toMatchObject({ interruptedAttempts: 1 });
    const counts = await after.repository.countAttempts();
    expect(counts).toEqual({ INITIALIZING: 0, INITIALIZED: 0, FAILED: 1 });
    // Paid calls made = attempts stored, crash or not.
    expect(before.initializeCalls.length + after.initializeCalls.length).toBe(counts.INITIALIZING + counts.INITIALIZED + counts.FAILED);

    // The same key now starts afresh: the interrupted attempt no longer holds it.
    const again = await after.createVerification(await after.login('crash-user'), person, { 'idempotency-key': 'key-wal-0003' });
    expect(again.statusCode).toBe(201);
    crash(new Error('simulated crash'));
    await lost;
    await emulator.app.close();
  });

  it('answers 409 IDEMPOTENCY_IN_PROGRESS while another process has an initialize in flight for the key', async () => {
    const h = await harness();
    const token = await h.login('busy-user');
    const session = await h.repository.findSession((await import('node:crypto')).createHash('sha256').update(token).digest('hex'));
    expect(session).toBeDefined();
    // What another process wrote ahead of its own paid call for this user and key.
    await h.repository.insertAttempt({
      id: 'other-process',
      userId: session?.userId ?? '',
      outerOrderNo: 'IVOTHERPROCESS000000000000000001',
      certNoHmac: 'hmac',
      idempotencyKey: 'key-wal-0004',
      state: 'INITIALIZING',
      errorCode: null,
      createdAt: h.clock.now,
      updatedAt: h.clock.now,
    });
    const busy = await h.createVerification(token, other, { 'idempotency-key': 'key-wal-0004' });
    expect(busy.statusCode).toBe(409);
    expect(busy.json<{ error: { code: string } }>().error.code).toBe('IDEMPOTENCY_IN_PROGRESS');
    expect(busy.headers['retry-after']).toBe('1');
    expect(h.initializeCalls).toHaveLength(0);
  });
});
