/**
 * The two functions' settings, from the function's environment variables (set in the cloud
 * console, never in code or in the mini-program). The names are the server's (server/src/config.ts),
 * so a merchant who moves between the two variants keeps one set of values; the HMAC pepper in
 * particular makes the same per-number limits. Fail closed: any missing or malformed value is a
 * SettingsError listing every problem, and the function then answers INTERNAL_ERROR.
 */
import { MinorPolicy } from '../../../utils/api-contract';
import { Branding, CONSENT_LANGUAGES, consentNoticeFor } from '../../../utils/consent-notice';
import { IdentificationBizCode, IsvOptions } from '../../types/serverless';

/** The function's environment: process.env in the cloud, a plain object in tests. */
export type FunctionEnv = Readonly<Record<string, string | undefined>>;

export interface FunctionSettings {
  /** ID_HMAC_PEPPER: the secret of the HMACs that stand in for the ID number. */
  pepper: string;
  /** BIZ_CODE_ALLOWLIST, comma-separated; default FACE. */
  bizCodeAllowlist: readonly IdentificationBizCode[];
  /** ALIPAY_RETURN_URL: merchantConfig.returnUrl, where Alipay's page returns to. */
  returnUrl: string;
  /** MINOR_POLICY: guardian-consent (default) or refuse. */
  minorPolicy: MinorPolicy;
  /** The versions of the data notice built from the branding, one per language: what consentVersion may name. */
  consentVersions: readonly string[];
  /** RATE_LIMIT_WINDOW_SECONDS (3600), RATE_LIMIT_PER_USER (10), RATE_LIMIT_PER_CERT_NO (5): new verifications per window. */
  rateLimits: { windowMs: number; perUser: number; perCertNo: number };
  /** RETENTION_DAYS (180) in ms: how long a verification is kept, as the data notice says. */
  retentionMs: number;
  /** APP_AUTH_TOKEN: set only for a third-party (ISV) deployment, passed as every call's second argument. */
  isv?: IsvOptions;
}

/** The environment is incomplete or malformed; `problems` names each variable, never its value. */
export class SettingsError extends Error {
  readonly code = 'SETTINGS_INVALID';

  constructor(readonly problems: readonly string[]) {
    super(`The function's environment is not usable: ${problems.join('; ')}`);
    this.name = 'SettingsError';
  }
}

const BIZ_CODES: readonly IdentificationBizCode[] = ['FACE', 'CERT_PHOTO', 'CERT_PHOTO_FACE', 'SMART_FACE'];
const MINOR_POLICIES: readonly MinorPolicy[] = ['guardian-consent', 'refuse'];
const PEPPER_MIN_LENGTH = 32;
const DEFAULT_RETENTION_DAYS = 180;

function readInteger(env: FunctionEnv, name: string, fallback: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    problems.push(`${name} must be an integer >= 1`);
    return fallback;
  }
  return value;
}

function readText(env: FunctionEnv, name: string): string | undefined {
  const value = (env[name] ?? '').trim();
  return value === '' ? undefined : value;
}

/**
 * The notice names who processes the data and how to reach them (PIPL art. 17), so the branding
 * is required, as in the server's alipay mode: consent to a notice naming no one is no consent.
 */
function readBranding(env: FunctionEnv, problems: string[]): Branding {
  const merchantName = readText(env, 'MERCHANT_NAME');
  const contact = readText(env, 'MERCHANT_CONTACT');
  if (!merchantName) problems.push('MERCHANT_NAME is required: the data notice must name who processes the data');
  if (!contact) problems.push('MERCHANT_CONTACT is required: the data notice must say how to reach the data controller');
  const branding: Branding = {
    merchantName: merchantName ?? '',
    dataController: readText(env, 'DATA_CONTROLLER') ?? merchantName ?? '',
    contact: contact ?? '',
    retentionDays: readInteger(env, 'RETENTION_DAYS', DEFAULT_RETENTION_DAYS, problems),
  };
  const logoUrl = readText(env, 'MERCHANT_LOGO_URL');
  if (logoUrl !== undefined) branding.logoUrl = logoUrl;
  return branding;
}

/**
 * Reads and checks every setting.
 * @throws SettingsError listing every problem at once
 */
export function readFunctionSettings(env: FunctionEnv): FunctionSettings {
  const problems: string[] = [];
  const pepper = env.ID_HMAC_PEPPER ?? '';
  if (pepper.length < PEPPER_MIN_LENGTH) problems.push(`ID_HMAC_PEPPER is required (at least ${PEPPER_MIN_LENGTH} characters of secret)`);

  const bizCodeAllowlist: IdentificationBizCode[] = [];
  for (const code of (env.BIZ_CODE_ALLOWLIST || 'FACE').split(',').map((part) => part.trim()).filter(Boolean)) {
    const known = BIZ_CODES.find((bizCode) => bizCode === code);
    if (known) bizCodeAllowlist.push(known);
    else problems.push(`BIZ_CODE_ALLOWLIST may list only ${BIZ_CODES.join(', ')}`);
  }

  const returnUrl = readText(env, 'ALIPAY_RETURN_URL') ?? '';
  if (!/^https?:\/\/\S+$/.test(returnUrl)) problems.push('ALIPAY_RETURN_URL is required: an absolute http(s) URL for merchantConfig.returnUrl');

  const rawPolicy = env.MINOR_POLICY || 'guardian-consent';
  const minorPolicy = MINOR_POLICIES.find((policy) => policy === rawPolicy);
  if (!minorPolicy) problems.push(`MINOR_POLICY must be ${MINOR_POLICIES.join(' or ')}`);

  const branding = readBranding(env, problems);
  const rateLimits = {
    windowMs: readInteger(env, 'RATE_LIMIT_WINDOW_SECONDS', 3600, problems) * 1000,
    perUser: readInteger(env, 'RATE_LIMIT_PER_USER', 10, problems),
    perCertNo: readInteger(env, 'RATE_LIMIT_PER_CERT_NO', 5, problems),
  };
  if (problems.length > 0) throw new SettingsError(problems);

  const appAuthToken = readText(env, 'APP_AUTH_TOKEN');
  return {
    pepper,
    bizCodeAllowlist,
    returnUrl,
    minorPolicy: minorPolicy as MinorPolicy,
    consentVersions: CONSENT_LANGUAGES.map((language) => consentNoticeFor(language, branding).version),
    rateLimits,
    retentionMs: branding.retentionDays * 24 * 60 * 60 * 1000,
    isv: appAuthToken ? { appAuthToken } : undefined,
  };
}
