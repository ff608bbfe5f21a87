/**
 * Real mode in cert mode (`ALIPAY_APP_CERT_FILE`, `ALIPAY_PUBLIC_CERT_FILE`,
 * `ALIPAY_ROOT_CERT_FILE`), against the emulator holding the matching keys: alipay-sdk takes
 * Alipay's public key from its certificate, sends the certificate serial numbers, and every
 * answer is still verified. The fixtures are throwaway test certificates (see fixtures/).
 */
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateVerificationResponse } from '../../utils/api-contract';
import { makeCertNo, TEST_NAMES } from '../../tests/support/identities';
import { buildApp } from '../src/app';
import { parseConfig } from '../src/config';
import { buildEmulatorApp } from '../src/emulator/emulator-app';
import { EMULATOR_APP_ID, EmulatorKeys } from '../src/emulator/keys';
import { openSqliteRepository } from '../src/store/sqlite-repository';
import { captureStream, expectNoSecretsInLogs, TEST_PEPPER } from './support/harness';
import { send } from './support/http';

const fixtures = join(__dirname, 'fixtures', 'cert-mode');
const fixture = (name: string): string => readFileSync(join(fixtures, name), 'utf8');
const person = { certName: TEST_NAMES[0], certNo: makeCertNo(801) };

afterAll(() => {
  expectNoSecretsInLogs([person.certName, person.certNo]);
});

it('runs the flow in cert mode, with certificate serial numbers on every call', async () => {
  const keys: EmulatorKeys = {
    appId: EMULATOR_APP_ID,
    appPrivateKey: fixture('appPrivateKey.pem'),
    appPublicKey: createPublicKey(fixture('appCertPublicKey.crt')).export({ type: 'spki', format: 'pem' }).toString(),
    alipayPrivateKey: fixture('alipayPrivateKey.pem'),
    alipayPublicKey: createPublicKey(fixture('alipayCertPublicKey_RSA2.crt')).export({ type: 'spki', format: 'pem' }).toString(),
  };
  const emulator = await buildEmulatorApp({ keys, storeFile: ':memory:', redirectOrigins: [], logStream: captureStream() });
  const emulatorUrl = await emulator.listen({ port: 0, host: '127.0.0.1' });
  const config = parseConfig(
    {
      ALIPAY_APP_ID: EMULATOR_APP_ID,
      ALIPAY_PRIVATE_KEY_FILE: join(fixtures, 'appPrivateKey.pem'),
      ALIPAY_KEY_TYPE: 'PKCS8',
      ALIPAY_APP_CERT_FILE: join(fixtures, 'appCertPublicKey.crt'),
      ALIPAY_PUBLIC_CERT_FILE: join(fixtures, 'alipayCertPublicKey_RSA2.crt'),
      ALIPAY_ROOT_CERT_FILE: join(fixtures, 'alipayRootCert.crt'),
      ALIPAY_GATEWAY: `${emulatorUrl}/emulator/gateway.do`,
      ID_HMAC_PEPPER: TEST_PEPPER,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'verify-cert-mode-')),
    },
    '/nonexistent-repo',
  );
  const app = await buildApp({ config, repository: await openSqliteRepository(':memory:'), logStream: captureStream() });
  try {
    const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    const session = await send(baseUrl, { method: 'POST', url: '/api/sessions', payload: { authCode: 'cert-mode-code' } });
    expect(session.statusCode).toBe(201);
    const authorization = { authorization: `Bearer ${session.json<{ token: string }>().token}` };
    const created = await send(baseUrl, { method: 'POST', url: '/api/verifications', headers: authorization, payload: person });
    expect(created.statusCode).toBe(201);
    const { url, certifyId, verificationId } = created.json<CreateVerificationResponse>();
    const certifyUrl = new URL(url);
    expect(certifyUrl.searchParams.get('app_cert_sn')).toMatch(/^[0-9a-f]{32}$/);
    expect(certifyUrl.searchParams.get('alipay_root_cert_sn')).toMatch(/^[0-9a-f]{32}$/);

    await send(emulatorUrl, { method: 'POST', url: `/emulator/certifications/${certifyId}/outcome`, payload: { outcome: 'PASSED' } });
    const status = await send(baseUrl, { url: `/api/verifications/${verificationId}`, headers: authorization });
    expect(status.json<{ status: string }>().status).toBe('PASSED');
  } finally {
    await app.close();
    await emulator.close();
  }
});
