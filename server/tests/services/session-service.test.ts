/**
 * Sessions through the HTTP API, with the session cache (session-cache.ts) in the way: a
 * remembered session saves the store read, answers as the store would (expiry included), and
 * a session deleted from the store stops working within the cache TTL, on every instance.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { hashToken } from '../../src/services/session-service';
import { DEFAULT_SESSION_CACHE_CAPACITY, DEFAULT_SESSION_CACHE_TTL_MS, SessionCache } from '../../src/services/session-cache';
import { Repository } from '../../src/store/repository';
import { openSqliteRepository } from '../../src/store/sqlite-repository';
import { Harness, startEmulator, startHarness, TestClock } from '../support/harness';

const harnesses: Harness[] = [];

afterEach(async () => {
  for (const started of harnesses.splice(0)) await started.close();
});

/** A store on a file of its own, so a second instance (another handle) and raw SQL can reach it. */
function storeFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'sessions-')), 'verifications.sqlite');
}

/** `repository` with its findSession calls counted. */
function countingReads(repository: Repository): { repository: Repository; reads: () => number } {
  let reads = 0;
  return {
    repository: {
      ...repository,
      findSession(tokenHash) {
        reads += 1;
        return repository.findSession(tokenHash);
      },
    },
    reads: () => reads,
  };
}

/** The status of an authenticated request that names no verification: 404 once past auth, 401 before. */
async function statusWith(harness: Harness, token: string): Promise<number> {
  return (await harness.getVerification(token, 'no-such-verification')).statusCode;
}

function deleteSessionRow(file: string, token: string): void {
  const database = new Database(file);
  try {
    expect(database.prepare('delete from sessions where token_hash = ?').run(hashToken(token)).changes).toBe(1);
  } finally {
    database.close();
  }
}

describe('the session cache on the request path', () => {
  it('reads the store once per cache TTL, not once per request', async () => {
    const counted = countingReads(await openSqliteRepository(storeFile()));
    const harness = await startHarness({ repository: counted.repository });
    harnesses.push(harness);
    const token = await harness.login();
    for (let request = 0; request < 5; request += 1) expect(await statusWith(harness, token)).toBe(404);
    expect(counted.reads()).toBe(0); // remembered when it was opened
    harness.clock.advance(DEFAULT_SESSION_CACHE_TTL_MS);
    expect(await statusWith(harness, token)).toBe(404);
    expect(await statusWith(harness, token)).toBe(404);
    expect(counted.reads()).toBe(1);
  });

  it('refuses a remembered session the moment it expires', async () => {
    const harness = await startHarness({ env: { SESSION_TTL_SECONDS: '60' } });
    harnesses.push(harness);
    const token = await harness.login();
    harness.clock.advance(45_000);
    expect(await statusWith(harness, token)).toBe(404); // read again and trusted until 75 s, past its expiry
    harness.clock.advance(14_999);
    expect(await statusWith(harness, token)).toBe(404);
    harness.clock.advance(1);
    const refused = await harness.getVerification(token, 'no-such-verification');
    expect(refused.statusCode).toBe(401);
    expect(refused.json<{ error: { code: string } }>().error.code).toBe('UNAUTHORIZED');
  });

  it('stops a session deleted from the store within the cache TTL, on every instance', async () => {
    const file = storeFile();
    const clock = new TestClock();
    const emulator = await startEmulator(clock);
    const first = await startHarness({ repository: await openSqliteRepository(file), clock, emulator });
    const second = await startHarness({ repository: await openSqliteRepository(file), clock, emulator });
    harnesses.push(first, second);
    try {
      const token = await first.login();
      // Opened on the first instance, known to the second at once: it asks the store.
      expect(await statusWith(second, token)).toBe(404);
      deleteSessionRow(file, token);
      clock.advance(DEFAULT_SESSION_CACHE_TTL_MS - 1);
      expect(await statusWith(first, token)).toBe(404);
      expect(await statusWith(second, token)).toBe(404);
      clock.advance(1);
      expect(await statusWith(first, token)).toBe(401);
      expect(await statusWith(second, token)).toBe(401);
    } finally {
      await emulator.app.close();
    }
  });

  it('never remembers an unknown token: one stored later works at once', async () => {
    const harness = await startHarness();
    harnesses.push(harness);
    const token = 'a-token-nobody-was-given-yet-0123456789';
    expect(await statusWith(harness, token)).toBe(401);
    await harness.repository.insertSession({ tokenHash: hashToken(token), userId: 'uid:2088000000000001', createdAt: harness.clock.now, expiresAt: harness.clock.now + 60_000 });
    expect(await statusWith(harness, token)).toBe(404);
  });
});

describe('SessionCache', () => {
  const session = (tokenHash: string) => ({ tokenHash, userId: `uid:${tokenHash}`, createdAt: 0, expiresAt: 1_000_000 });

  it('forgets the entry remembered longest ago when full', () => {
    const cache = new SessionCache(DEFAULT_SESSION_CACHE_TTL_MS, 3);
    for (const tokenHash of ['a', 'b', 'c', 'd']) cache.remember(session(tokenHash), 0);
    expect(cache.find('a', 1)).toBeUndefined();
    expect(['b', 'c', 'd'].map((tokenHash) => cache.find(tokenHash, 1)?.userId)).toEqual(['uid:b', 'uid:c', 'uid:d']);
  });

  it('keeps its default bound', () => {
    const cache = new SessionCache();
    for (let index = 0; index <= DEFAULT_SESSION_CACHE_CAPACITY; index += 1) cache.remember(session(`t${index}`), 0);
    expect(cache.find('t0', 1)).toBeUndefined();
    expect(cache.find('t1', 1)?.userId).toBe('uid:t1');
    expect(cache.find(`t${DEFAULT_SESSION_CACHE_CAPACITY}`, 1)?.userId).toBe(`uid:t${DEFAULT_SESSION_CACHE_CAPACITY}`);
  });
});
