/**
 * Key material for emulator mode, generated once into DATA_DIR (git-ignored) and reused on
 * every start, so the server and a separate emulator process (the benchmark's) agree on it.
 * Never logged. Real mode never touches these files.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The emulator's stand-in app id; any value works, this one reads as "not a real app". */
export const EMULATOR_APP_ID = '9021000000000001';

export interface EmulatorKeys {
  appId: string;
  /** The merchant app's keypair: the server signs requests, the emulator verifies them. */
  appPrivateKey: string;
  appPublicKey: string;
  /** The emulated Alipay keypair: the emulator signs answers, the server verifies them. */
  alipayPrivateKey: string;
  alipayPublicKey: string;
}

const KEYS_FILE = 'emulator-keys.json';
const PEPPER_FILE = 'id-hmac-pepper';

function generateRsaKeyPair(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

/** Two fresh 2048-bit keypairs (about 0.1 to 0.5 s of CPU). */
export function generateEmulatorKeys(): EmulatorKeys {
  const app = generateRsaKeyPair();
  const alipay = generateRsaKeyPair();
  return {
    appId: EMULATOR_APP_ID,
    appPrivateKey: app.privateKey,
    appPublicKey: app.publicKey,
    alipayPrivateKey: alipay.privateKey,
    alipayPublicKey: alipay.publicKey,
  };
}

/**
 * Returns the file's content, creating it with `create()` if it does not exist yet. The new
 * file is written whole under a temporary name and then hard-linked into place, which fails
 * if another process got there first: then that process's content wins, so the backend and
 * a separate emulator started together on an empty DATA_DIR still agree on the keys.
 */
export function readOrCreateSecretFile(path: string, create: () => string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8');
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, create(), { mode: 0o600 });
  try {
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
  return readFileSync(path, 'utf8');
}

/** Reads the emulator keys from `dataDir`, generating and saving them on first use. */
export function ensureEmulatorKeys(dataDir: string): EmulatorKeys {
  mkdirSync(dataDir, { recursive: true });
  return JSON.parse(readOrCreateSecretFile(join(dataDir, KEYS_FILE), () => JSON.stringify(generateEmulatorKeys()))) as EmulatorKeys;
}

/** The ID-number HMAC pepper for emulator mode, generated into `dataDir` on first use. */
export function ensureIdHmacPepper(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true });
  return readOrCreateSecretFile(join(dataDir, PEPPER_FILE), () => randomBytes(32).toString('hex')).trim();
}
