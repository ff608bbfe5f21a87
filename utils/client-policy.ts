/**
 * The client policy: every rule the mini-program and the H5 page must apply the same way,
 * in one place, so the two surfaces keep only rendering and platform calls.
 *
 * - The outcome router: what Alipay's face check told the client (utils/certify-outcome.ts)
 *   and what the server's record says (`GET /api/verifications/:id`) → the screen to show and
 *   its actions, the first action being the main one; where a refused certify-url request
 *   leads; where a reopened certifyId that Alipay refuses again leads (a new verification);
 *   and which kind of failure an error code is (each error screen's title).
 * - What the form requires for a holder under 14 (the server's MINOR_POLICY), before submit.
 * - How many minutes a rate-limited person waits (from `Retry-After`).
 * - Which language a surface shows for the system's language.
 * - Where 完成 on the verified screen leads (back to the page that opened the verification, the
 *   configured target, or a new verification).
 * - The poll schedule while the server's record is still PENDING.
 * - The session expiry margin.
 * - Where a refused form submit leads (a changed data notice: show it and ask for consent again).
 * - The one client API error (`ApiError`) and the API client's response guards.
 *
 * Pure and platform-free: no `my`, `window` or `document` (eslint.config.mjs enforces it).
 *
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.query (the server's proof the router trusts)
 * @see https://help.aliyun.com/document_detail/144545.html (startBizService('open-certify') resultStatus values)
 */
import { ClientConfig, ConsentNoticeResponse, CreateSessionResponse, CreateVerificationResponse, MinorPolicy, VerificationStatus, VerificationView } from './api-contract';
import { CertifyOutcome } from './certify-outcome';
import { Branding, CONSENT_LANGUAGES, ConsentLanguage, consentVersion } from './consent-notice';
import { ErrorCode } from './error-codes';
import { GUARDIAN_CONSENT_AGE, ageInBeijing } from './identity';

// ---------------------------------------------------------------- outcome router

/** How a PENDING record is read, by what the client knows about the face check. */
export type ConfirmMode =
  /** After a 9000 (or a resultStatus we do not know): Alipay's record may lag, so poll the window. */
  | 'poll'
  /**
   * No answer from the face check (back from the certify page through return_url, a reload, a
   * refresh): ask once. PENDING means not passed yet: the person left early or the check failed,
   * and the same certifyId may be opened again until it expires.
   */
  | 'once'
  /** After a 4000 other than USER_IS_NOT_CERTIFY: ask once; PENDING means the face check did not pass. */
  | 'after-failure'
  /**
   * Alipay refused the same certifyId again (a 4000 other than USER_IS_NOT_CERTIFY on a
   * reopened attempt), or the server refused to sign a URL for it (VERIFICATION_CLOSED): ask
   * once; PENDING means this verification can no longer be used, so only a new one helps.
   */
  | 'after-refusal';

export const CONFIRM_MODES: readonly ConfirmMode[] = ['poll', 'once', 'after-failure', 'after-refusal'];

/**
 * Which attempt on one certifyId the face check's answer belongs to: the first one (opened
 * with the URL of `POST /api/verifications`) or a reopened one (再次验证, with a URL from
 * `POST /api/verifications/:id/certify-url`).
 */
export type CertifyAttempt = 'first' | 'retry';

/** Every screen an outcome can end on; each surface words and draws them its own way. */
export type OutcomeScreen =
  /** Server PASSED. */
  | 'passed'
  /** Server FAILED. */
  | 'failed'
  /** Server EXPIRED: the certifyId is past its lifetime. */
  | 'expired'
  /** PENDING after the poll window: "结果确认中", a refresh, and nothing is lost. */
  | 'still-processing'
  /** PENDING with no face-check answer: not passed yet; the same certifyId can be opened again. */
  | 'not-finished'
  /** PENDING after a 4000: "本次人脸验证未通过", verify again with the same certifyId and a fresh URL. */
  | 'face-check-failed'
  /**
   * The same certifyId cannot be opened again (Alipay refused the reopened one, or the server
   * says it is over while its record is still PENDING): this verification can no longer be
   * used; a new one, with the inputs kept, is the way forward, and the screen says that it is
   * a new verification (a new paid initialize, counted against the per-ID limit).
   */
  | 'certify-refused'
  /** 6002: the network dropped; open the same certifyId again with a fresh URL. */
  | 'network'
  /** 4000 USER_IS_NOT_CERTIFY: the Alipay account must finish real-name verification first. */
  | 'not-certified'
  /** 6001: back to the form, inputs kept. */
  | 'cancelled'
  /** The bridge call itself failed. */
  | 'bridge-error'
  /** This Alipay cannot run open-certify. */
  | 'upgrade'
  /**
   * Inside Alipay, but its JS bridge never appeared (the H5 page in a stripped-down web view):
   * open the page again from Alipay. Checked at page load, before anything is typed.
   */
  | 'no-bridge';

/** What a button does. The first action of a screen is its main button. */
export type OutcomeAction =
  /** Leave: the verification passed. */
  | 'done'
  /** Ask the server again. */
  | 'refresh'
  /** Reopen the same certifyId with a URL the server signs now (`POST /api/verifications/:id/certify-url`): no paid initialize. */
  | 'retry-certify'
  /** Back to the form with the inputs kept. */
  | 'back-to-form'
  /** This verification is over: back to the form for a new one. */
  | 'start-over'
  /**
   * A new verification for the inputs kept on the form, sent at once (`POST /api/verifications`
   * with a new Idempotency-Key): a new paid initialize, so its button and screen say so.
   */
  | 'new-verification'
  /** Load the page again (the H5 page, when the bridge may appear on a new load). */
  | 'reload';

export type OutcomeRoute =
  /** Ask the server; read a PENDING record by `mode`. */
  | { next: 'confirm'; mode: ConfirmMode }
  /** Still PENDING within the poll window: ask again after `delayMs`. */
  | { next: 'wait'; delayMs: number }
  | { next: 'show'; screen: OutcomeScreen; actions: readonly OutcomeAction[] };

function show(screen: OutcomeScreen, actions: readonly OutcomeAction[]): OutcomeRoute {
  return { next: 'show', screen, actions };
}

/**
 * Where the face check's answer leads. It is a hint, never proof: a pass is only ever shown
 * after the server confirms it. A 4000 on a reopened certifyId (`attempt` 'retry') means
 * Alipay refuses that certifyId again: the server's record is asked once, and a PENDING one
 * leads to a new verification instead of another retry that would be refused too.
 */
export function routeCertifyOutcome(outcome: CertifyOutcome, attempt: CertifyAttempt = 'first'): OutcomeRoute {
  switch (outcome.status) {
    case 'passed':
    case 'unknown':
      return { next: 'confirm', mode: 'poll' };
    case 'failed':
      if (outcome.errorCode === 'USER_IS_NOT_CERTIFY') return show('not-certified', ['back-to-form']);
      return { next: 'confirm', mode: attempt === 'retry' ? 'after-refusal' : 'after-failure' };
    case 'cancelled':
      return show('cancelled', ['back-to-form']);
    case 'network':
      return show('network', ['retry-certify', 'back-to-form']);
    case 'bridge-error':
      return show('bridge-error', ['back-to-form']);
    case 'unsupported':
      return show('upgrade', []);
  }
}

/** The H5 page inside Alipay found no JS bridge within its wait. */
export function routeMissingBridge(): OutcomeRoute {
  return show('no-bridge', ['reload']);
}

/**
 * Where the server's record leads. A final status wins whatever the face check said (a PASSED
 * arriving after a 4000 is still a pass). `lookups` counts the lookups made so far in this run,
 * this one included.
 */
export function routeVerificationStatus(status: VerificationStatus, mode: ConfirmMode, lookups: number): OutcomeRoute {
  switch (status) {
    case 'PASSED':
      return show('passed', ['done']);
    case 'FAILED':
      return show('failed', ['start-over']);
    case 'EXPIRED':
      return show('expired', ['start-over']);
    case 'PENDING':
      if (mode === 'after-failure') return show('face-check-failed', ['retry-certify', 'back-to-form']);
      if (mode === 'after-refusal') return show('certify-refused', ['new-verification', 'back-to-form']);
      if (mode === 'once') return show('not-finished', ['retry-certify', 'refresh', 'start-over']);
      if (lookups <= POLL_DELAYS_MS.length) return { next: 'wait', delayMs: POLL_DELAYS_MS[Math.max(0, lookups - 1)] };
      return show('still-processing', ['refresh', 'back-to-form']);
  }
}

/** What to do when `POST /api/verifications/:id/certify-url` (retry-certify) is refused or lost. */
export type RenewFailureRoute =
  /**
   * Over (a final status, or the certifyId expired): the server's record is the screen; its
   * lookup settles it, and a record still PENDING leads to a new verification.
   */
  | { next: 'confirm'; mode: 'after-refusal' }
  /** The server does not know this verification: say so, and forget the stored id. */
  | { next: 'forget' }
  /** A lost answer or a busy server: stay on the retry screen with the reason; the retry may still work. */
  | { next: 'stay' };

export function routeRenewFailure(code: string): RenewFailureRoute {
  if (code === 'VERIFICATION_CLOSED') return { next: 'confirm', mode: 'after-refusal' };
  if (code === 'NOT_FOUND') return { next: 'forget' };
  return { next: 'stay' };
}

/** What to do when `POST /api/verifications` (the form's submit) is refused or lost. */
export type CreateFailureRoute =
  /**
   * The notice the person agreed to is not the server's (CONSENT_OUTDATED), or no agreement
   * was sent (CONSENT_REQUIRED): fetch the server's notice (`GET /api/consent-notice`), show
   * it, clear the consent box and ask again, with the inputs kept. Nothing was spent.
   */
  | { next: 'reconsent' }
  /** Anything else: stay on the form with the inputs kept and say why. */
  | { next: 'stay' };

export function routeCreateFailure(code: string): CreateFailureRoute {
  if (code === 'CONSENT_OUTDATED' || code === 'CONSENT_REQUIRED') return { next: 'reconsent' };
  return { next: 'stay' };
}

/** What kind of failure a code is, so each error screen gets a title that names it. */
export type FailureKind =
  /** No answer arrived: the network, or a timeout. */
  | 'network'
  /** Signing in with Alipay did not work, or the session ended. */
  | 'sign-in'
  /** Too many attempts: wait (Retry-After says how long). */
  | 'rate-limited'
  /** The verification is unknown, over, or was sent twice differently: only a new one helps. */
  | 'verification-over'
  /** Alipay did not answer, refused, or could not be confirmed. */
  | 'alipay'
  /** Anything else: our service. */
  | 'service';

const FAILURE_KINDS: Readonly<Record<string, FailureKind>> = {
  NETWORK_ERROR: 'network',
  REQUEST_TIMEOUT: 'network',
  UNAUTHORIZED: 'sign-in',
  AUTH_CODE_INVALID: 'sign-in',
  AUTH_CODE_UNAVAILABLE: 'sign-in',
  RATE_LIMITED: 'rate-limited',
  NOT_FOUND: 'verification-over',
  VERIFICATION_CLOSED: 'verification-over',
  IDEMPOTENCY_MISMATCH: 'verification-over',
  UPSTREAM_TIMEOUT: 'alipay',
  UPSTREAM_UNAVAILABLE: 'alipay',
  UPSTREAM_REJECTED: 'alipay',
  UPSTREAM_UNVERIFIED: 'alipay',
};

/** The kind of failure `code` names; a code this build does not know is the service's. */
export function classifyFailure(code: string): FailureKind {
  return Object.prototype.hasOwnProperty.call(FAILURE_KINDS, code) ? FAILURE_KINDS[code] : 'service';
}

/**
 * Whole minutes to wait before trying again, from a `Retry-After` in seconds, rounded up and
 * at least 1, so a rate-limit screen says "请 56 分钟后再试", not "请稍后再试". Undefined when
 * the answer had no usable `Retry-After`.
 */
export function retryAfterMinutes(retryAfterSeconds: number | undefined): number | undefined {
  if (retryAfterSeconds === undefined || !isFinite(retryAfterSeconds) || retryAfterSeconds < 0) return undefined;
  return Math.max(1, Math.ceil(retryAfterSeconds / 60));
}

// ---------------------------------------------------------------- minors

/** What the form needs for this number's holder before it may be sent (PIPL art. 31). */
export type MinorRequirement =
  /** 14 or older in Beijing today, or no readable birth date (the server checks again). */
  | 'none'
  /** Under 14 and MINOR_POLICY=guardian-consent: a second, separate consent by the guardian, sent as `guardianConsent: true`. */
  | 'guardian-consent'
  /** Under 14 and MINOR_POLICY=refuse: the form says so (CERT_NO_MINOR) and cannot be sent. */
  | 'refused';

/**
 * What the form requires for the holder of `certNo` (a canonical number) under the server's
 * `policy`, so the person learns it before submitting, not from a refusal after it. The
 * server applies the same rule to every `POST /api/verifications` (400 GUARDIAN_CONSENT_REQUIRED
 * / CERT_NO_MINOR), by the same age function in Beijing time.
 * @param now the clock
 */
export function minorRequirement(certNo: string, policy: MinorPolicy, now: Date): MinorRequirement {
  const age = ageInBeijing(certNo, now);
  if (age === undefined || age >= GUARDIAN_CONSENT_AGE) return 'none';
  return policy === 'refuse' ? 'refused' : 'guardian-consent';
}

// ---------------------------------------------------------------- language

/**
 * The language a surface shows for the language tags the system prefers (Alipay's
 * `my.getSystemInfo().language`, e.g. `en` or `zh-Hans`; the browser's `navigator.languages`),
 * first match wins: English is en-US, anything else, or nothing, zh-CN. The page offers a
 * switch either way.
 */
export function pickLanguage(preferred: ReadonlyArray<string | undefined>): ConsentLanguage {
  for (let index = 0; index < preferred.length; index += 1) {
    const tag = (preferred[index] || '').toLowerCase();
    if (tag === 'zh' || tag.indexOf('zh-') === 0) return 'zh-CN';
    if (tag === 'en' || tag.indexOf('en-') === 0) return 'en-US';
  }
  return 'zh-CN';
}

// ---------------------------------------------------------------- done

/** Where 完成 (the `done` action of the verified screen) leads. */
export type DoneRoute =
  /** Back to the page that opened the verification, leaving the verification's `delta` pages. */
  | { next: 'back'; delta: number }
  /** The configured target: the merchant's return URL (H5) or a page of the mini-program. */
  | { next: 'open'; target: string }
  /** Nowhere to return to: a new verification on a clear form. */
  | { next: 'restart' };

export interface DoneContext {
  /**
   * How many pages to go back to reach the page that opened the verification; 0 when there is
   * none, or the surface cannot tell (the H5 page's history also holds the sign-in redirect and
   * Alipay's pages, so it never goes back).
   */
  returnDelta: number;
  /** The configured target, '' when none. */
  target: string;
}

/**
 * Where 完成 leads: the page that opened the verification knows what comes next, so it wins;
 * else the configured target (the verification was the entry, e.g. a link or a scan); else a
 * new verification, never the form the person just filled in.
 */
export function routeDone(context: DoneContext): DoneRoute {
  if (context.returnDelta > 0) return { next: 'back', delta: context.returnDelta };
  if (context.target !== '') return { next: 'open', target: context.target };
  return { next: 'restart' };
}

// ---------------------------------------------------------------- poll schedule

/**
 * Waits between status lookups while the record is PENDING after a 9000: 1 s, then ×1.5,
 * capped at 4 s, while the waits fit a 15 s window, so lookups at 0, 1, 2.5, 4.75, 8.1 and
 * 12.1 s, then "still processing". Alipay's query usually settles within a second or two of
 * the face check, so the first waits are short; the cap means a record that settles late is
 * seen within 4 s, where a doubling schedule (1-2-4-8 s) left an 8 s blind spot for one lookup
 * fewer. The lookup costs no paid call.
 */
export const POLL_DELAYS_MS: readonly number[] = [1000, 1500, 2250, 3375, 4000];

// ---------------------------------------------------------------- session

/** A token this close to its expiry counts as gone, so a request never leaves with a dying token. */
export const SESSION_EXPIRY_MARGIN_MS = 60 * 1000;

/** True while a session expiring at `expiresAt` (ISO 8601) is usable at `nowMs`; an unreadable date is not. */
export function isSessionUsable(expiresAt: string, nowMs: number): boolean {
  const expiresAtMs = Date.parse(expiresAt);
  return isFinite(expiresAtMs) && expiresAtMs - SESSION_EXPIRY_MARGIN_MS > nowMs;
}

// ---------------------------------------------------------------- API error

export interface ApiErrorDetails {
  /** HTTP status; 0 (the default) when no answer arrived. */
  status?: number;
  /** For people reading logs; defaults to the code and status. Never request data. */
  message?: string;
  /** From a `Retry-After` header, in whole seconds. */
  retryAfterSeconds?: number;
  /** What went wrong underneath (a bridge failure, a parse error). */
  cause?: unknown;
}

/**
 * A backend call that did not succeed, on both surfaces. `code` is the server's `error.code`,
 * or a client code when no usable answer arrived (NETWORK_ERROR, REQUEST_TIMEOUT,
 * BAD_RESPONSE, AUTH_CODE_UNAVAILABLE). Programs branch on `code`, never on `message`.
 */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryAfterSeconds?: number;
  readonly cause?: unknown;

  constructor(code: ErrorCode, details: ApiErrorDetails = {}) {
    const status = details.status || 0;
    super(details.message || (status > 0 ? `${code} (HTTP ${status})` : code));
    // The mini-program compiler emits ES5, where a subclass of Error loses its prototype.
    Object.setPrototypeOf(this, ApiError.prototype);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    if (details.retryAfterSeconds !== undefined) this.retryAfterSeconds = details.retryAfterSeconds;
    if (details.cause !== undefined) this.cause = details.cause;
  }
}

/**
 * Whole seconds from a `Retry-After` value (delta-seconds or an HTTP date), or undefined when
 * there is none or it cannot be read.
 * @see https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
 */
export function parseRetryAfterSeconds(value: string | null | undefined, nowMs: number): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const dateMs = Date.parse(text);
  if (!isFinite(dateMs)) return undefined;
  return Math.max(0, Math.ceil((dateMs - nowMs) / 1000));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

/** The ApiError for a non-2xx answer: the body's `error.code`, else BAD_RESPONSE. */
export function readApiError(status: number, body: unknown, retryAfter: string | null | undefined, nowMs: number): ApiError {
  const error = isObject(body) ? body.error : undefined;
  const code = isObject(error) && typeof error.code === 'string' && error.code.length > 0 ? (error.code as ErrorCode) : 'BAD_RESPONSE';
  return new ApiError(code, { status, retryAfterSeconds: parseRetryAfterSeconds(retryAfter, nowMs) });
}

// ---------------------------------------------------------------- response guards

const VERIFICATION_STATUSES: readonly VerificationStatus[] = ['PENDING', 'PASSED', 'FAILED', 'EXPIRED'];

function hasStrings(value: unknown, keys: readonly string[]): value is Record<string, string> {
  return isObject(value) && keys.every((key) => typeof value[key] === 'string' && (value[key] as string).length > 0);
}

/** `POST /api/sessions` 201. */
export function isCreateSessionResponse(body: unknown): body is CreateSessionResponse {
  return hasStrings(body, ['token', 'expiresAt']);
}

/** `POST /api/verifications` 201/200, and `POST /api/verifications/:id/certify-url` 200 (the same shape). */
export function isCreateVerificationResponse(body: unknown): body is CreateVerificationResponse {
  return hasStrings(body, ['verificationId', 'certifyId', 'url', 'expiresAt']);
}

/** `GET /api/consent-notice` 200, whose version is the one its text hashes to (so a client sends the version of what it shows). */
export function isConsentNoticeResponse(body: unknown): body is ConsentNoticeResponse {
  return (
    hasStrings(body, ['language', 'version', 'text']) &&
    CONSENT_LANGUAGES.indexOf(body.language as ConsentLanguage) >= 0 &&
    consentVersion(body.text) === body.version
  );
}

/** `GET /api/verifications/:id` 200, with a status this build knows. */
export function isVerificationView(body: unknown): body is VerificationView {
  return hasStrings(body, ['verificationId', 'status', 'certNoMasked', 'updatedAt']) && VERIFICATION_STATUSES.indexOf(body.status as VerificationStatus) >= 0;
}

/** `GET /api/client-config` 200; a `doneUrl`, when there is one, is a web address (the page navigates to it). */
export function isClientConfig(body: unknown): body is ClientConfig {
  return (
    hasStrings(body, ['mode', 'appId', 'oauthAuthorizeUrl']) &&
    (body.mode === 'emulator' || body.mode === 'alipay') &&
    (body.doneUrl === undefined || (typeof body.doneUrl === 'string' && /^https?:\/\//i.test(body.doneUrl))) &&
    (body.minorPolicy === 'guardian-consent' || body.minorPolicy === 'refuse') &&
    isBranding(body.branding)
  );
}

/** A branding object: its texts non-empty, a whole number of days, a logo (when any) from this server or https. */
function isBranding(value: unknown): value is Branding {
  if (!isObject(value) || !hasStrings(value, ['merchantName', 'dataController', 'contact'])) return false;
  const days = value.retentionDays;
  if (typeof days !== 'number' || days % 1 !== 0 || days < 1) return false;
  return value.logoUrl === undefined || (typeof value.logoUrl === 'string' && /^(https:\/\/|\/(?!\/))/i.test(value.logoUrl));
}
