/**
 * Sessions this process has seen lately, so the bearer token of every request is not a store
 * read: a session never changes once written (its subject and expiry are fixed), so a
 * remembered copy answers exactly as the row would, as long as the row still exists.
 *
 * Why a deleted session cannot stay usable longer than acceptable:
 * - Today no live session is ever deleted. The only deletion is the hourly purge of sessions
 *   already past `expiresAt` (Repository.purgeExpired), and every hit here checks `expiresAt`
 *   against the clock, so an expired session is refused at the same instant the store would
 *   refuse it. Per-user deletion (PIPL art. 47) removes verifications, not the login.
 * - Should sessions ever be revoked before they expire (a logout, say), a revoked session
 *   stays usable for at most `ttlMs` after the revocation on each process that remembered it:
 *   an entry is trusted for `ttlMs` from the read that filled it, then the store is asked
 *   again. With several instances on one PostgreSQL database each process has its own cache,
 *   so the bound is the same `ttlMs` on every instance, never longer.
 * - Only sessions found are remembered. An unknown token always goes to the store: a session
 *   opened on another instance works here at once, and made-up tokens cannot fill the cache.
 */
import { SessionRecord } from '../store/repository';

/** Default trust in a remembered session, in milliseconds: the longest a revocation could lag. */
export const DEFAULT_SESSION_CACHE_TTL_MS = 30_000;

/** Default bound on remembered sessions (about 2 MB): the oldest entry makes room. */
export const DEFAULT_SESSION_CACHE_CAPACITY = 10_000;

interface Entry {
  userId: string;
  expiresAt: number;
  /** Clock reading after which the store is asked again. */
  trustedUntil: number;
}

export class SessionCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number = DEFAULT_SESSION_CACHE_TTL_MS,
    private readonly capacity: number = DEFAULT_SESSION_CACHE_CAPACITY,
  ) {}

  /**
   * The subject of a remembered, unexpired session, or undefined: then ask the store.
   * @param now the clock's reading, epoch ms
   */
  find(tokenHash: string, now: number): { userId: string; expiresAt: number } | undefined {
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (now >= entry.trustedUntil || now >= entry.expiresAt) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return entry;
  }

  /** Remembers a session read from (or just written to) the store at `now`. */
  remember(session: SessionRecord, now: number): void {
    this.entries.delete(session.tokenHash);
    if (this.entries.size >= this.capacity) {
      // Maps iterate in insertion order: the first key is the entry remembered longest ago.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(session.tokenHash, { userId: session.userId, expiresAt: session.expiresAt, trustedUntil: now + this.ttlMs });
  }
}
