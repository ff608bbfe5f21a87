/**
 * Emulator keys and the pepper are generated once into DATA_DIR and then reused; when two
 * processes race to create them (the backend and the benchmark's emulator starting together
 * on an empty DATA_DIR), the first writer wins and both read its content.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureEmulatorKeys, ensureIdHmacPepper, readOrCreateSecretFile } from '../../src/emulator/keys';

describe('ensureEmulatorKeys', () => {
  it('generates the keys once, readable only by the owner, and returns the same keys afterwards', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'verify-keys-'));
    const first = ensureEmulatorKeys(dataDir);
    expect(ensureEmulatorKeys(dataDir)).toEqual(first);
    expect(first.appPublicKey).toContain('BEGIN PUBLIC KEY');
    expect(first.alipayPrivateKey).toContain('BEGIN PRIVATE KEY');
    expect(statSync(join(dataDir, 'emulator-keys.json')).mode & 0o777).toBe(0o600);
  });
});

describe('ensureIdHmacPepper', () => {
  it('generates a 64-hex-character pepper once and reuses it', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'verify-pepper-'));
    const pepper = ensureIdHmacPepper(dataDir);
    expect(pepper).toMatch(/^[0-9a-f]{64}$/);
    expect(ensureIdHmacPepper(dataDir)).toBe(pepper);
  });
});

describe('readOrCreateSecretFile', () => {
  it('keeps the content of a process that created the file while we were generating ours', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'verify-race-'));
    const path = join(dataDir, 'secret');
    const result = readOrCreateSecretFile(path, () => {
      writeFileSync(path, 'written by the other process');
      return 'ours';
    });
    expect(result).toBe('written by the other process');
    expect(readFileSync(path, 'utf8')).toBe('written by the other process');
    expect(readdirSync(dataDir)).toEqual(['secret']);
  });

  it('creates the file when nobody else does', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'verify-create-')), 'secret');
    expect(readOrCreateSecretFile(path, () => 'ours')).toBe('ours');
    expect(existsSync(path)).toBe(true);
  });
});
