/**
 * The login session: my.getAuthCode({scopes: 'auth_base'}) → `POST /api/sessions`,
 * with the bearer token kept in memory only (it is lost when Alipay kills the app,
 * and the next launch logs in again silently).
 *
 * @see https://opendocs.alipay.com/mini/api/openapi-authorize (my.getAuthCode)
 */
import { getAuthBaseCode } from '../platform/auth-code';
import { SessionProvider } from '../platform/request';
import { createSession } from './merchant';

/** Renew a little before the server's expiry, so a request never leaves with a dying token. */
const EXPIRY_MARGIN_MS = 60 * 1000;

let token: string | null = null;
let expiresAtMs = 0;
let loginInFlight: Promise<string> | null = null;

async function performLogin(): Promise<string> {
  const authCode = await getAuthBaseCode();
  const session = await createSession(authCode);
  token = session.token;
  const parsed = Date.parse(session.expiresAt);
  expiresAtMs = isNaN(parsed) ? 0 : parsed;
  return session.token;
}

/**
 * Logs in, sharing one attempt between concurrent callers (the launch login and a
 * 401 retry may overlap). Rejects with an ApiError; the token stays unset then.
 */
export function logIn(): Promise<string> {
  if (!loginInFlight) {
    loginInFlight = performLogin().then(
      (fresh) => {
        loginInFlight = null;
        return fresh;
      },
      (error: unknown) => {
        loginInFlight = null;
        token = null;
        throw error;
      },
    );
  }
  return loginInFlight;
}

/** The current token, or null when there is none or it is about to expire. */
export function getSessionToken(): string | null {
  if (!token) return null;
  if (expiresAtMs > 0 && Date.now() >= expiresAtMs - EXPIRY_MARGIN_MS) return null;
  return token;
}

/** What platform/request.ts plugs in (see app.ts). */
export const sessionProvider: SessionProvider = { getToken: getSessionToken, renew: logIn };
