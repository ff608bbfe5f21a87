/**
 * Start-up: the data directory made ready (or refused) before anything opens a file in it,
 * every problem of the environment in one list, and the process entry printing that list
 * and exiting 1 with no stack trace.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { prepareStartUp } from '../src/start-up';
import { testKeys, TEST_PEPPER, TEST_MERCHANT_ENV } from './support/harness';
import { configProblemsOf } from './support/config-problems';
import { NODE_BUNDLE_OPTIONS } from './support/node-processes';

const SERVER_ROOT = join(__dirname, '..');
const REPO_ROOT = join(SERVER_ROOT, '..');

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'verify-start-up-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function problemsOf(env: Record<string, string>): string[] {
  return configProblemsOf(() => prepareStartUp(env, '/nonexistent-repo'));
}

function realModeEnv(dataDir: string): Record<string, string> {
  const keys = testKeys();
  return {
    ALIPAY_MODE: 'alipay',
    ...TEST_MERCHANT_ENV,
    ALIPAY_APP_ID: '2021000000000000',
    ALIPAY_PRIVATE_KEY: keys.appPrivateKey,
    ALIPAY_PUBLIC_KEY: keys.alipayPublicKey,
    ID_HMAC_PEPPER: TEST_PEPPER,
    DATA_DIR: dataDir,
  };
}

describe('prepareStartUp', () => {
  it('creates a missing DATA_DIR in real mode, readable by this user only', () => {
    const dataDir = join(scratch, 'created', 'data');
    const { config } = prepareStartUp(realModeEnv(dataDir), '/nonexistent-repo');
    expect(config.dataDir).toBe(dataDir);
    const stats = statSync(dataDir);
    expect(stats.isDirectory()).toBe(true);
    expect(stats.mode & 0o777).toBe(0o700);
  });

  it('keeps an existing DATA_DIR as its owner made it', () => {
    const dataDir = join(scratch, 'existing');
    mkdirSync(dataDir, { mode: 0o750 });
    prepareStartUp(realModeEnv(dataDir), '/nonexistent-repo');
    expect(statSync(dataDir).mode & 0o777).toBe(0o750);
  });

  it('refuses with a clear problem a DATA_DIR it cannot create', () => {
    const file = join(scratch, 'a-file');
    writeFileSync(file, '');
    expect(problemsOf(realModeEnv(join(file, 'data')))).toEqual([
      `DATA_DIR: cannot create ${join(file, 'data')} (a part of the path is a file, not a directory)`,
    ]);
    expect(problemsOf(realModeEnv(file))).toEqual([`DATA_DIR: cannot create ${file} (it exists and is not a directory)`]);
  });

  it('lists the configuration\'s problems, a bad emulator fault knob and the data directory\'s together', () => {
    const file = join(scratch, 'another-file');
    writeFileSync(file, '');
    expect(problemsOf({ ALIPAY_MODE: 'emulator', HOST: '0.0.0.0', EMULATOR_UNAVAILABLE_SHARE: '2', DATA_DIR: file })).toEqual([
      expect.stringContaining('HOST=0.0.0.0 is not a loopback address'),
      'EMULATOR_UNAVAILABLE_SHARE must be a number from 0 to 1',
      expect.stringContaining('DATA_DIR: cannot create'),
    ]);
  });

  it('returns the fault knobs with the configuration', () => {
    const { config, emulatorFaults } = prepareStartUp({ EMULATOR_LATENCY_MS: '25', DATA_DIR: join(scratch, 'emulator') }, '/nonexistent-repo');
    expect(config.alipay.mode).toBe('emulator');
    expect(emulatorFaults.latencyMs).toBe(25);
  });
});

describe('the process entry (server.ts)', () => {
  let entry: string;

  beforeAll(async () => {
    // Bundled like scripts/build.mjs does, into scratch, so the test neither races another
    // build of server/dist nor depends on one being fresh.
    entry = join(scratch, 'server.js');
    await build({
      entryPoints: [join(SERVER_ROOT, 'src', 'server.ts')],
      outfile: entry,
      ...NODE_BUNDLE_OPTIONS,
    });
  });

  /** Runs the entry with only `env` (and what Node needs to find the packages) until it exits or prints `until`. */
  function run(env: Record<string, string>, until?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [entry], {
        env: { PATH: process.env.PATH ?? '', NODE_PATH: [join(SERVER_ROOT, 'node_modules'), join(REPO_ROOT, 'node_modules')].join(':'), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (until !== undefined && stdout.includes(until)) child.kill('SIGTERM');
      });
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('refuses a bad environment: exit 1, every problem named, no stack trace', async () => {
    const result = await run({
      NODE_ENV: 'production',
      ALIPAY_APPID: '2021000000000000',
      ALIPAY_PRIVATE_KEY: 'not a key',
      EMULATOR_LATENCY_MS: 'soon',
      DATA_DIR: join(scratch, 'refused'),
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      [
        'Invalid configuration:',
        '- ALIPAY_APPID is not a variable this server reads; did you mean ALIPAY_APP_ID?',
        '- ALIPAY_MODE is not set, but ALIPAY_APPID, ALIPAY_PRIVATE_KEY are: set ALIPAY_MODE=alipay for the real gateway, or ALIPAY_MODE=emulator',
        '- ALIPAY_MODE is required when NODE_ENV is production: set ALIPAY_MODE=alipay',
        '- EMULATOR_LATENCY_MS must be an integer >= 0',
        '',
      ].join('\n'),
    );
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('starts with no configuration but a data directory, in emulator mode on loopback, and exits 0 on SIGTERM', async () => {
    const result = await run({ PORT: '0', DATA_DIR: join(scratch, 'no-configuration'), LOG_LEVEL: 'warn' }, 'Mode: ');
    expect(result.stdout).toContain('Mode: emulator (http://127.0.0.1:0/emulator)');
    expect(result.stdout).toContain('Probes: http://127.0.0.1:0/healthz, http://127.0.0.1:0/readyz; metrics: http://127.0.0.1:0/metrics');
    expect(result.stderr).toBe('');
    // close-with-grace closed the app and exited with 0.
    expect(result.code).toBe(0);
  });
});
