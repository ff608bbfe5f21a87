// The RSA key sizes the server actually signs and verifies with, so the crypto baseline
// times keys of the same size. In emulator mode both keypairs live in
// DATA_DIR/emulator-keys.json (server/src/emulator/keys.ts); only their sizes are read.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * @param {string} dataDir the DATA_DIR the emulator and the server share
 * @returns {{ appKeyBits: number, gatewayKeyBits: number }} the app key (the server signs with it)
 *   and the emulated Alipay key (the server verifies answers with its public half)
 */
export function readServerKeySizes(dataDir) {
  const keys = JSON.parse(readFileSync(join(dataDir, 'emulator-keys.json'), 'utf8'));
  const bitsOf = (pem) => createPrivateKey(pem).asymmetricKeyDetails.modulusLength;
  return { appKeyBits: bitsOf(keys.appPrivateKey), gatewayKeyBits: bitsOf(keys.alipayPrivateKey) };
}
