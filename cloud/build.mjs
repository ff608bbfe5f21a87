// Bundles the cloud functions (npm run build:cloud): one self-contained CommonJS file per
// function, cloud/dist/<name>/index.js, whose `module.exports` is the `async function (ctx)` the
// cloud calls. The shared utils/ code is bundled in; only Node's built-ins stay outside, so each
// folder uploads as it is. Target node12: the oldest runtime the cloud console offers that runs
// it. Type-checking is tsc's job (tsc -p cloud/tsconfig.json); esbuild only transpiles and bundles.
// `--outdir <dir>` builds elsewhere (the tests build into a temporary directory).
import { build } from 'esbuild';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const cloud = dirname(fileURLToPath(import.meta.url));
const outdirFlag = process.argv.indexOf('--outdir');
const outdir = outdirFlag >= 0 ? resolve(process.argv[outdirFlag + 1]) : join(cloud, 'dist');

const FUNCTIONS = ['identification-start', 'identification-status', 'identification-retention'];

await build({
  entryPoints: Object.fromEntries(FUNCTIONS.map((name) => [`${name}/index`, join(cloud, 'functions', name, 'index.ts')])),
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node12',
  format: 'cjs',
  logLevel: 'warning',
});
