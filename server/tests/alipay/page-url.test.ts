/**
 * The certify page URL our client signs, against the official alipay-sdk's
 * `pageExecute(method, 'GET', …)` (code we did not write, a dev dependency for this): for
 * every key form and for cert mode, the same gateway, the same parameters and the same sign.
 * The SDK names itself in `alipay_sdk`; it is given our name, the one thing we send differently.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AlipaySdk, AlipaySdkConfig } from 'alipay-sdk';
import { AlipayClient, AlipayCredentials, CLIENT_AGENT, createAlipayClient } from '../../src/alipay/alipay-client';
import { formatBeijingTimestamp } from '../../src/alipay/beijing-time';
import { verifyRsa2 } from '../../src/alipay/gateway-signature';
import { buildSignedPageUrl } from '../../src/alipay/page-url';
import { buildRequestSignContent, METHOD_CERTIFY } from '../../src/alipay/protocol';
import { testKeys } from '../support/harness';

const GATEWAY = 'https://openapi.alipay.com/gateway.do';
const NOW = Date.UTC(2026, 0, 15, 20, 30, 0);
const CERTIFY_ID = 'ZM202601160430001234567890abcdef';

const fixture = (name: string): string => readFileSync(join(__dirname, '..', 'fixtures', 'cert-mode', name), 'utf8');
const bare = (pem: string): string => pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');

type Credentials = Omit<AlipayCredentials, 'appId' | 'gateway'>;

function keyModeCredentials(): Array<[string, Credentials]> {
  const key = createPrivateKey(testKeys().appPrivateKey);
  const pkcs1 = key.export({ type: 'pkcs1', format: 'pem' }).toString();
  const pkcs8 = key.export({ type: 'pkcs8', format: 'pem' }).toString();
  const alipayPublicKey = testKeys().alipayPublicKey;
  return [
    ['key mode, PKCS1 PEM', { privateKey: pkcs1, keyType: 'PKCS1', alipayPublicKey }],
    ['key mode, PKCS1 bare base64', { privateKey: bare(pkcs1), keyType: 'PKCS1', alipayPublicKey: bare(alipayPublicKey) }],
    ['key mode, PKCS8 PEM', { privateKey: pkcs8, keyType: 'PKCS8', alipayPublicKey }],
    ['key mode, PKCS8 bare base64, ISV token', { privateKey: bare(pkcs8), keyType: 'PKCS8', alipayPublicKey, appAuthToken: 'isv-token-123' }],
    [
      'cert mode',
      {
        privateKey: fixture('appPrivateKey.pem'),
        keyType: 'PKCS8',
        certs: { appCert: fixture('appCertPublicKey.crt'), alipayPublicCert: fixture('alipayCertPublicKey_RSA2.crt'), alipayRootCert: fixture('alipayRootCert.crt') },
      },
    ],
    [
      'cert mode, ISV token',
      {
        privateKey: bare(fixture('appPrivateKey.pem')),
        keyType: 'PKCS8',
        appAuthToken: 'isv-token-123',
        certs: { appCert: fixture('appCertPublicKey.crt'), alipayPublicCert: fixture('alipayCertPublicKey_RSA2.crt'), alipayRootCert: fixture('alipayRootCert.crt') },
      },
    ],
  ];
}

/** alipay-sdk as it is, but naming itself as we do in `alipay_sdk` (its pageExecute signs `version` there). */
class SdkNamedLikeUs extends AlipaySdk {
  override readonly version = CLIENT_AGENT as AlipaySdk['version'];
}

/** The URL alipay-sdk signs for the same credentials, timestamp and certify_id. */
function sdkCertifyUrl(credentials: Credentials): string {
  const config: AlipaySdkConfig = { appId: testKeys().appId, privateKey: credentials.privateKey, keyType: credentials.keyType, gateway: GATEWAY };
  if (credentials.certs) {
    config.appCertContent = credentials.certs.appCert;
    config.alipayPublicCertContent = credentials.certs.alipayPublicCert;
    config.alipayRootCertContent = credentials.certs.alipayRootCert;
  } else {
    config.alipayPublicKey = credentials.alipayPublicKey;
  }
  const sdk = new SdkNamedLikeUs(config);
  const params: Record<string, unknown> = { timestamp: formatBeijingTimestamp(NOW), bizContent: { certify_id: CERTIFY_ID } };
  if (credentials.appAuthToken) params.appAuthToken = credentials.appAuthToken;
  return sdk.pageExecute(METHOD_CERTIFY, 'GET', params);
}

function parametersOf(url: string): { gateway: string; params: Record<string, string> } {
  const parsed = new URL(url);
  return { gateway: `${parsed.origin}${parsed.pathname}`, params: Object.fromEntries(parsed.searchParams) };
}

const openClients: AlipayClient[] = [];
afterEach(() => {
  for (const client of openClients.splice(0)) client.close();
});

describe('the certify URL, against alipay-sdk\'s pageExecute GET', () => {
  it.each(keyModeCredentials())('has the SDK\'s gateway, parameters and sign in %s', async (_mode, credentials) => {
    const client = createAlipayClient({ ...credentials, appId: testKeys().appId, gateway: GATEWAY, timeoutMs: 1000, clock: () => NOW });
    openClients.push(client);
    const ours = parametersOf(await client.buildCertifyUrl(CERTIFY_ID));
    const sdk = parametersOf(sdkCertifyUrl(credentials));
    expect(ours).toEqual(sdk);
    // Not vacuous: the parameters that matter are there, and the sign covers them all.
    expect(ours.params).toMatchObject({ method: METHOD_CERTIFY, timestamp: '2026-01-16 04:30:00', biz_content: `{"certify_id":"${CERTIFY_ID}"}` });
    expect(Boolean(ours.params.app_cert_sn)).toBe(Boolean(credentials.certs));
    const { sign, ...signed } = ours.params;
    expect(verifyRsa2(buildRequestSignContent(signed), sign, createPublicKey(credentials.certs ? fixture('appPrivateKey.pem') : testKeys().appPrivateKey))).toBe(true);
  });
});

describe('buildSignedPageUrl', () => {
  it('keeps the gateway\'s own query and encodes what a URL cannot hold', async () => {
    const url = await buildSignedPageUrl('https://gateway.example/gateway.do?charset=utf-8', { method: 'm', biz_content: '{"a":"b c&d=é"}' }, createPrivateKey(testKeys().appPrivateKey));
    const parsed = new URL(url);
    expect(parsed.searchParams.get('charset')).toBe('utf-8');
    expect(parsed.searchParams.get('biz_content')).toBe('{"a":"b c&d=é"}');
    expect(url).not.toContain(' ');
  });
});
