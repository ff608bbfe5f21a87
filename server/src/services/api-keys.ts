/**
 * API keys of the merchant's server-to-server API. A key is `mk_<id>_<secret>`: the id is a
 * visible handle (lists, logs, revocation), the secret 256 random bits. Only the SHA-256 of
 * the whole key is stored, so the store cannot give a key away; a high-entropy key needs no
 * slow hash, as no dictionary can guess it. Each key holds scopes: what it may do.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiKeyRecord, Repository } from '../store/repository';

/** Every scope a key can hold, and what it allows. */
export const API_KEY_SCOPES = {
  'verifications:read': 'list verifications, read one with its status history, read a user\'s latest PASSED one',
  'verifications:delete': 'delete one user\'s verification records (PIPL art. 47)',
  'webhooks:read': 'list webhook events whose delivery is dead',
  'webhooks:write': 'replay a dead webhook event',
} as const;

export type ApiKeyScope = keyof typeof API_KEY_SCOPES;

/** The scopes a key gets when none are named: read only. */
export const DEFAULT_API_KEY_SCOPES: readonly ApiKeyScope[] = ['verifications:read'];

const KEY_FORMAT = /^mk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export function isApiKeyScope(scope: string): scope is ApiKeyScope {
  return Object.prototype.hasOwnProperty.call(API_KEY_SCOPES, scope);
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * Makes and stores a new key.
 * @returns the key, to be shown once (it cannot be read back), and its stored record
 * @throws TypeError for an unknown scope or an empty name
 */
export async function createApiKey(
  repository: Repository,
  request: { name: string; scopes: readonly string[]; now: number },
): Promise<{ key: string; record: ApiKeyRecord }> {
  const unknown = request.scopes.filter((scope) => !isApiKeyScope(scope));
  if (unknown.length > 0) throw new TypeError(`Unknown scope ${unknown.join(', ')}; known: ${Object.keys(API_KEY_SCOPES).join(', ')}`);
  if (request.name.trim() === '') throw new TypeError('A key needs a name saying what it is for');
  const id = randomBytes(6).toString('hex');
  const key = `mk_${id}_${randomBytes(32).toString('base64url')}`;
  const record: ApiKeyRecord = {
    id,
    secretHash: hashKey(key),
    name: request.name.trim(),
    scopes: [...new Set(request.scopes)],
    createdAt: request.now,
    revokedAt: null,
    lastUsedAt: null,
  };
  await repository.insertApiKey(record);
  return { key, record };
}

/**
 * The live key `presented` names, or undefined for a malformed, unknown, wrong or revoked one
 * (the caller answers all of them alike, 401).
 */
export async function authenticateApiKey(repository: Repository, presented: string): Promise<ApiKeyRecord | undefined> {
  const match = KEY_FORMAT.exec(presented);
  if (!match) return undefined;
  const record = await repository.findApiKey(match[1]);
  if (!record || record.revokedAt !== null) return undefined;
  const expected = Buffer.from(record.secretHash, 'hex');
  const actual = Buffer.from(hashKey(presented), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual) ? record : undefined;
}
