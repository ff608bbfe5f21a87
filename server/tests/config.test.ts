/**
 * Configuration: working defaults with no variables (emulator mode), and real mode refusing
 * to start without what it needs to verify Alipay's answers.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfig } from '../src/config';

const REPO = '/srv/repo';
const PEPPER = 'p'.repeat(32);

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env, REPO);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('needs no variables: emulator mode on 127.0.0.1:3000 with documented defaults', () => {
    const config = parseConfig({}, REPO);
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      publicUrl: 'http://127.0.0.1:3000',
      dataDir: '/srv/repo/data',
      logLevel: 'info',
      sessionTtlSeconds: 7200,
      rateLimits: { windowSeconds: 3600, perUser: 10, perCertNo: 5, perIpPerMinute: 600 },
      bizCodeAllowlist: ['FACE'],
      returnUrl: 'http://127.0.0.1:3000/',
      alipayTimeoutMs: 5000,
      queryRetries: 2,
      initializeRetries: 1,
      queryCacheMs: 1000,
      trustProxy: false,
      alipay: { mode: 'emulator', emulatorUrl: undefined },
    });
  });

  it('derives PUBLIC_URL from HOST and PORT, and lets PUBLIC_URL override it for a phone on the LAN', () => {
    expect(parseConfig({ HOST: '0.0.0.0', PORT: '8080' }, REPO).publicUrl).toBe('http://127.0.0.1:8080');
    const lan = parseConfig({ HOST: '0.0.0.0', PUBLIC_URL: 'http://192.168.1.20:3000/' }, REPO);
    expect(lan.publicUrl).toBe('http://192.168.1.20:3000');
    expect(lan.returnUrl).toBe('http://192.168.1.20:3000/');
  });

  it('keeps an alipays:// return URL as given', () => {
    const returnUrl = `alipays://platformapi/startapp?appId=20000067&url=${encodeURIComponent('https://merchant.example/verify')}`;
    expect(parseConfig({ ALIPAY_RETURN_URL: returnUrl }, REPO).returnUrl).toBe(returnUrl);
  });

  it('lists every bad number at once', () => {
    expect(problemsOf({ PORT: 'abc', RATE_LIMIT_PER_USER: '0', ALIPAY_TIMEOUT_MS: '-5' })).toHaveLength(3);
  });

  it('refuses a short pepper', () => {
    expect(problemsOf({ ID_HMAC_PEPPER: 'short' })).toEqual([expect.stringContaining('ID_HMAC_PEPPER')]);
  });

  describe('real mode', () => {
    const base = { ALIPAY_APP_ID: '2021000000000000', ALIPAY_PRIVATE_KEY: 'MIIE...', ID_HMAC_PEPPER: PEPPER };

    it('refuses to start without Alipay\'s public key or certificates', () => {
      expect(problemsOf(base)).toEqual([expect.stringContaining('refuses to start without Alipay\'s public key')]);
    });

    it('refuses to start without a pepper or a private key', () => {
      const problems = problemsOf({ ALIPAY_APP_ID: '2021000000000000', ALIPAY_PUBLIC_KEY: 'MIIB...' });
      expect(problems).toEqual([expect.stringContaining('ALIPAY_PRIVATE_KEY'), expect.stringContaining('ID_HMAC_PEPPER')]);
    });

    it('takes key mode from variables, with PKCS8, ISV token and gateway', () => {
      const config = parseConfig(
        { ...base, ALIPAY_PUBLIC_KEY: 'MIIB...', ALIPAY_KEY_TYPE: 'PKCS8', ALIPAY_APP_AUTH_TOKEN: 'tok', ALIPAY_GATEWAY: 'https://openapi-sandbox.dl.alipaydev.com/gateway.do' },
        REPO,
      );
      expect(config.alipay).toEqual({
        mode: 'alipay',
        appId: '2021000000000000',
        privateKey: 'MIIE...',
        keyType: 'PKCS8',
        alipayPublicKey: 'MIIB...',
        certs: undefined,
        appAuthToken: 'tok',
        gateway: 'https://openapi-sandbox.dl.alipaydev.com/gateway.do',
      });
    });

    it('reads keys and certificates from files, and needs all three certificates in cert mode', () => {
      const dir = mkdtempSync(join(tmpdir(), 'verify-config-'));
      for (const name of ['key.pem', 'app.crt', 'alipay.crt', 'root.crt']) writeFileSync(join(dir, name), `content of ${name}`);
      const config = parseConfig(
        {
          ...base,
          ALIPAY_PRIVATE_KEY: '',
          ALIPAY_PRIVATE_KEY_FILE: join(dir, 'key.pem'),
          ALIPAY_APP_CERT_FILE: join(dir, 'app.crt'),
          ALIPAY_PUBLIC_CERT_FILE: join(dir, 'alipay.crt'),
          ALIPAY_ROOT_CERT_FILE: join(dir, 'root.crt'),
        },
        REPO,
      );
      expect(config.alipay).toMatchObject({
        privateKey: 'content of key.pem',
        keyType: 'PKCS1',
        certs: { appCert: 'content of app.crt', alipayPublicCert: 'content of alipay.crt', alipayRootCert: 'content of root.crt' },
      });
      expect(problemsOf({ ...base, ALIPAY_APP_CERT_FILE: join(dir, 'app.crt') })).toEqual([expect.stringContaining('cert mode needs all of')]);
    });

    it('refuses an unknown key type and an unreadable key file', () => {
      const problems = problemsOf({ ...base, ALIPAY_PUBLIC_KEY: 'x', ALIPAY_KEY_TYPE: 'PKCS12', ALIPAY_PRIVATE_KEY: '', ALIPAY_PRIVATE_KEY_FILE: '/nonexistent/key.pem' });
      expect(problems).toEqual(
        expect.arrayContaining([expect.stringContaining('ALIPAY_KEY_TYPE'), expect.stringContaining('ALIPAY_PRIVATE_KEY_FILE')]),
      );
    });
  });
});
