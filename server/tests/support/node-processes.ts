/**
 * Built server and emulator processes for tests that need several of them (scale-out): the
 * entry points bundled once per test file with esbuild into a temporary directory (packages
 * stay external, found through NODE_PATH), started as real processes, stopped or killed.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, BuildOptions } from 'esbuild';

const ROOT = join(__dirname, '..', '..', '..');

/** How scripts/build.mjs bundles the server for Node: one CommonJS file, packages left to node_modules. */
export const NODE_BUNDLE_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  logLevel: 'silent',
};

/** Bundles server/src/server.ts and the standalone emulator; returns the two scripts' paths. */
export async function bundleEntryPoints(): Promise<{ server: string; emulator: string }> {
  const outdir = mkdtempSync(join(tmpdir(), 'scale-bundle-'));
  await build({
    entryPoints: { server: join(ROOT, 'server/src/server.ts'), emulator: join(ROOT, 'server/src/emulator/main.ts') },
    outdir,
    ...NODE_BUNDLE_OPTIONS,
    logLevel: 'warning',
  });
  return { server: join(outdir, 'server.js'), emulator: join(outdir, 'emulator.js') };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

export interface NodeProcess {
  child: ChildProcess;
  /** Everything it wrote, for a failure's message. */
  output(): string;
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts `script` with `env` and resolves once `readyUrl` answers (any status).
 * @throws Error with its output when it exits or is not ready within `timeoutMs`
 */
export async function startNode(script: string, env: Record<string, string>, readyUrl: string, timeoutMs = 30_000): Promise<NodeProcess> {
  const child = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', NODE_PATH: join(ROOT, 'node_modules'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const handle: NodeProcess = {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}:\n${output}`);
    try {
      await fetch(readyUrl);
      return handle;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${script} was not ready at ${readyUrl} within ${timeoutMs} ms:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
