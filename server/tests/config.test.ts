/**
 * Configuration: working defaults with no variables (emulator mode on a developer's machine),
 * the mode chosen explicitly and refused wherever it could grant what it should not, and real
 * mode refusing to start without keys it can parse and an OAuth page that matches its gateway.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEVELOPMENT_BRANDING } from '../../utils/consent-notice';
import { createAlipayClient } from '../src/alipay/alipay-client';
import {
  ALIPAY_OAUTH_AUTHORIZE_URL,
  ALIPAY_SANDBOX_OAUTH_AUTHORIZE_URL,
  AlipayModeConfig,
  parseConfig,
} from '../src/config';
import { configProblemsOf } from './support/config-problems';

const REPO = '/srv/repo';
const PEPPER = 'p'.repeat(32);
const FIXTURES = join(__dirname, 'fixtures', 'cert-mode');
const SANDBOX_GATEWAY = 'https://openapi-sandbox.dl.alipaydev.com/gateway.do';

type Env = Record<string, string>;

function problemsOf(env: Env): string[] {
  return configProblemsOf(() => parseConfig(env, REPO));
}

function alipayOf(env: Env): AlipayModeConfig {
  const { alipay } = parseConfig(env, REPO);
  if (alipay.mode !== 'alipay') throw new Error(`expected real mode, got ${alipay.mode}`);
  return alipay;
}

function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

/** The PEM body alone, as Alipay's key tool shows it (one base64 line). */
function bareBase64(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
}

const appKey: KeyObject = createPrivateKey(fixture('appPrivateKey.pem'));
const APP_KEY_PKCS1 = appKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const APP_KEY_PKCS8 = appKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const APP_PUBLIC_KEY = createPublicKey(appKey).export({ type: 'spki', format: 'pem' }).toString();
const ALIPAY_PUBLIC_KEY = createPublicKey(fixture('alipayCertPublicKey_RSA2.crt')).export({ type: 'spki', format: 'pem' }).toString();
/** The least real mode starts with (NODE_ENV=production refuses the emulator). */
const REAL_MODE_MINIMUM: Env = {
  ALIPAY_MODE: 'alipay',
  MERCHANT_NAME: '示例银行',
  MERCHANT_CONTACT: 'privacy@bank.example',
  ALIPAY_APP_ID: '2021000000000000',
  ALIPAY_PRIVATE_KEY: APP_KEY_PKCS1,
  ALIPAY_PUBLIC_KEY: ALIPAY_PUBLIC_KEY,
  ID_HMAC_PEPPER: PEPPER,
};

let scratch: string;
let filesWritten = 0;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'verify-config-'));
});

function scratchFile(content: string): string {
  filesWritten += 1;
  const path = join(scratch, `file-${filesWritten}`);
  writeFileSync(path, content);
  return path;
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
      minorPolicy: 'guardian-consent',
      trustProxy: false,
      alipay: { mode: 'emulator', emulatorUrl: undefined },
    });
  });

  it('derives PUBLIC_URL from HOST and PORT, and lets PUBLIC_URL override it for a phone on the LAN', () => {
    const remote = { EMULATOR_ALLOW_REMOTE: '1' };
    expect(parseConfig({ ...remote, HOST: '0.0.0.0', PORT: '8080' }, REPO).publicUrl).toBe('http://127.0.0.1:8080');
    const lan = parseConfig({ ...remote, HOST: '0.0.0.0', PUBLIC_URL: 'http://192.168.1.20:3000/' }, REPO);
    expect(lan.publicUrl).toBe('http://192.168.1.20:3000');
    expect(lan.returnUrl).toBe('http://192.168.1.20:3000/');
  });

  it('keeps an alipays:// return URL as given', () => {
    const returnUrl = `alipays://platformapi/startapp?appId=20000067&url=${encodeURIComponent('https://merchant.example/verify')}`;
    expect(parseConfig({ ALIPAY_MODE: 'emulator', ALIPAY_RETURN_URL: returnUrl }, REPO).returnUrl).toBe(returnUrl);
  });

  it('lists every bad number at once', () => {
    expect(problemsOf({ ALIPAY_MODE: 'emulator', PORT: 'abc', RATE_LIMIT_PER_USER: '0', ALIPAY_TIMEOUT_MS: '-5' })).toHaveLength(3);
  });

  it('takes MINOR_POLICY=refuse or guardian-consent, and refuses any other value rather than pick one', () => {
    expect(parseConfig({ MINOR_POLICY: 'refuse' }, REPO).minorPolicy).toBe('refuse');
    expect(parseConfig({ MINOR_POLICY: 'guardian-consent' }, REPO).minorPolicy).toBe('guardian-consent');
    expect(parseConfig({ MINOR_POLICY: '' }, REPO).minorPolicy).toBe('guardian-consent');
    for (const wrong of ['Refuse', 'guardian_consent', 'allow']) {
      expect(problemsOf({ MINOR_POLICY: wrong })).toEqual(['MINOR_POLICY must be guardian-consent or refuse']);
    }
  });

  describe('H5_DONE_URL (where 完成 on the H5 page\'s verified screen goes)', () => {
    it('is unset by default', () => {
      expect(parseConfig({}, REPO).h5DoneUrl).toBeUndefined();
      expect(parseConfig({ H5_DONE_URL: '' }, REPO).h5DoneUrl).toBeUndefined();
    });

    it('takes an absolute https URL anywhere, and http on a developer\'s machine', () => {
      expect(parseConfig({ H5_DONE_URL: 'https://merchant.example/after-verify?from=id' }, REPO).h5DoneUrl).toBe('https://merchant.example/after-verify?from=id');
      expect(parseConfig({ H5_DONE_URL: 'http://127.0.0.1:8080/done', NODE_ENV: 'development' }, REPO).h5DoneUrl).toBe('http://127.0.0.1:8080/done');
      const real = { ...REAL_MODE_MINIMUM, H5_DONE_URL: 'https://merchant.example/done', NODE_ENV: 'production' };
      expect(parseConfig(real, REPO).h5DoneUrl).toBe('https://merchant.example/done');
    });

    it('refuses http outside development', () => {
      expect(problemsOf({ ...REAL_MODE_MINIMUM, H5_DONE_URL: 'http://merchant.example/done', NODE_ENV: 'production' })).toEqual([
        'H5_DONE_URL must be an https:// URL when NODE_ENV is production',
      ]);
    });

    it.each(['/done', 'merchant.example/done', 'javascript:alert(1)', 'alipays://platformapi/startapp?appId=1'])('refuses %s: not an absolute web address', (value) => {
      expect(problemsOf({ H5_DONE_URL: value })).toEqual(['H5_DONE_URL must be an http:// or https:// URL']);
    });
  });

  it('refuses a short pepper', () => {
    expect(problemsOf({ ID_HMAC_PEPPER: 'short' })).toEqual([expect.stringContaining('ID_HMAC_PEPPER')]);
  });
});

describe('choosing the mode', () => {
  it.each([{}, { NODE_ENV: 'development' }, { NODE_ENV: 'test' }])('is the emulator with ALIPAY_MODE unset on a developer machine (%j)', (env) => {
    expect(parseConfig(env, REPO).alipay.mode).toBe('emulator');
  });

  it('takes ALIPAY_MODE=emulator with the variables both modes read', () => {
    const config = parseConfig({ ALIPAY_MODE: 'emulator', ALIPAY_TIMEOUT_MS: '300', EMULATOR_URL: 'http://127.0.0.1:3100/' }, REPO);
    expect(config.alipay).toEqual({ mode: 'emulator', emulatorUrl: 'http://127.0.0.1:3100' });
    expect(config.alipayTimeoutMs).toBe(300);
  });

  it('refuses an unset mode when any ALIPAY_* variable is set, naming them (ALIPAY_APP_ID missing no longer means emulator)', () => {
    expect(problemsOf({ ALIPAY_APP_ID: '2021000000000000', ALIPAY_PRIVATE_KEY: APP_KEY_PKCS1 })).toEqual([
      'ALIPAY_MODE is not set, but ALIPAY_APP_ID, ALIPAY_PRIVATE_KEY are: set ALIPAY_MODE=alipay for the real gateway, or ALIPAY_MODE=emulator',
    ]);
    expect(problemsOf({ ALIPAY_TIMEOUT_MS: '300' })).toEqual([expect.stringContaining('ALIPAY_MODE is not set, but ALIPAY_TIMEOUT_MS is')]);
  });

  it.each(['production', 'staging'])('refuses an unset mode with NODE_ENV=%s', (nodeEnv) => {
    expect(problemsOf({ NODE_ENV: nodeEnv })).toEqual([`ALIPAY_MODE is required when NODE_ENV is ${nodeEnv}: set ALIPAY_MODE=alipay`]);
  });

  it('refuses an ALIPAY_MODE it does not know', () => {
    expect(problemsOf({ ALIPAY_MODE: 'real' })).toEqual(['ALIPAY_MODE must be alipay (the real gateway) or emulator']);
  });

  it('refuses the emulator with NODE_ENV=production', () => {
    expect(problemsOf({ ALIPAY_MODE: 'emulator', NODE_ENV: 'production' })).toEqual([
      'ALIPAY_MODE=emulator is refused when NODE_ENV=production: anyone can mark an emulated verification passed',
    ]);
  });

  it.each([
    'ALIPAY_APP_ID',
    'ALIPAY_PRIVATE_KEY',
    'ALIPAY_PRIVATE_KEY_FILE',
    'ALIPAY_PUBLIC_KEY',
    'ALIPAY_PUBLIC_KEY_FILE',
    'ALIPAY_APP_CERT_FILE',
    'ALIPAY_PUBLIC_CERT_FILE',
    'ALIPAY_ROOT_CERT_FILE',
    'ALIPAY_APP_AUTH_TOKEN',
    'ALIPAY_GATEWAY',
  ])('refuses the emulator when %s is set: a merchant who forgot the mode must not get it', (name) => {
    expect(problemsOf({ ALIPAY_MODE: 'emulator', [name]: 'x' })).toEqual([
      `ALIPAY_MODE=emulator, but ${name} is set, which only ALIPAY_MODE=alipay reads: set ALIPAY_MODE=alipay to use your Alipay app, or unset it`,
    ]);
  });

  it.each(['127.0.0.1', '127.8.9.10', 'localhost', '::1', '[::1]'])('lets the emulator listen on loopback %s', (host) => {
    expect(parseConfig({ ALIPAY_MODE: 'emulator', HOST: host }, REPO).host).toBe(host);
  });

  it.each(['0.0.0.0', '::', '192.168.1.20'])('refuses the emulator on %s unless EMULATOR_ALLOW_REMOTE=1', (host) => {
    expect(problemsOf({ ALIPAY_MODE: 'emulator', HOST: host })).toEqual([
      `HOST=${host} is not a loopback address: the emulator's endpoints need no credentials, so it listens beyond this machine only with EMULATOR_ALLOW_REMOTE=1`,
    ]);
    expect(parseConfig({ ALIPAY_MODE: 'emulator', HOST: host, EMULATOR_ALLOW_REMOTE: '1' }, REPO).host).toBe(host);
    expect(problemsOf({ ALIPAY_MODE: 'emulator', HOST: host, EMULATOR_ALLOW_REMOTE: 'yes' })).toEqual([
      'EMULATOR_ALLOW_REMOTE must be 1, true, 0 or false',
      expect.stringContaining(`HOST=${host} is not a loopback address`),
    ]);
  });

  it('names an ALIPAY_* variable it does not read, with the known name it is closest to', () => {
    expect(problemsOf({ ALIPAY_MODE: 'emulator', ALIPAY_APPID: '2021000000000000', alipay_timeout_ms: '300', ALIPAY_COLOUR: 'blue' })).toEqual([
      'ALIPAY_APPID is not a variable this server reads; did you mean ALIPAY_APP_ID?',
      'alipay_timeout_ms is not a variable this server reads; did you mean ALIPAY_TIMEOUT_MS?',
      'ALIPAY_COLOUR is not a variable this server reads',
    ]);
  });

  it('lists every problem at once', () => {
    const problems = problemsOf({
      ALIPAY_MODE: 'emulator',
      NODE_ENV: 'production',
      HOST: '0.0.0.0',
      ALIPAY_APP_ID: '2021000000000000',
      ALIPAY_APPID: '2021000000000000',
      PORT: 'abc',
    });
    expect(problems).toEqual([
      'PORT must be an integer >= 0',
      expect.stringContaining('ALIPAY_APPID is not a variable'),
      expect.stringContaining('refused when NODE_ENV=production'),
      expect.stringContaining('ALIPAY_MODE=emulator, but ALIPAY_APP_ID is set'),
      expect.stringContaining('HOST=0.0.0.0 is not a loopback address'),
    ]);
  });
});

describe('branding (MERCHANT_NAME, DATA_CONTROLLER, MERCHANT_CONTACT, MERCHANT_LOGO_URL, RETENTION_DAYS)', () => {
  it('shows the development branding on the emulator when none is set, which says it is a development server', () => {
    expect(parseConfig({}, REPO).branding).toEqual(DEVELOPMENT_BRANDING);
    expect(DEVELOPMENT_BRANDING.merchantName).toContain('开发环境');
  });

  it('takes every variable, DATA_CONTROLLER defaulting to MERCHANT_NAME', () => {
    const env = { ...REAL_MODE_MINIMUM, MERCHANT_LOGO_URL: 'https://bank.example/logo.png', RETENTION_DAYS: '365' };
    expect(parseConfig(env, REPO).branding).toEqual({
      merchantName: '示例银行',
      dataController: '示例银行',
      contact: 'privacy@bank.example',
      logoUrl: 'https://bank.example/logo.png',
      retentionDays: 365,
    });
    expect(parseConfig({ ...env, DATA_CONTROLLER: '示例银行股份有限公司', MERCHANT_LOGO_URL: '/logo.svg' }, REPO).branding).toMatchObject({
      dataController: '示例银行股份有限公司',
      logoUrl: '/logo.svg',
    });
  });

  it('refuses real mode without a merchant name or contact: a notice naming no one is never shown', () => {
    const { MERCHANT_NAME: _name, MERCHANT_CONTACT: _contact, ...anonymous } = REAL_MODE_MINIMUM;
    expect(problemsOf(anonymous)).toEqual([
      'MERCHANT_NAME is required with ALIPAY_MODE=alipay: the data notice must name who processes the data',
      'MERCHANT_CONTACT is required with ALIPAY_MODE=alipay: the data notice must say how to reach the data controller',
    ]);
  });

  it.each([
    ['MERCHANT_LOGO_URL', 'http://bank.example/logo.png', 'MERCHANT_LOGO_URL must be an https:// URL or a path starting with /'],
    ['MERCHANT_LOGO_URL', '//cdn.example/logo.png', 'MERCHANT_LOGO_URL must be an https:// URL or a path starting with /'],
    ['MERCHANT_LOGO_URL', 'javascript:alert(1)', 'MERCHANT_LOGO_URL must be an https:// URL or a path starting with /'],
    ['RETENTION_DAYS', '0', 'RETENTION_DAYS must be an integer >= 1'],
    ['RETENTION_DAYS', '30.5', 'RETENTION_DAYS must be an integer >= 1'],
    ['MERCHANT_NAME', 'x'.repeat(101), 'MERCHANT_NAME must be at most 100 characters, with no control characters'],
    ['MERCHANT_CONTACT', 'a@b.example\n\n我们不收集任何信息', 'MERCHANT_CONTACT must be at most 100 characters, with no control characters'],
  ])('refuses %s=%j', (name, value, problem) => {
    expect(problemsOf({ ...REAL_MODE_MINIMUM, [name]: value })).toEqual([problem]);
  });
});

describe('real mode', () => {
  const base: Env = {
    ALIPAY_MODE: 'alipay',
    MERCHANT_NAME: '示例银行',
    MERCHANT_CONTACT: 'privacy@bank.example',
    ALIPAY_APP_ID: '2021000000000000',
    ALIPAY_PRIVATE_KEY: APP_KEY_PKCS1,
    ID_HMAC_PEPPER: PEPPER,
  };
  const keyMode: Env = { ...base, ALIPAY_PUBLIC_KEY: ALIPAY_PUBLIC_KEY };

  it('refuses to start without Alipay\'s public key or certificates', () => {
    expect(problemsOf(base)).toEqual([expect.stringContaining('refuses to start without Alipay\'s public key')]);
  });

  it('refuses to start without an app id, a private key or a pepper', () => {
    expect(problemsOf({ ALIPAY_MODE: 'alipay', ALIPAY_PUBLIC_KEY: ALIPAY_PUBLIC_KEY })).toEqual([
      'ALIPAY_APP_ID is required when ALIPAY_MODE=alipay',
      expect.stringContaining('ALIPAY_PRIVATE_KEY or ALIPAY_PRIVATE_KEY_FILE is required'),
      expect.stringContaining('ID_HMAC_PEPPER is required'),
      'MERCHANT_NAME is required with ALIPAY_MODE=alipay: the data notice must name who processes the data',
      'MERCHANT_CONTACT is required with ALIPAY_MODE=alipay: the data notice must say how to reach the data controller',
    ]);
  });

  it('takes key mode from variables: bare base64 PKCS8 key, ISV token, sandbox gateway and its OAuth page', () => {
    const alipay = alipayOf({
      ...base,
      ALIPAY_PRIVATE_KEY: bareBase64(APP_KEY_PKCS8),
      ALIPAY_KEY_TYPE: 'PKCS8',
      ALIPAY_PUBLIC_KEY: bareBase64(ALIPAY_PUBLIC_KEY),
      ALIPAY_APP_AUTH_TOKEN: 'tok',
      ALIPAY_GATEWAY: SANDBOX_GATEWAY,
    });
    expect(alipay).toEqual({
      mode: 'alipay',
      appId: '2021000000000000',
      privateKey: APP_KEY_PKCS8,
      keyType: 'PKCS8',
      alipayPublicKey: ALIPAY_PUBLIC_KEY,
      certs: undefined,
      appAuthToken: 'tok',
      gateway: SANDBOX_GATEWAY,
      oauthAuthorizeUrl: ALIPAY_SANDBOX_OAUTH_AUTHORIZE_URL,
      proxyUrl: undefined,
    });
  });

  it('reads keys and certificates from files, and needs all three certificates in cert mode', () => {
    const certFiles = {
      ALIPAY_APP_CERT_FILE: join(FIXTURES, 'appCertPublicKey.crt'),
      ALIPAY_PUBLIC_CERT_FILE: join(FIXTURES, 'alipayCertPublicKey_RSA2.crt'),
      ALIPAY_ROOT_CERT_FILE: join(FIXTURES, 'alipayRootCert.crt'),
    };
    const alipay = alipayOf({ ...base, ALIPAY_PRIVATE_KEY: '', ALIPAY_PRIVATE_KEY_FILE: join(FIXTURES, 'appPrivateKey.pem'), ...certFiles });
    expect(alipay).toMatchObject({
      privateKey: APP_KEY_PKCS8,
      keyType: 'PKCS8',
      alipayPublicKey: undefined,
      certs: {
        appCert: fixture('appCertPublicKey.crt'),
        alipayPublicCert: fixture('alipayCertPublicKey_RSA2.crt'),
        alipayRootCert: fixture('alipayRootCert.crt'),
      },
    });
    expect(problemsOf({ ...base, ALIPAY_APP_CERT_FILE: certFiles.ALIPAY_APP_CERT_FILE })).toEqual([expect.stringContaining('cert mode needs all of')]);
    expect(problemsOf({ ...base, ...certFiles, ALIPAY_PUBLIC_KEY: ALIPAY_PUBLIC_KEY })).toEqual([
      'choose key mode (ALIPAY_PUBLIC_KEY) or cert mode (ALIPAY_*_CERT_FILE), not both',
    ]);
  });

  it('refuses an unknown key type and an unreadable key file', () => {
    const problems = problemsOf({ ...keyMode, ALIPAY_KEY_TYPE: 'PKCS12', ALIPAY_PRIVATE_KEY: '', ALIPAY_PRIVATE_KEY_FILE: '/nonexistent/key.pem' });
    expect(problems).toEqual(['ALIPAY_PRIVATE_KEY_FILE: cannot read the file it names', 'ALIPAY_KEY_TYPE must be PKCS1 or PKCS8']);
  });

  describe('the app private key', () => {
    it('reads a PKCS8 PEM key with no ALIPAY_KEY_TYPE as PKCS8, and the client starts with it (it used to crash with an OpenSSL decoder error)', () => {
      const alipay = alipayOf({ ...keyMode, ALIPAY_PRIVATE_KEY: APP_KEY_PKCS8 });
      expect(alipay.keyType).toBe('PKCS8');
      const client = createAlipayClient({ ...alipay, timeoutMs: 1000, clock: () => Date.now() });
      client.close();
    });

    it('reads a PKCS1 PEM key as PKCS1, with "\\n" escapes as one env line', () => {
      const alipay = alipayOf({ ...keyMode, ALIPAY_PRIVATE_KEY: APP_KEY_PKCS1.replace(/\n/g, '\\n') });
      expect(alipay).toMatchObject({ keyType: 'PKCS1', privateKey: APP_KEY_PKCS1 });
    });

    it('reads bare base64 as ALIPAY_KEY_TYPE says, PKCS1 by default, and says which type a body needs', () => {
      expect(alipayOf({ ...keyMode, ALIPAY_PRIVATE_KEY: bareBase64(APP_KEY_PKCS1) })).toMatchObject({ keyType: 'PKCS1', privateKey: APP_KEY_PKCS1 });
      // OpenSSL reads a PKCS8 body as the PKCS1 key inside it; the client gets it re-encoded as PKCS1.
      const pkcs8Body = alipayOf({ ...keyMode, ALIPAY_PRIVATE_KEY: bareBase64(APP_KEY_PKCS8) });
      expect(pkcs8Body).toMatchObject({ keyType: 'PKCS1', privateKey: APP_KEY_PKCS1 });
      createAlipayClient({ ...pkcs8Body, timeoutMs: 1000, clock: () => Date.now() }).close();
      expect(problemsOf({ ...keyMode, ALIPAY_PRIVATE_KEY: bareBase64(APP_KEY_PKCS1), ALIPAY_KEY_TYPE: 'PKCS8' })).toEqual([
        'ALIPAY_PRIVATE_KEY: not an RSA private key in PKCS1 or PKCS8 form (bare base64 is read as ALIPAY_KEY_TYPE=PKCS8; it reads as PKCS1: set ALIPAY_KEY_TYPE=PKCS1)',
      ]);
    });

    it('refuses an ALIPAY_KEY_TYPE that contradicts the PEM header', () => {
      expect(problemsOf({ ...keyMode, ALIPAY_PRIVATE_KEY: APP_KEY_PKCS8, ALIPAY_KEY_TYPE: 'PKCS1' })).toEqual([
        'ALIPAY_KEY_TYPE=PKCS1 contradicts ALIPAY_PRIVATE_KEY, whose PEM header says PKCS8: unset ALIPAY_KEY_TYPE',
      ]);
    });

    it('lists a key it cannot parse by its variable, never with the key text or OpenSSL\'s words', () => {
      const damaged = APP_KEY_PKCS1.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA');
      const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const encrypted = appKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pass' }).toString();
      const cases: Array<[Env, string]> = [
        [{ ALIPAY_PRIVATE_KEY: '', ALIPAY_PRIVATE_KEY_FILE: scratchFile(damaged) }, 'ALIPAY_PRIVATE_KEY_FILE: not an RSA private key in PKCS1 or PKCS8 form'],
        [{ ALIPAY_PRIVATE_KEY: ecKey }, 'ALIPAY_PRIVATE_KEY: not an RSA private key in PKCS1 or PKCS8 form'],
        [{ ALIPAY_PRIVATE_KEY: 'not a key at all!' }, 'ALIPAY_PRIVATE_KEY: not an RSA private key in PKCS1 or PKCS8 form (bare base64 is read as ALIPAY_KEY_TYPE=PKCS1)'],
        [
          { ALIPAY_PRIVATE_KEY: encrypted },
          'ALIPAY_PRIVATE_KEY: not an RSA private key in PKCS1 or PKCS8 form (its PEM header is BEGIN ENCRYPTED PRIVATE KEY; an encrypted key must be decrypted first)',
        ],
      ];
      for (const [env, problem] of cases) {
        const problems = problemsOf({ ...keyMode, ...env });
        expect(problems).toEqual([problem]);
        expect(problems.join('\n')).not.toMatch(/error:|DECODER|asn1|MII/i);
      }
    });
  });

  describe('Alipay\'s public key and the certificates', () => {
    it('takes Alipay\'s public key as SPKI PEM, PKCS1 PEM or bare base64, from a variable or a file', () => {
      const pkcs1 = createPublicKey(ALIPAY_PUBLIC_KEY).export({ type: 'pkcs1', format: 'pem' }).toString();
      const givens: Env[] = [{ ALIPAY_PUBLIC_KEY: pkcs1 }, { ALIPAY_PUBLIC_KEY: bareBase64(ALIPAY_PUBLIC_KEY) }, { ALIPAY_PUBLIC_KEY_FILE: scratchFile(ALIPAY_PUBLIC_KEY) }];
      for (const given of givens) {
        expect(alipayOf({ ...base, ...given }).alipayPublicKey).toBe(ALIPAY_PUBLIC_KEY);
      }
    });

    it('refuses a public key it cannot parse, and the app\'s own public key in place of Alipay\'s', () => {
      expect(problemsOf({ ...base, ALIPAY_PUBLIC_KEY: 'MIIB...' })).toEqual([
        'ALIPAY_PUBLIC_KEY: not an RSA public key (PEM, or the bare base64 Alipay\'s console shows)',
      ]);
      expect(problemsOf({ ...base, ALIPAY_PUBLIC_KEY: APP_KEY_PKCS8 })).toEqual([expect.stringContaining('ALIPAY_PUBLIC_KEY: not an RSA public key')]);
      expect(problemsOf({ ...base, ALIPAY_PUBLIC_KEY: APP_PUBLIC_KEY })).toEqual([
        'ALIPAY_PUBLIC_KEY: this is your app\'s own public key; set Alipay\'s public key (支付宝公钥) instead',
      ]);
    });

    it('refuses certificates it cannot parse, and an app certificate of another key pair', () => {
      const certFiles = {
        ALIPAY_APP_CERT_FILE: join(FIXTURES, 'appCertPublicKey.crt'),
        ALIPAY_PUBLIC_CERT_FILE: join(FIXTURES, 'alipayCertPublicKey_RSA2.crt'),
        ALIPAY_ROOT_CERT_FILE: join(FIXTURES, 'alipayRootCert.crt'),
      };
      const garbage = scratchFile('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
      expect(problemsOf({ ...base, ...certFiles, ALIPAY_APP_CERT_FILE: garbage, ALIPAY_PUBLIC_CERT_FILE: garbage, ALIPAY_ROOT_CERT_FILE: garbage })).toEqual([
        'ALIPAY_APP_CERT_FILE: not an X.509 certificate (PEM) with an RSA key',
        'ALIPAY_PUBLIC_CERT_FILE: not an X.509 certificate (PEM) with an RSA key',
        'ALIPAY_ROOT_CERT_FILE: holds no RSA-signed X.509 certificate (PEM)',
      ]);
      expect(problemsOf({ ...base, ...certFiles, ALIPAY_APP_CERT_FILE: certFiles.ALIPAY_PUBLIC_CERT_FILE })).toEqual([
        'ALIPAY_APP_CERT_FILE does not hold the public key of the app private key: the two come from different key pairs',
      ]);
    });
  });

  describe('the OAuth page', () => {
    it.each([
      [undefined, ALIPAY_OAUTH_AUTHORIZE_URL],
      ['https://openapi.alipay.com/gateway.do', ALIPAY_OAUTH_AUTHORIZE_URL],
      [SANDBOX_GATEWAY, ALIPAY_SANDBOX_OAUTH_AUTHORIZE_URL],
      ['https://openapi.alipaydev.com/gateway.do', ALIPAY_SANDBOX_OAUTH_AUTHORIZE_URL],
    ])('follows the gateway %s', (gateway, oauthAuthorizeUrl) => {
      const env = gateway === undefined ? keyMode : { ...keyMode, ALIPAY_GATEWAY: gateway };
      expect(alipayOf(env).oauthAuthorizeUrl).toBe(oauthAuthorizeUrl);
    });

    it('is unknown for any other gateway host unless ALIPAY_OAUTH_AUTHORIZE_URL sets it', () => {
      const local = { ...keyMode, ALIPAY_GATEWAY: 'http://127.0.0.1:3100/emulator/gateway.do' };
      expect(problemsOf(local)).toEqual([
        'ALIPAY_GATEWAY\'s host 127.0.0.1 is neither Alipay\'s production nor its sandbox gateway, so its OAuth page is unknown: set ALIPAY_OAUTH_AUTHORIZE_URL',
      ]);
      const explicit = 'http://127.0.0.1:3100/emulator/oauth2/publicAppAuthorize.htm';
      expect(alipayOf({ ...local, ALIPAY_OAUTH_AUTHORIZE_URL: explicit }).oauthAuthorizeUrl).toBe(explicit);
      expect(alipayOf({ ...keyMode, ALIPAY_OAUTH_AUTHORIZE_URL: explicit }).oauthAuthorizeUrl).toBe(explicit);
      expect(problemsOf({ ...keyMode, ALIPAY_OAUTH_AUTHORIZE_URL: 'openauth.alipay.com' })).toEqual([
        'ALIPAY_OAUTH_AUTHORIZE_URL must be an http:// or https:// URL',
      ]);
    });
  });

  describe('the outbound proxy', () => {
    const proxy = 'http://merchant:s3cret@proxy.corp.example:3128/';

    it('takes ALIPAY_PROXY_URL first, then HTTPS_PROXY or https_proxy for the https gateway', () => {
      expect(alipayOf({ ...keyMode, ALIPAY_PROXY_URL: proxy, HTTPS_PROXY: 'http://other:8080' }).proxyUrl).toBe(proxy);
      expect(alipayOf({ ...keyMode, HTTPS_PROXY: proxy }).proxyUrl).toBe(proxy);
      expect(alipayOf({ ...keyMode, https_proxy: proxy }).proxyUrl).toBe(proxy);
      expect(alipayOf({ ...keyMode, HTTP_PROXY: proxy }).proxyUrl).toBeUndefined();
    });

    it('takes HTTP_PROXY, not HTTPS_PROXY, for an http gateway', () => {
      const local = { ...keyMode, ALIPAY_GATEWAY: 'http://gateway.test/gateway.do', ALIPAY_OAUTH_AUTHORIZE_URL: 'http://gateway.test/oauth' };
      expect(alipayOf({ ...local, HTTPS_PROXY: proxy }).proxyUrl).toBeUndefined();
      expect(alipayOf({ ...local, HTTP_PROXY: proxy }).proxyUrl).toBe(proxy);
    });

    it.each(['openapi.alipay.com', '.alipay.com', '*.alipay.com', 'alipay.com:443', 'localhost, alipay.com', '*'])(
      'leaves the gateway out of HTTPS_PROXY when NO_PROXY is "%s"',
      (noProxy) => {
        expect(alipayOf({ ...keyMode, HTTPS_PROXY: proxy, NO_PROXY: noProxy }).proxyUrl).toBeUndefined();
        expect(alipayOf({ ...keyMode, HTTPS_PROXY: proxy, no_proxy: noProxy }).proxyUrl).toBeUndefined();
      },
    );

    it.each(['alipaydev.com', 'pay.com', 'alipay.com:8443'])('still proxies the gateway when NO_PROXY is "%s"', (noProxy) => {
      expect(alipayOf({ ...keyMode, HTTPS_PROXY: proxy, NO_PROXY: noProxy }).proxyUrl).toBe(proxy);
    });

    it('refuses a proxy URL it cannot use, without quoting it (it may carry credentials)', () => {
      for (const name of ['ALIPAY_PROXY_URL', 'HTTPS_PROXY']) {
        const problems = problemsOf({ ...keyMode, [name]: 'socks5://merchant:s3cret@proxy.corp.example:1080' });
        expect(problems).toEqual([`${name} must be an http:// or https:// URL`]);
        expect(problems.join('\n')).not.toContain('s3cret');
      }
    });
  });
});
