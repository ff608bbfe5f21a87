/**
 * Signing in with Alipay's auth_base OAuth redirect, and what the page keeps between
 * page loads, all in sessionStorage (gone with the tab): the backend's session token, the
 * OAuth state of a redirect under way, the id of the verification in progress, and the id of
 * the last settled one (so a reload shows its result, not an empty form, until the person
 * starts over), and the language chosen with the page's switch. A person's name and ID number are never stored anywhere.
 *
 * @see https://opendocs.alipay.com/open/284/web (auth_base: publicAppAuthorize.htm, redirect_uri, auth_code)
 * @see https://opendocs.alipay.com/apis/api_9/alipay.system.oauth.token (what the backend does with the auth_code)
 */
import { ClientConfig, CreateSessionResponse } from '../../utils/api-contract';
import { isSessionUsable } from '../../utils/client-policy';
import { Locale } from './copy';

/** Query parameters Alipay appends to redirect_uri; removed from the address bar after sign-in. */
export const OAUTH_RETURN_PARAMS = ['auth_code', 'app_id', 'source', 'scope', 'state'] as const;

/**
 * The authorize URL that sends the user to Alipay (or the emulator) and back to `returnTo`.
 * `state` is a fresh random value the page keeps and checks on return, so an auth_code
 * planted in a link (login CSRF) is refused.
 */
export function buildAuthorizeUrl(config: ClientConfig, returnTo: string, state: string): string {
  const url = new URL(config.oauthAuthorizeUrl, returnTo);
  url.searchParams.set('app_id', config.appId);
  url.searchParams.set('scope', 'auth_base');
  url.searchParams.set('redirect_uri', returnTo);
  url.searchParams.set('state', state);
  return url.toString();
}

/** What a returning redirect carries, and the same address without the OAuth parameters. */
export interface OAuthReturn {
  authCode: string | null;
  state: string | null;
  cleanUrl: string;
}

/** Reads `auth_code` and `state` from `href` and strips every parameter Alipay's redirect added. */
export function readOAuthReturn(href: string): OAuthReturn {
  const url = new URL(href);
  const authCode = url.searchParams.get('auth_code');
  const state = url.searchParams.get('state');
  OAUTH_RETURN_PARAMS.forEach((name) => url.searchParams.delete(name));
  return { authCode: authCode || null, state: state || null, cleanUrl: url.toString() };
}

const SESSION_KEY = 'identity-verify.session';
const PENDING_KEY = 'identity-verify.pending-verification';
const SETTLED_KEY = 'identity-verify.settled-verification';
const OAUTH_STATE_KEY = 'identity-verify.oauth-state';
const LOCALE_KEY = 'identity-verify.locale';

/** The backend session the page holds. */
export interface StoredSession {
  token: string;
  expiresAt: string;
}

/** The storage and clock the session store uses; the page passes sessionStorage and Date.now. */
export interface SessionStoreDeps {
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  now(): number;
}

/** Reads and writes the token and the pending verification id. */
export interface SessionStore {
  /** The stored session while the client policy deems it usable (more than its expiry margin left), else null. */
  readSession(): StoredSession | null;
  saveSession(session: CreateSessionResponse): void;
  clearSession(): void;
  /** Remembers the state of the redirect about to start. */
  saveOAuthState(state: string): void;
  /** The state saved before the last redirect, or null; reading it uses it up. */
  takeOAuthState(): string | null;
  readPendingVerificationId(): string | null;
  savePendingVerificationId(verificationId: string): void;
  clearPendingVerificationId(): void;
  /** The verification whose final result (PASSED, FAILED, EXPIRED) is on display, for a reload. */
  readSettledVerificationId(): string | null;
  saveSettledVerificationId(verificationId: string): void;
  clearSettledVerificationId(): void;
  /** The language the person chose with the switch, so a trip to the certify page and back keeps it. */
  readLocale(): Locale | null;
  saveLocale(locale: Locale): void;
}

/** Builds the store. Storage failures (private mode, quota) degrade to "nothing stored". */
export function createSessionStore(deps: SessionStoreDeps): SessionStore {
  const read = (key: string): string | null => {
    try {
      return deps.storage.getItem(key);
    } catch {
      return null;
    }
  };
  const write = (key: string, value: string | null): void => {
    try {
      if (value === null) deps.storage.removeItem(key);
      else deps.storage.setItem(key, value);
    } catch {
      // Without storage the user signs in again on the next load; nothing else breaks.
    }
  };
  return {
    readSession() {
      const raw = read(SESSION_KEY);
      if (!raw) return null;
      try {
        const parsed = JSON.parse(raw) as Partial<StoredSession>;
        if (typeof parsed.token !== 'string' || typeof parsed.expiresAt !== 'string') return null;
        if (!isSessionUsable(parsed.expiresAt, deps.now())) return null;
        return { token: parsed.token, expiresAt: parsed.expiresAt };
      } catch {
        return null;
      }
    },
    saveSession(session) {
      write(SESSION_KEY, JSON.stringify({ token: session.token, expiresAt: session.expiresAt }));
    },
    clearSession() {
      write(SESSION_KEY, null);
    },
    saveOAuthState(state) {
      write(OAUTH_STATE_KEY, state);
    },
    takeOAuthState() {
      const saved = read(OAUTH_STATE_KEY);
      write(OAUTH_STATE_KEY, null);
      return saved;
    },
    readPendingVerificationId() {
      return read(PENDING_KEY);
    },
    savePendingVerificationId(verificationId) {
      write(PENDING_KEY, verificationId);
    },
    clearPendingVerificationId() {
      write(PENDING_KEY, null);
    },
    readSettledVerificationId() {
      return read(SETTLED_KEY);
    },
    saveSettledVerificationId(verificationId) {
      write(SETTLED_KEY, verificationId);
    },
    clearSettledVerificationId() {
      write(SETTLED_KEY, null);
    },
    readLocale() {
      const saved = read(LOCALE_KEY);
      return saved === 'zh-CN' || saved === 'en-US' ? saved : null;
    },
    saveLocale(locale) {
      write(LOCALE_KEY, locale);
    },
  };
}
