/**
 * The official alipay-sdk (code we did not write) against our emulator, listening for real on
 * 127.0.0.1: `exec` for oauth.token, certify initialize and query with the SDK's own answer
 * signature check on, `pageExecute` for the GET certify link, and the error answers the gateway
 * sends unsigned or signed. If the SDK and the emulator disagree, the emulator is the suspect:
 * these assertions state what the SDK does, never what the emulator happens to send.
 *
 * The SDK writes the request `timestamp` in host-local time and the emulator, like Alipay, reads
 * it as Beijing time (15 minutes either way), so this file runs with TZ=Asia/Shanghai. That has
 * to be set by the environment below: `process.env.TZ = ...` in a test file never reaches Node,
 * because jest gives each file its own copy of `process.env`.
 *
 * @jest-environment ./server/tests/support/beijing-time-environment.ts
 * @see https://github.com/alipay/alipay-sdk-nodejs-all (exec, pageExecute, checkResponseSign)
 * @see https://opendocs.alipay.com/apis/api_9/alipay.system.oauth.token
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.initialize
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.query
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FastifyInstance } from 'fastify';
import { AlipaySdk, AlipaySdkConfig } from 'alipay-sdk';
import { makeCertNo, TEST_NAMES } from '../../../tests/support/identities';
import { maskCertNo } from '../../../utils/identity';
import { EmulatorCertRing } from '../../src/emulator/alipay-certs';
import { buildEmulatorApp } from '../../src/emulator/emulator-app';
import { EMULATOR_APP_ID } from '../../src/emulator/keys';
import { captureStream, expectNoSecretsInLogs, RunningEmulator, startEmulator, TestClock, testKeys } from '../support/harness';
import { send, TestResponse } from '../support/http';

const person = { certName: TEST_NAMES[2], certNo: makeCertNo(901) };

/** An app key the emulator does not know, for the bad-signature case. */
const strangerKey = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;

afterAll(() => {
  expectNoSecretsInLogs([person.certName, person.certNo]);
});

it('runs in Beijing time, as the SDK\'s timestamps need', () => {
  expect(new Date().getTimezoneOffset()).toBe(-480);
});

/** The SDK camelCases the answer and adds the `trace_id` header as `traceId`. */
const TRACE_ID = expect.stringMatching(/^[0-9a-f]{32}$/);
const USER_ID = expect.stringMatching(/^2088\d{12}$/);
const OPEN_ID = expect.stringMatching(/^0[A-Za-z0-9]{45}$/);

let orderCounter = 0;

/** Initializes a certification through the SDK (camelCase bizContent, which it snake_cases) and returns its certifyId. */
async function initializeCertify(sdk: AlipaySdk): Promise<string> {
  orderCounter += 1;
  const result = await sdk.exec(
    'alipay.user.certify.open.initialize',
    {
      bizContent: {
        outerOrderNo: `SDK${String(orderCounter).padStart(8, '0')}`,
        bizCode: 'FACE',
        identityParam: { identityType: 'CERT_INFO', certType: 'IDENTITY_CARD', certName: person.certName, certNo: person.certNo },
        merchantConfig: { returnUrl: 'http://127.0.0.1:3000/' },
      },
    },
    { validateSign: true },
  );
  expect(result).toEqual({ code: '10000', msg: 'Success', certifyId: expect.stringMatching(/^[0-9a-f]{32}$/), traceId: TRACE_ID });
  return result.certifyId as string;
}

function queryCertify(sdk: AlipaySdk, certifyId: string): Promise<Record<string, unknown>> {
  return sdk.exec('alipay.user.certify.open.query', { bizContent: { certifyId } }, { validateSign: true });
}

function exchangeAuthCode(sdk: AlipaySdk, code: string): Promise<Record<string, unknown>> {
  return sdk.exec('alipay.system.oauth.token', { grantType: 'authorization_code', code }, { validateSign: true });
}

describe('key mode', () => {
  let emulator: RunningEmulator;

  beforeEach(async () => {
    // The SDK stamps requests with the real Date.now(), so the emulator's clock starts there too.
    emulator = await startEmulator(new TestClock(Date.now()));
  });

  afterEach(async () => {
    await emulator.app.close();
  });

  /** The SDK as a merchant configures it against our emulator, in key mode. */
  function sdkFor(overrides: Partial<AlipaySdkConfig> = {}): AlipaySdk {
    const keys = testKeys();
    return new AlipaySdk({
      appId: keys.appId,
      privateKey: keys.appPrivateKey,
      alipayPublicKey: keys.alipayPublicKey,
      gateway: `${emulator.url}/emulator/gateway.do`,
      keyType: 'PKCS8',
      signType: 'RSA2',
      ...overrides,
    });
  }

  async function postToEmulator(url: string, payload: unknown): Promise<void> {
    const response = await send(emulator.url, { method: 'POST', url, payload });
    expect(response.statusCode).toBe(200);
  }

  const setSettings = (settings: Record<string, unknown>): Promise<void> => postToEmulator('/emulator/settings', settings);
  const setOutcome = (certifyId: string, outcome: 'PASSED' | 'FAILED'): Promise<void> =>
    postToEmulator(`/emulator/certifications/${certifyId}/outcome`, { outcome });

  describe('exec, with the SDK checking each answer\'s signature', () => {
    it('accepts the oauth.token success a new app gets: no code, no msg, open_id only', async () => {
      const result = await exchangeAuthCode(sdkFor(), 'sdk-code-one');
      expect(result).toEqual({
        accessToken: expect.stringMatching(/^authbse/),
        authStart: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
        expiresIn: 1296000,
        reExpiresIn: 2592000,
        refreshToken: expect.stringMatching(/^authbse/),
        openId: OPEN_ID,
        traceId: TRACE_ID,
      });
    });

    it('accepts the oauth.token success with both user_id and open_id, stable per auth code', async () => {
      await setSettings({ oauthIdentity: 'both' });
      const sdk = sdkFor();
      const first = await exchangeAuthCode(sdk, 'sdk-code-one');
      expect(first).toMatchObject({ userId: USER_ID, openId: OPEN_ID, expiresIn: 1296000 });
      expect(first).not.toHaveProperty('code');
      expect(first).not.toHaveProperty('msg');
      const again = await exchangeAuthCode(sdk, 'sdk-code-one');
      const other = await exchangeAuthCode(sdk, 'sdk-code-two');
      expect(again).toMatchObject({ userId: first.userId, openId: first.openId });
      expect(other.userId).not.toBe(first.userId);
      expect(other.openId).not.toBe(first.openId);
    });

    it('initializes a certification and queries it: passed F before the face check, T after a pass', async () => {
      const sdk = sdkFor();
      const certifyId = await initializeCertify(sdk);
      expect(await queryCertify(sdk, certifyId)).toEqual({ code: '10000', msg: 'Success', passed: 'F', identityInfo: '{}', materialInfo: '{}', traceId: TRACE_ID });
      await setOutcome(certifyId, 'PASSED');
      expect(await queryCertify(sdk, certifyId)).toMatchObject({ code: '10000', passed: 'T' });
    });

    it('sees a failed check as passed F with no failReason, until the fail_reason extension is turned on', async () => {
      const sdk = sdkFor();
      const certifyId = await initializeCertify(sdk);
      await setOutcome(certifyId, 'FAILED');
      const failed = await queryCertify(sdk, certifyId);
      expect(failed).toMatchObject({ code: '10000', passed: 'F' });
      expect(failed).not.toHaveProperty('failReason');
      await setSettings({ failReason: true });
      expect(await queryCertify(sdk, certifyId)).toMatchObject({ code: '10000', passed: 'F', failReason: expect.stringMatching(/^\S+$/) });
    });
  });

  describe('pageExecute GET: the certify link', () => {
    const certifyLink = (sdk: AlipaySdk, certifyId: string): string =>
      sdk.pageExecute('alipay.user.certify.open.certify', 'GET', { bizContent: { certifyId } });

    /** The first base64 character carries six whole bits, so any other character changes the signature. */
    function tamperSignature(link: string): string {
      const url = new URL(link);
      const sign = url.searchParams.get('sign') ?? '';
      url.searchParams.set('sign', `${sign.startsWith('A') ? 'B' : 'A'}${sign.slice(1)}`);
      return url.href;
    }

    it('opens the emulator\'s certify page from the SDK\'s signed URL', async () => {
      const sdk = sdkFor();
      const certifyId = await initializeCertify(sdk);
      const link = certifyLink(sdk, certifyId);
      expect(link.startsWith(`${emulator.url}/emulator/gateway.do?`)).toBe(true);
      const page: TestResponse = await send(emulator.url, { url: link });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.body).toContain('<html lang="zh-CN">');
      for (const outcome of ['PASSED', 'FAILED', 'CANCELLED']) expect(page.body).toContain(`data-outcome="${outcome}"`);
      expect(page.body).toContain(maskCertNo(person.certNo));
      expect(page.body).not.toContain(person.certNo);
      expect(page.body).not.toContain(person.certName);
    });

    it('gets the emulator\'s error page (400) for the same URL with its signature tampered with', async () => {
      const sdk = sdkFor();
      const certifyId = await initializeCertify(sdk);
      const page = await send(emulator.url, { url: tamperSignature(certifyLink(sdk, certifyId)) });
      expect(page.statusCode).toBe(400);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.body).toContain('isv.invalid-signature');
      expect(page.body).not.toContain('data-outcome');
    });
  });

  describe('error answers', () => {
    const queryUnknownCertifyId = (sdk: AlipaySdk, validateSign: boolean): Promise<Record<string, unknown>> =>
      sdk.exec('alipay.user.certify.open.query', { bizContent: { certifyId: 'x' } }, { validateSign });

    it('fails closed on the unsigned isv.invalid-app-id answer, though not with an AlipayRequestError', async () => {
      const sdk = sdkFor({ appId: '2021000000000999' });
      // The SDK checks a signature on every answer, error or not, and passes the missing `sign`
      // straight to crypto's verify(): a Node TypeError, with no responseDataRaw and no sub_code.
      await expect(queryUnknownCertifyId(sdk, true)).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
      // Only with its check off does the SDK show what the answer says: the node under the
      // method's key, read from a text/html answer all the same. (Never do this for a success.)
      expect(await queryUnknownCertifyId(sdk, false)).toEqual({
        code: '40002',
        msg: 'Invalid Arguments',
        subCode: 'isv.invalid-app-id',
        subMsg: expect.any(String),
        traceId: TRACE_ID,
      });
    });

    it('verifies the signed isv.invalid-signature answer and returns it, as the SDK never checks code', async () => {
      const sdk = sdkFor({ privateKey: strangerKey });
      expect(await queryUnknownCertifyId(sdk, true)).toEqual({
        code: '40002',
        msg: 'Invalid Arguments',
        subCode: 'isv.invalid-signature',
        subMsg: expect.any(String),
        traceId: TRACE_ID,
      });
    });
  });
});

describe('cert mode', () => {
  const fixture = (name: string): string => readFileSync(join(__dirname, '..', 'fixtures', 'cert-mode', name), 'utf8');
  const publicKeyOf = (certName: string): string => createPublicKey(fixture(certName)).export({ type: 'spki', format: 'pem' }).toString();

  /** The SDK in cert mode: keys from certificates, and their serial numbers on every request. */
  function certModeSdk(gatewayOrigin: string, alipayCertName: string): AlipaySdk {
    return new AlipaySdk({
      appId: EMULATOR_APP_ID,
      privateKey: fixture('appPrivateKey.pem'),
      keyType: 'PKCS8',
      signType: 'RSA2',
      appCertContent: fixture('appCertPublicKey.crt'),
      alipayPublicCertContent: fixture(alipayCertName),
      alipayRootCertContent: fixture('alipayRootCert.crt'),
      gateway: `${gatewayOrigin}/emulator/gateway.do`,
    });
  }

  let certEmulator: { app: FastifyInstance; url: string };
  let ring: EmulatorCertRing;

  beforeEach(async () => {
    ring = new EmulatorCertRing([
      { certPem: fixture('alipayCertPublicKey_RSA2.crt'), privateKey: fixture('alipayPrivateKey.pem') },
      { certPem: fixture('alipayCertPublicKey_RSA2_next.crt'), privateKey: fixture('alipayPrivateKey_next.pem') },
    ]);
    const app = await buildEmulatorApp({
      keys: {
        appId: EMULATOR_APP_ID,
        appPrivateKey: fixture('appPrivateKey.pem'),
        appPublicKey: publicKeyOf('appCertPublicKey.crt'),
        alipayPrivateKey: fixture('alipayPrivateKey.pem'),
        alipayPublicKey: publicKeyOf('alipayCertPublicKey_RSA2.crt'),
      },
      storeFile: ':memory:',
      redirectOrigins: [],
      clock: new TestClock(Date.now()).read,
      logStream: captureStream(),
      alipayCerts: ring,
    });
    certEmulator = { app, url: await app.listen({ port: 0, host: '127.0.0.1' }) };
  });

  afterEach(async () => {
    await certEmulator.app.close();
  });

  it('accepts answers signed with Alipay\'s certificate, whose SN it computes as the emulator does', async () => {
    const sdk = certModeSdk(certEmulator.url, 'alipayCertPublicKey_RSA2.crt');
    // The SN the emulator writes as alipay_cert_sn, by the SDK's own getSN.
    expect(sdk.config.alipayCertSn).toBe(ring.active().sn);
    const token = await exchangeAuthCode(sdk, 'sdk-cert-code');
    expect(token).toMatchObject({ openId: OPEN_ID, expiresIn: 1296000 });
    const certifyId = await initializeCertify(sdk);
    expect(await queryCertify(sdk, certifyId)).toMatchObject({ code: '10000', passed: 'F' });
  });

  it('after a rotation, rejects answers until given the new certificate, which the answer names', async () => {
    const configured = certModeSdk(certEmulator.url, 'alipayCertPublicKey_RSA2.crt');
    const renewed = certModeSdk(certEmulator.url, 'alipayCertPublicKey_RSA2_next.crt');
    const rotate = await send(certEmulator.url, { method: 'POST', url: '/emulator/alipay-cert/rotate' });
    expect(rotate.json<{ alipayCertSn: string }>().alipayCertSn).toBe(renewed.config.alipayCertSn);
    // alipay-sdk 4.14 does not read alipay_cert_sn in v2 answers, nor download a new
    // certificate: it only finds that the signature no longer verifies (an error with no code).
    const refused = exchangeAuthCode(configured, 'sdk-cert-code');
    await expect(refused).rejects.toMatchObject({
      name: 'AlipayRequestError',
      code: undefined,
      responseDataRaw: expect.stringContaining(`"alipay_cert_sn":"${renewed.config.alipayCertSn}"`),
    });
    const token = await exchangeAuthCode(renewed, 'sdk-cert-code');
    expect(token).toMatchObject({ openId: OPEN_ID });
  });
});
