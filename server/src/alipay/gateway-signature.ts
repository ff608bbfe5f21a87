/**
 * RSA2 (SHA256withRSA), the gateway's signature in both directions: pure functions shared
 * by the emulator (which verifies requests and signs answers) and the client (which signs
 * requests and verifies answers). What is signed over is protocol.ts's business.
 *
 * @see https://opendocs.alipay.com/common/02kf5q (request signing)
 * @see https://opendocs.alipay.com/common/02mse7 (response signing)
 */
import { KeyObject, createPrivateKey, createPublicKey, createSign, createVerify } from 'node:crypto';

/**
 * node:crypto parses a PEM key again on every sign and verify: about 0.9 ms for an RSA-2048
 * private key and 0.2 ms for a public one, more than the RSA operation itself. Keys are few
 * and long-lived, so each PEM text is parsed once and its KeyObject reused (npm run bench).
 */
const parsedKeys = new Map<string, KeyObject>();

function parseKeyOnce(key: string | KeyObject, kind: 'private' | 'public'): KeyObject {
  if (typeof key !== 'string') return key;
  let parsed = parsedKeys.get(key);
  if (parsed === undefined) {
    parsed = kind === 'private' ? createPrivateKey(key) : createPublicKey(key);
    parsedKeys.set(key, parsed);
  }
  return parsed;
}

/** SHA256withRSA over UTF-8 `content`, base64. */
export function signRsa2(content: string, privateKey: string | KeyObject): string {
  return createSign('RSA-SHA256').update(content, 'utf8').sign(parseKeyOnce(privateKey, 'private'), 'base64');
}

/** False (never a throw) for a malformed signature or key, so callers treat it as "not verified". */
export function verifyRsa2(content: string, signature: string, publicKey: string | KeyObject): boolean {
  try {
    return createVerify('RSA-SHA256').update(content, 'utf8').verify(parseKeyOnce(publicKey, 'public'), signature, 'base64');
  } catch {
    return false;
  }
}
