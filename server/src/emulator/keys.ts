/**
 * Key material for emulator mode, generated once into DATA_DIR (git-ignored) and reused on
 * every start, so the server and a separate emulator process (the benchmark's) agree on it.
 * Never logged. Real mode never touches these files.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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

/** Writes via a temp file and rename, so a concurrent reader never sees half a file. */
function writeSecretFile(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 });
  renameSync(temporary, path);
}

/** Reads the emulator keys from `dataDir`, generating and saving them on first use. */
export function ensureEmulatorKeys(dataDir: string): EmulatorKeys {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, KEYS_FILE);
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as EmulatorKeys;
  const keys = generateEmulatorKeys();
  writeSecretFile(path, JSON.stringify(keys));
  return keys;
}

/** The ID-number HMAC pepper for emulator mode, generated into `dataDir` on first use. */
export function ensureIdHmacPepper(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, PEPPER_FILE);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const pepper = randomBytes(32).toString('hex');
  writeSecretFile(path, pepper);
  return pepper;
}
