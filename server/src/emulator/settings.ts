/**
 * How the emulated gateway answers where Alipay's answer depends on the merchant's app, not on
 * the request: which user identity oauth.token returns, and whether query returns the
 * `fail_reason` extension. The defaults are what a new app gets from the real gateway. Set
 * from env at start and changed at runtime with `POST /emulator/settings`.
 *
 * @see https://opendocs.alipay.com/mini/0ai2i6 (open_id replaces user_id for new apps)
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.query (fail_reason: 扩展字段，默认不返回)
 */

/** Which of user_id and open_id oauth.token returns. */
export type OauthIdentity = 'open_id' | 'user_id' | 'both';

export const OAUTH_IDENTITIES: readonly OauthIdentity[] = ['open_id', 'user_id', 'both'];

export interface EmulatorSettings {
  /** Default 'open_id', as for an app created since 2023–24. */
  oauthIdentity: OauthIdentity;
  /** Query returns `fail_reason` after a failed check. Default false, as Alipay without the extension. */
  failReason: boolean;
}

export const DEFAULT_EMULATOR_SETTINGS: Readonly<EmulatorSettings> = { oauthIdentity: 'open_id', failReason: false };

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Settings from EMULATOR_OAUTH_IDENTITY (open_id | user_id | both) and EMULATOR_FAIL_REASON
 * (1/true or 0/false). Every problem is listed, for the server's start-up report.
 */
export function parseSettingsEnv(env: Env, problems: string[]): EmulatorSettings {
  const settings: EmulatorSettings = { ...DEFAULT_EMULATOR_SETTINGS };
  const identity = env.EMULATOR_OAUTH_IDENTITY;
  if (identity !== undefined && identity !== '') {
    if ((OAUTH_IDENTITIES as readonly string[]).indexOf(identity) >= 0) settings.oauthIdentity = identity as OauthIdentity;
    else problems.push(`EMULATOR_OAUTH_IDENTITY must be one of ${OAUTH_IDENTITIES.join(', ')}`);
  }
  const failReason = env.EMULATOR_FAIL_REASON;
  if (failReason !== undefined && failReason !== '') {
    if (failReason === '1' || failReason === 'true') settings.failReason = true;
    else if (failReason !== '0' && failReason !== 'false') problems.push('EMULATOR_FAIL_REASON must be 1, true, 0 or false');
  }
  return settings;
}
