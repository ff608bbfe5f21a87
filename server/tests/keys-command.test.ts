/**
 * `npm run keys -- create|list|revoke` (server/scripts/keys.ts) on a real store: a created key
 * is printed once and stored only as a hash, authenticates until revoked, and wrong usage
 * exits non-zero with the usage text.
 */
import { runKeysCommand } from '../scripts/keys';
import { authenticateApiKey } from '../src/services/api-keys';
import { Repository } from '../src/store/repository';
import { openSqliteRepository } from '../src/store/sqlite-repository';

let repository: Repository;
let lines: string[];

beforeEach(async () => {
  repository = await openSqliteRepository(':memory:');
  lines = [];
});

afterEach(async () => {
  await repository.close();
});

const run = (...args: string[]) => runKeysCommand(args, { repository, now: Date.UTC(2026, 2, 1), out: (line) => lines.push(line) });

it('creates a key with the default scope, lists it without its secret, and revokes it', async () => {
  expect(await run('create', '--name', 'back office')).toBe(0);
  const key = lines.find((line) => line.startsWith('mk_')) ?? '';
  const id = /^mk_([0-9a-f]{12})_/.exec(key)?.[1] ?? '';
  expect(await authenticateApiKey(repository, key)).toMatchObject({ id, name: 'back office', scopes: ['verifications:read'] });

  lines = [];
  expect(await run('list')).toBe(0);
  expect(lines).toEqual([`${id}  active  created 2026-03-01T00:00:00.000Z  last used -  verifications:read  back office`]);
  expect(lines.join('\n')).not.toContain(key.slice(16));

  expect(await run('revoke', id)).toBe(0);
  expect(await authenticateApiKey(repository, key)).toBeUndefined();
  lines = [];
  expect(await run('revoke', id)).toBe(1);
  expect(lines[0]).toContain(`No active key ${id}`);
});

it('creates a key with the scopes named, and refuses an unknown scope', async () => {
  expect(await run('create', '--name', 'ops', '--scope', 'webhooks:read', '--scope', 'webhooks:write')).toBe(0);
  expect((await repository.listApiKeys())[0].scopes).toEqual(['webhooks:read', 'webhooks:write']);
  lines = [];
  expect(await run('create', '--name', 'ops', '--scope', 'everything')).toBe(1);
  expect(lines[0]).toMatch(/^Unknown scope everything/);
  expect(await repository.listApiKeys()).toHaveLength(1);
});

it.each([[[]], [['create']], [['create', '--name']], [['revoke']], [['rotate']]])('prints the usage and exits 2 for %j', async (args) => {
  expect(await run(...args)).toBe(2);
  expect(lines[0]).toMatch(/^Usage:/);
});
