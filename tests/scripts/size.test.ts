/**
 * scripts/size.mjs (`npm run size`): the upload stays under 100 KB, uploadExclude is
 * respected, an imported npm module would be counted with its require graph (none is imported
 * today), and the script fails above its limit.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

interface SizeReport {
  totalBytes: number;
  sourceBytes: number;
  limitBytes: number;
  withinLimit: boolean;
  packageImports: string[];
  parts: Record<string, number>;
  files: Array<{ path: string; bytes: number; sourceBytes: number }>;
}

function runSize(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts', 'size.mjs'), ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The script transpiles and minifies every shipped file; give it room on a busy CI box. */
const SCRIPT_TIMEOUT_MS = 60000;

let report: SizeReport;

beforeAll(() => {
  const run = runSize(['--json']);
  expect(run.status).toBe(0);
  report = JSON.parse(run.stdout) as SizeReport;
}, SCRIPT_TIMEOUT_MS);

describe('npm run size', () => {
  it('is under the 100 KB budget', () => {
    expect(report.limitBytes).toBe(100 * 1024);
    expect(report.totalBytes).toBeLessThanOrEqual(report.limitBytes);
    expect(report.withinLimit).toBe(true);
    expect(report.totalBytes).toBe(report.files.reduce((sum, file) => sum + file.bytes, 0));
  });

  it('ships no npm module: the mini-program imports none', () => {
    expect(report.packageImports).toEqual([]);
    expect(report.files.filter((file) => file.path.startsWith('node_modules/'))).toEqual([]);
  });

  it('would count an imported module with its require graph and nothing else of its package', () => {
    // size.mjs is an ES module, which jest here cannot import: ask node.
    const script = `import { packageFiles } from ${JSON.stringify(join(ROOT, 'scripts', 'size.mjs'))};
      process.stdout.write(JSON.stringify(await packageFiles(['qrcode/lib/core/qrcode'])));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).toBe(0);
    const files = JSON.parse(run.stdout) as string[];
    expect(files).toEqual(expect.arrayContaining(['node_modules/qrcode/lib/core/qrcode.js', 'node_modules/qrcode/lib/core/utils.js']));
    expect(files).not.toContain('node_modules/qrcode/lib/browser.js');
    expect(files.every((path) => path.startsWith('node_modules/'))).toBe(true);
  }, SCRIPT_TIMEOUT_MS);

  it('ships the mini-program and nothing that uploadExclude leaves out', () => {
    const paths = report.files.map((file) => file.path);
    expect(paths).toEqual(expect.arrayContaining(['app.ts', 'app.json', 'mini.project.json', 'pages/verify/index.axml', 'utils/identity.ts']));
    const leaked = paths.filter((path) => /^(server|h5|tests|bench|scripts|data|\.git|\.ci)\//.test(path) || /\.md$/.test(path) || path === 'package.json');
    expect(leaked).toEqual([]);
  });

  it('prints the figure and a breakdown, and exits 1 above its limit', () => {
    const human = runSize([]);
    expect(human.stdout).toMatch(/Mini-program upload: \d+\.\d KB/);
    expect(human.stdout).toContain('npm imports: none');
    const over = runSize(['--limit', '1000']);
    expect(over.status).toBe(1);
    expect(over.stderr).toMatch(/Over budget by \d+ bytes/);
  }, SCRIPT_TIMEOUT_MS);
});
