// Builds what `npm start` and `npm run bench` run: the backend and the standalone
// emulator (Node bundles; node_modules stay external) and the H5 page (browser bundle).
// Type-checking is tsc's job (`npm run typecheck`); esbuild only transpiles and bundles.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const at = (path) => join(root, path);

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
};

const jobs = [
  build({ ...node, entryPoints: { server: at('server/src/server.ts'), emulator: at('server/src/emulator/main.ts') }, outdir: at('server/dist') }),
];
if (existsSync(at('h5/src/main.ts'))) {
  jobs.push(
    build({
      entryPoints: [at('h5/src/main.ts')],
      outfile: at('h5/dist/main.js'),
      bundle: true,
      platform: 'browser',
      target: ['es2019', 'safari12', 'chrome70'],
      format: 'iife',
      minify: true,
      sourcemap: true,
      logLevel: 'warning',
    }),
  );
}
await Promise.all(jobs);
