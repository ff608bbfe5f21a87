/**
 * Conformance: the real backend in real mode (ALIPAY_MODE=alipay) against a gateway that
 * answers only with shapes the real Alipay gateway was publicly seen to send
 * (fixtures/alipay-answers/, each with its source), in the three key set-ups merchants use:
 * PKCS1 PEM, PKCS8 bare base64 with an app_auth_token, and cert mode. Every case goes through
 * the public API only: POST /api/sessions, POST /api/verifications, GET /api/verifications/:id.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FastifyInstance } from 'fastify';
import { CreateSessionResponse, CreateVerificationResponse, VerificationView } from '../../utils/api-contract';
import { makeCertNo, TEST_NAMES } from '../../tests/support/identities';
import { buildApp } from '../src/app';
import { parseConfig } from '../src/config';
import { openSqliteRepository } from '../src/store/sqlite-repository';
import { AnswerSigner, certSerialNumbersOf, FixtureGateway, GatewayHit, loadAnswerFixtures, startFixtureGateway } from './support/fixture-gateway';
import { captureStream, expectNoSecretsInLogs, TEST_PEPPER, testKeys, TEST_MERCHANT_CONSENT_VERSION, TEST_MERCHANT_ENV } from './support/harness';
import { inject, TestResponse } from './support/http';

/** The gateway methods, as Alipay spells them (the fixtures name theirs). */
const OAUTH = 'alipay.system.oauth.token';
const INITIALIZE = 'alipay.user.certify.open.initialize';
const QUERY = 'alipay.user.certify.open.query';

const APP_ID = '9021000000000001';
const APP_AUTH_TOKEN = '202603BB00000000000000000000000000000X01';
const QUERY_RETRIES = 2;

/** What the public API answers for each fixture, when it is the answer to the call under test. */
type Outcome =
  /** 201 from POST /api/sessions (and the token works) or POST /api/verifications. */
  | { kind: 'created' }
  /** 200 from GET /api/verifications/:id with this status. */
  | { kind: 'status'; status: 'PASSED' | 'PENDING' }
  /** An error answer; a query error never leaves the verification PASSED. */
  | { kind: 'error'; http: number; code: string; subCode?: string };
type ErrorOutcome = Extract<Outcome, { kind: 'error' }>;

const created: Outcome = { kind: 'created' };
const unverified: Outcome = { kind: 'error', http: 502, code: 'UPSTREAM_UNVERIFIED' };
const unavailable: Outcome = { kind: 'error', http: 503, code: 'UPSTREAM_UNAVAILABLE' };
const rejected = (subCode: string): Outcome => ({ kind: 'error', http: 502, code: 'UPSTREAM_REJECTED', subCode });

const EXPECTED: Record<string, Outcome> = {
  'oauth-success-key-mode': created,
  'oauth-success-cert-mode': created,
  'oauth-open-id-only': created,
  'oauth-code-invalid': { kind: 'error', http: 400, code: 'AUTH_CODE_INVALID' },
  'oauth-invalid-app-id': rejected('isv.invalid-app-id'),
  'oauth-invalid-signature': rejected('isv.invalid-signature'),
  'initialize-success': created,
  'initialize-business-failed': rejected('unknown-sub-code'),
  'query-passed-t': { kind: 'status', status: 'PASSED' },
  'query-passed-f': { kind: 'status', status: 'PENDING' },
  'query-passed-array': { kind: 'status', status: 'PASSED' },
  'query-escaped-slash': { kind: 'status', status: 'PASSED' },
  'query-unavailable-unsigned': unavailable,
  'query-unavailable-signed': unavailable,
  'tampered-oauth-duplicate-response-key': unverified,
  'tampered-oauth-unsigned-success': unverified,
  'tampered-query-duplicate-response-key': unverified,
  'tampered-query-two-response-nodes': unverified,
  'tampered-query-wrong-sign': unverified,
  'tampered-query-duplicate-sign': unverified,
};

const fixtures = loadAnswerFixtures();
const fixtureNames = [...fixtures.keys()];

const certModeDir = join(__dirname, 'fixtures', 'cert-mode');
// Read at test time: the certificates are regenerated now and then under the same names.
const certModeFile = (name: string): string => readFileSync(join(certModeDir, name), 'utf8');
const certSns = certSerialNumbersOf({
  appPrivateKey: certModeFile('appPrivateKey.pem'),
  appCert: certModeFile('appCertPublicKey.crt'),
  alipayPublicCert: certModeFile('alipayCertPublicKey_RSA2.crt'),
  alipayRootCert: certModeFile('alipayRootCert.crt'),
});

/** Every identity sent in this file, so the logs can be searched for them at the end. */
const sentIdentities: string[] = [];
let identitySeed = 0;

function nextPerson(): { certName: string; certNo: string } {
  identitySeed += 1;
  const person = { certName: TEST_NAMES[identitySeed % TEST_NAMES.length], certNo: makeCertNo(9100 + identitySeed) };
  sentIdentities.push(person.certName, person.certNo);
  return person;
}

afterAll(() => {
  expectNoSecretsInLogs(sentIdentities);
});

interface KeySetup {
  name: string;
  /** The ALIPAY_* key variables; `dataDir` is this set-up's own temp directory. */
  keyEnv(dataDir: string): Record<string, string>;
  signer: AnswerSigner;
  /** Checks the common parameters every call of this set-up carries. */
  expectCommonParameters(hit: GatewayHit): void;
}

const keys = testKeys();

const keySetups: KeySetup[] = [
  {
    name: 'PKCS1 key mode (PEM private key file, PEM Alipay public key)',
    keyEnv: (dataDir) => {
      const file = join(dataDir, 'app-private-key-pkcs1.pem');
      writeFileSync(file, createPrivateKey(keys.appPrivateKey).export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
      return { ALIPAY_PRIVATE_KEY_FILE: file, ALIPAY_PUBLIC_KEY: keys.alipayPublicKey };
    },
    signer: { alipayPrivateKey: keys.alipayPrivateKey, alipayCertSn: certSns.alipayCertSn, certMode: false },
    expectCommonParameters: (hit) => {
      expect(hit.query.get('app_auth_token')).toBeNull();
      expect(hit.query.get('app_cert_sn')).toBeNull();
    },
  },
  {
    name: 'PKCS8 key mode (bare base64 keys) with app_auth_token',
    keyEnv: () => ({
      ALIPAY_PRIVATE_KEY: createPrivateKey(keys.appPrivateKey).export({ type: 'pkcs8', format: 'der' }).toString('base64'),
      ALIPAY_KEY_TYPE: 'PKCS8',
      ALIPAY_PUBLIC_KEY: createPublicKey(keys.alipayPublicKey).export({ type: 'spki', format: 'der' }).toString('base64'),
      ALIPAY_APP_AUTH_TOKEN: APP_AUTH_TOKEN,
    }),
    signer: { alipayPrivateKey: keys.alipayPrivateKey, alipayCertSn: certSns.alipayCertSn, certMode: false },
    expectCommonParameters: (hit) => {
      expect(hit.query.get('app_auth_token')).toBe(APP_AUTH_TOKEN);
      expect(hit.query.get('app_cert_sn')).toBeNull();
    },
  },
  {
    name: 'cert mode (fixtures/cert-mode certificates)',
    keyEnv: () => ({
      ALIPAY_PRIVATE_KEY_FILE: join(certModeDir, 'appPrivateKey.pem'),
      ALIPAY_KEY_TYPE: 'PKCS8',
      ALIPAY_APP_CERT_FILE: join(certModeDir, 'appCertPublicKey.crt'),
      ALIPAY_PUBLIC_CERT_FILE: join(certModeDir, 'alipayCertPublicKey_RSA2.crt'),
      ALIPAY_ROOT_CERT_FILE: join(certModeDir, 'alipayRootCert.crt'),
    }),
    signer: { alipayPrivateKey: certModeFile('alipayPrivateKey.pem'), alipayCertSn: certSns.alipayCertSn, certMode: true },
    expectCommonParameters: (hit) => {
      expect(hit.query.get('app_auth_token')).toBeNull();
      expect(hit.query.get('app_cert_sn')).toBe(certSns.appCertSn);
      expect(hit.query.get('alipay_root_cert_sn')).toBe(certSns.alipayRootCertSn);
    },
  },
];

it('has an expected outcome for every fixture, and a fixture for every expected outcome', () => {
  expect([...fixtureNames].sort()).toEqual(Object.keys(EXPECTED).sort());
});

describe.each(keySetups)('$name', (setup) => {
  let gateway: FixtureGateway;
  let app: FastifyInstance;

  beforeAll(async () => {
    gateway = await startFixtureGateway(fixtures, setup.signer);
    const dataDir = mkdtempSync(join(tmpdir(), 'verify-conformance-'));
    const config = parseConfig(
      {
        ALIPAY_MODE: 'alipay',
        ...TEST_MERCHANT_ENV,
        ALIPAY_APP_ID: APP_ID,
        ...setup.keyEnv(dataDir),
        ALIPAY_GATEWAY: gateway.url,
        ALIPAY_OAUTH_AUTHORIZE_URL: 'http://127.0.0.1/oauth',
        ALIPAY_TIMEOUT_MS: '2000',
        ALIPAY_QUERY_RETRIES: String(QUERY_RETRIES),
        // Every case opens its own verification for the same test user; the limits are not under test.
        RATE_LIMIT_PER_USER: '1000',
        RATE_LIMIT_PER_CERT_NO: '1000',
        ID_HMAC_PEPPER: TEST_PEPPER,
        DATA_DIR: dataDir,
      },
      '/nonexistent-repo',
    );
    app = await buildApp({ config }, {
      repository: await openSqliteRepository(':memory:'),
      logStream: captureStream(),
      // Retries back off through this sleeper: recorded nowhere, never waited for.
      sleep: async () => undefined,
      repoRoot: '/nonexistent-repo',
    });
  });

  afterAll(async () => {
    await app?.close();
    await gateway?.close();
  });

  const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

  function createSession(): Promise<TestResponse> {
    return inject(app, { method: 'POST', url: '/api/sessions', payload: { authCode: 'conformance-code' } });
  }

  async function login(): Promise<string> {
    gateway.answer(OAUTH, 'oauth-success-key-mode');
    const response = await createSession();
    if (response.statusCode !== 201) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
    return response.json<CreateSessionResponse>().token;
  }

  function createVerification(token: string): Promise<TestResponse> {
    return inject(app, { method: 'POST', url: '/api/verifications', headers: bearer(token), payload: { ...nextPerson(), consentVersion: TEST_MERCHANT_CONSENT_VERSION } });
  }

  async function startVerification(token: string): Promise<string> {
    gateway.answer(INITIALIZE, 'initialize-success');
    const response = await createVerification(token);
    if (response.statusCode !== 201) throw new Error(`initialize failed: ${response.statusCode} ${response.body}`);
    return response.json<CreateVerificationResponse>().verificationId;
  }

  function getVerification(token: string, verificationId: string): Promise<TestResponse> {
    return inject(app, { url: `/api/verifications/${verificationId}`, headers: bearer(token) });
  }

  const queryHits = (): number => gateway.hits.filter((hit) => hit.method === QUERY).length;

  function expectError(response: TestResponse, outcome: ErrorOutcome): void {
    expect({ status: response.statusCode, code: response.json().error.code }).toEqual({ status: outcome.http, code: outcome.code });
    if (outcome.subCode !== undefined) expect(response.json().error.subCode).toBe(outcome.subCode);
  }

  async function checkOauth(name: string, outcome: Outcome): Promise<void> {
    gateway.answer(OAUTH, name);
    const response = await createSession();
    if (outcome.kind === 'error') {
      expectError(response, outcome);
      expect(response.json()).not.toHaveProperty('token');
      return;
    }
    expect({ outcome: outcome.kind, status: response.statusCode }).toEqual({ outcome: 'created', status: 201 });
    // The token opens the API: an unknown verification is 404 to its holder, not 401.
    const probe = await getVerification(response.json<CreateSessionResponse>().token, '00000000-0000-4000-8000-000000000000');
    expect({ status: probe.statusCode, code: probe.json().error.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
  }

  async function checkInitialize(name: string, outcome: Outcome): Promise<void> {
    const token = await login();
    gateway.answer(INITIALIZE, name);
    const response = await createVerification(token);
    if (outcome.kind === 'error') {
      expectError(response, outcome);
      return;
    }
    expect({ outcome: outcome.kind, status: response.statusCode }).toEqual({ outcome: 'created', status: 201 });
    expect(response.json<CreateVerificationResponse>().certifyId).toMatch(/^[0-9a-f]{32}$/);
  }

  async function checkQuery(name: string, outcome: Outcome): Promise<void> {
    const token = await login();
    const verificationId = await startVerification(token);
    gateway.answer(QUERY, name);
    const hitsBefore = queryHits();
    const response = await getVerification(token, verificationId);
    if (outcome.kind === 'status') {
      expect({ status: response.statusCode, verification: response.json<VerificationView>().status }).toEqual({ status: 200, verification: outcome.status });
      return;
    }
    if (outcome.kind !== 'error') throw new Error(`${name}: a query answer is a status or an error`);
    expectError(response, outcome);
    if (outcome.code === 'UPSTREAM_UNAVAILABLE') expect(queryHits() - hitsBefore).toBe(1 + QUERY_RETRIES);
    // Whatever the failed answer claimed, the stored verification is still PENDING.
    gateway.answer(QUERY, 'query-passed-f');
    const after = await getVerification(token, verificationId);
    expect({ status: after.statusCode, verification: after.json<VerificationView>().status }).toEqual({ status: 200, verification: 'PENDING' });
  }

  it.each(fixtureNames)('answers %s as the real gateway means it', async (name) => {
    const outcome = EXPECTED[name];
    const { method } = fixtures.get(name) ?? { method: '' };
    if (method === OAUTH) await checkOauth(name, outcome);
    else if (method === INITIALIZE) await checkInitialize(name, outcome);
    else await checkQuery(name, outcome);
  });

  it('signs every call as this set-up must (app_id, RSA2, app_auth_token, cert SNs)', async () => {
    const hitsBefore = gateway.hits.length;
    const token = await login();
    const verificationId = await startVerification(token);
    gateway.answer(QUERY, 'query-passed-f');
    await getVerification(token, verificationId);
    const hits = gateway.hits.slice(hitsBefore);
    expect(hits.map((hit) => hit.method)).toEqual([OAUTH, INITIALIZE, QUERY]);
    for (const hit of hits) {
      expect({ appId: hit.query.get('app_id'), signType: hit.query.get('sign_type') }).toEqual({ appId: APP_ID, signType: 'RSA2' });
      setup.expectCommonParameters(hit);
    }
  });
});
