/** platform/system-language.ts: Alipay's language setting from my.getSystemInfo, or undefined. */
import { MiniEnv, loadFresh, setupAlipayEnv } from '../support/mini-env';

type SystemLanguageModule = typeof import('../../platform/system-language');

let env: MiniEnv;

afterEach(() => {
  env.restore();
});

describe('readSystemLanguage', () => {
  it('answers my.getSystemInfo().language', async () => {
    env = setupAlipayEnv({ language: 'en' });
    await expect(loadFresh<SystemLanguageModule>('platform/system-language').readSystemLanguage()).resolves.toBe('en');
    expect(env.myCalls(['getSystemInfo'])).toEqual(['getSystemInfo']);
  });

  it('answers undefined when the client cannot say, so the page stays in zh-CN', async () => {
    env = setupAlipayEnv({ systemInfoFails: true });
    await expect(loadFresh<SystemLanguageModule>('platform/system-language').readSystemLanguage()).resolves.toBeUndefined();
  });
});
