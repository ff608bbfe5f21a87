/** platform/pending-verification.ts: the one id the mini-program keeps on the device. */
import { MiniEnv, loadFresh, setupAlipayEnv } from '../support/mini-env';

describe('pending verification storage', () => {
  let env: MiniEnv;
  type Pending = typeof import('../../platform/pending-verification');
  let pending: Pending;

  beforeEach(() => {
    env = setupAlipayEnv();
    pending = loadFresh<Pending>('platform/pending-verification');
  });

  afterEach(() => env.restore());

  it('saves, reads and clears only the id', () => {
    pending.savePendingVerificationId('ver-9');
    expect(env.storage).toEqual({ pendingVerificationId: 'ver-9' });
    expect(pending.readPendingVerificationId()).toBe('ver-9');
    pending.clearPendingVerificationId();
    expect(pending.readPendingVerificationId()).toBeNull();
  });

  it('reads anything but a non-empty string as nothing', () => {
    env.storage.pendingVerificationId = { certNo: 'x' };
    expect(pending.readPendingVerificationId()).toBeNull();
    env.storage.pendingVerificationId = '';
    expect(pending.readPendingVerificationId()).toBeNull();
  });

  it('survives a storage that throws', () => {
    const broken = (): never => {
      throw new Error('storage full');
    };
    const fake = (globalThis as unknown as { my: Record<string, unknown> }).my;
    fake.setStorageSync = broken;
    fake.getStorageSync = broken;
    fake.removeStorageSync = broken;
    expect(() => pending.savePendingVerificationId('ver-1')).not.toThrow();
    expect(pending.readPendingVerificationId()).toBeNull();
    expect(() => pending.clearPendingVerificationId()).not.toThrow();
  });
});
