/**
 * Real mode in cert mode (`ALIPAY_APP_CERT_FILE`, `ALIPAY_PUBLIC_CERT_FILE`,
 * `ALIPAY_ROOT_CERT_FILE`), against the emulator in cert mode: every answer names the Alipay
 * certificate that signed it (`alipay_cert_sn`), and when Alipay rotates its certificate the
 * backend downloads the new one, trusts it only if it chains to the configured root, keeps it
 * across restarts, and refuses one from another root. The fixtures are throwaway test
 * certificates made by fixtures/cert-mode/make-certs.sh.
 */
import { createPublicKey, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FastifyInstance } from 'fastify';
import { CreateVerificationResponse } from '../../utils/api-contract';
import { makeCertNo, TEST_NAMES } from '../../tests/support/identities';
import { alipayCertSnOf } from '../src/alipay/alipay-cert';
import { buildApp } from '../src/app';
import { parseConfig } from '../src/config';
import { EmulatorCertRing } from '../src/emulator/alipay-certs';
import { buildEmulatorApp } from '../src/emulator/emulator-app';
import { EMULATOR_APP_ID, EmulatorKeys } from '../src/emulator/keys';
import { openSqliteRepository } from '../src/store/sqlite-repository';
import { capturedLogLines, captureStream, expectNoSecretsInLogs, TEST_PEPPER, TEST_MERCHANT_CONSENT_VERSION, TEST_MERCHANT_ENV } from './support/harness';
import { inject, send, TestResponse } from './support/http';

const fixtures = join(__dirname, 'fixtures', 'cert-mode');
const fixture = (name: string): string => readFileSync(join(fixtures, name), 'utf8');
const snOf = (name: string): string => alipayCertSnOf(new X509Certificate(fixture(name)));
const people = [0, 1, 2, 3].map((index) => ({ certName: TEST_NAMES[index], certNo: makeCertNo(801 + index) }));

afterAll(() => {
  expectNoSecretsInLogs(people.flatMap((person) => [person.certName, person.certNo]));
});

/** The emulated Alipay, holding its certificate, the renewed one under the same root, and one under a foreign root. */
async function startCertModeEmulator(): Promise<{ app: FastifyInstance; url: string }> {
  const keys: EmulatorKeys = {
    appId: EMULATOR_APP_ID,
    appPrivateKey: fixture('appPrivateKey.pem'),
    appPublicKey: createPublicKey(fixture('appCertPublicKey.crt')).export({ type: 'spki', format: 'pem' }).toString(),
    alipayPrivateKey: fixture('alipayPrivateKey.pem'),
    alipayPublicKey: createPublicKey(fixture('alipayCertPublicKey_RSA2.crt')).export({ type: 'spki', format: 'pem' }).toString(),
  };
  const alipayCerts = new EmulatorCertRing([
    { certPem: fixture('alipayCertPublicKey_RSA2.crt'), privateKey: fixture('alipayPrivateKey.pem') },
    { certPem: fixture('alipayCertPublicKey_RSA2_next.crt'), privateKey: fixture('alipayPrivateKey_next.pem') },
    { certPem: fixture('alipayCertPublicKey_RSA2_foreign.crt'), privateKey: fixture('alipayPrivateKey_foreign.pem') },
  ]);
  const app = await buildEmulatorApp({ keys, storeFile: ':memory:', redirectOrigins: [], logStream: captureStream(), alipayCerts });
  return { app, url: await app.listen({ port: 0, host: '127.0.0.1' }) };
}

/** The backend in real cert mode against `emulatorUrl`, keeping its data in `dataDir`; tests reach it through app.inject(). */
async function startBackend(emulatorUrl: string, dataDir: string): Promise<{ app: FastifyInstance }> {
  const config = parseConfig(
    {
      ALIPAY_MODE: 'alipay',
      ...TEST_MERCHANT_ENV,
      ALIPAY_APP_ID: EMULATOR_APP_ID,
      ALIPAY_PRIVATE_KEY_FILE: join(fixtures, 'appPrivateKey.pem'),
      ALIPAY_APP_CERT_FILE: join(fixtures, 'appCertPublicKey.crt'),
      ALIPAY_PUBLIC_CERT_FILE: join(fixtures, 'alipayCertPublicKey_RSA2.crt'),
      ALIPAY_ROOT_CERT_FILE: join(fixtures, 'alipayRootCert.crt'),
      ALIPAY_GATEWAY: `${emulatorUrl}/emulator/gateway.do`,
      ALIPAY_OAUTH_AUTHORIZE_URL: `${emulatorUrl}/emulator/oauth2/publicAppAuthorize.htm`,
      ID_HMAC_PEPPER: TEST_PEPPER,
      DATA_DIR: dataDir,
    },
    '/nonexistent-repo',
  );
  const app = await buildApp({ config }, { repository: await openSqliteRepository(':memory:'), logStream: captureStream() });
  return { app };
}

/** Logs in, creates a verification for `person` and returns what a client needs next. */
async function startFlow(backend: FastifyInstance, person: (typeof people)[number]): Promise<{ authorization: Record<string, string>; created: TestResponse }> {
  const session = await inject(backend, { method: 'POST', url: '/api/sessions', payload: { authCode: `cert-mode-${person.certNo}` } });
  expect(session.statusCode).toBe(201);
  const authorization = { authorization: `Bearer ${session.json<{ token: string }>().token}` };
  const created = await inject(backend, { method: 'POST', url: '/api/verifications', headers: authorization, payload: { ...person, consentVersion: TEST_MERCHANT_CONSENT_VERSION } });
  return { authorization, created };
}

async function pass(emulatorUrl: string, certifyId: string): Promise<void> {
  const response = await send(emulatorUrl, { method: 'POST', url: `/emulator/certifications/${certifyId}/outcome`, payload: { outcome: 'PASSED' } });
  expect(response.statusCode).toBe(200);
}

async function rotate(emulatorUrl: string): Promise<string> {
  const response = await send(emulatorUrl, { method: 'POST', url: '/emulator/alipay-cert/rotate' });
  expect(response.statusCode).toBe(200);
  return response.json<{ alipayCertSn: string }>().alipayCertSn;
}

const downloadsSoFar = (): number => capturedLogLines.filter((line) => line.includes('alipay.open.app.alipaycert.download')).length;

it('runs the flow in cert mode, with certificate serial numbers on every call and answer', async () => {
  const emulator = await startCertModeEmulator();
  const backend = await startBackend(emulator.url, mkdtempSync(join(tmpdir(), 'verify-cert-mode-')));
  try {
    const { authorization, created } = await startFlow(backend.app, people[0]);
    expect(created.statusCode).toBe(201);
    const { url, certifyId, verificationId } = created.json<CreateVerificationResponse>();
    const certifyUrl = new URL(url);
    expect(certifyUrl.searchParams.get('app_cert_sn')).toBe(snOf('appCertPublicKey.crt'));
    expect(certifyUrl.searchParams.get('alipay_root_cert_sn')).toMatch(/^[0-9a-f]{32}$/);
    await pass(emulator.url, certifyId);
    const status = await inject(backend.app, { url: `/api/verifications/${verificationId}`, headers: authorization });
    expect(status.json<{ status: string }>().status).toBe('PASSED');
  } finally {
    await backend.app.close();
    await emulator.app.close();
  }
});

it('follows a rotation of Alipay\'s certificate: downloads it once, checks its chain, and keeps it across a restart', async () => {
  const emulator = await startCertModeEmulator();
  const dataDir = mkdtempSync(join(tmpdir(), 'verify-cert-rotation-'));
  let backend = await startBackend(emulator.url, dataDir);
  try {
    // Before: answers name the configured certificate, and nothing is downloaded.
    const before = await startFlow(backend.app, people[1]);
    expect(before.created.statusCode).toBe(201);
    const downloadsBefore = downloadsSoFar();

    // During: Alipay renews its certificate; the next answer names the new SN.
    const renewedSn = await rotate(emulator.url);
    expect(renewedSn).toBe(snOf('alipayCertPublicKey_RSA2_next.crt'));
    const { certifyId, verificationId } = before.created.json<CreateVerificationResponse>();
    await pass(emulator.url, certifyId);
    const [first, second] = await Promise.all([
      inject(backend.app, { url: `/api/verifications/${verificationId}`, headers: before.authorization }),
      startFlow(backend.app, people[2]).then((flow) => flow.created),
    ]);
    expect(first.json<{ status: string }>().status).toBe('PASSED');
    expect(second.statusCode).toBe(201);
    expect(downloadsSoFar() - downloadsBefore).toBe(1);
    const cached = join(dataDir, 'alipay-certs', `${renewedSn}.crt`);
    expect(existsSync(cached)).toBe(true);
    expect(statSync(cached).mode & 0o777).toBe(0o600);
    expect(capturedLogLines.some((line) => line.includes('trusting a rotated Alipay certificate') && line.includes(renewedSn))).toBe(true);

    // After a restart: the cached certificate is trusted again without a download.
    await backend.app.close();
    backend = await startBackend(emulator.url, dataDir);
    const afterRestart = await startFlow(backend.app, people[3]);
    expect(afterRestart.created.statusCode).toBe(201);
    expect(downloadsSoFar() - downloadsBefore).toBe(1);
  } finally {
    await backend.app.close();
    await emulator.app.close();
  }
});

it('refuses a rotated certificate from another root: nothing it signs is trusted, and it is not cached', async () => {
  const emulator = await startCertModeEmulator();
  const dataDir = mkdtempSync(join(tmpdir(), 'verify-cert-foreign-'));
  const backend = await startBackend(emulator.url, dataDir);
  try {
    const { authorization, created } = await startFlow(backend.app, people[0]);
    const { certifyId, verificationId } = created.json<CreateVerificationResponse>();
    await pass(emulator.url, certifyId);
    await rotate(emulator.url);
    const foreignSn = await rotate(emulator.url);
    expect(foreignSn).toBe(snOf('alipayCertPublicKey_RSA2_foreign.crt'));

    const status = await inject(backend.app, { url: `/api/verifications/${verificationId}`, headers: authorization });
    expect(status.statusCode).toBe(502);
    expect(status.json<{ error: { code: string } }>().error.code).toBe('UPSTREAM_UNVERIFIED');
    const login = await inject(backend.app, { method: 'POST', url: '/api/sessions', payload: { authCode: 'foreign-root-login' } });
    expect(login.json<{ error: { code: string } }>().error.code).toBe('UPSTREAM_UNVERIFIED');
    expect(existsSync(join(dataDir, 'alipay-certs', `${foreignSn}.crt`))).toBe(false);
    expect(
      capturedLogLines.some((line) => line.includes('refused a rotated Alipay certificate') && line.includes('does not chain to the configured Alipay root')),
    ).toBe(true);
  } finally {
    await backend.app.close();
    await emulator.app.close();
  }
});
