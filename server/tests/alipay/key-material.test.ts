/**
 * Our reading of keys and certificates against the official alipay-sdk's (code we did not
 * write, kept as a dev dependency for this): the same private key from every form a merchant
 * is given, the same Alipay public key, and in cert mode the same app_cert_sn,
 * alipay_root_cert_sn and key from Alipay's certificate.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AlipaySdk } from 'alipay-sdk';
import { KeyMaterialError, KeyType, readAlipayPublicKey, readAppPrivateKey, readCertModeMaterial } from '../../src/alipay/key-material';
import { parseCertificates } from '../../src/alipay/alipay-cert';
import { testKeys } from '../support/harness';

const fixture = (name: string): string => readFileSync(join(__dirname, '..', 'fixtures', 'cert-mode', name), 'utf8');

/** The PEM body on one line: the bare base64 Alipay's key tool writes and its console shows. */
const bare = (pem: string): string => pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');

/** The app private key in each form a merchant may be given, as text and its ALIPAY_KEY_TYPE. */
function privateKeyForms(): Array<[string, string, KeyType]> {
  const key = createPrivateKey(testKeys().appPrivateKey);
  const pkcs1 = key.export({ type: 'pkcs1', format: 'pem' }).toString();
  const pkcs8 = key.export({ type: 'pkcs8', format: 'pem' }).toString();
  return [
    ['PKCS1 PEM', pkcs1, 'PKCS1'],
    ['PKCS1 bare base64', bare(pkcs1), 'PKCS1'],
    ['PKCS8 PEM', pkcs8, 'PKCS8'],
    ['PKCS8 bare base64', bare(pkcs8), 'PKCS8'],
  ];
}

const der = (key: KeyObject): Buffer =>
  key.type === 'private' ? key.export({ type: 'pkcs8', format: 'der' }) : key.export({ type: 'spki', format: 'der' });

describe('key mode, against alipay-sdk\'s formatKey', () => {
  it.each(privateKeyForms())('reads the app private key from %s as the SDK does', (_form, text, keyType) => {
    const sdk = new AlipaySdk({ appId: 'key-check', privateKey: text, keyType, alipayPublicKey: testKeys().alipayPublicKey });
    expect(der(readAppPrivateKey(text, keyType))).toEqual(der(createPrivateKey(sdk.config.privateKey)));
  });

  it.each([
    ['PEM', testKeys().alipayPublicKey],
    ['bare base64', bare(testKeys().alipayPublicKey)],
  ])('reads Alipay\'s public key from %s as the SDK does', (_form, text) => {
    const sdk = new AlipaySdk({ appId: 'key-check', privateKey: testKeys().appPrivateKey, keyType: 'PKCS8', alipayPublicKey: text });
    expect(der(readAlipayPublicKey(text))).toEqual(der(createPublicKey(sdk.config.alipayPublicKey)));
  });
});

describe('cert mode, against alipay-sdk\'s antcertutil', () => {
  function sdkConfigFor(alipayRootCert: string): AlipaySdk['config'] {
    return new AlipaySdk({
      appId: 'cert-check',
      privateKey: fixture('appPrivateKey.pem'),
      keyType: 'PKCS8',
      appCertContent: fixture('appCertPublicKey.crt'),
      alipayPublicCertContent: fixture('alipayCertPublicKey_RSA2.crt'),
      alipayRootCertContent: alipayRootCert,
    }).config;
  }
  const files = (alipayRootCert: string) => ({ appCert: fixture('appCertPublicKey.crt'), alipayPublicCert: fixture('alipayCertPublicKey_RSA2.crt'), alipayRootCert });

  it('gives the SDK\'s app_cert_sn, alipay_root_cert_sn, Alipay certificate SN and public key', () => {
    const root = fixture('alipayRootCert.crt');
    const ours = readCertModeMaterial(files(root));
    const sdk = sdkConfigFor(root);
    expect(ours).toMatchObject({ appCertSn: sdk.appCertSn, alipayRootCertSn: sdk.alipayRootCertSn, alipayCertSn: sdk.alipayCertSn });
    expect(der(ours.alipayPublicKey)).toEqual(der(createPublicKey(sdk.alipayPublicKey as string)));
  });

  it('joins the SNs of every RSA-signed root (SHA-1 and SHA-256) with _, in file order, skipping the EC root, as the SDK does', () => {
    // SHA-1 root, the fixture bundle (a SHA-256 RSA root, then an EC root), then a foreign leaf and its root.
    const bundle = [fixture('rootCert_sha1WithRSA.crt'), fixture('alipayRootCert.crt'), fixture('alipayCertPublicKey_RSA2_foreign.crt')].join('\n');
    const ours = readCertModeMaterial(files(bundle));
    expect(ours.alipayRootCertSn).toBe(sdkConfigFor(bundle).alipayRootCertSn);
    expect(parseCertificates(bundle)).toHaveLength(5);
    expect(ours.alipayRootCertSn.split('_')).toHaveLength(4);
  });

  it('refuses a root file with no RSA-signed certificate, where the SDK would quietly send no SNs', () => {
    const [, ecRoot] = parseCertificates(fixture('alipayRootCert.crt'));
    expect(sdkConfigFor(ecRoot.toString()).alipayRootCertSn).toBe('');
    expect(() => readCertModeMaterial(files(ecRoot.toString()))).toThrow(expect.objectContaining({ code: 'ERR_ALIPAY_CERT_INVALID' }));
  });

  it('refuses a certificate that does not parse, keeping node:crypto\'s error as the cause', () => {
    let thrown: unknown;
    try {
      readCertModeMaterial({ ...files(fixture('alipayRootCert.crt')), appCert: 'not a certificate' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(KeyMaterialError);
    expect(thrown).toMatchObject({ code: 'ERR_ALIPAY_CERT_INVALID', cause: { code: expect.stringMatching(/^ERR_/) } });
  });
});

describe('keys the client cannot use', () => {
  it('refuses base64 that is no private key, keeping node:crypto\'s error as the cause', () => {
    expect(() => readAppPrivateKey('TUlJQm5vdGFrZXk=', 'PKCS1')).toThrow(
      expect.objectContaining({ code: 'ERR_ALIPAY_PRIVATE_KEY_INVALID', cause: expect.objectContaining({ code: expect.stringMatching(/^ERR_/) }) }),
    );
  });

  it('refuses keys that are not RSA', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    expect(() => readAppPrivateKey(ec.privateKey, 'PKCS8')).toThrow(expect.objectContaining({ code: 'ERR_ALIPAY_PRIVATE_KEY_INVALID' }));
    expect(() => readAlipayPublicKey(ec.publicKey)).toThrow(expect.objectContaining({ code: 'ERR_ALIPAY_PUBLIC_KEY_INVALID' }));
  });

  it('refuses a public key that does not parse', () => {
    expect(() => readAlipayPublicKey('not a key')).toThrow(expect.objectContaining({ code: 'ERR_ALIPAY_PUBLIC_KEY_INVALID' }));
  });
});
