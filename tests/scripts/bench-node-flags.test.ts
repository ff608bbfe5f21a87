/**
 * bench/processes.mjs readProductionNodeFlags: the bench starts the server with the Node
 * flags of `npm start`, read from package.json, and refuses a start script it cannot read.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(__dirname, '..', '..');
const PROCESSES_MODULE = pathToFileURL(join(ROOT, 'bench', 'processes.mjs')).href;

function readFlags(packageJsonPath: string): { status: number | null; stdout: string; stderr: string } {
  const script = `import(${JSON.stringify(PROCESSES_MODULE)}).then((m) => process.stdout.write(JSON.stringify(m.readProductionNodeFlags(${JSON.stringify(packageJsonPath)}))));`;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('readProductionNodeFlags', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'bench-flags-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  let packagesWritten = 0;
  function packageWithStart(start: string): string {
    packagesWritten += 1;
    const path = join(scratch, `package-${packagesWritten}.json`);
    writeFileSync(path, JSON.stringify({ scripts: { start } }));
    return path;
  }

  it('reads the flags of the real start script, which keep the young and old generations small', () => {
    const result = readFlags(join(ROOT, 'package.json'));
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(['--max-semi-space-size=4', '--heap-growing-percent=25']);
  });

  it('reads several flags, and none when there are none', () => {
    expect(JSON.parse(readFlags(packageWithStart('npm run build && node --a=1 --b server/dist/server.js')).stdout)).toEqual(['--a=1', '--b']);
    expect(JSON.parse(readFlags(packageWithStart('node server/dist/server.js')).stdout)).toEqual([]);
    expect(JSON.parse(readFlags(packageWithStart('npm run build && ALIPAY_MODE=${ALIPAY_MODE:-emulator} node --a=1 server/dist/server.js')).stdout)).toEqual(['--a=1']);
  });

  it('refuses a start script that does not run server/dist/server.js with node', () => {
    const result = readFlags(packageWithStart('tsx server/src/server.ts'));
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('scripts.start must run "node [flags] server/dist/server.js"');
  });
});
