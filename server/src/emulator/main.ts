/**
 * Standalone emulator process (`node server/dist/emulator.js`), for the benchmark: it keeps
 * the gateway's CPU (RSA signing) off the backend's process. Point the backend at it with
 * EMULATOR_URL and give both the same DATA_DIR, so they share the generated keys.
 *
 * Env: EMULATOR_PORT (default 3100), HOST (default 127.0.0.1), DATA_DIR (default <repo>/data),
 * EMULATOR_REDIRECT_ORIGINS (comma-separated; default http://127.0.0.1:3000,http://localhost:3000),
 * LOG_LEVEL (default info), and the EMULATOR_* fault knobs and settings (docs/emulator.md).
 */
import { join, resolve } from 'node:path';
import { buildEmulatorApp } from './emulator-app';
import { parseFaultEnv } from './faults';
import { ensureEmulatorKeys } from './keys';
import { parseSettingsEnv } from './settings';

async function main(): Promise<void> {
  const env = process.env;
  const problems: string[] = [];
  const settings = parseSettingsEnv(env, problems);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const dataDir = resolve(env.DATA_DIR || join(__dirname, '..', '..', 'data'));
  const port = Number(env.EMULATOR_PORT || 3100);
  const host = env.HOST || '127.0.0.1';
  const app = await buildEmulatorApp({
    keys: ensureEmulatorKeys(dataDir),
    storeFile: join(dataDir, 'emulator.sqlite'),
    faults: parseFaultEnv(env),
    redirectOrigins: (env.EMULATOR_REDIRECT_ORIGINS || 'http://127.0.0.1:3000,http://localhost:3000').split(',').map((origin) => origin.trim()),
    logLevel: env.LOG_LEVEL || 'info',
    settings,
  });
  const shutdown = (): void => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  await app.listen({ port, host });
  app.log.info(`Alipay gateway emulator: http://${host}:${port}/emulator/gateway.do`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
