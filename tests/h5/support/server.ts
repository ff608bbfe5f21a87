/**
 * Runs the real backend (`node server/dist/server.js`, emulator mode) as a child process
 * for one test file: a free port on 127.0.0.1, a fresh DATA_DIR, and a promise that
 * resolves once /healthz answers, so no test ever sleeps waiting for it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './build';

export interface RunningServer {
  /** e.g. `http://127.0.0.1:41234` (no trailing slash). */
  baseUrl: string;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 20_000;

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function isHealthy(baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/healthz`);
    return response.ok;
  } catch {
    return false;
  }
}

/** Starts the built server on a free port with a throwaway data directory. */
export async function startServer(extraEnv: Record<string, string> = {}): Promise<RunningServer> {
  const port = await findFreePort();
  const host = '127.0.0.1';
  const baseUrl = `http://${host}:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'h5-tests-'));
  const child = spawn(process.execPath, [join(REPO_ROOT, 'server', 'dist', 'server.js')], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: String(port), HOST: host, PUBLIC_URL: baseUrl, DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await isHealthy(baseUrl))) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`The server did not start at ${baseUrl}:\n${output}`);
    }
    // Polling /healthz is the readiness signal: it answers only once the app is listening.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { baseUrl, output: () => output, stop };
}
