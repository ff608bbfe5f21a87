/**
 * `npm run keys -- create|list|revoke`: API keys of the merchant API, in the store under
 * DATA_DIR, or in PostgreSQL when DATABASE_URL is set (the server may be running: both stores let both write).
 *
 *   npm run keys -- create --name "back office" [--scope verifications:read] [--scope webhooks:read] ...
 *   npm run keys -- list
 *   npm run keys -- revoke <id>
 *
 * `create` prints the key once; only its SHA-256 is stored, so it cannot be shown again.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveDataDir } from '../src/config';
import { API_KEY_SCOPES, createApiKey, DEFAULT_API_KEY_SCOPES } from '../src/services/api-keys';
import { Repository } from '../src/store/repository';
import { openPostgresRepository } from '../src/store/postgres-repository';
import { openSqliteRepository } from '../src/store/sqlite-repository';

const USAGE = `Usage:
  npm run keys -- create --name <what it is for> [--scope <scope>]...   (default scope: ${DEFAULT_API_KEY_SCOPES.join(', ')})
  npm run keys -- list
  npm run keys -- revoke <id>
Scopes:
${Object.entries(API_KEY_SCOPES)
  .map(([scope, allows]) => `  ${scope.padEnd(22)} ${allows}`)
  .join('\n')}`;

export interface KeysCommandContext {
  repository: Repository;
  now: number;
  out: (line: string) => void;
}

const iso = (epochMs: number | null): string => (epochMs === null ? '-' : new Date(epochMs).toISOString());

/**
 * Runs one command.
 * @returns the exit code: 0 done, 1 refused (an unknown scope or id), 2 a usage error
 */
export async function runKeysCommand(args: readonly string[], context: KeysCommandContext): Promise<number> {
  const [command, ...rest] = args;
  const { repository, out } = context;
  switch (command) {
    case 'create': {
      let name: string | undefined;
      const scopes: string[] = [];
      for (let index = 0; index < rest.length; index += 2) {
        const value = rest[index + 1];
        if (value === undefined || (rest[index] !== '--name' && rest[index] !== '--scope')) {
          out(USAGE);
          return 2;
        }
        if (rest[index] === '--name') name = value;
        else scopes.push(value);
      }
      if (name === undefined) {
        out(USAGE);
        return 2;
      }
      try {
        const { key, record } = await createApiKey(repository, { name, scopes: scopes.length > 0 ? scopes : DEFAULT_API_KEY_SCOPES, now: context.now });
        out(`Created key ${record.id} (${record.name}) with scopes ${record.scopes.join(' ')}.`);
        out('Give it to the system that calls the merchant API as "Authorization: Bearer <key>". It is shown only now:');
        out(key);
        return 0;
      } catch (error) {
        if (error instanceof TypeError) {
          out(error.message);
          return 1;
        }
        throw error;
      }
    }
    case 'list': {
      const keys = await repository.listApiKeys();
      if (keys.length === 0) out('No API keys yet: npm run keys -- create --name <what it is for>');
      for (const key of keys) {
        const state = key.revokedAt === null ? 'active' : `revoked ${iso(key.revokedAt)}`;
        out(`${key.id}  ${state}  created ${iso(key.createdAt)}  last used ${iso(key.lastUsedAt)}  ${key.scopes.join(' ')}  ${key.name}`);
      }
      return 0;
    }
    case 'revoke': {
      if (rest.length !== 1) {
        out(USAGE);
        return 2;
      }
      if (!(await repository.revokeApiKey(rest[0], context.now))) {
        out(`No active key ${rest[0]} (see npm run keys -- list).`);
        return 1;
      }
      out(`Revoked key ${rest[0]}: it is refused (401) from now on.`);
      return 0;
    }
    default:
      out(USAGE);
      return 2;
  }
}

async function main(): Promise<void> {
  // Built into server/dist/keys.js: the repository root is two levels up, as for the server.
  const dataDir = resolveDataDir(process.env, resolve(__dirname, '..', '..'));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // The store the server uses: PostgreSQL when DATABASE_URL is set (scale-config.ts).
  const databaseUrl = process.env.DATABASE_URL;
  const repository = databaseUrl
    ? await openPostgresRepository({ url: databaseUrl, poolSize: 1 })
    : await openSqliteRepository(join(dataDir, 'verifications.sqlite'));
  try {
    process.exitCode = await runKeysCommand(process.argv.slice(2), {
      repository,
      now: Date.now(),
      out: (line) => process.stdout.write(`${line}\n`),
    });
  } finally {
    await repository.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`keys: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
