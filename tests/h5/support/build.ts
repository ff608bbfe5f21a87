/**
 * Builds what the browser tests run (`node scripts/build.mjs`: the server and the H5
 * bundle) at most once per change. Jest runs test files in parallel workers, so a lock
 * directory serialises the builds and a freshness check lets the later workers skip theirs.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, watch } from 'node:fs';
import { dirname, join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..', '..');

const SOURCE_DIRS = ['server/src', 'h5/src', 'utils'];
const OUTPUTS = ['server/dist/server.js', 'h5/dist/main.js'];
const LOCK_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'h5-tests-build.lock');
const LOCK_WAIT_MS = 120_000;

function newestMtime(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtime(join(path, name))), stats.mtimeMs);
}

function isFresh(): boolean {
  try {
    const oldestOutput = Math.min(...OUTPUTS.map((output) => statSync(join(REPO_ROOT, output)).mtimeMs));
    const newestSource = Math.max(...SOURCE_DIRS.map((dir) => newestMtime(join(REPO_ROOT, dir))));
    return oldestOutput >= newestSource;
  } catch {
    return false;
  }
}

/** Resolves when something changes in the lock's folder (another worker released it) or after `ms`. */
function waitForLockChange(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const watcher = watch(dirname(LOCK_DIR), () => done());
    const timer = setTimeout(() => done(), ms);
    function done(): void {
      clearTimeout(timer);
      watcher.close();
      resolve();
    }
  });
}

/** The lock's age stamp; "now" when it vanished in between, so the loop simply retries. */
function lockMtime(): number {
  try {
    return statSync(LOCK_DIR).mtimeMs;
  } catch {
    return Date.now();
  }
}

async function acquireLock(): Promise<void> {
  mkdirSync(dirname(LOCK_DIR), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    // A lock older than the wait limit belongs to a build that died; take it over.
    if (Date.now() - lockMtime() > LOCK_WAIT_MS) {
      rmSync(LOCK_DIR, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${LOCK_DIR}`);
    // The timeout only guards against a missed event; the release normally wakes us.
    await waitForLockChange(1_000);
  }
}

/** Runs `node scripts/build.mjs` unless its outputs are newer than every source. */
export async function ensureBuilt(): Promise<void> {
  await acquireLock();
  try {
    if (!isFresh()) execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs')], { cwd: REPO_ROOT, stdio: 'pipe' });
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}
