import { MinorPolicy } from '../utils/api-contract';
import { Branding, DEVELOPMENT_BRANDING } from '../utils/consent-notice';

/**
 * The mini-program's one configuration place. Change API_BASE_URL to point the app at
 * another backend (see docs/mini-program.md, "Point it at a backend").
 *
 * - Simulator in minidev or the Alipay IDE on this machine: `http://127.0.0.1:3000`
 *   (the server's default PORT).
 * - A phone on the same network: start the server with `HOST=0.0.0.0` and use this
 *   machine's LAN address, e.g. `http://192.168.1.20:3000`, with the IDE's
 *   "ignore request domain check" option on for preview builds.
 * - Release builds: an HTTPS origin on the domain whitelist of the Alipay open
 *   platform (开发设置 > 服务器域名白名单); my.request refuses anything else.
 *
 * @see https://opendocs.alipay.com/mini/api/owycmh (my.request: HTTPS and the domain whitelist)
 */
export const API_BASE_URL = 'http://127.0.0.1:3000';

/**
 * Which backend the pages talk to, through services/ (the pages never know which):
 * - 'merchant': the merchant backend's HTTP API at API_BASE_URL (server/, `npm start`);
 * - 'serverless': the Serverless variant's cloud functions (cloud/functions/), called through
 *   the Serverless client the App carries as `mpserverless` (platform/cloud-function.ts). See
 *   docs/serverless.md, "Deploy the functions in Alipay's cloud".
 */
export type Backend = 'merchant' | 'serverless';

export const BACKEND: Backend = 'merchant';

/**
 * Serverless only: what the merchant backend's `GET /api/client-config` says, kept here for want
 * of a server: the branding the data notice is built from, and the minors policy. Both must be
 * the ones in the functions' environment (MERCHANT_NAME, DATA_CONTROLLER, MERCHANT_CONTACT,
 * RETENTION_DAYS, MINOR_POLICY), or the functions refuse the consent as CONSENT_OUTDATED. A logo
 * must be an https URL: there is no server to serve a path.
 */
export const SERVERLESS_CLIENT_CONFIG: { branding: Branding; minorPolicy: MinorPolicy } = {
  branding: DEVELOPMENT_BRANDING,
  minorPolicy: 'guardian-consent',
};

/** How long one backend call may take before the user is told, in milliseconds. */
export const REQUEST_TIMEOUT_MS = 10000;

/**
 * Where 完成 on the verified screen goes when no page opened the verification (the app was
 * opened straight at it, by a link or a scan): a page of this mini-program as an absolute path,
 * e.g. `/pages/home/index`, listed in app.json. It is opened with my.reLaunch, so the filled-in
 * form does not stay behind it. '' (the default): a new verification on a clear form. When a
 * page of the merchant's opened the verification, 完成 goes back to it instead.
 *
 * @see https://opendocs.alipay.com/mini/api/hmn54z (my.reLaunch)
 */
export const DONE_PAGE: string = '';
