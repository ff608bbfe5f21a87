/**
 * Cert mode's certificate rules, as pure functions over PEM text: the serial number Alipay
 * names a certificate by, and the check that a certificate Alipay hands us chains to the
 * root we were configured with. Both sides use them: the client to trust a rotated
 * certificate, the emulator to name its own.
 *
 * @see https://opendocs.alipay.com/common/056zub (public-key certificate mode, SNs)
 * @see https://opendocs.alipay.com/apis/api_9/alipay.open.app.alipaycert.download
 */
import { createHash, X509Certificate } from 'node:crypto';

/** The certificates in a PEM text, in order, skipping blocks node:crypto cannot parse. */
export function parseCertificates(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const certificates: X509Certificate[] = [];
  for (const block of blocks) {
    try {
      certificates.push(new X509Certificate(block));
    } catch {
      // Alipay's root bundle holds certificates of other algorithms; they cannot anchor RSA2.
    }
  }
  return certificates;
}

/**
 * Alipay's SN of a certificate: MD5 (hex) of the issuer's distinguished name, most specific
 * attribute first and comma-joined (`CN=…,OU=…,O=…,C=CN`), followed by the decimal serial.
 * node:crypto prints the issuer one attribute per line in certificate order, so it is reversed.
 */
export function alipayCertSnOf(certificate: X509Certificate): string {
  const issuer = certificate.issuer.split('\n').filter(Boolean).reverse().join(',');
  const serial = BigInt(`0x${certificate.serialNumber}`).toString(10);
  return createHash('md5').update(`${issuer}${serial}`, 'utf8').digest('hex');
}

/** Where a DER element's content starts and where the element ends. */
interface DerElement {
  contentStart: number;
  end: number;
}

/** The DER element at `offset` (definite lengths only, which is all DER has). */
function readDerElement(der: Buffer, offset: number): DerElement {
  let length = der[offset + 1];
  let contentStart = offset + 2;
  if (length & 0x80) {
    const lengthBytes = length & 0x7f;
    length = 0;
    for (let index = 0; index < lengthBytes; index += 1) length = length * 256 + der[contentStart + index];
    contentStart += lengthBytes;
  }
  return { contentStart, end: contentStart + length };
}

/** An OBJECT IDENTIFIER's content octets in dotted form: base-128 arcs, the first octet holding two. */
function decodeObjectIdentifier(octets: Buffer): string {
  const arcs: number[] = [];
  let value = 0;
  for (const octet of octets) {
    value = value * 128 + (octet & 0x7f);
    if ((octet & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    }
  }
  const [firstTwo, ...rest] = arcs;
  const first = firstTwo < 80 ? Math.floor(firstTwo / 40) : 2;
  return [first, firstTwo - first * 40, ...rest].join('.');
}

/**
 * The OID of the algorithm the certificate's issuer signed it with. node:crypto (20) does not
 * expose it, so it is read from the DER node:crypto already parsed and checked:
 * Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm SEQUENCE { OID, … }, … }.
 */
function signatureAlgorithmOf(certificate: X509Certificate): string {
  const der = certificate.raw;
  const outer = readDerElement(der, 0);
  const tbsCertificate = readDerElement(der, outer.contentStart);
  const algorithm = readDerElement(der, tbsCertificate.end);
  const oid = readDerElement(der, algorithm.contentStart);
  return decodeObjectIdentifier(der.subarray(oid.contentStart, oid.end));
}

/** PKCS #1's signature algorithms: sha1WithRSAEncryption is ….1.5, sha256WithRSAEncryption ….1.11. */
const RSA_SIGNATURE_ALGORITHM_PREFIX = '1.2.840.113549.1.1.';

/**
 * alipay_root_cert_sn: the SNs of the root bundle's certificates that are signed with RSA
 * (PKCS #1), in file order, joined by '_'. Alipay's bundle also holds roots of other
 * algorithms (EC, SM2), which do not count. The rule of the Java SDK's getRootCertSN and of
 * alipay-sdk's antcertutil (signature OID starting 1.2.840.113549.1.1); empty when none is RSA.
 * @see https://opendocs.alipay.com/common/056zub
 */
export function alipayRootCertSnOf(rootPem: string): string {
  return parseCertificates(rootPem)
    .filter((certificate) => signatureAlgorithmOf(certificate).startsWith(RSA_SIGNATURE_ALGORITHM_PREFIX))
    .map(alipayCertSnOf)
    .join('_');
}

function isValidAt(certificate: X509Certificate, now: number): boolean {
  return Date.parse(certificate.validFrom) <= now && now <= Date.parse(certificate.validTo);
}

function issues(issuer: X509Certificate, subject: X509Certificate): boolean {
  return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
}

export type ChainCheck = { trusted: true; leaf: X509Certificate } | { trusted: false; reason: string };

/** Longer than any real chain (Alipay's is leaf, intermediate, root); bounds a hostile bundle. */
const MAX_CHAIN_LENGTH = 5;

/**
 * Whether the first certificate of `chainPem` chains, through the others, to one of the
 * certificates of `rootPem`, every link signed by the next and valid at `now`.
 */
export function checkCertChain(chainPem: string, rootPem: string, now: number): ChainCheck {
  const chain = parseCertificates(chainPem);
  const roots = parseCertificates(rootPem);
  if (chain.length === 0) return { trusted: false, reason: 'no certificate in the content' };
  if (roots.length === 0) return { trusted: false, reason: 'no usable root certificate configured' };
  const [leaf] = chain;
  let current = leaf;
  for (let length = 1; length <= MAX_CHAIN_LENGTH; length += 1) {
    if (!isValidAt(current, now)) return { trusted: false, reason: 'a certificate in the chain is expired or not yet valid' };
    const root = roots.find((candidate) => issues(candidate, current));
    if (root) {
      if (!isValidAt(root, now)) return { trusted: false, reason: 'the root certificate is expired or not yet valid' };
      return { trusted: true, leaf };
    }
    const issuer = chain.find((candidate) => candidate !== current && issues(candidate, current));
    if (!issuer) return { trusted: false, reason: 'the certificate does not chain to the configured Alipay root' };
    current = issuer;
  }
  return { trusted: false, reason: 'the chain is too long' };
}
