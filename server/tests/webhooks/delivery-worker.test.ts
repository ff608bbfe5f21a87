/**
 * The webhook worker against real HTTP receivers on 127.0.0.1, on a real SQLite outbox, with an
 * injected clock (no sleeps): retries with backoff keep the event id, a crash between the status
 * change and the delivery loses nothing, a dead delivery is replayable, and the signature
 * verifies with the documented recipe and fails when the body or the timestamp changes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Repository } from '../../src/store/repository';
import { openSqliteRepository } from '../../src/store/sqlite-repository';
import { DeliveryResult, RETRY_WINDOW_MS, WebhookWorker } from '../../src/webhooks/delivery-worker';
import { verificationEvent } from '../../src/webhooks/events';
import { pendingVerification } from '../support/records';
import { startWebhookReceiver, verifyAsDocumented, WebhookReceiver } from '../support/webhook-receiver';

const SECRET = `whsec_${Buffer.from('webhook-test-secret-0123456789ab').toString('base64')}`;
const START = Date.UTC(2026, 2, 1, 12, 0, 0);
const silent = { info: () => undefined, warn: () => undefined };

let now = START;
const clock = (): number => now;
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  now = START;
});

async function store(file = ':memory:'): Promise<Repository> {
  const repository = await openSqliteRepository(file);
  cleanups.push(() => repository.close());
  return repository;
}

async function receiver(script: number[] = []): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver(script);
  cleanups.push(() => started.close());
  return started;
}

function worker(repository: Repository, url: string, counts?: Record<DeliveryResult, number>): WebhookWorker {
  return new WebhookWorker({
    repository,
    target: { url, secret: SECRET },
    clock,
    random: () => 0.5,
    log: silent,
    deliveries: counts && { inc: ({ result }) => void (counts[result] += 1) },
  });
}

/** A verification that just passed, with its event in the outbox (one transaction). */
async function passed(repository: Repository, id: string): Promise<string> {
  const record = pendingVerification(id, { createdAt: now, updatedAt: now, expiresAt: now + 1000 });
  await repository.insertVerification(record);
  const event = verificationEvent(record, 'PASSED', now);
  expect(await repository.completeVerification({ id, to: 'PASSED', updatedAt: now, alipayTraceId: null, event })).toBe(true);
  return event.id;
}

describe('webhook delivery', () => {
  it('retries a receiver that answers 500 three times, with backoff, then delivers once more with the same event id', async () => {
    const repository = await store();
    const endpoint = await receiver([500, 500, 500]);
    const counts = { delivered: 0, failed: 0, dead: 0 };
    const sender = worker(repository, endpoint.url, counts);
    const eventId = await passed(repository, 'v1');

    const delays: number[] = [];
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const due = (await repository.findWebhookEvent(eventId))?.nextAttemptAt as number;
      delays.push(due - now);
      now = due;
      expect(await sender.runOnce()).toEqual(attempt < 3 ? { delivered: 0, failed: 1, dead: 0 } : { delivered: 1, failed: 0, dead: 0 });
      // Nothing is sent again before its time.
      expect(await sender.runOnce()).toEqual({ delivered: 0, failed: 0, dead: 0 });
    }
    // At once, then 10 s, 20 s, 40 s, each × 0.75 (jitter at random 0.5).
    expect(delays).toEqual([0, 7500, 15_000, 30_000]);
    expect(endpoint.received).toHaveLength(4);
    expect(new Set(endpoint.received.map((request) => request.headers['webhook-id']))).toEqual(new Set([eventId]));
    expect(counts).toEqual({ delivered: 1, failed: 3, dead: 0 });
    expect(await repository.findWebhookEvent(eventId)).toMatchObject({ state: 'DELIVERED', attempts: 4, lastError: 'HTTP 500' });
  });

  it('signs by Standard Webhooks: the recipe verifies it, and fails when the body or the timestamp changes', async () => {
    const repository = await store();
    const endpoint = await receiver();
    await passed(repository, 'v2');
    await worker(repository, endpoint.url).runOnce();
    const [request] = endpoint.received;
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(request.headers['webhook-timestamp']).toBe(String(START / 1000));
    expect(verifyAsDocumented(SECRET, request, now)).toEqual({
      type: 'verification.passed',
      timestamp: new Date(START).toISOString(),
      data: { verificationId: 'v2', userId: 'uid:2088000000000001', status: 'PASSED', certNoMasked: '110***********1234', updatedAt: new Date(START).toISOString() },
    });
    expect(() => verifyAsDocumented(SECRET, { ...request, body: request.body.replace('PASSED', 'FAILED') }, now)).toThrow('No matching signature found');
    const moved = { ...request, headers: { ...request.headers, 'webhook-timestamp': String(START / 1000 + 1) } };
    expect(() => verifyAsDocumented(SECRET, moved, now)).toThrow('No matching signature found');
    // The 5-minute tolerance: a replay of the same request later is refused.
    expect(() => verifyAsDocumented(SECRET, request, now + 5 * 60 * 1000 + 1000)).toThrow('Message timestamp too old');
    const otherSecret = `whsec_${Buffer.from('another-secret-0123456789abcdef0').toString('base64')}`;
    expect(() => verifyAsDocumented(otherSecret, request, now)).toThrow('No matching signature found');
  });

  it('delivers after a restart an event whose status change committed just before a crash', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'outbox-')), 'v.sqlite');
    const beforeCrash = await openSqliteRepository(file);
    const eventId = await passed(beforeCrash, 'v3');
    // The process dies here: the status change and its event are committed, nothing was sent.
    await beforeCrash.close();

    const endpoint = await receiver();
    const afterRestart = await store(file);
    expect(await worker(afterRestart, endpoint.url).runOnce()).toEqual({ delivered: 1, failed: 0, dead: 0 });
    expect(endpoint.received.map((request) => request.headers['webhook-id'])).toEqual([eventId]);
    expect(await afterRestart.findVerification('v3')).toMatchObject({ status: 'PASSED' });
  });

  it('keeps retrying an unreachable receiver for 3 days, then keeps the event as dead; a replay delivers it with the same id', async () => {
    const repository = await store();
    const closed = await startWebhookReceiver();
    await closed.close();
    const counts = { delivered: 0, failed: 0, dead: 0 };
    const sender = worker(repository, closed.url, counts);
    const eventId = await passed(repository, 'v4');
    for (;;) {
      const event = await repository.findWebhookEvent(eventId);
      if (event?.state !== 'PENDING') break;
      now = event.nextAttemptAt as number;
      await sender.runOnce();
    }
    const dead = await repository.findWebhookEvent(eventId);
    expect(dead).toMatchObject({ state: 'DEAD', lastError: 'network', nextAttemptAt: null });
    expect(now - START).toBeLessThanOrEqual(RETRY_WINDOW_MS);
    expect(now - START).toBeGreaterThan(RETRY_WINDOW_MS - 6 * 60 * 60 * 1000);
    expect(counts.dead).toBe(1);
    expect(counts.failed).toBe((dead?.attempts ?? 0) - 1);

    const endpoint = await receiver();
    now += 60_000;
    expect(await repository.replayWebhookEvent(eventId, now)).toBe(true);
    expect(await worker(repository, endpoint.url).runOnce()).toEqual({ delivered: 1, failed: 0, dead: 0 });
    expect(endpoint.received.map((request) => request.headers['webhook-id'])).toEqual([eventId]);
  });

  it('sends each event once when two workers run at the same time', async () => {
    const repository = await store();
    const endpoint = await receiver();
    const ids = [];
    for (let index = 0; index < 12; index += 1) ids.push(await passed(repository, `w${index}`));
    await Promise.all([worker(repository, endpoint.url).runOnce(), worker(repository, endpoint.url).runOnce()]);
    await Promise.all([worker(repository, endpoint.url).runOnce(), worker(repository, endpoint.url).runOnce()]);
    expect(endpoint.received.map((request) => request.headers['webhook-id']).sort()).toEqual(ids.sort());
  });
});
