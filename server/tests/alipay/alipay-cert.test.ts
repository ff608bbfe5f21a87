/**
 * Cert mode's certificate rules: our SN against alipay-sdk's own `getSN` (code we did not
 * write), and the chain check that decides whether a rotated Alipay certificate is trusted.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AlipaySdk } from 'alipay-sdk';
import { alipayCertSnOf, checkCertChain, parseCertificates } from '../../src/alipay/alipay-cert';

const fixture = (name: string): string => readFileSync(join(__dirname, '..', 'fixtures', 'cert-mode', name), 'utf8');

/** alipay-sdk's own SN of a certificate (its getSN, reached through the constructor, which is what it exports). */
function getSN(pem: string): string {
  const { config } = new AlipaySdk({
    appId: 'sn-check',
    privateKey: fixture('appPrivateKey.pem'),
    keyType: 'PKCS8',
    appCertContent: fixture('appCertPublicKey.crt'),
    alipayPublicCertContent: pem,
    alipayRootCertContent: fixture('alipayRootCert.crt'),
  });
  return config.alipayCertSn as string;
}
const ROOT = fixture('alipayRootCert.crt');
const IN_2026 = Date.UTC(2026, 2, 1);

describe('alipayCertSnOf', () => {
  it.each(['alipayCertPublicKey_RSA2.crt', 'alipayCertPublicKey_RSA2_next.crt', 'alipayCertPublicKey_RSA2_foreign.crt', 'appCertPublicKey.crt'])(
    'agrees with alipay-sdk\'s getSN for %s',
    (name) => {
      expect(alipayCertSnOf(new X509Certificate(fixture(name)))).toBe(getSN(fixture(name)));
    },
  );
});

describe('checkCertChain', () => {
  it('trusts a leaf that chains through its intermediate to the configured root, and returns the leaf', () => {
    const check = checkCertChain(fixture('alipayCertPublicKey_RSA2_next.crt'), ROOT, IN_2026);
    expect(check.trusted).toBe(true);
    expect(check.trusted && alipayCertSnOf(check.leaf)).toBe(getSN(fixture('alipayCertPublicKey_RSA2_next.crt')));
  });

  it('refuses a chain to another root, even one that carries its own root', () => {
    expect(checkCertChain(fixture('alipayCertPublicKey_RSA2_foreign.crt'), ROOT, IN_2026)).toEqual({
      trusted: false,
      reason: 'the certificate does not chain to the configured Alipay root',
    });
  });

  it('refuses a leaf whose intermediate is missing', () => {
    const [leaf] = parseCertificates(fixture('alipayCertPublicKey_RSA2.crt'));
    expect(checkCertChain(leaf.toString(), ROOT, IN_2026)).toMatchObject({ trusted: false });
  });

  it('refuses certificates outside their validity', () => {
    expect(checkCertChain(fixture('alipayCertPublicKey_RSA2.crt'), ROOT, Date.UTC(2019, 0, 1))).toEqual({
      trusted: false,
      reason: 'a certificate in the chain is expired or not yet valid',
    });
    expect(checkCertChain(fixture('alipayCertPublicKey_RSA2.crt'), ROOT, Date.UTC(2121, 0, 1))).toMatchObject({ trusted: false });
  });

  it('refuses content with no certificate, and a root file with none', () => {
    expect(checkCertChain('not a certificate', ROOT, IN_2026)).toEqual({ trusted: false, reason: 'no certificate in the content' });
    expect(checkCertChain(fixture('alipayCertPublicKey_RSA2.crt'), '', IN_2026)).toEqual({ trusted: false, reason: 'no usable root certificate configured' });
  });
});
