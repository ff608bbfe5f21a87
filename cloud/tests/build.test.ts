/**
 * What gets uploaded: `node cloud/build.mjs` (npm run build:cloud) makes one self-contained
 * CommonJS file per function whose `module.exports` is the `async function (ctx)` the cloud
 * calls, reading its settings from the process environment as the cloud sets them. The bundles
 * themselves then run a verification end to end in the emulated cloud.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertNo, TEST_NAMES } from '../../tests/support/identities';
import { CloudFunction } from '../types/serverless';
import { ALICE, CloudHarness, expectNoPersonalData, startCloudHarness, TEST_CONSENT_VERSION, TEST_ENV } from './support';

const outdir = mkdtempSync(join(tmpdir(), 'cloud-build-'));
const savedEnv = { ...process.env };
let harness: CloudHarness;

beforeAll(() => {
  execFileSync(process.execPath, [join(__dirname, '..', 'build.mjs'), '--outdir', outdir], { stdio: 'pipe' });
  Object.assign(process.env, TEST_ENV);
});

afterAll(() => {
  for (const name of Object.keys(TEST_ENV)) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
});

beforeEach(async () => {
  harness = await startCloudHarness();
  // The deployed functions log to stdout, as the cloud keeps it: captured with the rest.
  jest.spyOn(console, 'log').mockImplementation((line: unknown) => {
    harness.logs.push(String(line));
  });
});

afterEach(async () => {
  jest.restoreAllMocks();
  await harness.close();
});

function loadBundle(name: string): { source: string; fn: CloudFunction<unknown, unknown> } {
  const file = join(outdir, name, 'index.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle is CommonJS, loaded as the cloud loads it
  return { source: readFileSync(file, 'utf8'), fn: require(file) as CloudFunction<unknown, unknown> };
}

it.each(['identification-start', 'identification-status', 'identification-retention'])('%s is one CommonJS file exporting an async function, needing only Node built-ins', (name) => {
  const { source, fn } = loadBundle(name);
  expect(typeof fn).toBe('function');
  expect(fn.constructor.name).toBe('AsyncFunction');
  expect(source).toMatch(/^module\.exports = create\w+\(\);$/m);
  const required = Array.from(source.matchAll(/require\("([^"]+)"\)/g), (match) => match[1]);
  expect(new Set(required)).toEqual(new Set(['crypto']));
});

it('runs a verification from start to PASSED as deployed, with the settings from the process environment', async () => {
  const start = loadBundle('identification-start').fn;
  const status = loadBundle('identification-status').fn;
  const certName = TEST_NAMES[1];
  const certNo = makeCertNo(70);
  const started = (await harness.cloud.invoke(start, ALICE, { certName, certNo, consentVersion: TEST_CONSENT_VERSION })) as { verificationId: string; certifyId: string };
  expect(started).toMatchObject({ verificationId: expect.any(String), certifyId: expect.any(String) });
  await harness.setOutcome(started.certifyId, 'PASSED');
  expect(await harness.cloud.invoke(status, ALICE, { verificationId: started.verificationId })).toMatchObject({ status: 'PASSED' });
  expect(harness.logs.filter((line) => line.includes('"event":"verification.status"'))).toHaveLength(2);
  expectNoPersonalData(harness, [certName, certNo]);
});
