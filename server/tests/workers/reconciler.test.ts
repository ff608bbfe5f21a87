/**
 * The reconciler on a real SQLite store, driven by an injected clock (no sleeps): it follows
 * the stored schedule up to the expiry, backs off while Alipay is unavailable, survives a
 * restart, settles attempts a crash left, and two reconcilers on one store query each
 * verification once per due time. The end-to-end path (a person passes and never polls) is in
 * server/tests/reconciliation.test.ts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpstreamError } from '../../src/alipay/upstream-error';
import { Repository, VerificationRecord } from '../../src/store/repository';
import { openSqliteRepository } from '../../src/store/sqlite-repository';
import { nextCheckAt, parseReconcileSchedule } from '../../src/workers/reconcile-schedule';
import { Reconciler, Reconciling } from '../../src/workers/reconciler';
import { pendingVerification } from '../support/records';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const SCHEDULE = [20 * SECOND, MINUTE, 5 * MINUTE, 30 * MINUTE, HOUR];

const silent = { info: () => undefined, warn: () => undefined };

/** Alipay as the reconciler sees it through the service: a script of answers, every query recorded. */
class ScriptedService implements Reconciling {
  readonly queries: Array<{ id: string; at: number }> = [];
  answer: (record: VerificationRecord) => 'PASSED' | 'PENDING' | 'UNAVAILABLE' = () => 'PENDING';

  constructor(
    private readonly repository: Repository,
    private readonly clock: () => number,
  ) {}

  async reconcile(record: VerificationRecord): Promise<VerificationRecord> {
    const now = this.clock();
    this.queries.push({ id: record.id, at: now });
    const answer = this.answer(record);
    if (answer === 'UNAVAILABLE') throw new UpstreamError('unavailable', 'Alipay is unavailable');
    const to = answer === 'PASSED' ? 'PASSED' : now >= record.expiresAt ? 'EXPIRED' : undefined;
    if (!to) return record;
    await this.repository.completeVerification({ id: record.id, to, updatedAt: now, alipayTraceId: null });
    return { ...record, status: to, updatedAt: now };
  }

  failInterruptedAttempts(): Promise<number> {
    return this.repository.failInterruptedAttempts(this.clock() - MINUTE, this.clock());
  }
}

let now = 0;
const clock = (): number => now;
const repositories: Repository[] = [];

async function openStore(file = ':memory:'): Promise<Repository> {
  const repository = await openSqliteRepository(file);
  repositories.push(repository);
  return repository;
}

function reconciler(repository: Repository, service: Reconciling, owner: string, lag?: { set(seconds: number): void }): Reconciler {
  return new Reconciler({ repository, verifications: service, clock, random: () => 0.5, scheduleMs: SCHEDULE, log: silent, owner, lag });
}

/** A PENDING verification created at `createdAt`, first due by the schedule. */
async function createPending(repository: Repository, id: string, createdAt: number, lifetimeMs = 23 * HOUR): Promise<void> {
  const record = pendingVerification(id, { createdAt, updatedAt: createdAt, expiresAt: createdAt + lifetimeMs });
  await repository.insertAttempt({ ...record, idempotencyKey: null, state: 'INITIALIZING', errorCode: null });
  await repository.completeAttempt(record, { nextCheckAt: nextCheckAt(SCHEDULE, createdAt, record.expiresAt, 0) });
}

beforeEach(() => {
  now = 0;
});

afterEach(async () => {
  for (const repository of repositories.splice(0)) await repository.close();
});

describe('the reconcile schedule', () => {
  it('reads RECONCILE_SCHEDULE and refuses delays that do not grow or have no unit', () => {
    expect(parseReconcileSchedule('20s,1m,5m,30m,1h')).toEqual({ ok: true, delaysMs: SCHEDULE });
    expect(parseReconcileSchedule('200ms, 1s')).toEqual({ ok: true, delaysMs: [200, 1000] });
    expect(parseReconcileSchedule('1m,20s')).toMatchObject({ ok: false });
    expect(parseReconcileSchedule('20')).toMatchObject({ ok: false });
    expect(parseReconcileSchedule('')).toMatchObject({ ok: false });
  });

  it('is due at each delay after creation, then hourly, with the last re-query at the expiry', () => {
    const dues = Array.from({ length: 9 }, (_, checks) => nextCheckAt(SCHEDULE, 0, 3.5 * HOUR, checks));
    expect(dues).toEqual([20 * SECOND, MINUTE, 5 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 3.5 * HOUR, null]);
  });
});

describe('the reconciler', () => {
  it('queries a verification nobody polls at each due time until it expires', async () => {
    const repository = await openStore();
    const service = new ScriptedService(repository, clock);
    const worker = reconciler(repository, service, 'one');
    await createPending(repository, 'v1', 0, 3.5 * HOUR);
    // One pass every 10 s of clock time, as start() would run them (every second) but faster to walk.
    for (now = 0; now <= 4 * HOUR; now += 10 * SECOND) await worker.runOnce();
    expect(service.queries.map((query) => query.at)).toEqual([20 * SECOND, MINUTE, 5 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 3.5 * HOUR]);
    expect(await repository.findVerification('v1')).toMatchObject({ status: 'EXPIRED', updatedAt: 3.5 * HOUR });
  });

  it('marks PASSED at the first due time after the person passed', async () => {
    const repository = await openStore();
    const service = new ScriptedService(repository, clock);
    const worker = reconciler(repository, service, 'one');
    await createPending(repository, 'v2', 0);
    service.answer = () => 'PASSED';
    now = 19 * SECOND;
    expect(await worker.runOnce()).toMatchObject({ checked: 0 });
    now = 20 * SECOND;
    expect(await worker.runOnce()).toMatchObject({ checked: 1, settled: 1 });
    expect(await repository.findVerification('v2')).toMatchObject({ status: 'PASSED' });
    now = HOUR;
    expect(await worker.runOnce()).toMatchObject({ checked: 0 });
  });

  it('backs off while Alipay is unavailable, releases the rest of its batch, then succeeds', async () => {
    const repository = await openStore();
    const service = new ScriptedService(repository, clock);
    const lags: number[] = [];
    const worker = reconciler(repository, service, 'one', { set: (seconds) => lags.push(seconds) });
    await createPending(repository, 'a', 0);
    await createPending(repository, 'b', 0);
    service.answer = () => 'UNAVAILABLE';
    now = 20 * SECOND;
    expect(await worker.runOnce()).toMatchObject({ checked: 1, failed: 1 });
    // Backoff 30 s × jitter 0.75 (random 0.5): nothing is claimed, not even the released one, before it ends.
    now += 22 * SECOND;
    expect(await worker.runOnce()).toMatchObject({ checked: 0 });
    now = 20 * SECOND + 22_500;
    expect(await worker.runOnce()).toMatchObject({ checked: 1, failed: 1 });
    // b (due since 20 s) went first and failed: a was released, and the pause starts again.
    now += 22_499;
    expect(await worker.runOnce()).toMatchObject({ checked: 0 });
    service.answer = () => 'PASSED';
    now += 1;
    expect(await worker.runOnce()).toMatchObject({ checked: 2, settled: 2 });
    expect(service.queries.map((query) => `${query.id}@${query.at / 100}`)).toEqual(['a@200', 'b@425', 'a@650', 'b@650']);
    expect(await repository.findVerification('a')).toMatchObject({ status: 'PASSED' });
    expect(lags[lags.length - 1]).toBe(0);
    expect(Math.max(...lags)).toBeGreaterThan(0);
  });

  it('keeps its schedule across a restart: the due times are in the store', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'reconcile-')), 'v.sqlite');
    const first = await openStore(file);
    await createPending(first, 'v3', 0);
    now = MINUTE;
    const before = new ScriptedService(first, clock);
    await reconciler(first, before, 'before').runOnce();
    expect(before.queries).toHaveLength(1);
    await first.close();
    repositories.splice(repositories.indexOf(first), 1);

    const second = await openStore(file);
    const after = new ScriptedService(second, clock);
    const worker = reconciler(second, after, 'after');
    for (now = MINUTE; now <= 6 * MINUTE; now += 10 * SECOND) await worker.runOnce();
    // The 20 s re-query was made before the restart, late (at 1 min), so the 1 min one was skipped; after it, the 5 min one.
    expect(after.queries.map((query) => query.at)).toEqual([5 * MINUTE]);
  });

  it('settles the attempts a crash left INITIALIZING, at its first pass', async () => {
    const repository = await openStore();
    await repository.insertAttempt({ ...pendingVerification('lost'), idempotencyKey: 'k', state: 'INITIALIZING', errorCode: null, createdAt: 0, updatedAt: 0 });
    now = 2 * MINUTE;
    const worker = reconciler(repository, new ScriptedService(repository, clock), 'one');
    expect(await worker.runOnce()).toMatchObject({ interruptedAttempts: 1 });
    expect(await repository.countAttempts()).toEqual({ INITIALIZING: 0, INITIALIZED: 0, FAILED: 1 });
  });

  it('two reconcilers on one store query each verification once per due time', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'reconcile-')), 'v.sqlite');
    const storeOne = await openStore(file);
    const storeTwo = await openStore(file);
    for (let index = 0; index < 30; index += 1) await createPending(storeOne, `m${index}`, index * 100);
    const one = new ScriptedService(storeOne, clock);
    const two = new ScriptedService(storeTwo, clock);
    const workers = [reconciler(storeOne, one, 'one'), reconciler(storeTwo, two, 'two')];
    for (now = 0; now <= 10 * MINUTE; now += 5 * SECOND) await Promise.all(workers.map((worker) => worker.runOnce()));
    const queries = [...one.queries, ...two.queries];
    // Due at 20 s, 1 min and 5 min after each creation: 3 queries each, 90 in all, none twice.
    expect(queries).toHaveLength(90);
    const perRecord = new Map<string, number>();
    for (const query of queries) perRecord.set(query.id, (perRecord.get(query.id) ?? 0) + 1);
    expect([...perRecord.values()].every((count) => count === 3)).toBe(true);
    expect(one.queries.length).toBeGreaterThan(0);
    expect(two.queries.length).toBeGreaterThan(0);
  });
});
