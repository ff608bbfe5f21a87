/**
 * scripts/size.mjs (`npm run size`): the upload stays under 100 KB, uploadExclude is
 * respected, lodash is counted per imported module, and the script fails above its limit.
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

  it("counts lodash/debounce's require graph, and nothing else of lodash", () => {
    expect(report.packageImports).toEqual(['lodash/debounce']);
    const lodash = report.files.map((file) => file.path).filter((path) => path.startsWith('node_modules/'));
    expect(lodash).toEqual(
      expect.arrayContaining([
        'node_modules/lodash/debounce.js',
        'node_modules/lodash/now.js',
        'node_modules/lodash/toNumber.js',
        'node_modules/lodash/isObject.js',
        'node_modules/lodash/_root.js',
      ]),
    );
    expect(lodash).not.toContain('node_modules/lodash/lodash.js');
    expect(lodash.length).toBeLessThan(30);
  });

  it('ships the mini-program and nothing that uploadExclude leaves out', () => {
    const paths = report.files.map((file) => file.path);
    expect(paths).toEqual(expect.arrayContaining(['app.ts', 'app.json', 'mini.project.json', 'pages/verify/index.axml', 'utils/identity.ts']));
    const leaked = paths.filter((path) => /^(server|h5|tests|bench|scripts|data|\.git|\.ci)\//.test(path) || /\.md$/.test(path) || path === 'package.json');
    expect(leaked).toEqual([]);
  });

  it('prints the figure and a breakdown, and exits 1 above its limit', () => {
    const human = runSize([]);
    expect(human.stdout).toMatch(/Mini-program upload: \d+\.\d KB/);
    expect(human.stdout).toContain('node_modules/lodash');
    const over = runSize(['--limit', '1000']);
    expect(over.status).toBe(1);
    expect(over.stderr).toMatch(/Over budget by \d+ bytes/);
  }, SCRIPT_TIMEOUT_MS);
});
