/**
 * The store's ledger invariants, in the schema: one INITIALIZING attempt per user and key,
 * settled attempts and terminal statuses never move, the status history, leases that two
 * connections never share, the webhook outbox's states, cursor order, deletion and retention.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { InitializeAttempt, Repository } from '../../src/store/repository';
import { openSqliteRepository } from '../../src/store/sqlite-repository';
import { pendingVerification } from '../support/records';

let repository: Repository;

beforeEach(async () => {
  repository = await openSqliteRepository(':memory:');
});

afterEach(async () => {
  await repository.close();
});

function attempt(id: string, overrides: Partial<InitializeAttempt> = {}): InitializeAttempt {
  return {
    id,
    userId: 'uid:2088000000000001',
    outerOrderNo: `IV${id.padStart(30, '0')}`,
    certNoHmac: 'hmac',
    idempotencyKey: 'key-1',
    state: 'INITIALIZING',
    errorCode: null,
    createdAt: 1000,
    updatedAt: 1000,
    ...overrides,
  };
}

function event(id: string, verificationId: string, at: number) {
  return {
    id,
    verificationId,
    userId: 'uid:2088000000000001',
    type: 'verification.passed' as const,
    payloadJson: '{}',
    nextAttemptAt: at,
    retryWindowStart: at,
    createdAt: at,
  };
}

describe('initialize attempts', () => {
  it('allows one INITIALIZING attempt per user and key, and another once it is settled', async () => {
    expect(await repository.insertAttempt(attempt('a1'))).toBe(true);
    expect(await repository.insertAttempt(attempt('a2'))).toBe(false);
    expect(await repository.insertAttempt(attempt('a3', { idempotencyKey: null }))).toBe(true);
    expect(await repository.insertAttempt(attempt('a4', { idempotencyKey: null }))).toBe(true);
    expect(await repository.failAttempt('a1', 'UPSTREAM_TIMEOUT', 1100)).toBe(true);
    expect(await repository.insertAttempt(attempt('a5'))).toBe(true);
    expect(await repository.countAttempts()).toEqual({ INITIALIZING: 3, INITIALIZED: 0, FAILED: 1 });
  });

  it('never moves a settled attempt, whoever writes', async () => {
    await repository.insertAttempt(attempt('b1'));
    await repository.completeAttempt(pendingVerification('b1'), { nextCheckAt: 1020 });
    expect(await repository.failAttempt('b1', 'UPSTREAM_TIMEOUT', 1100)).toBe(false);
    expect(await repository.findAttempt('b1')).toMatchObject({ state: 'INITIALIZED', errorCode: null });
    expect(await repository.findVerification('b1')).toMatchObject({ status: 'PENDING' });
  });

  it('stores a paid-for verification even when its idempotency key was taken meanwhile', async () => {
    const idempotency = { userId: 'uid:2088000000000001', key: 'key-1', bodyHash: 'h', statusCode: 200, responseJson: '{}', createdAt: 900 };
    expect(await repository.insertIdempotency(idempotency)).toBe(true);
    await repository.insertAttempt(attempt('c1'));
    expect(await repository.completeAttempt(pendingVerification('c1'), { idempotency: { ...idempotency, statusCode: 201 }, nextCheckAt: null })).toBe(false);
    expect(await repository.findVerification('c1')).toBeDefined();
    expect((await repository.findIdempotency(idempotency.userId, 'key-1'))?.statusCode).toBe(200);
  });

  it('sweeps attempts left INITIALIZING before the cutoff as INTERRUPTED, and counts them', async () => {
    await repository.insertAttempt(attempt('d1', { createdAt: 1000 }));
    await repository.insertAttempt(attempt('d2', { idempotencyKey: 'key-2', createdAt: 5000 }));
    expect(await repository.failInterruptedAttempts(2000, 6000)).toBe(1);
    expect(await repository.findAttempt('d1')).toMatchObject({ state: 'FAILED', errorCode: 'INTERRUPTED', updatedAt: 6000 });
    expect(await repository.findAttempt('d2')).toMatchObject({ state: 'INITIALIZING' });
  });
});

describe('status changes', () => {
  it('keeps the history, and a terminal status cannot be rewritten even by a raw UPDATE', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ledger-')), 'v.sqlite');
    const onFile = await openSqliteRepository(file);
    await onFile.insertVerification(pendingVerification('e1'));
    await onFile.completeVerification({ id: 'e1', to: 'PASSED', updatedAt: 1500, alipayTraceId: null, event: event('msg_e1', 'e1', 1500) });
    expect(await onFile.findStatusHistory('e1')).toEqual([
      { status: 'PENDING', at: 1000 },
      { status: 'PASSED', at: 1500 },
    ]);
    expect(await onFile.findWebhookEvent('msg_e1')).toMatchObject({ state: 'PENDING', nextAttemptAt: 1500, verificationId: 'e1' });
    await onFile.close();
    const raw = new Database(file);
    expect(() => raw.prepare("update verifications set status = 'EXPIRED' where id = 'e1'").run()).toThrow('a terminal status never moves');
    raw.close();
  });

  it('writes no event when the change does not apply (no longer PENDING)', async () => {
    await repository.insertVerification(pendingVerification('f1'));
    expect(await repository.completeVerification({ id: 'f1', to: 'PASSED', updatedAt: 1500, alipayTraceId: null })).toBe(true);
    expect(await repository.completeVerification({ id: 'f1', to: 'EXPIRED', updatedAt: 1600, alipayTraceId: null, event: event('msg_f1', 'f1', 1600) })).toBe(false);
    expect(await repository.findWebhookEvent('msg_f1')).toBeUndefined();
  });
});

describe('leases', () => {
  it('gives each due verification to one of two connections on the same file, and only its owner reschedules it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ledger-')), 'v.sqlite');
    const one = await openSqliteRepository(file);
    const two = await openSqliteRepository(file);
    for (let index = 0; index < 20; index += 1) {
      await one.insertAttempt(attempt(`g${index}`, { idempotencyKey: null }));
      await one.completeAttempt(pendingVerification(`g${index}`), { nextCheckAt: 1000 + index });
    }
    const claims = await Promise.all([
      one.claimDueVerifications({ now: 5000, owner: 'one', leaseMs: 60_000, limit: 15 }),
      two.claimDueVerifications({ now: 5000, owner: 'two', leaseMs: 60_000, limit: 15 }),
    ]);
    const ids = claims.flat().map((due) => due.record.id);
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
    expect(claims[0].map((due) => due.dueAt)).toEqual([...claims[0].map((due) => due.dueAt)].sort((a, b) => a - b));

    const mine = claims[0][0];
    await two.rescheduleCheck({ id: mine.record.id, owner: 'two', nextCheckAt: 9000, checks: 1, failures: 0 });
    expect(await one.claimDueVerifications({ now: 5000, owner: 'one', leaseMs: 60_000, limit: 50 })).toEqual([]);
    await one.rescheduleCheck({ id: mine.record.id, owner: 'one', nextCheckAt: 9000, checks: 1, failures: 0 });
    expect(await two.claimDueVerifications({ now: 8999, owner: 'two', leaseMs: 60_000, limit: 50 })).toEqual([]);
    // An expired lease (its owner died) is claimable again.
    const reclaimed = await two.claimDueVerifications({ now: 70_000, owner: 'two', leaseMs: 60_000, limit: 50 });
    expect(reclaimed).toHaveLength(20);
    expect(reclaimed.find((due) => due.record.id === mine.record.id)).toMatchObject({ checks: 1, dueAt: 9000 });
    await one.close();
    await two.close();
  });

  it('moves a webhook event from PENDING to DEAD and back by replay, keeping its id', async () => {
    await repository.insertVerification(pendingVerification('h1'));
    await repository.completeVerification({ id: 'h1', to: 'PASSED', updatedAt: 1500, alipayTraceId: null, event: event('msg_h1', 'h1', 1500) });
    const [claimed] = await repository.claimDueWebhookEvents({ now: 1500, owner: 'w', leaseMs: 30_000, limit: 10 });
    expect(claimed.id).toBe('msg_h1');
    expect(await repository.claimDueWebhookEvents({ now: 1500, owner: 'x', leaseMs: 30_000, limit: 10 })).toEqual([]);
    await repository.markWebhookFailed('msg_h1', 'w', { at: 1600, error: 'HTTP 500', nextAttemptAt: 2000 });
    expect(await repository.findWebhookEvent('msg_h1')).toMatchObject({ state: 'PENDING', attempts: 1, nextAttemptAt: 2000, lastError: 'HTTP 500' });
    await repository.claimDueWebhookEvents({ now: 2000, owner: 'w', leaseMs: 30_000, limit: 10 });
    await repository.markWebhookFailed('msg_h1', 'w', { at: 2100, error: 'timeout', nextAttemptAt: null });
    expect(await repository.findWebhookEvent('msg_h1')).toMatchObject({ state: 'DEAD', attempts: 2, nextAttemptAt: null });
    expect((await repository.listWebhookEvents({ state: 'DEAD', limit: 10 })).map((dead) => dead.id)).toEqual(['msg_h1']);
    expect(await repository.replayWebhookEvent('msg_h1', 3000)).toBe(true);
    expect(await repository.replayWebhookEvent('msg_h1', 3000)).toBe(false);
    expect(await repository.findWebhookEvent('msg_h1')).toMatchObject({ state: 'PENDING', attempts: 0, nextAttemptAt: 3000, retryWindowStart: 3000 });
    await repository.claimDueWebhookEvents({ now: 3000, owner: 'w', leaseMs: 30_000, limit: 10 });
    await repository.markWebhookDelivered('msg_h1', 'w', 3100);
    expect(await repository.findWebhookEvent('msg_h1')).toMatchObject({ state: 'DELIVERED', deliveredAt: 3100, attempts: 1 });
  });
});

describe('listing, deletion and retention', () => {
  it('pages in (createdAt, id) order with filters', async () => {
    for (const [id, createdAt, userId] of [['i3', 3000, 'u1'], ['i1', 1000, 'u1'], ['i2', 1000, 'u2'], ['i4', 4000, 'u1']] as const) {
      await repository.insertVerification(pendingVerification(id, { createdAt, userId }));
    }
    expect((await repository.listVerifications({ limit: 2 })).map((row) => row.id)).toEqual(['i1', 'i2']);
    expect((await repository.listVerifications({ limit: 2, after: { createdAt: 1000, id: 'i2' } })).map((row) => row.id)).toEqual(['i3', 'i4']);
    expect((await repository.listVerifications({ limit: 9, userId: 'u1', since: 2000 })).map((row) => row.id)).toEqual(['i3', 'i4']);
    await repository.completeVerification({ id: 'i3', to: 'PASSED', updatedAt: 3500, alipayTraceId: null });
    expect((await repository.listVerifications({ limit: 9, status: 'PASSED' })).map((row) => row.id)).toEqual(['i3']);
    expect((await repository.findLatestPassed('u1'))?.id).toBe('i3');
    expect(await repository.findLatestPassed('u2')).toBeUndefined();
  });

  it("deletes one user's records and nobody else's", async () => {
    await repository.insertAttempt(attempt('j1', { userId: 'u1' }));
    await repository.completeAttempt(pendingVerification('j1', { userId: 'u1' }), { nextCheckAt: null });
    await repository.completeVerification({ id: 'j1', to: 'PASSED', updatedAt: 1500, alipayTraceId: null, event: { ...event('msg_j1', 'j1', 1500), userId: 'u1' } });
    await repository.insertVerification(pendingVerification('j2', { userId: 'u2' }));
    expect(await repository.deleteUserRecords('u1')).toEqual({ verifications: 1, webhookEvents: 1, attempts: 1 });
    expect(await repository.findVerification('j1')).toBeUndefined();
    expect(await repository.findStatusHistory('j1')).toEqual([]);
    expect(await repository.findVerification('j2')).toBeDefined();
  });

  it('purges verifications created before the cutoff with their events, history and attempts', async () => {
    await repository.insertAttempt(attempt('k1', { createdAt: 1000 }));
    await repository.completeAttempt(pendingVerification('k1', { createdAt: 1000 }), { nextCheckAt: null });
    await repository.completeVerification({ id: 'k1', to: 'PASSED', updatedAt: 1500, alipayTraceId: null, event: event('msg_k1', 'k1', 1500) });
    await repository.insertVerification(pendingVerification('k2', { createdAt: 9000 }));
    expect(await repository.purgeVerificationsBefore(5000)).toEqual({ verifications: 1, webhookEvents: 1, attempts: 1 });
    expect(await repository.findWebhookEvent('msg_k1')).toBeUndefined();
    expect(await repository.findVerification('k2')).toBeDefined();
  });

  it('stores API keys by hash, lists and revokes them once', async () => {
    await repository.insertApiKey({ id: 'key1', secretHash: 'aa', name: 'back office', scopes: ['verifications:read'], createdAt: 1, revokedAt: null, lastUsedAt: null });
    expect(await repository.findApiKey('key1')).toMatchObject({ scopes: ['verifications:read'], revokedAt: null });
    expect(await repository.revokeApiKey('key1', 5)).toBe(true);
    expect(await repository.revokeApiKey('key1', 6)).toBe(false);
    expect((await repository.listApiKeys()).map((key) => [key.id, key.revokedAt])).toEqual([['key1', 5]]);
  });
});
