/**
 * The login session: my.getAuthCode({scopes: 'auth_base'}) → `POST /api/sessions`,
 * with the bearer token kept in memory only (it is lost when Alipay kills the app,
 * and the next launch logs in again silently).
 *
 * @see https://opendocs.alipay.com/mini/api/openapi-authorize (my.getAuthCode)
 */
import { BACKEND } from '../config/index';
import { getAuthBaseCode } from '../platform/auth-code';
import { authorizeCloudUser } from '../platform/cloud-function';
import { SessionProvider } from '../platform/request';
import { isSessionUsable } from '../utils/client-policy';
import { createSession } from './merchant';

let token: string | null = null;
let expiresAt = '';
let loginInFlight: Promise<string> | null = null;

function performLogin(): Promise<string> {
  return getAuthBaseCode()
    .then(createSession)
    .then((session) => {
      token = session.token;
      expiresAt = session.expiresAt;
      return session.token;
    });
}

/**
 * Logs in, sharing one attempt between concurrent callers (the launch login and a
 * 401 retry may overlap). Rejects with an ApiError; the token stays unset then.
 */
export function logIn(): Promise<string> {
  // Serverless: no token; the space authorizes the user, and the functions read the caller from it.
  if (BACKEND === 'serverless') return authorizeCloudUser().then(() => '');
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

/** The current token, or null when there is none or it is within the client policy's expiry margin. */
export function getSessionToken(): string | null {
  if (!token || !isSessionUsable(expiresAt, Date.now())) return null;
  return token;
}

/** What platform/request.ts plugs in (see app.ts). */
export const sessionProvider: SessionProvider = { getToken: getSessionToken, renew: logIn };
