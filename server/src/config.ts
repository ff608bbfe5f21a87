/**
 * The backend's configuration, from environment variables only (twelve-factor), parsed once
 * at start. Every field says its unit and default; the README's server section lists the
 * same variables. Secrets (keys, pepper) are read here and never logged.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AlipayCredentials, KeyType } from './alipay/alipay-client';

/** Alipay's production gateway (OpenAPI v2). */
export const ALIPAY_PRODUCTION_GATEWAY = 'https://openapi.alipay.com/gateway.do';
/** Alipay's auth_base OAuth page for H5 pages opened inside the Alipay app. */
export const ALIPAY_OAUTH_AUTHORIZE_URL = 'https://openauth.alipay.com/oauth2/publicAppAuthorize.htm';

/** Real mode: the service talks to Alipay with the merchant's own app. */
export interface AlipayModeConfig extends AlipayCredentials {
  mode: 'alipay';
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
  alipay: AlipayModeConfig | EmulatorModeConfig;
}

/** Thrown when the environment cannot make a safe configuration; lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n- ${problems.join('\n- ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

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

function readSecret(env: Env, name: string, problems: string[]): string | undefined {
  const inline = env[name];
  const file = env[`${name}_FILE`];
  if (inline && file) problems.push(`set ${name} or ${name}_FILE, not both`);
  if (inline) return inline.replace(/\\n/g, '\n');
  if (file) return readRequiredFile(file, `${name}_FILE`, problems);
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

function parseAlipayMode(env: Env, problems: string[]): AlipayModeConfig {
  const appId = env.ALIPAY_APP_ID as string;
  const privateKey = readSecret(env, 'ALIPAY_PRIVATE_KEY', problems);
  if (!privateKey) problems.push('ALIPAY_PRIVATE_KEY or ALIPAY_PRIVATE_KEY_FILE is required in real mode');
  const keyType = (env.ALIPAY_KEY_TYPE ?? 'PKCS1') as KeyType;
  if (keyType !== 'PKCS1' && keyType !== 'PKCS8') problems.push('ALIPAY_KEY_TYPE must be PKCS1 or PKCS8');
  const alipayPublicKey = readSecret(env, 'ALIPAY_PUBLIC_KEY', problems);
  const certFiles = [env.ALIPAY_APP_CERT_FILE, env.ALIPAY_PUBLIC_CERT_FILE, env.ALIPAY_ROOT_CERT_FILE];
  let certs: AlipayModeConfig['certs'];
  if (certFiles.some(Boolean)) {
    if (!certFiles.every(Boolean)) {
      problems.push('cert mode needs all of ALIPAY_APP_CERT_FILE, ALIPAY_PUBLIC_CERT_FILE and ALIPAY_ROOT_CERT_FILE');
    } else {
      const [appCert, alipayPublicCert, alipayRootCert] = certFiles.map((file, index) =>
        readRequiredFile(file as string, ['ALIPAY_APP_CERT_FILE', 'ALIPAY_PUBLIC_CERT_FILE', 'ALIPAY_ROOT_CERT_FILE'][index], problems),
      );
      if (appCert && alipayPublicCert && alipayRootCert) certs = { appCert, alipayPublicCert, alipayRootCert };
    }
    if (alipayPublicKey) problems.push('choose key mode (ALIPAY_PUBLIC_KEY) or cert mode (ALIPAY_*_CERT_FILE), not both');
  } else if (!alipayPublicKey) {
    problems.push(
      'real mode refuses to start without Alipay\'s public key: set ALIPAY_PUBLIC_KEY(_FILE), or the three ALIPAY_*_CERT_FILE for cert mode',
    );
  }
  if (!env.ID_HMAC_PEPPER) problems.push('ID_HMAC_PEPPER is required in real mode (at least 32 characters of secret)');
  return {
    mode: 'alipay',
    appId,
    privateKey: privateKey ?? '',
    keyType,
    alipayPublicKey,
    certs,
    appAuthToken: env.ALIPAY_APP_AUTH_TOKEN || undefined,
    gateway: env.ALIPAY_GATEWAY || ALIPAY_PRODUCTION_GATEWAY,
  };
}

/**
 * Parses the environment into a configuration.
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
  const alipay: ServerConfig['alipay'] = env.ALIPAY_APP_ID
    ? parseAlipayMode(env, problems)
    : { mode: 'emulator', emulatorUrl: env.EMULATOR_URL ? env.EMULATOR_URL.replace(/\/+$/, '') : undefined };
  const config: ServerConfig = {
    port,
    host,
    publicUrl,
    dataDir: resolve(env.DATA_DIR || join(repoRoot, 'data')),
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
    alipay,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
