/**
 * The backend's API answered by the test through page.route(), for the tests that
 * need to choose what the server says (every screen after each Alipay resultStatus).
 * The real server still serves the page itself; only `/api/*` and the OAuth page are faked.
 * Answers follow utils/api-contract.ts, so a contract change breaks these fakes at compile time.
 */
import { Page, Request, Route } from 'playwright-core';
import {
  CertifyUrlResponse,
  ClientConfig,
  CreateSessionResponse,
  CreateVerificationResponse,
  VerificationStatus,
  VerificationView,
  ApiErrorBody,
} from '../../../utils/api-contract';
import { Branding, CONSENT_LANGUAGES, ConsentLanguage, ConsentNoticeVersion, DEVELOPMENT_BRANDING, consentNoticeFor } from '../../../utils/consent-notice';
import { maskCertNo } from '../../../utils/identity';

/** One request the page sent to the fake API. */
export interface RecordedApiRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

export interface FakeApiOptions {
  mode?: ClientConfig['mode'];
  /** The client config's doneUrl (the server's H5_DONE_URL); none by default. */
  doneUrl?: string;
  /** The client config's branding. Default DEVELOPMENT_BRANDING (what an emulator-mode server shows). */
  branding?: Branding;
  /** The client config's minorPolicy. Default guardian-consent. */
  minorPolicy?: ClientConfig['minorPolicy'];
  /** The ID number the fake server "saw"; only its masked form is ever sent back. */
  certNo: string;
  /** Status of each successive GET /api/verifications/:id; the last one repeats. */
  statuses?: VerificationStatus[];
  /**
   * The notice this server shows and accepts consent to, as `GET /api/consent-notice` serves
   * it; by default the one built from the branding in each language, as the real server. POST
   * /api/verifications answers 400 CONSENT_REQUIRED without a consentVersion and 409
   * CONSENT_OUTDATED with another one, as the real server does.
   */
  consentNotice?: ConsentNoticeVersion;
  /** Answer POST /api/verifications with this error instead (with `Retry-After` when `retryAfter` is set). */
  createError?: { status: number; body: ApiErrorBody; retryAfter?: string };
  /** Answer POST /api/verifications as the server does when it reuses a live verification: 200, `reused: true`. */
  reused?: boolean;
  /**
   * How successive POST /api/verifications/:id/certify-url calls fail, in order (`network`
   * drops the request); once used up, each call answers a newly signed URL.
   */
  renewFailures?: Array<{ status: number; body: ApiErrorBody } | 'network'>;
}

export interface FakeApi {
  requests: RecordedApiRequest[];
  created: CreateVerificationResponse;
  /** Every URL the fake signed anew, in order. */
  renewals: CertifyUrlResponse[];
  /** Requests of one method and path prefix, in order. */
  requestsTo(method: string, pathPrefix: string): RecordedApiRequest[];
}

export const FAKE_APP_ID = '2021000000000001';
export const FAKE_TOKEN = 'fake-session-token';
const OAUTH_PATH = '/fake-oauth/authorize';

function json(route: Route, status: number, body: unknown, headers: Record<string, string> = {}): Promise<void> {
  return route.fulfill({ status, headers, contentType: 'application/json; charset=utf-8', body: JSON.stringify(body) });
}

function record(request: Request): RecordedApiRequest {
  const url = new URL(request.url());
  const raw = request.postData();
  return { method: request.method(), path: url.pathname + url.search, headers: request.headers(), body: raw ? (JSON.parse(raw) as unknown) : undefined };
}

/** Routes `/api/*` and a fake auth_base page for `page`, on the origin `baseUrl`. */
export async function routeFakeApi(page: Page, baseUrl: string, options: FakeApiOptions): Promise<FakeApi> {
  const requests: RecordedApiRequest[] = [];
  const statuses = options.statuses ?? ['PASSED'];
  let statusReads = 0;
  const renewals: CertifyUrlResponse[] = [];
  const renewFailures = [...(options.renewFailures ?? [])];
  const created: CreateVerificationResponse = {
    verificationId: 'vrf_fake_0001',
    certifyId: 'fake-certify-id-0001',
    url: 'https://openapi.alipay.com/gateway.do?method=alipay.user.certify.open.certify&sign=fake',
    expiresAt: new Date(Date.now() + 23 * 3_600_000).toISOString(),
  };

  await page.route(`${baseUrl}${OAUTH_PATH}?*`, (route) => {
    // Alipay's auth_base page: no consent screen, straight back with a one-time code.
    const authorize = new URL(route.request().url()).searchParams;
    const redirect = new URL(authorize.get('redirect_uri') as string);
    redirect.searchParams.set('auth_code', 'fake-auth-code');
    redirect.searchParams.set('state', authorize.get('state') ?? '');
    redirect.searchParams.set('app_id', FAKE_APP_ID);
    redirect.searchParams.set('source', 'alipay_wallet');
    redirect.searchParams.set('scope', 'auth_base');
    return route.fulfill({ status: 302, headers: { location: redirect.toString() } });
  });

  // Stands in for the certify URL (Alipay's page, or the emulator's in a plain browser).
  await page.route('https://openapi.alipay.com/**', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: '<!doctype html><title>certify</title><h1>certify</h1>' }),
  );

  await page.route(`${baseUrl}/api/**`, (route) => {
    const request = route.request();
    const entry = record(request);
    requests.push(entry);
    const path = new URL(request.url()).pathname;
    if (request.method() === 'GET' && path === '/api/client-config') {
      const config: ClientConfig = {
        mode: options.mode ?? 'emulator',
        appId: FAKE_APP_ID,
        oauthAuthorizeUrl: `${baseUrl}${OAUTH_PATH}`,
        branding: options.branding ?? DEVELOPMENT_BRANDING,
        minorPolicy: options.minorPolicy ?? 'guardian-consent',
      };
      if (options.doneUrl !== undefined) config.doneUrl = options.doneUrl;
      return json(route, 200, config);
    }
    if (request.method() === 'POST' && path === '/api/sessions') {
      const session: CreateSessionResponse = { token: FAKE_TOKEN, expiresAt: new Date(Date.now() + 7_200_000).toISOString() };
      return json(route, 201, session);
    }
    if (request.method() === 'GET' && path === '/api/consent-notice') {
      const asked = new URL(request.url()).searchParams.get('lang') as ConsentLanguage | null;
      const language = asked && CONSENT_LANGUAGES.indexOf(asked) >= 0 ? asked : 'zh-CN';
      const { version, text } = options.consentNotice ?? consentNoticeFor(language, options.branding ?? DEVELOPMENT_BRANDING);
      return json(route, 200, { language, version, text });
    }
    if (request.method() === 'POST' && path === '/api/verifications') {
      if (options.createError) {
        const { status, body, retryAfter } = options.createError;
        return json(route, status, body, retryAfter === undefined ? {} : { 'retry-after': retryAfter });
      }
      const sent = (entry.body as { consentVersion?: string }).consentVersion;
      const accepted = options.consentNotice ? [options.consentNotice.version] : CONSENT_LANGUAGES.map((language) => consentNoticeFor(language, options.branding ?? DEVELOPMENT_BRANDING).version);
      if (!sent) return json(route, 400, { error: { code: 'CONSENT_REQUIRED', message: 'Send consentVersion' } });
      if (accepted.indexOf(sent) < 0) return json(route, 409, { error: { code: 'CONSENT_OUTDATED', message: 'The notice changed' } });
      if (options.reused) return json(route, 200, { ...created, reused: true });
      return json(route, 201, created);
    }
    if (request.method() === 'POST' && path === `/api/verifications/${created.verificationId}/certify-url`) {
      const failure = renewFailures.shift();
      if (failure === 'network') return route.abort('internetdisconnected');
      if (failure) return json(route, failure.status, failure.body);
      // A new timestamp and sign on every call, as the real server's are.
      const renewed: CertifyUrlResponse = { ...created, url: `${created.url}-renewed-${renewals.length + 1}` };
      renewals.push(renewed);
      return json(route, 200, renewed);
    }
    if (request.method() === 'GET' && path === `/api/verifications/${created.verificationId}`) {
      const status = statuses[Math.min(statusReads, statuses.length - 1)];
      statusReads += 1;
      const view: VerificationView = {
        verificationId: created.verificationId,
        status,
        certNoMasked: maskCertNo(options.certNo),
        updatedAt: new Date().toISOString(),
      };
      return json(route, 200, view);
    }
    const notFound: ApiErrorBody = { error: { code: 'NOT_FOUND', message: 'No such route in the fake API' } };
    return json(route, 404, notFound);
  });

  return {
    requests,
    created,
    renewals,
    requestsTo: (method, pathPrefix) => requests.filter((request) => request.method === method && request.path.indexOf(pathPrefix) === 0),
  };
}
