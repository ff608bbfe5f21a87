/**
 * The merchant API plugin over a real SQLite store, on an ephemeral 127.0.0.1 port: API keys with
 * scopes (401 for a missing, unknown or revoked key, 403 for a missing scope), stable cursor
 * paging under concurrent inserts, the status history, a user's latest PASSED verification,
 * dead webhooks and their replay, deletion on request, and answers that carry nothing but
 * the masked ID number. The same API through the whole app is in server/tests/merchant-flow.test.ts.
 */
import Fastify, { FastifyInstance } from 'fastify';
import { installErrorHandler } from '../../src/plugins/error-handler';
import { merchantRoutes } from '../../src/routes/merchant';
import { createApiKey } from '../../src/services/api-keys';
import { Repository } from '../../src/store/repository';
import { openSqliteRepository } from '../../src/store/sqlite-repository';
import { verificationEvent } from '../../src/webhooks/events';
import { send } from '../support/http';
import { pendingVerification } from '../support/records';

let now = 10_000;
let repository: Repository;
let app: FastifyInstance;
let baseUrl: string;

beforeEach(async () => {
  now = 10_000;
  repository = await openSqliteRepository(':memory:');
  app = Fastify();
  installErrorHandler(app);
  await app.register(merchantRoutes, { prefix: '/api/merchant', repository, clock: () => now });
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
});

afterEach(async () => {
  await app.close();
  await repository.close();
});

async function key(...scopes: string[]): Promise<string> {
  return (await createApiKey(repository, { name: 'test', scopes, now })).key;
}

function call(method: string, url: string, apiKey?: string) {
  return send(baseUrl, { method, url, headers: apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` } });
}

const get = (url: string, apiKey?: string) => call('GET', url, apiKey);

const errorCode = (response: { json(): unknown }): string => (response.json() as { error: { code: string } }).error.code;

/** Rows with the columns that must never leave: HMACs, the certifyId, the outer_order_no. */
async function insert(id: string, createdAt: number, userId = 'uid:2088000000000001'): Promise<void> {
  await repository.insertVerification(
    pendingVerification(id, { createdAt, updatedAt: createdAt, expiresAt: createdAt + 1000, userId, certNoHmac: `secret-hmac-${id}`, identityHmac: `secret-identity-${id}` }),
  );
}

describe('merchant API keys', () => {
  it('answers 401 without a key, with a malformed, unknown or revoked one, and 403 without the scope', async () => {
    const reader = await key('verifications:read');
    const webhooksOnly = await key('webhooks:read');
    expect((await get('/api/merchant/verifications', reader)).statusCode).toBe(200);
    for (const presented of [undefined, 'not-a-key', `mk_000000000000_${'A'.repeat(43)}`, `${reader.slice(0, -1)}${reader.endsWith('A') ? 'B' : 'A'}`]) {
      const refused = await get('/api/merchant/verifications', presented);
      expect(refused.statusCode).toBe(401);
      expect(errorCode(refused)).toBe('UNAUTHORIZED');
    }
    const forbidden = await get('/api/merchant/verifications', webhooksOnly);
    expect(forbidden.statusCode).toBe(403);
    expect(errorCode(forbidden)).toBe('FORBIDDEN');

    const id = /^mk_([0-9a-f]{12})_/.exec(reader)?.[1] ?? '';
    expect(await repository.revokeApiKey(id, now)).toBe(true);
    const revoked = await get('/api/merchant/verifications', reader);
    expect(revoked.statusCode).toBe(401);
    expect(errorCode(revoked)).toBe('UNAUTHORIZED');
  });

  it('records when a key was last used', async () => {
    const reader = await key('verifications:read');
    await get('/api/merchant/verifications', reader);
    const [stored] = await repository.listApiKeys();
    expect(stored.lastUsedAt).toBe(now);
    expect(JSON.stringify(stored)).not.toContain(reader);
  });
});

describe('merchant verifications', () => {
  it('pages in creation order without skipping or repeating a row while new ones are inserted', async () => {
    const reader = await key('verifications:read');
    for (let index = 0; index < 25; index += 1) await insert(`r${String(index).padStart(2, '0')}`, 1000 + index);
    const seen: string[] = [];
    let cursor: string | null = null;
    let inserted = 0;
    do {
      const query: string = cursor === null ? '?limit=10' : `?limit=10&cursor=${cursor}`;
      const response = await get(`/api/merchant/verifications${query}`, reader);
      expect(response.statusCode).toBe(200);
      const body = response.json<{ items: Array<{ verificationId: string }>; nextCursor: string | null }>();
      seen.push(...body.items.map((item) => item.verificationId));
      cursor = body.nextCursor;
      // Others keep verifying while the merchant pages: new rows come after every cursor.
      if (inserted < 6) {
        for (let extra = 0; extra < 3; extra += 1) await insert(`s${inserted + extra}`, 5000 + inserted + extra);
        inserted += 3;
      }
    } while (cursor !== null);
    expect(seen).toHaveLength(31);
    expect(new Set(seen).size).toBe(31);
    expect(seen.slice(0, 25)).toEqual(Array.from({ length: 25 }, (_, index) => `r${String(index).padStart(2, '0')}`));
  });

  it('filters by status, user and since, and refuses a cursor it did not write', async () => {
    const reader = await key('verifications:read');
    await insert('a', 1000, 'uid:1');
    await insert('b', 2000, 'uid:2');
    await insert('c', 3000, 'uid:1');
    await repository.completeVerification({ id: 'c', to: 'PASSED', updatedAt: 3500, alipayTraceId: null });
    const ids = async (query: string) =>
      (await get(`/api/merchant/verifications?${query}`, reader)).json<{ items: Array<{ verificationId: string }> }>().items.map((item) => item.verificationId);
    expect(await ids('userId=uid:1')).toEqual(['a', 'c']);
    expect(await ids('status=PASSED')).toEqual(['c']);
    expect(await ids(`since=${new Date(2000).toISOString()}`)).toEqual(['b', 'c']);
    const bad = await get('/api/merchant/verifications?cursor=bm90LWEtY3Vyc29y', reader);
    expect(bad.statusCode).toBe(400);
    expect(errorCode(bad)).toBe('VALIDATION_FAILED');
    const badStatus = await get('/api/merchant/verifications?status=DONE', reader);
    expect(errorCode(badStatus)).toBe('VALIDATION_FAILED');
  });

  it('reads one with its status history, and a user\'s latest PASSED one or 404, with the masked number only', async () => {
    const reader = await key('verifications:read');
    await insert('p1', 1000, 'uid:7');
    await insert('p2', 2000, 'uid:7');
    await repository.completeVerification({ id: 'p1', to: 'PASSED', updatedAt: 1500, alipayTraceId: 'trace' });
    const one = await get('/api/merchant/verifications/p1', reader);
    expect(one.json()).toEqual({
      verificationId: 'p1',
      userId: 'uid:7',
      status: 'PASSED',
      certNoMasked: '110***********1234',
      certType: 'IDENTITY_CARD',
      bizCode: 'FACE',
      guardianConsent: false,
      consentVersion: 'c0ffee0123456789',
      createdAt: new Date(1000).toISOString(),
      updatedAt: new Date(1500).toISOString(),
      expiresAt: new Date(2000).toISOString(),
      statusHistory: [
        { status: 'PENDING', at: new Date(1000).toISOString() },
        { status: 'PASSED', at: new Date(1500).toISOString() },
      ],
    });
    const latest = await get(`/api/merchant/users/${encodeURIComponent('uid:7')}/verification`, reader);
    expect(latest.json<{ verificationId: string }>().verificationId).toBe('p1');
    const none = await get('/api/merchant/users/uid:8/verification', reader);
    expect(none.statusCode).toBe(404);
    expect(errorCode(none)).toBe('NOT_FOUND');
    const unknown = await get('/api/merchant/verifications/nope', reader);
    expect(errorCode(unknown)).toBe('NOT_FOUND');
    for (const body of [one.body, latest.body]) {
      expect(body).not.toMatch(/secret-hmac|secret-identity|certify|IV0|trace/);
    }
    expect(one.headers['cache-control']).toBe('no-store');
  });

  it("deletes one user's records with the verifications:delete scope only", async () => {
    const reader = await key('verifications:read');
    const deleter = await key('verifications:delete');
    await insert('d1', 1000, 'uid:9');
    await insert('d2', 1000, 'uid:10');
    const refused = await call('DELETE', '/api/merchant/users/uid:9/verifications', reader);
    expect(errorCode(refused)).toBe('FORBIDDEN');
    const deleted = await call('DELETE', '/api/merchant/users/uid:9/verifications', deleter);
    expect(deleted.json()).toEqual({ deleted: { verifications: 1, webhookEvents: 0, attempts: 0 } });
    expect(await repository.findVerification('d1')).toBeUndefined();
    expect(await repository.findVerification('d2')).toBeDefined();
  });
});

describe('merchant webhooks', () => {
  it('lists dead deliveries and replays one with the same id', async () => {
    const reader = await key('webhooks:read');
    const writer = await key('webhooks:write');
    await insert('w1', 1000);
    const record = await repository.findVerification('w1');
    const event = verificationEvent(record as NonNullable<typeof record>, 'PASSED', 1500);
    await repository.completeVerification({ id: 'w1', to: 'PASSED', updatedAt: 1500, alipayTraceId: null, event });
    await repository.claimDueWebhookEvents({ now: 1500, owner: 'w', leaseMs: 1000, limit: 1 });
    await repository.markWebhookFailed(event.id, 'w', { at: 1600, error: 'HTTP 500', nextAttemptAt: null });

    const dead = await get('/api/merchant/webhooks/dead', reader);
    expect(dead.json()).toEqual({
      items: [{ webhookId: event.id, type: 'verification.passed', verificationId: 'w1', state: 'DEAD', attempts: 1, lastError: 'HTTP 500', createdAt: new Date(1500).toISOString() }],
      nextCursor: null,
    });
    const notAllowed = await call('POST', `/api/merchant/webhooks/${event.id}/replay`, reader);
    expect(errorCode(notAllowed)).toBe('FORBIDDEN');
    const replayed = await call('POST', `/api/merchant/webhooks/${event.id}/replay`, writer);
    expect(replayed.statusCode).toBe(202);
    expect(replayed.json()).toMatchObject({ webhookId: event.id, state: 'PENDING', attempts: 0 });
    expect(await repository.findWebhookEvent(event.id)).toMatchObject({ state: 'PENDING', nextAttemptAt: now });
    const again = await call('POST', `/api/merchant/webhooks/${event.id}/replay`, writer);
    expect(again.statusCode).toBe(404);
    expect(errorCode(again)).toBe('NOT_FOUND');
  });
});
