/** h5/src/session.ts: the auth_base redirect URL, reading the return, and what sessionStorage holds. */
import { buildAuthorizeUrl, createSessionStore, readOAuthReturn } from '../../h5/src/session';
import { ClientConfig } from '../../utils/api-contract';
import { DEVELOPMENT_BRANDING } from '../../utils/consent-notice';

const CONFIG: ClientConfig = {
  mode: 'alipay',
  appId: '2021000000000002',
  oauthAuthorizeUrl: 'https://openauth.alipay.com/oauth2/publicAppAuthorize.htm',
  branding: DEVELOPMENT_BRANDING,
  minorPolicy: 'guardian-consent',
};

function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => Array.from(items.keys())[index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, String(value)),
  };
}

describe('buildAuthorizeUrl', () => {
  it('asks for auth_base with the app id, the encoded return address and the state', () => {
    const url = new URL(buildAuthorizeUrl(CONFIG, 'https://merchant.example/h5/?from=menu', 'state-1'));
    expect(url.origin + url.pathname).toBe(CONFIG.oauthAuthorizeUrl);
    expect(url.searchParams.get('app_id')).toBe(CONFIG.appId);
    expect(url.searchParams.get('scope')).toBe('auth_base');
    expect(url.searchParams.get('redirect_uri')).toBe('https://merchant.example/h5/?from=menu');
    expect(url.searchParams.get('state')).toBe('state-1');
    expect(url.toString()).toContain('redirect_uri=https%3A%2F%2Fmerchant.example%2Fh5%2F%3Ffrom%3Dmenu');
  });
});

describe('readOAuthReturn', () => {
  it('takes the auth_code and state and leaves the merchant’s own parameters in place', () => {
    const back = readOAuthReturn('https://merchant.example/h5/?from=menu&app_id=1&source=alipay_wallet&scope=auth_base&auth_code=abc&state=s1#top');
    expect(back).toEqual({ authCode: 'abc', state: 's1', cleanUrl: 'https://merchant.example/h5/?from=menu#top' });
  });

  it('reports no code on an ordinary visit', () => {
    expect(readOAuthReturn('https://merchant.example/')).toEqual({ authCode: null, state: null, cleanUrl: 'https://merchant.example/' });
  });

  it('treats an empty auth_code as none', () => {
    expect(readOAuthReturn('https://merchant.example/?auth_code=').authCode).toBeNull();
  });
});

describe('createSessionStore', () => {
  const NOW = Date.parse('2026-11-22T08:00:00Z');

  it('keeps a session until a minute before it expires', () => {
    const store = createSessionStore({ storage: memoryStorage(), now: () => NOW });
    store.saveSession({ token: 't1', expiresAt: new Date(NOW + 61_000).toISOString() });
    expect(store.readSession()).toEqual({ token: 't1', expiresAt: new Date(NOW + 61_000).toISOString() });
    store.saveSession({ token: 't2', expiresAt: new Date(NOW + 60_000).toISOString() });
    expect(store.readSession()).toBeNull();
  });

  it('ignores a corrupt stored session instead of failing the page', () => {
    const storage = memoryStorage();
    storage.setItem('identity-verify.session', '{not json');
    expect(createSessionStore({ storage, now: () => NOW }).readSession()).toBeNull();
  });

  it('keeps the language chosen with the switch, and ignores one it does not know', () => {
    const storage = memoryStorage();
    const store = createSessionStore({ storage, now: () => NOW });
    expect(store.readLocale()).toBeNull();
    store.saveLocale('en-US');
    expect(store.readLocale()).toBe('en-US');
    storage.setItem('identity-verify.locale', 'fr-FR');
    expect(store.readLocale()).toBeNull();
  });

  it('hands back the saved OAuth state once', () => {
    const store = createSessionStore({ storage: memoryStorage(), now: () => NOW });
    expect(store.takeOAuthState()).toBeNull();
    store.saveOAuthState('s1');
    expect(store.takeOAuthState()).toBe('s1');
    expect(store.takeOAuthState()).toBeNull();
  });

  it('stores only the token, the OAuth state, the pending and settled verification ids and the chosen language', () => {
    const storage = memoryStorage();
    const store = createSessionStore({ storage, now: () => NOW });
    store.saveSession({ token: 't', expiresAt: new Date(NOW + 3_600_000).toISOString() });
    store.saveOAuthState('s');
    store.savePendingVerificationId('v1');
    store.saveSettledVerificationId('v0');
    store.saveLocale('en-US');
    expect(Array.from({ length: storage.length }, (_, index) => storage.key(index)).sort()).toEqual([
      'identity-verify.locale',
      'identity-verify.oauth-state',
      'identity-verify.pending-verification',
      'identity-verify.session',
      'identity-verify.settled-verification',
    ]);
    expect(store.readPendingVerificationId()).toBe('v1');
    store.clearPendingVerificationId();
    expect(store.readPendingVerificationId()).toBeNull();
    expect(store.readSettledVerificationId()).toBe('v0');
    store.clearSettledVerificationId();
    expect(store.readSettledVerificationId()).toBeNull();
  });

  it('degrades to "nothing stored" when storage throws (disabled or full)', () => {
    const broken: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {
        throw new Error('SecurityError');
      },
    };
    const store = createSessionStore({ storage: broken, now: () => NOW });
    expect(() => store.saveSession({ token: 't', expiresAt: new Date(NOW + 3_600_000).toISOString() })).not.toThrow();
    expect(store.readSession()).toBeNull();
    expect(store.readPendingVerificationId()).toBeNull();
    expect(store.readSettledVerificationId()).toBeNull();
    expect(store.takeOAuthState()).toBeNull();
  });
});
