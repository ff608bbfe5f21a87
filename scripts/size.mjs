#!/usr/bin/env node
/**
 * `npm run size`: what `minidev upload` would ship, in bytes, against a 100 KB budget.
 *
 * Which files:
 * - every file under the repository root that mini.project.json's `uploadExclude`
 *   does not exclude;
 * - plus what the mini-program imports from node_modules (excluded as a folder, but
 *   the compiler ships imported modules): each package specifier in a mini-program
 *   source (e.g. `lodash/debounce`) is resolved with esbuild and every file of its
 *   require graph counts, so `lodash/debounce` would cost its 14 files, not all of lodash.
 *   The mini-program imports none today.
 *
 * How many bytes each: the shipped form. minidev transpiles the project to ES5 and then
 * minifies every JavaScript file of the package with esbuild (`--minify --target=es5`,
 * on by default: `developOptions.minify`). This script mirrors that: TypeScript through
 * TypeScript 4.4.4 (the Alipay compiler's version) to ES5, then esbuild minify; `.sjs`
 * minified as is; AXML, ACSS and JSON counted as written. The raw source size is
 * printed beside it.
 *
 * Prints the total and a per-part breakdown; `--json` prints the same as JSON.
 * Exits 1 above the budget (`--limit <bytes>` overrides it, for tests).
 */
import { build, transform } from 'esbuild';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ts44 = createRequire(import.meta.url)('typescript44');

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_LIMIT_BYTES = 100 * 1024;
const SOURCE_EXTENSIONS = ['.ts', '.js', '.sjs'];

/** A glob from uploadExclude as a RegExp over `/`-separated relative paths. */
function globToRegExp(glob) {
  let pattern = '';
  for (let index = 0; index < glob.length; index += 1) {
    const char = glob[index];
    if (char === '*' && glob[index + 1] === '*') {
      // `**/` matches zero or more folders; a trailing `**` matches everything below.
      const slash = glob[index + 2] === '/';
      pattern += slash ? '(?:.*/)?' : '.*';
      index += slash ? 2 : 1;
    } else if (char === '*') pattern += '[^/]*';
    else if (char === '?') pattern += '[^/]';
    else pattern += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${pattern}$`);
}

/** True when an exclude pattern covers everything below `folder` (so it need not be walked). */
function isExcludedFolder(folder, excludes) {
  const probes = [`${folder}/size-probe`, `${folder}/size-probe/size-probe.ts`];
  return excludes.some((exclude) => probes.every((probe) => exclude.test(probe)));
}

/** Files under ROOT, as `/`-separated relative paths, skipping wholly excluded folders such as node_modules. */
function listFiles(folder, excludes) {
  const files = [];
  for (const entry of readdirSync(join(ROOT, folder), { withFileTypes: true })) {
    const path = folder ? `${folder}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name === '.git' || isExcludedFolder(path, excludes)) continue;
      files.push(...listFiles(path, excludes));
    } else if (entry.isFile()) files.push(path);
  }
  return files;
}

/** The part a shipped file belongs to, for the breakdown. */
function partOf(path) {
  const segments = path.split('/');
  if (segments[0] === 'pages' && segments.length > 2) return `pages/${segments[1]}`;
  if (segments.length > 1) return segments[0];
  return '(root)';
}

/** Bare specifiers (such as `lodash/debounce`) imported by mini-program sources. */
function packageImports(sourcePaths) {
  const specifiers = new Set();
  const importPattern = /(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;
  for (const path of sourcePaths) {
    const text = readFileSync(join(ROOT, path), 'utf8');
    for (const match of text.matchAll(importPattern)) {
      const specifier = match[1];
      if (!specifier.startsWith('.') && !specifier.startsWith('/')) specifiers.add(specifier);
    }
  }
  return [...specifiers].sort();
}

/** Every file under node_modules that the imported specifiers pull in, via esbuild's metafile. */
export async function packageFiles(specifiers) {
  if (specifiers.length === 0) return [];
  const result = await build({
    stdin: { contents: specifiers.map((specifier) => `require(${JSON.stringify(specifier)});`).join('\n'), resolveDir: ROOT, loader: 'js' },
    bundle: true,
    write: false,
    metafile: true,
    platform: 'neutral',
    mainFields: ['main', 'module'],
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs)
    .filter((input) => input.startsWith('node_modules/'))
    .sort();
}

/** The bytes one file takes in the package minidev builds (see the header). */
async function shippedBytes(path) {
  const text = readFileSync(join(ROOT, path), 'utf8');
  if (path.endsWith('.ts')) {
    const es5 = ts44.transpileModule(text, {
      compilerOptions: { target: ts44.ScriptTarget.ES5, module: ts44.ModuleKind.CommonJS, esModuleInterop: true },
      fileName: path,
    }).outputText;
    return Buffer.byteLength((await transform(es5, { loader: 'js', minify: true, target: 'es5' })).code);
  }
  if (path.endsWith('.js')) return Buffer.byteLength((await transform(text, { loader: 'js', minify: true, target: 'es5' })).code);
  if (path.endsWith('.sjs')) return Buffer.byteLength((await transform(text, { loader: 'js', minify: true })).code);
  return Buffer.byteLength(text);
}

export async function measure() {
  const config = JSON.parse(readFileSync(join(ROOT, 'mini.project.json'), 'utf8'));
  const excludes = (config.uploadExclude || []).map(globToRegExp);
  const shipped = listFiles('', excludes)
    .filter((path) => !excludes.some((exclude) => exclude.test(path)))
    .sort();
  const sources = shipped.filter((path) => SOURCE_EXTENSIONS.some((extension) => path.endsWith(extension)));
  const specifiers = packageImports(sources);
  const dependencies = await packageFiles(specifiers);

  const files = await Promise.all(
    [...shipped, ...dependencies].map(async (path) => ({ path, sourceBytes: statSync(join(ROOT, path)).size, bytes: await shippedBytes(path) })),
  );
  const parts = {};
  for (const file of files) {
    const part = file.path.startsWith('node_modules/') ? `node_modules/${file.path.split('/')[1]}` : partOf(file.path);
    parts[part] = (parts[part] || 0) + file.bytes;
  }
  const totalBytes = files.reduce((sum, file) => sum + file.bytes, 0);
  const sourceBytes = files.reduce((sum, file) => sum + file.sourceBytes, 0);
  return { totalBytes, sourceBytes, parts, packageImports: specifiers, files };
}

function readLimit(argv) {
  const index = argv.indexOf('--limit');
  if (index < 0) return DEFAULT_LIMIT_BYTES;
  const limit = Number(argv[index + 1]);
  if (!Number.isFinite(limit) || limit <= 0) throw new TypeError('--limit needs a positive number of bytes');
  return limit;
}

function kilobytes(bytes) {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

async function main() {
  const limitBytes = readLimit(process.argv);
  const report = await measure();
  const withinLimit = report.totalBytes <= limitBytes;
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ ...report, limitBytes, withinLimit }, null, 2)}\n`);
  } else {
    const lines = Object.entries(report.parts)
      .sort((left, right) => right[1] - left[1])
      .map(([part, bytes]) => `  ${part.padEnd(24)} ${kilobytes(bytes).padStart(9)}`);
    const dependencyCount = report.files.filter((file) => file.path.startsWith('node_modules/')).length;
    process.stdout.write(
      [
        `Mini-program upload: ${kilobytes(report.totalBytes)} (${report.totalBytes} bytes) of ${kilobytes(limitBytes)}, ${report.files.length} files`,
        `  (ES5 + minified as minidev packs it; ${kilobytes(report.sourceBytes)} as source)`,
        ...lines,
        `  npm imports: ${report.packageImports.join(', ') || 'none'} (${dependencyCount} files from node_modules)`,
        '',
      ].join('\n'),
    );
  }
  if (!withinLimit) {
    process.stderr.write(`Over budget by ${report.totalBytes - limitBytes} bytes.\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error) => {
    process.stderr.write(`${error.stack || error}\n`);
    process.exitCode = 1;
  });
}
