/**
 * An in-memory stand-in for the merchant backend's HTTP contract (utils/api-contract.ts),
 * answering the fake my.request. Tests script what it says (statuses, failures) and read
 * what it was asked. The real server is tested in server/tests through app.inject().
 */
import { CertifyUrlResponse, ClientConfig, CreateVerificationResponse, VerificationStatus, VerificationView } from '../../utils/api-contract';
import { ConsentNoticeVersion, DEVELOPMENT_BRANDING, consentNoticeFor } from '../../utils/consent-notice';
import { maskCertNo } from '../../utils/identity';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

/** What the fake my.request does with one call. */
export type FakeAnswer =
  /** `headers` are the answer's response headers, e.g. `Retry-After`. */
  | { status: number; body: unknown; headers?: Record<string, string> }
  | { status: number; text: string; headers?: Record<string, string> }
  /** my.request's `fail` callback, e.g. 12 (network) or 13 (timeout). */
  | { fail: { error: number; errorMessage: string } }
  /** Never calls back, like a dropped radio. */
  | { hang: true };

const DAY_MS = 24 * 60 * 60 * 1000;

export class FakeBackend {
  readonly requests: RecordedRequest[] = [];
  /** Answers used before any routing, one per request, in order. */
  readonly scripted: FakeAnswer[] = [];
  /** Statuses GET answers per verification, in order; the last one repeats. */
  readonly statusScript: Record<string, VerificationStatus[]> = {};
  /**
   * The notice this server shows (`GET /api/consent-notice`) and accepts consent to, as the
   * real one does; a test sets another to play a server whose notice changed before the client.
   */
  consentNotice: ConsentNoticeVersion = consentNoticeFor('zh-CN', DEVELOPMENT_BRANDING);
  /**
   * Versions accepted besides consentNotice's: the same notice in the other language, as the
   * real server accepts its current notice in any language.
   */
  otherLanguageVersions: string[] = [consentNoticeFor('en-US', DEVELOPMENT_BRANDING).version];
  /** What `GET /api/client-config` answers; a test sets other branding or MINOR_POLICY. */
  clientConfig: ClientConfig = {
    mode: 'emulator',
    appId: '2021000000000000',
    oauthAuthorizeUrl: 'http://127.0.0.1:3000/emulator/oauth/authorize',
    branding: DEVELOPMENT_BRANDING,
    minorPolicy: 'guardian-consent',
  };
  /**
   * Verification ids `POST /api/verifications` answers as reused (`200`, `reused: true`): the
   * same user's live one, returned with a newly signed URL instead of a new initialize.
   */
  reuseVerificationId: string | null = null;
  private readonly tokens: string[] = [];
  private readonly byIdempotencyKey: Record<string, CreateVerificationResponse> = {};
  private readonly masked: Record<string, string> = {};
  private readonly created: Record<string, CreateVerificationResponse> = {};
  private counter = 0;

  /** Makes every token issued so far invalid, as after a server restart. */
  expireTokens(): void {
    this.tokens.length = 0;
  }

  /** Requests to one method and path, in order. */
  requestsTo(method: string, path: string): RecordedRequest[] {
    return this.requests.filter((request) => request.method === method && request.path === path);
  }

  handle(request: RecordedRequest): FakeAnswer {
    this.requests.push(request);
    const scripted = this.scripted.shift();
    if (scripted) return scripted;
    if (request.method === 'POST' && request.path === '/api/sessions') return this.createSession(request);
    if (request.method === 'GET' && request.path === '/api/client-config') return { status: 200, body: this.clientConfig };
    if (request.method === 'GET' && request.path.split('?')[0] === '/api/consent-notice') {
      return { status: 200, body: { language: 'zh-CN', ...this.consentNotice } };
    }
    if (!this.isAuthorized(request)) return { status: 401, body: { error: { code: 'UNAUTHORIZED', message: 'Sign in first' } } };
    if (request.method === 'POST' && request.path === '/api/verifications') return this.createVerification(request);
    const match = /^\/api\/verifications\/([^/]+)$/.exec(request.path);
    if (request.method === 'GET' && match) return this.getVerification(decodeURIComponent(match[1]));
    const renewal = /^\/api\/verifications\/([^/]+)\/certify-url$/.exec(request.path);
    if (request.method === 'POST' && renewal) return this.renewCertifyUrl(decodeURIComponent(renewal[1]));
    return { status: 404, body: { error: { code: 'NOT_FOUND', message: 'No such route' } } };
  }

  private isAuthorized(request: RecordedRequest): boolean {
    const header = request.headers.authorization || '';
    return header.indexOf('Bearer ') === 0 && this.tokens.indexOf(header.slice(7)) >= 0;
  }

  private createSession(request: RecordedRequest): FakeAnswer {
    const body = request.body as { authCode?: unknown };
    if (typeof body.authCode !== 'string' || body.authCode === '') {
      return { status: 400, body: { error: { code: 'AUTH_CODE_INVALID', message: 'Bad auth code' } } };
    }
    this.counter += 1;
    const token = `token-${this.counter}`;
    this.tokens.push(token);
    return { status: 201, body: { token, expiresAt: new Date(Date.now() + DAY_MS).toISOString() } };
  }

  private createVerification(request: RecordedRequest): FakeAnswer {
    const key = request.headers['Idempotency-Key'];
    if (key && this.byIdempotencyKey[key]) return { status: 201, body: this.byIdempotencyKey[key] };
    const body = request.body as { certNo: string; consentVersion?: string };
    if (!body.consentVersion) return { status: 400, body: { error: { code: 'CONSENT_REQUIRED', message: 'Send consentVersion' } } };
    if (body.consentVersion !== this.consentNotice.version && this.otherLanguageVersions.indexOf(body.consentVersion) < 0) {
      return { status: 409, body: { error: { code: 'CONSENT_OUTDATED', message: 'The notice changed' } } };
    }
    const reused = this.reuseVerificationId ? this.created[this.reuseVerificationId] : undefined;
    if (reused) {
      const renewed = this.renewCertifyUrl(reused.verificationId) as { body: CertifyUrlResponse };
      return { status: 200, body: { ...renewed.body, reused: true } };
    }
    this.counter += 1;
    const created: CreateVerificationResponse = {
      verificationId: `ver-${this.counter}`,
      certifyId: `certify-${this.counter}`,
      url: `https://openapi.alipay.com/gateway.do?method=alipay.user.certify.open.certify&certify_id=certify-${this.counter}`,
      expiresAt: new Date(Date.now() + 23 * 60 * 60 * 1000).toISOString(),
    };
    this.masked[created.verificationId] = maskCertNo(body.certNo);
    this.created[created.verificationId] = created;
    if (key) this.byIdempotencyKey[key] = created;
    return { status: 201, body: created };
  }

  private getVerification(verificationId: string): FakeAnswer {
    const script = this.statusScript[verificationId];
    if (!this.masked[verificationId] && !script) {
      return { status: 404, body: { error: { code: 'NOT_FOUND', message: 'No such verification' } } };
    }
    const status = script && script.length > 1 ? (script.shift() as VerificationStatus) : script ? script[0] : 'PENDING';
    const view: VerificationView = {
      verificationId,
      status,
      certNoMasked: this.masked[verificationId] || '110***********0000',
      updatedAt: new Date().toISOString(),
    };
    return { status: 200, body: view };
  }

  /**
   * A newly signed URL for the same certifyId, different on every call (as the real server's
   * timestamp and sign are); 409 VERIFICATION_CLOSED while the scripted status is final. A
   * verification known only from `statusScript` (one from an earlier run) gets a certifyId
   * named after it.
   */
  private renewCertifyUrl(verificationId: string): FakeAnswer {
    const script = this.statusScript[verificationId];
    const created = this.created[verificationId];
    if (!created && !script) return { status: 404, body: { error: { code: 'NOT_FOUND', message: 'No such verification' } } };
    if (script && script[0] !== 'PENDING') {
      return { status: 409, body: { error: { code: 'VERIFICATION_CLOSED', message: 'This verification is over' } } };
    }
    this.counter += 1;
    const certifyId = created ? created.certifyId : `certify-of-${verificationId}`;
    const renewed: CertifyUrlResponse = {
      verificationId,
      certifyId,
      url: `https://openapi.alipay.com/gateway.do?method=alipay.user.certify.open.certify&certify_id=${certifyId}&timestamp=renewal-${this.counter}`,
      expiresAt: created ? created.expiresAt : new Date(Date.now() + DAY_MS).toISOString(),
    };
    return { status: 200, body: renewed };
  }
}
