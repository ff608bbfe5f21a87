/**
 * The backend's configuration, from environment variables only (twelve-factor), parsed once
 * at start. Every field says its unit and default; docs/server-api.md and docs/real-mode.md
 * list the same variables. Secrets (keys, pepper, proxy credentials) are read here and never logged,
 * and no problem message quotes them.
 *
 * Fail closed: which gateway the server talks to is chosen with ALIPAY_MODE, never guessed
 * from which other variables happen to be set, and every key and certificate is parsed here,
 * so a bad one is a line in the problem list instead of a crash on the first call.
 */
import { createPublicKey, KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { MinorPolicy } from '../../utils/api-contract';
import { Branding, DEVELOPMENT_BRANDING } from '../../utils/consent-notice';
import { AlipayCredentials, KeyType } from './alipay/alipay-client';
import { alipayRootCertSnOf } from './alipay/alipay-cert';
import { readAlipayPublicKey, readAppPrivateKey } from './alipay/key-material';
import { readScaleConfig, ScaleConfig } from './scale-config';
import { DEFAULT_RECONCILE_SCHEDULE, parseReconcileSchedule } from './workers/reconcile-schedule';

export type { MinorPolicy };

/** Alipay's production gateway (OpenAPI v2). */
export const ALIPAY_PRODUCTION_GATEWAY = 'https://openapi.alipay.com/gateway.do';
/**
 * Alipay's auth_base OAuth page for H5 pages opened inside the Alipay app.
 * @see https://opendocs.alipay.com/open/284/web
 */
export const ALIPAY_OAUTH_AUTHORIZE_URL = 'https://openauth.alipay.com/oauth2/publicAppAuthorize.htm';
/**
 * The same page for sandbox apps, which the production page does not know.
 * @see https://opendocs.alipay.com/common/02kkv7 (sandbox: gateway and OAuth addresses)
 */
export const ALIPAY_SANDBOX_OAUTH_AUTHORIZE_URL = 'https://openauth-sandbox.dl.alipaydev.com/oauth2/publicAppAuthorize.htm';

/** The OAuth page that goes with each of Alipay's gateway hosts. */
const OAUTH_AUTHORIZE_URL_BY_GATEWAY_HOST: Readonly<Record<string, string>> = {
  'openapi.alipay.com': ALIPAY_OAUTH_AUTHORIZE_URL,
  'openapi-sandbox.dl.alipaydev.com': ALIPAY_SANDBOX_OAUTH_AUTHORIZE_URL,
  // The sandbox's address before it moved to dl.alipaydev.com; still seen in older guides.
  'openapi.alipaydev.com': ALIPAY_SANDBOX_OAUTH_AUTHORIZE_URL,
};

/** Real mode: the service talks to Alipay with the merchant's own app. */
export interface AlipayModeConfig extends AlipayCredentials {
  mode: 'alipay';
  /**
   * The OAuth page the H5 page sends people to: production or sandbox by ALIPAY_GATEWAY's
   * host, or ALIPAY_OAUTH_AUTHORIZE_URL.
   */
  oauthAuthorizeUrl: string;
  /** HTTP(S) proxy for gateway calls: ALIPAY_PROXY_URL, else HTTPS_PROXY unless NO_PROXY covers the gateway. */
  proxyUrl?: string;
}

/** Emulator mode: no Alipay account; keys are generated into DATA_DIR. */
export interface EmulatorModeConfig {
  mode: 'emulator';
  /** When set, an external emulator process (`server/dist/emulator.js`) instead of the embedded one. */
  emulatorUrl?: string;
}

export interface RateLimitConfig {
  /** Length of every counting window, in seconds. Default 3600. */
  windowSeconds: number;
  /** Verifications (initialize calls) one user may start per window. Default 10. */
  perUser: number;
  /** Verifications one ID number (by its HMAC) may be used for per window, across users. Default 5. */
  perCertNo: number;
  /** Session and verification creations one client IP may make per minute; 0 disables the limit. Default 600. */
  perIpPerMinute: number;
}

const MINOR_POLICIES: readonly MinorPolicy[] = ['guardian-consent', 'refuse'];

export interface ServerConfig {
  /** TCP port. Default 3000. */
  port: number;
  /** Listen address. Default 127.0.0.1; 0.0.0.0 lets a phone on the LAN reach it. */
  host: string;
  /** Origin the outside world uses to reach this server, without a trailing slash. Default http://<host>:<port>. */
  publicUrl: string;
  /** Where the SQLite file, generated keys and the generated pepper live. Default <repo>/data. */
  dataDir: string;
  /** pino level. Default info. */
  logLevel: string;
  /** Trust X-Forwarded-For (behind a reverse proxy), so per-IP limits see the client. Default false. */
  trustProxy: boolean;
  /** Secret for HMAC-SHA256 of ID numbers. Required in real mode; generated into DATA_DIR in emulator mode. */
  idHmacPepper?: string;
  /** Session lifetime, in seconds. Default 7200. */
  sessionTtlSeconds: number;
  rateLimits: RateLimitConfig;
  /** Alipay biz_code values a client may ask for. Default ['FACE']. */
  bizCodeAllowlist: string[];
  /** Where Alipay sends the person after the face check. Default <PUBLIC_URL>/. */
  returnUrl: string;
  /** Per-call timeout for Alipay gateway calls, in milliseconds. Default 5000. */
  alipayTimeoutMs: number;
  /** Extra attempts for a failed query (20000 or network error). Default 2. */
  queryRetries: number;
  /** Extra attempts for initialize after a 20000, each with a new outer_order_no. Default 1. */
  initializeRetries: number;
  /** How long a query answer is reused for the same verification, in milliseconds. Default 1000. */
  queryCacheMs: number;
  /** For holders under 14 (Beijing time): MINOR_POLICY, default guardian-consent. */
  minorPolicy: MinorPolicy;
  /**
   * H5_DONE_URL: where 完成 on the H5 page's verified screen sends the person (the merchant's
   * return page), served to the page by `GET /api/client-config`. An absolute http(s) URL,
   * https outside development. Default none: 完成 then starts a new verification on a clear form.
   */
  h5DoneUrl?: string;
  /**
   * Who the person is dealing with, shown in both clients' header and named in the data notice
   * (MERCHANT_NAME, DATA_CONTROLLER, MERCHANT_CONTACT, MERCHANT_LOGO_URL, RETENTION_DAYS).
   * Required in alipay mode; the emulator shows DEVELOPMENT_BRANDING for what is unset.
   */
  branding: Branding;
  /**
   * METRICS_TOKEN: the Bearer token `GET /metrics` requires, at least 32 characters. Unset:
   * in alipay mode /metrics is not served at all (404), in emulator mode (loopback only, like
   * the emulator's own endpoints) it is served without one.
   */
  metricsToken?: string;
  /**
   * RECONCILE_SCHEDULE: when PENDING verifications are re-queried without a client, as delays
   * after creation (`20s,1m,5m,30m,1h`, the default), then hourly until expiry; in ms here.
   */
  reconcileScheduleMs: number[];
  /** WEBHOOK_URL and WEBHOOK_SECRET: where signed events go. Unset: no events are written or sent. */
  webhook?: WebhookConfig;
  /** DATABASE_URL, REDIS_URL, WORKERS and their knobs (scale-config.ts). Unset: the embedded default. */
  scale: ScaleConfig;
  alipay: AlipayModeConfig | EmulatorModeConfig;
}

/** Standard Webhooks target (webhooks/delivery-worker.ts). */
export interface WebhookConfig {
  /** WEBHOOK_URL: an absolute http(s) URL, https outside development. */
  url: string;
  /** WEBHOOK_SECRET: `whsec_` and the base64 of 24 to 64 random bytes, shared with the receiver. */
  secret: string;
}

/** Thrown when the environment cannot make a safe configuration; lists every problem at once. */
export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG';

  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n- ${problems.join('\n- ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;
type Mode = ServerConfig['alipay']['mode'];

/** ALIPAY_* variables that only real mode reads: with any of them set, the emulator is refused. */
const REAL_MODE_VARIABLES = [
  'ALIPAY_APP_ID',
  'ALIPAY_PRIVATE_KEY',
  'ALIPAY_PRIVATE_KEY_FILE',
  'ALIPAY_KEY_TYPE',
  'ALIPAY_PUBLIC_KEY',
  'ALIPAY_PUBLIC_KEY_FILE',
  'ALIPAY_APP_CERT_FILE',
  'ALIPAY_PUBLIC_CERT_FILE',
  'ALIPAY_ROOT_CERT_FILE',
  'ALIPAY_APP_AUTH_TOKEN',
  'ALIPAY_GATEWAY',
  'ALIPAY_OAUTH_AUTHORIZE_URL',
  'ALIPAY_PROXY_URL',
];

/** Every ALIPAY_* variable the server reads; any other is a typo to report, not to ignore. */
const KNOWN_ALIPAY_VARIABLES = new Set([
  'ALIPAY_MODE',
  ...REAL_MODE_VARIABLES,
  'ALIPAY_RETURN_URL',
  'ALIPAY_TIMEOUT_MS',
  'ALIPAY_QUERY_RETRIES',
  'ALIPAY_INITIALIZE_RETRIES',
]);

/** NODE_ENV values that mean a developer's machine or a test run (Jest sets `test`). */
const DEVELOPMENT_NODE_ENVS = new Set(['', 'development', 'test']);

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

function readInteger(env: Env, name: string, fallback: number, min: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    problems.push(`${name} must be an integer >= ${min}`);
    return fallback;
  }
  return value;
}

function readMinorPolicy(env: Env, problems: string[]): MinorPolicy {
  const raw = env.MINOR_POLICY;
  if (raw === undefined || raw === '') return 'guardian-consent';
  const policy = MINOR_POLICIES.find((known) => known === raw);
  // Fail closed: a misspelled policy stops the server rather than choosing one for the merchant.
  if (policy === undefined) problems.push(`MINOR_POLICY must be ${MINOR_POLICIES.join(' or ')}`);
  return policy ?? 'guardian-consent';
}

function readFlag(env: Env, name: string, problems: string[]): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  problems.push(`${name} must be 1, true, 0 or false`);
  return false;
}

/** Levenshtein distance, for "did you mean" on misspelled variable names. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** Reports every ALIPAY_* variable the server does not read, with the nearest known name. */
function checkUnknownAlipayVariables(env: Env, problems: string[]): void {
  for (const name of Object.keys(env)) {
    const upper = name.toUpperCase();
    if (!upper.startsWith('ALIPAY_') || KNOWN_ALIPAY_VARIABLES.has(name)) continue;
    let nearest: string | undefined;
    let nearestDistance = Infinity;
    for (const known of KNOWN_ALIPAY_VARIABLES) {
      const distance = editDistance(upper, known);
      if (distance < nearestDistance) {
        nearest = known;
        nearestDistance = distance;
      }
    }
    const hint = nearest !== undefined && nearestDistance <= 3 ? `; did you mean ${nearest}?` : '';
    problems.push(`${name} is not a variable this server reads${hint}`);
  }
}

function isSet(env: Env, name: string): boolean {
  const value = env[name];
  return value !== undefined && value !== '';
}

/**
 * The mode, or undefined when it cannot be decided safely (the problems say why). Unset means
 * emulator only on a developer's machine with no ALIPAY_* variable at all: a merchant who
 * configured their app but forgot ALIPAY_MODE must not get the emulator.
 */
function readMode(env: Env, problems: string[]): Mode | undefined {
  const raw = env.ALIPAY_MODE;
  if (raw === 'alipay' || raw === 'emulator') return raw;
  if (raw !== undefined && raw !== '') {
    problems.push('ALIPAY_MODE must be alipay (the real gateway) or emulator');
    return undefined;
  }
  let decided: Mode | undefined = 'emulator';
  const present = Object.keys(env).filter((name) => name.toUpperCase().startsWith('ALIPAY_') && isSet(env, name));
  if (present.length > 0) {
    problems.push(
      `ALIPAY_MODE is not set, but ${present.join(', ')} ${present.length === 1 ? 'is' : 'are'}: set ALIPAY_MODE=alipay for the real gateway, or ALIPAY_MODE=emulator`,
    );
    decided = undefined;
  }
  const nodeEnv = (env.NODE_ENV ?? '').trim().toLowerCase();
  if (!DEVELOPMENT_NODE_ENVS.has(nodeEnv)) {
    problems.push(`ALIPAY_MODE is required when NODE_ENV is ${nodeEnv}: set ALIPAY_MODE=alipay`);
    decided = undefined;
  }
  return decided;
}

function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare.toLowerCase() === 'localhost') return true;
  const family = isIP(bare);
  return family !== 0 && LOOPBACK.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

/** The emulator lets anyone mark a verification passed: it must never serve real people. */
function checkEmulatorMode(env: Env, host: string, problems: string[]): void {
  if ((env.NODE_ENV ?? '').trim().toLowerCase() === 'production') {
    problems.push('ALIPAY_MODE=emulator is refused when NODE_ENV=production: anyone can mark an emulated verification passed');
  }
  const realOnly = REAL_MODE_VARIABLES.filter((name) => isSet(env, name));
  if (realOnly.length > 0) {
    problems.push(
      `ALIPAY_MODE=emulator, but ${realOnly.join(', ')} ${realOnly.length === 1 ? 'is' : 'are'} set, which only ALIPAY_MODE=alipay reads: set ALIPAY_MODE=alipay to use your Alipay app, or unset ${realOnly.length === 1 ? 'it' : 'them'}`,
    );
  }
  const allowRemote = readFlag(env, 'EMULATOR_ALLOW_REMOTE', problems);
  if (!allowRemote && !isLoopbackHost(host)) {
    problems.push(
      `HOST=${host} is not a loopback address: the emulator's endpoints need no credentials, so it listens beyond this machine only with EMULATOR_ALLOW_REMOTE=1`,
    );
  }
}

interface Secret {
  text: string;
  /** The variable it came from, for problem messages (never the text itself). */
  source: string;
}

function readSecret(env: Env, name: string, problems: string[]): Secret | undefined {
  const inline = env[name];
  const file = env[`${name}_FILE`];
  if (inline && file) problems.push(`set ${name} or ${name}_FILE, not both`);
  if (inline) return { text: inline.replace(/\\n/g, '\n'), source: name };
  if (file) {
    const text = readRequiredFile(file, `${name}_FILE`, problems);
    return text === undefined ? undefined : { text, source: `${name}_FILE` };
  }
  return undefined;
}

function readRequiredFile(path: string, name: string, problems: string[]): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    problems.push(`${name}: cannot read the file it names`);
    return undefined;
  }
}

const PEM_LABEL = /-----BEGIN ([A-Z0-9 ]+)-----/;
const BASE64 = /^[A-Za-z0-9+/=\s]+$/;

/** The key as node:crypto reads it, or undefined (its OpenSSL error says nothing an operator can act on). */
function tryParse(parse: () => KeyObject): KeyObject | undefined {
  try {
    return parse();
  } catch {
    return undefined;
  }
}

function parseBareRsaPrivateKey(text: string, keyType: KeyType): KeyObject | undefined {
  return BASE64.test(text) ? tryParse(() => readAppPrivateKey(text, keyType)) : undefined;
}

/**
 * The app private key, re-encoded as PEM in its own form, and that form. A PEM header decides
 * the form (alipay-sdk would otherwise wrap a PKCS8 body in a PKCS1 header and OpenSSL would
 * fail at the first call); bare base64, as Alipay's key tool writes it, takes ALIPAY_KEY_TYPE,
 * default PKCS1 like alipay-sdk.
 */
function parsePrivateKey(secret: Secret, keyTypeSetting: KeyType | undefined, problems: string[]): { pem: string; keyType: KeyType } | undefined {
  const notRsa = `${secret.source}: not an RSA private key in PKCS1 or PKCS8 form`;
  const label = PEM_LABEL.exec(secret.text)?.[1];
  let keyType: KeyType;
  let key: KeyObject | undefined;
  if (label !== undefined) {
    const labelled = label === 'RSA PRIVATE KEY' ? 'PKCS1' : label === 'PRIVATE KEY' ? 'PKCS8' : undefined;
    if (labelled === undefined) {
      problems.push(`${notRsa} (its PEM header is BEGIN ${label}; an encrypted key must be decrypted first)`);
      return undefined;
    }
    if (keyTypeSetting !== undefined && keyTypeSetting !== labelled) {
      problems.push(`ALIPAY_KEY_TYPE=${keyTypeSetting} contradicts ${secret.source}, whose PEM header says ${labelled}: unset ALIPAY_KEY_TYPE`);
    }
    keyType = labelled;
    key = tryParse(() => readAppPrivateKey(secret.text, labelled));
  } else {
    keyType = keyTypeSetting ?? 'PKCS1';
    key = parseBareRsaPrivateKey(secret.text, keyType);
    if (key === undefined) {
      const other: KeyType = keyType === 'PKCS1' ? 'PKCS8' : 'PKCS1';
      const hint = parseBareRsaPrivateKey(secret.text, other) ? `; it reads as ${other}: set ALIPAY_KEY_TYPE=${other}` : '';
      problems.push(`${notRsa} (bare base64 is read as ALIPAY_KEY_TYPE=${keyType}${hint})`);
      return undefined;
    }
  }
  if (key === undefined || key.asymmetricKeyType !== 'rsa') {
    problems.push(notRsa);
    return undefined;
  }
  return { pem: key.export({ type: keyType === 'PKCS1' ? 'pkcs1' : 'pkcs8', format: 'pem' }).toString(), keyType };
}

/** Alipay's public key as SPKI PEM, from PEM (SPKI or PKCS1) or the bare base64 SPKI Alipay's console shows. */
function parsePublicKey(secret: Secret, problems: string[]): KeyObject | undefined {
  const label = PEM_LABEL.exec(secret.text)?.[1];
  const readable = label === undefined ? BASE64.test(secret.text) : label === 'PUBLIC KEY' || label === 'RSA PUBLIC KEY';
  const key = readable ? tryParse(() => readAlipayPublicKey(secret.text)) : undefined;
  if (key === undefined) {
    problems.push(`${secret.source}: not an RSA public key (PEM, or the bare base64 Alipay's console shows)`);
    return undefined;
  }
  return key;
}

function sameKey(a: KeyObject, b: KeyObject): boolean {
  return a.export({ type: 'spki', format: 'der' }).equals(b.export({ type: 'spki', format: 'der' }));
}

/** The first certificate in `text`, which must hold an RSA key. */
function parseCertificate(text: string, source: string, problems: string[]): X509Certificate | undefined {
  try {
    const certificate = new X509Certificate(text);
    if (certificate.publicKey.asymmetricKeyType === 'rsa') return certificate;
  } catch {
    // Reported below, without OpenSSL's words.
  }
  problems.push(`${source}: not an X.509 certificate (PEM) with an RSA key`);
  return undefined;
}

/**
 * Alipay's root file bundles several roots (RSA and others); alipay_root_cert_sn comes from
 * the RSA-signed ones (alipay-cert.ts, the rule of Alipay's SDKs), so at least one must be there.
 */
function checkRootCertificates(text: string, problems: string[]): void {
  if (alipayRootCertSnOf(text) === '') problems.push('ALIPAY_ROOT_CERT_FILE: holds no RSA-signed X.509 certificate (PEM)');
}

function parseHttpUrl(raw: string, name: string, problems: string[]): URL | undefined {
  try {
    const url = new URL(raw);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // Reported below; the value is not quoted, since a proxy URL may carry credentials.
  }
  problems.push(`${name} must be an http:// or https:// URL`);
  return undefined;
}

function readOauthAuthorizeUrl(env: Env, gateway: URL | undefined, problems: string[]): string {
  const explicit = env.ALIPAY_OAUTH_AUTHORIZE_URL;
  if (explicit) return parseHttpUrl(explicit, 'ALIPAY_OAUTH_AUTHORIZE_URL', problems)?.href ?? '';
  if (gateway === undefined) return '';
  const known = OAUTH_AUTHORIZE_URL_BY_GATEWAY_HOST[gateway.hostname];
  if (known !== undefined) return known;
  problems.push(
    `ALIPAY_GATEWAY's host ${gateway.hostname} is neither Alipay's production nor its sandbox gateway, so its OAuth page is unknown: set ALIPAY_OAUTH_AUTHORIZE_URL`,
  );
  return '';
}

/**
 * Whether NO_PROXY exempts the gateway: `*`, or an entry naming its host or a parent domain
 * (`example.com`, `.example.com` and `*.example.com` all cover `api.example.com`), with an
 * optional `:port` that must then match too. Comma- or space-separated, as curl reads it.
 */
function bypassesProxy(gateway: URL, noProxy: string): boolean {
  const host = gateway.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = gateway.port || (gateway.protocol === 'https:' ? '443' : '80');
  return noProxy
    .split(/[\s,]+/)
    .filter(Boolean)
    .some((entry) => {
      if (entry === '*') return true;
      const match = /^(.*?)(?::(\d+))?$/.exec(entry.toLowerCase()) as RegExpExecArray;
      if (match[2] !== undefined && match[2] !== port) return false;
      const domain = match[1].replace(/^\*?\./, '').replace(/^\[|\]$/g, '');
      return host === domain || host.endsWith(`.${domain}`);
    });
}

/** ALIPAY_PROXY_URL, else the standard variable for the gateway's scheme unless NO_PROXY covers it. */
function readProxyUrl(env: Env, gateway: URL | undefined, problems: string[]): string | undefined {
  if (env.ALIPAY_PROXY_URL) return parseHttpUrl(env.ALIPAY_PROXY_URL, 'ALIPAY_PROXY_URL', problems)?.href;
  if (gateway === undefined) return undefined;
  const names = gateway.protocol === 'https:' ? ['HTTPS_PROXY', 'https_proxy'] : ['HTTP_PROXY', 'http_proxy'];
  const name = names.find((candidate) => isSet(env, candidate));
  if (name === undefined) return undefined;
  if (bypassesProxy(gateway, env.NO_PROXY || env.no_proxy || '')) return undefined;
  return parseHttpUrl(env[name] as string, name, problems)?.href;
}

function readKeyType(env: Env, problems: string[]): KeyType | undefined {
  const raw = env.ALIPAY_KEY_TYPE;
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'PKCS1' || raw === 'PKCS8') return raw;
  problems.push('ALIPAY_KEY_TYPE must be PKCS1 or PKCS8');
  return undefined;
}

function parseAlipayMode(env: Env, problems: string[]): AlipayModeConfig {
  const appId = env.ALIPAY_APP_ID ?? '';
  if (!appId) problems.push('ALIPAY_APP_ID is required when ALIPAY_MODE=alipay');
  const privateKeySecret = readSecret(env, 'ALIPAY_PRIVATE_KEY', problems);
  if (!privateKeySecret && !isSet(env, 'ALIPAY_PRIVATE_KEY_FILE')) {
    problems.push('ALIPAY_PRIVATE_KEY or ALIPAY_PRIVATE_KEY_FILE is required in real mode');
  }
  const keyTypeSetting = readKeyType(env, problems);
  const privateKey = privateKeySecret ? parsePrivateKey(privateKeySecret, keyTypeSetting, problems) : undefined;
  const appKey = privateKey ? createPublicKey(privateKey.pem) : undefined;

  const publicKeySecret = readSecret(env, 'ALIPAY_PUBLIC_KEY', problems);
  const alipayKey = publicKeySecret ? parsePublicKey(publicKeySecret, problems) : undefined;
  if (alipayKey && appKey && sameKey(alipayKey, appKey)) {
    problems.push(`${publicKeySecret?.source}: this is your app's own public key; set Alipay's public key (支付宝公钥) instead`);
  }

  const certNames = ['ALIPAY_APP_CERT_FILE', 'ALIPAY_PUBLIC_CERT_FILE', 'ALIPAY_ROOT_CERT_FILE'] as const;
  let certs: AlipayModeConfig['certs'];
  if (certNames.some((name) => isSet(env, name))) {
    if (!certNames.every((name) => isSet(env, name))) {
      problems.push('cert mode needs all of ALIPAY_APP_CERT_FILE, ALIPAY_PUBLIC_CERT_FILE and ALIPAY_ROOT_CERT_FILE');
    } else {
      const [appCert, alipayPublicCert, alipayRootCert] = certNames.map((name) => readRequiredFile(env[name] as string, name, problems));
      const appCertificate = appCert === undefined ? undefined : parseCertificate(appCert, 'ALIPAY_APP_CERT_FILE', problems);
      if (appCertificate && appKey && !sameKey(appCertificate.publicKey, appKey)) {
        problems.push('ALIPAY_APP_CERT_FILE does not hold the public key of the app private key: the two come from different key pairs');
      }
      const alipayCertificate = alipayPublicCert === undefined ? undefined : parseCertificate(alipayPublicCert, 'ALIPAY_PUBLIC_CERT_FILE', problems);
      if (alipayRootCert !== undefined) checkRootCertificates(alipayRootCert, problems);
      if (appCert !== undefined && alipayPublicCert !== undefined && alipayRootCert !== undefined && appCertificate && alipayCertificate) {
        certs = { appCert, alipayPublicCert, alipayRootCert };
      }
    }
    if (publicKeySecret) problems.push('choose key mode (ALIPAY_PUBLIC_KEY) or cert mode (ALIPAY_*_CERT_FILE), not both');
  } else if (!publicKeySecret && !isSet(env, 'ALIPAY_PUBLIC_KEY_FILE')) {
    problems.push(
      'real mode refuses to start without Alipay\'s public key: set ALIPAY_PUBLIC_KEY(_FILE), or the three ALIPAY_*_CERT_FILE for cert mode',
    );
  }
  if (!env.ID_HMAC_PEPPER) problems.push('ID_HMAC_PEPPER is required in real mode (at least 32 characters of secret)');

  const gatewayText = env.ALIPAY_GATEWAY || ALIPAY_PRODUCTION_GATEWAY;
  const gateway = parseHttpUrl(gatewayText, 'ALIPAY_GATEWAY', problems);
  return {
    mode: 'alipay',
    appId,
    privateKey: privateKey?.pem ?? '',
    keyType: privateKey?.keyType ?? 'PKCS1',
    alipayPublicKey: alipayKey?.export({ type: 'spki', format: 'pem' }).toString(),
    certs,
    appAuthToken: env.ALIPAY_APP_AUTH_TOKEN || undefined,
    gateway: gatewayText,
    oauthAuthorizeUrl: readOauthAuthorizeUrl(env, gateway, problems),
    proxyUrl: readProxyUrl(env, gateway, problems),
  };
}

/**
 * H5_DONE_URL, or undefined when unset. The page sends a verified person there with
 * `location.assign`, so it must be a web address (never `javascript:`), and https outside a
 * developer's machine: a person who just proved who they are must not be handed to a page
 * anyone on the network can rewrite.
 */
function readDoneUrl(env: Env, problems: string[]): string | undefined {
  const raw = env.H5_DONE_URL;
  if (raw === undefined || raw === '') return undefined;
  const url = parseHttpUrl(raw, 'H5_DONE_URL', problems);
  if (url === undefined) return undefined;
  const nodeEnv = (env.NODE_ENV ?? '').trim().toLowerCase();
  if (url.protocol !== 'https:' && !DEVELOPMENT_NODE_ENVS.has(nodeEnv)) {
    problems.push(`H5_DONE_URL must be an https:// URL when NODE_ENV is ${nodeEnv}`);
    return undefined;
  }
  return url.href;
}

/** Longest text a branding variable may hold: it is shown in a header and inside a notice. */
const BRANDING_MAX_LENGTH = 100;

/**
 * The merchant's branding. A real deployment must say who processes the data and how to reach
 * them (PIPL art. 17), so in alipay mode MERCHANT_NAME and MERCHANT_CONTACT are required: a
 * notice naming no one is refused at start, never shown. DATA_CONTROLLER (the legal entity)
 * defaults to MERCHANT_NAME. RETENTION_DAYS is also how long records are kept, so the notice
 * and the deletion can never disagree.
 */
function readBranding(env: Env, mode: 'alipay' | 'emulator' | undefined, problems: string[]): Branding {
  const text = (name: string): string | undefined => {
    const value = (env[name] ?? '').trim();
    if (value === '') return undefined;
    // Control characters would break the header and the notice's plain-text format.
    // eslint-disable-next-line no-control-regex
    if (value.length > BRANDING_MAX_LENGTH || /[\u0000-\u001f\u007f]/.test(value)) {
      problems.push(`${name} must be at most ${BRANDING_MAX_LENGTH} characters, with no control characters`);
      return undefined;
    }
    return value;
  };
  const merchantName = text('MERCHANT_NAME');
  const contact = text('MERCHANT_CONTACT');
  const unset = (name: string): boolean => (env[name] ?? '').trim() === '';
  if (mode === 'alipay') {
    if (unset('MERCHANT_NAME')) problems.push('MERCHANT_NAME is required with ALIPAY_MODE=alipay: the data notice must name who processes the data');
    if (unset('MERCHANT_CONTACT')) problems.push('MERCHANT_CONTACT is required with ALIPAY_MODE=alipay: the data notice must say how to reach the data controller');
  }
  const branding: Branding = {
    merchantName: merchantName ?? DEVELOPMENT_BRANDING.merchantName,
    dataController: text('DATA_CONTROLLER') ?? merchantName ?? DEVELOPMENT_BRANDING.dataController,
    contact: contact ?? DEVELOPMENT_BRANDING.contact,
    retentionDays: readInteger(env, 'RETENTION_DAYS', DEVELOPMENT_BRANDING.retentionDays, 1, problems),
  };
  const logo = text('MERCHANT_LOGO_URL');
  if (logo !== undefined) {
    // A path is served by this server; anything else must be https (the page's CSP allows img-src 'self' and https:).
    if (/^\/(?!\/)/.test(logo)) branding.logoUrl = logo;
    else if (/^https:\/\/[^\s]+$/i.test(logo)) branding.logoUrl = logo;
    else problems.push('MERCHANT_LOGO_URL must be an https:// URL or a path starting with /');
  }
  return branding;
}

/** Shortest METRICS_TOKEN accepted: a guessable token would publish the service's traffic. */
const METRICS_TOKEN_MIN_LENGTH = 32;

function readMetricsToken(env: Env, problems: string[]): string | undefined {
  const token = env.METRICS_TOKEN;
  if (token === undefined || token === '') return undefined;
  if (token.length < METRICS_TOKEN_MIN_LENGTH) problems.push(`METRICS_TOKEN must be at least ${METRICS_TOKEN_MIN_LENGTH} characters`);
  return token;
}

function readReconcileSchedule(env: Env, problems: string[]): number[] {
  const parsed = parseReconcileSchedule(env.RECONCILE_SCHEDULE || DEFAULT_RECONCILE_SCHEDULE);
  if (parsed.ok) return parsed.delaysMs;
  problems.push(parsed.problem);
  return [];
}

const WEBHOOK_SECRET_FORMAT = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

/**
 * WEBHOOK_URL with its WEBHOOK_SECRET, or undefined when neither is set. Fail closed: a URL
 * without a valid secret would mean unsigned (or unverifiable) events, so it stops the server.
 * Events carry the user's id and masked number, so the URL is https outside development.
 */
function readWebhook(env: Env, problems: string[]): WebhookConfig | undefined {
  const rawUrl = env.WEBHOOK_URL ?? '';
  const secret = env.WEBHOOK_SECRET ?? '';
  if (rawUrl === '' && secret === '') return undefined;
  if (rawUrl === '') {
    problems.push('WEBHOOK_SECRET is set but WEBHOOK_URL is not: set WEBHOOK_URL to the receiver, or unset WEBHOOK_SECRET');
    return undefined;
  }
  const url = parseHttpUrl(rawUrl, 'WEBHOOK_URL', problems);
  const nodeEnv = (env.NODE_ENV ?? '').trim().toLowerCase();
  if (url && url.protocol !== 'https:' && !DEVELOPMENT_NODE_ENVS.has(nodeEnv)) {
    problems.push(`WEBHOOK_URL must be an https:// URL when NODE_ENV is ${nodeEnv}`);
  }
  const key = WEBHOOK_SECRET_FORMAT.exec(secret)?.[1];
  const bytes = key === undefined ? 0 : Buffer.from(key, 'base64').length;
  if (bytes < 24 || bytes > 64) {
    problems.push('WEBHOOK_URL needs WEBHOOK_SECRET: whsec_ and the base64 of 24 to 64 random bytes (e.g. whsec_$(openssl rand -base64 32))');
  }
  return url ? { url: url.href, secret } : undefined;
}

/** DATA_DIR as configured, or `<repoRoot>/data`. */
export function resolveDataDir(env: Env, repoRoot: string): string {
  return resolve(env.DATA_DIR || join(repoRoot, 'data'));
}

/**
 * Parses the environment into a configuration. Pure: reads the key and certificate files it
 * is pointed at, and nothing else (start-up.ts prepares DATA_DIR).
 * @param env usually `process.env`
 * @param repoRoot the repository root, for the default DATA_DIR
 * @throws ConfigError listing every invalid or missing variable
 */
export function parseConfig(env: Env, repoRoot: string): ServerConfig {
  const problems: string[] = [];
  const port = readInteger(env, 'PORT', 3000, 0, problems);
  const host = env.HOST || '127.0.0.1';
  const publicUrl = (env.PUBLIC_URL || `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`).replace(/\/+$/, '');
  if (!/^https?:\/\//.test(publicUrl)) problems.push('PUBLIC_URL must start with http:// or https://');
  const pepper = env.ID_HMAC_PEPPER;
  if (pepper !== undefined && pepper.length < 32) problems.push('ID_HMAC_PEPPER must be at least 32 characters');
  const bizCodeAllowlist = (env.BIZ_CODE_ALLOWLIST || 'FACE')
    .split(',')
    .map((code) => code.trim())
    .filter(Boolean);
  checkUnknownAlipayVariables(env, problems);
  const mode = readMode(env, problems);
  let alipay: ServerConfig['alipay'];
  if (mode === 'alipay') {
    alipay = parseAlipayMode(env, problems);
  } else {
    if (mode === 'emulator') checkEmulatorMode(env, host, problems);
    alipay = { mode: 'emulator', emulatorUrl: env.EMULATOR_URL ? env.EMULATOR_URL.replace(/\/+$/, '') : undefined };
  }
  const config: ServerConfig = {
    port,
    host,
    publicUrl,
    dataDir: resolveDataDir(env, repoRoot),
    logLevel: env.LOG_LEVEL || 'info',
    trustProxy: env.TRUST_PROXY === 'true' || env.TRUST_PROXY === '1',
    idHmacPepper: pepper || undefined,
    sessionTtlSeconds: readInteger(env, 'SESSION_TTL_SECONDS', 7200, 60, problems),
    rateLimits: {
      windowSeconds: readInteger(env, 'RATE_LIMIT_WINDOW_SECONDS', 3600, 1, problems),
      perUser: readInteger(env, 'RATE_LIMIT_PER_USER', 10, 1, problems),
      perCertNo: readInteger(env, 'RATE_LIMIT_PER_CERT_NO', 5, 1, problems),
      perIpPerMinute: readInteger(env, 'RATE_LIMIT_PER_IP_PER_MINUTE', 600, 0, problems),
    },
    bizCodeAllowlist,
    returnUrl: env.ALIPAY_RETURN_URL || `${publicUrl}/`,
    alipayTimeoutMs: readInteger(env, 'ALIPAY_TIMEOUT_MS', 5000, 1, problems),
    queryRetries: readInteger(env, 'ALIPAY_QUERY_RETRIES', 2, 0, problems),
    initializeRetries: readInteger(env, 'ALIPAY_INITIALIZE_RETRIES', 1, 0, problems),
    queryCacheMs: readInteger(env, 'QUERY_CACHE_MS', 1000, 0, problems),
    minorPolicy: readMinorPolicy(env, problems),
    h5DoneUrl: readDoneUrl(env, problems),
    branding: readBranding(env, mode, problems),
    metricsToken: readMetricsToken(env, problems),
    reconcileScheduleMs: readReconcileSchedule(env, problems),
    webhook: readWebhook(env, problems),
    scale: readScaleConfig(env, problems),
    alipay,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
