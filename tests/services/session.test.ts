/**
 * services/session.ts: one login shared by concurrent callers, the token kept in
 * memory only, and renewed a minute before the server's expiry.
 */
import { MiniEnv, loadFresh, setupAlipayEnv } from '../support/mini-env';

type SessionModule = typeof import('../../services/session');

let env: MiniEnv;

beforeEach(() => {
  jest.useFakeTimers();
  jest.setSystemTime(new Date('2026-06-01T00:00:00Z'));
});

afterEach(() => {
  env.restore();
  jest.useRealTimers();
});

function load(options: Parameters<typeof setupAlipayEnv>[0] = {}): SessionModule {
  env = setupAlipayEnv(options);
  return loadFresh<SessionModule>('services/session');
}

describe('session', () => {
  it('shares one login between concurrent callers', async () => {
    const session = load();
    const [first, second] = await Promise.all([session.logIn(), session.logIn()]);
    expect(first).toBe('token-1');
    expect(second).toBe('token-1');
    expect(env.myCalls(['getAuthCode'])).toEqual(['getAuthCode']);
    expect(session.getSessionToken()).toBe('token-1');
  });

  it('keeps the token out of device storage', async () => {
    const session = load();
    await session.logIn();
    expect(env.myCalls(['setStorageSync'])).toEqual([]);
  });

  it('stops handing out a token a minute before it expires', async () => {
    const session = load();
    await session.logIn();
    jest.setSystemTime(new Date('2026-06-01T23:58:59Z'));
    expect(session.getSessionToken()).toBe('token-1');
    jest.setSystemTime(new Date('2026-06-01T23:59:00Z'));
    expect(session.getSessionToken()).toBeNull();
  });

  it('rejects with AUTH_CODE_UNAVAILABLE when Alipay gives no code, and can try again later', async () => {
    const session = load({ authCodeFails: true });
    await expect(session.logIn()).rejects.toMatchObject({ code: 'AUTH_CODE_UNAVAILABLE' });
    expect(session.getSessionToken()).toBeNull();
    await expect(session.logIn()).rejects.toMatchObject({ code: 'AUTH_CODE_UNAVAILABLE' });
    expect(env.myCalls(['getAuthCode'])).toEqual(['getAuthCode', 'getAuthCode']);
  });

  it('rejects with BAD_RESPONSE when the server answers without a token', async () => {
    const session = load();
    env.backend.scripted.push({ status: 201, body: { expiresAt: '2099-01-01T00:00:00Z' } });
    await expect(session.logIn()).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
  });
});
