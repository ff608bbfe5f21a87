/**
 * RSA2 (SHA256withRSA), the gateway's signature in both directions: pure functions shared
 * by the emulator (which verifies requests and signs answers) and the client (which signs
 * requests and verifies answers). What is signed over is protocol.ts's business.
 *
 * Each comes twice. The synchronous pair runs on the calling thread: the emulator and the
 * emulated cloud use it, where a test or a benchmark's stand-in gateway is the only caller.
 * The `Async` pair runs on libuv's thread pool (node:crypto's one-shot sign/verify with a
 * callback), so the server's client, which signs and verifies on every flow, leaves its event
 * loop free and one process can use more than one core.
 *
 * @see https://opendocs.alipay.com/common/02kf5q (request signing)
 * @see https://opendocs.alipay.com/common/02mse7 (response signing)
 */
import { KeyObject, createPrivateKey, createPublicKey, createSign, createVerify, sign, verify } from 'node:crypto';

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

/** signRsa2 on libuv's thread pool: the same base64 signature, computed off the event loop. */
export function signRsa2Async(content: string, privateKey: string | KeyObject): Promise<string> {
  return new Promise((resolve, reject) => {
    // A key that does not parse throws here, and the executor turns that into the rejection.
    sign('sha256', Buffer.from(content, 'utf8'), parseKeyOnce(privateKey, 'private'), (error, signature) => {
      if (error) reject(error);
      else resolve(signature.toString('base64'));
    });
  });
}

/** verifyRsa2 on libuv's thread pool: false (never a rejection) for a malformed signature or key. */
export function verifyRsa2Async(content: string, signature: string, publicKey: string | KeyObject): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      verify('sha256', Buffer.from(content, 'utf8'), parseKeyOnce(publicKey, 'public'), Buffer.from(signature, 'base64'), (error, verified) => {
        resolve(!error && verified);
      });
    } catch {
      // A key node:crypto cannot parse, or one of the wrong type, throws before the thread pool is asked.
      resolve(false);
    }
  });
}
