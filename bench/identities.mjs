// Fixture identities for the load: the same generated, checksum-valid ID numbers and
// made-up names every test uses (tests/support/identities.ts), never a real person's.
// The bench is plain ESM run by node, so the TypeScript module is bundled on the fly;
// tree-shaking drops its fast-check import, leaving the GB 11643 generator alone.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Loads `makeCertNo(seed)` and `TEST_NAMES` from tests/support/identities.ts.
 * @returns {Promise<{ makeCertNo: (seed: number) => string, TEST_NAMES: readonly string[] }>}
 */
export async function loadTestIdentities() {
  const bundled = await build({
    stdin: {
      contents: "export { makeCertNo, TEST_NAMES } from './tests/support/identities';",
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    logLevel: 'warning',
  });
  const source = bundled.outputFiles[0].text;
  return import(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`);
}

/**
 * Hands out a distinct identity per call, so no two flows in a run share an ID number
 * (the server rate-limits and deduplicates per ID number; distinct numbers keep every
 * flow a fresh one, as in production).
 * @param {{ makeCertNo: (seed: number) => string, TEST_NAMES: readonly string[] }} identities
 * @param {number} [firstSeed]
 */
export function createIdentitySequence(identities, firstSeed = 0) {
  // makeCertNo is injective below 7,000,000 seeds; a 3-minute run uses well under 1,000,000.
  const lastSeed = 7_000_000;
  let seed = firstSeed;
  return function nextIdentity() {
    if (seed >= lastSeed) throw new RangeError('The run used every distinct fixture ID number');
    const certNo = identities.makeCertNo(seed);
    const certName = identities.TEST_NAMES[seed % identities.TEST_NAMES.length];
    seed += 1;
    return { certName, certNo };
  };
}
