/**
 * The client's keys, read once from the forms merchants are given: the app private key as
 * PEM or as the bare base64 Alipay's key tool writes (PKCS1 or PKCS8), Alipay's public key as
 * PEM or the bare base64 its console shows, and in cert mode the three certificates, from
 * which come Alipay's public key and the two SNs every call carries.
 *
 * Keys are parsed into KeyObjects here, once: node:crypto parses a PEM text again on every
 * sign and verify, which costs more than the RSA itself (see gateway-signature.ts).
 *
 * @see https://opendocs.alipay.com/common/02kf5q (request signing with the app private key, RSA2)
 * @see https://opendocs.alipay.com/common/056zub (public-key certificate mode, SNs)
 */
import { createPrivateKey, createPublicKey, KeyObject, X509Certificate } from 'node:crypto';
import { alipayCertSnOf, alipayRootCertSnOf } from './alipay-cert';

/** How the app private key is encoded. */
export type KeyType = 'PKCS1' | 'PKCS8';

/** Cert mode's three files, as PEM text. */
export interface CertModeFiles {
  appCert: string;
  alipayPublicCert: string;
  alipayRootCert: string;
}

/** What cert mode adds to every call, and the key Alipay's certificate holds. */
export interface CertModeMaterial {
  /** app_cert_sn: the SN of the app's certificate. */
  appCertSn: string;
  /** alipay_root_cert_sn: the SNs of the root bundle's RSA certificates, '_'-joined. */
  alipayRootCertSn: string;
  /** The SN of the configured Alipay certificate: the one answers name until Alipay rotates it. */
  alipayCertSn: string;
  alipayPublicKey: KeyObject;
}

/** A key or certificate the client cannot use; `code` says which, `cause` keeps node:crypto's reason. */
export class KeyMaterialError extends TypeError {
  constructor(
    readonly code: 'ERR_ALIPAY_PRIVATE_KEY_INVALID' | 'ERR_ALIPAY_PUBLIC_KEY_INVALID' | 'ERR_ALIPAY_PUBLIC_KEY_REQUIRED' | 'ERR_ALIPAY_CERT_INVALID',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KeyMaterialError';
  }
}

const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----/;

function requireRsa(key: KeyObject, code: KeyMaterialError['code'], what: string): KeyObject {
  if (key.asymmetricKeyType !== 'rsa') throw new KeyMaterialError(code, `${what} is a ${key.asymmetricKeyType} key, not RSA (RSA2 signs with RSA)`);
  return key;
}

/**
 * The app private key. A PEM text says its own form; bare base64 is DER in `keyType`'s form,
 * as alipay-sdk's formatKey reads it (it wraps the text in that form's PEM header).
 */
export function readAppPrivateKey(text: string, keyType: KeyType): KeyObject {
  let key: KeyObject;
  try {
    key = PEM_BLOCK.test(text)
      ? createPrivateKey(text)
      : createPrivateKey({ key: Buffer.from(text.replace(/\s+/g, ''), 'base64'), format: 'der', type: keyType === 'PKCS1' ? 'pkcs1' : 'pkcs8' });
  } catch (error) {
    throw new KeyMaterialError('ERR_ALIPAY_PRIVATE_KEY_INVALID', `the app private key is not a ${keyType} key in PEM or bare base64`, { cause: error });
  }
  return requireRsa(key, 'ERR_ALIPAY_PRIVATE_KEY_INVALID', 'the app private key');
}

/** Alipay's public key (key mode): PEM, or the bare base64 SPKI Alipay's console shows. */
export function readAlipayPublicKey(text: string): KeyObject {
  let key: KeyObject;
  try {
    key = PEM_BLOCK.test(text)
      ? createPublicKey(text)
      : createPublicKey({ key: Buffer.from(text.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
  } catch (error) {
    throw new KeyMaterialError('ERR_ALIPAY_PUBLIC_KEY_INVALID', 'Alipay\'s public key is not an SPKI key in PEM or bare base64', { cause: error });
  }
  return requireRsa(key, 'ERR_ALIPAY_PUBLIC_KEY_INVALID', 'Alipay\'s public key');
}

/** The first certificate of a PEM text, as alipay-sdk's getSN and loadPublicKey read it. */
function readFirstCertificate(pem: string, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new KeyMaterialError('ERR_ALIPAY_CERT_INVALID', `${what} is not an X.509 certificate in PEM`, { cause: error });
  }
}

/**
 * Cert mode: the SNs sent with every call and Alipay's public key from its certificate.
 * Fails closed where alipay-sdk would quietly send no SNs at all (a root bundle with no RSA
 * certificate gives an empty alipay_root_cert_sn, and the SDK then drops both SNs).
 */
export function readCertModeMaterial(files: CertModeFiles): CertModeMaterial {
  const appCert = readFirstCertificate(files.appCert, 'the app certificate');
  const alipayCert = readFirstCertificate(files.alipayPublicCert, 'Alipay\'s public certificate');
  const alipayRootCertSn = alipayRootCertSnOf(files.alipayRootCert);
  if (alipayRootCertSn === '') {
    throw new KeyMaterialError('ERR_ALIPAY_CERT_INVALID', 'Alipay\'s root certificate file holds no RSA-signed certificate, so alipay_root_cert_sn would be empty');
  }
  return {
    appCertSn: alipayCertSnOf(appCert),
    alipayRootCertSn,
    alipayCertSn: alipayCertSnOf(alipayCert),
    alipayPublicKey: requireRsa(alipayCert.publicKey, 'ERR_ALIPAY_CERT_INVALID', 'Alipay\'s public certificate'),
  };
}
