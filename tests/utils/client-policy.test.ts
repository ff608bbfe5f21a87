/**
 * utils/client-policy.ts: every row of the outcome router, the poll schedule, the session
 * margin, the one ApiError, Retry-After, and the response guards both clients use.
 */
import {
  ApiError,
  CONFIRM_MODES,
  ConfirmMode,
  OutcomeRoute,
  POLL_DELAYS_MS,
  SESSION_EXPIRY_MARGIN_MS,
  isClientConfig,
  isConsentNoticeResponse,
  isCreateSessionResponse,
  isCreateVerificationResponse,
  isSessionUsable,
  isVerificationView,
  minorRequirement,
  parseRetryAfterSeconds,
  pickLanguage,
  retryAfterMinutes,
  readApiError,
  classifyFailure,
  routeCertifyOutcome,
  routeCreateFailure,
  routeDone,
  routeMissingBridge,
  routeRenewFailure,
  routeVerificationStatus,
} from '../../utils/client-policy';
import { DEVELOPMENT_BRANDING, consentNoticeFor } from '../../utils/consent-notice';
import { CertifyOutcome } from '../../utils/certify-outcome';
import { VerificationStatus } from '../../utils/api-contract';
import { makeCertNoBornOn } from '../support/identities';

describe('routeCertifyOutcome: the face check answer', () => {
  const rows: Array<[string, CertifyOutcome, OutcomeRoute]> = [
    ['9000 confirms with the server, polling', { status: 'passed' }, { next: 'confirm', mode: 'poll' }],
    ['an unknown resultStatus confirms with the server, polling', { status: 'unknown', resultStatus: '8000' }, { next: 'confirm', mode: 'poll' }],
    ['4000 SYSTEM_ERROR confirms once, reading PENDING as a failed check', { status: 'failed', errorCode: 'SYSTEM_ERROR', known: true }, { next: 'confirm', mode: 'after-failure' }],
    ['4000 with a code we do not know confirms once as a failed check', { status: 'failed', errorCode: 'Z1234', known: false }, { next: 'confirm', mode: 'after-failure' }],
    ['4000 USER_IS_NOT_CERTIFY says to finish real-name verification in Alipay', { status: 'failed', errorCode: 'USER_IS_NOT_CERTIFY', known: true }, { next: 'show', screen: 'not-certified', actions: ['back-to-form'] }],
    ['6001 goes back to the form, inputs kept', { status: 'cancelled' }, { next: 'show', screen: 'cancelled', actions: ['back-to-form'] }],
    ['6002 offers a retry with a fresh URL', { status: 'network' }, { next: 'show', screen: 'network', actions: ['retry-certify', 'back-to-form'] }],
    ['a bridge failure goes back to the form', { status: 'bridge-error', error: 1, errorMessage: 'x' }, { next: 'show', screen: 'bridge-error', actions: ['back-to-form'] }],
    ['an unsupported client asks for an upgrade', { status: 'unsupported', reason: 'version-too-old', version: '10.1.2' }, { next: 'show', screen: 'upgrade', actions: [] }],
  ];
  it.each(rows)('%s', (_, outcome, route) => {
    expect(routeCertifyOutcome(outcome)).toEqual(route);
    expect(routeCertifyOutcome(outcome, 'first')).toEqual(route);
  });

  const retryRows: Array<[string, CertifyOutcome, OutcomeRoute]> = [
    ['4000 SYSTEM_ERROR: Alipay refused the same certifyId again; confirm once, PENDING leads to a new verification', { status: 'failed', errorCode: 'SYSTEM_ERROR', known: true }, { next: 'confirm', mode: 'after-refusal' }],
    ['4000 with a code we do not know: refused again, too', { status: 'failed', errorCode: 'Z1234', known: false }, { next: 'confirm', mode: 'after-refusal' }],
    ['4000 USER_IS_NOT_CERTIFY still says to finish real-name verification', { status: 'failed', errorCode: 'USER_IS_NOT_CERTIFY', known: true }, { next: 'show', screen: 'not-certified', actions: ['back-to-form'] }],
    ['9000 confirms with the server, polling', { status: 'passed' }, { next: 'confirm', mode: 'poll' }],
    ['6001 goes back to the form', { status: 'cancelled' }, { next: 'show', screen: 'cancelled', actions: ['back-to-form'] }],
    ['6002 offers another retry with a fresh URL', { status: 'network' }, { next: 'show', screen: 'network', actions: ['retry-certify', 'back-to-form'] }],
  ];
  it.each(retryRows)('on a reopened certifyId (再次验证), %s', (_, outcome, route) => {
    expect(routeCertifyOutcome(outcome, 'retry')).toEqual(route);
  });
});

describe('routeMissingBridge', () => {
  it('inside Alipay without a JS bridge: its own screen, with a reload', () => {
    expect(routeMissingBridge()).toEqual({ next: 'show', screen: 'no-bridge', actions: ['reload'] });
  });
});

describe('routeVerificationStatus: the server record', () => {
  it.each(CONFIRM_MODES.map((mode) => [mode]))('server PASSED always wins (mode %s, on any lookup)', (mode) => {
    [1, 3, 6, 99].forEach((lookups) => expect(routeVerificationStatus('PASSED', mode, lookups)).toEqual({ next: 'show', screen: 'passed', actions: ['done'] }));
  });

  const finals: Array<[VerificationStatus, string]> = [
    ['FAILED', 'failed'],
    ['EXPIRED', 'expired'],
  ];
  it.each(CONFIRM_MODES.flatMap((mode) => finals.map(([status, screen]) => [status, mode, screen])))('%s (mode %s) is the %s screen with a new verification', (status, mode, screen) => {
    expect(routeVerificationStatus(status as VerificationStatus, mode as ConfirmMode, 1)).toEqual({ next: 'show', screen, actions: ['start-over'] });
  });

  it('PENDING after a 9000 waits by the schedule, then "still processing" with a refresh', () => {
    const routes = [1, 2, 3, 4, 5, 6].map((lookups) => routeVerificationStatus('PENDING', 'poll', lookups));
    expect(routes).toEqual([
      { next: 'wait', delayMs: 1000 },
      { next: 'wait', delayMs: 1500 },
      { next: 'wait', delayMs: 2250 },
      { next: 'wait', delayMs: 3375 },
      { next: 'wait', delayMs: 4000 },
      { next: 'show', screen: 'still-processing', actions: ['refresh', 'back-to-form'] },
    ]);
  });

  it('PENDING after a 4000 is a failed face check, with 再次验证 (same certifyId) as the main button, without polling', () => {
    expect(routeVerificationStatus('PENDING', 'after-failure', 1)).toEqual({ next: 'show', screen: 'face-check-failed', actions: ['retry-certify', 'back-to-form'] });
  });

  it('PENDING after Alipay refused the reopened certifyId is "can no longer be used", with a new verification as the main button', () => {
    expect(routeVerificationStatus('PENDING', 'after-refusal', 1)).toEqual({ next: 'show', screen: 'certify-refused', actions: ['new-verification', 'back-to-form'] });
  });

  it('never offers 再次验证 (the same certifyId) after Alipay or the server refused it', () => {
    const statuses: VerificationStatus[] = ['PENDING', 'PASSED', 'FAILED', 'EXPIRED'];
    statuses.forEach((status) => {
      const route = routeVerificationStatus(status, 'after-refusal', 1);
      expect(route.next === 'show' && route.actions.indexOf('retry-certify') >= 0).toBe(false);
    });
  });

  it('PENDING without a face-check answer is "not finished", with 再次验证 as the main button', () => {
    expect(routeVerificationStatus('PENDING', 'once', 1)).toEqual({ next: 'show', screen: 'not-finished', actions: ['retry-certify', 'refresh', 'start-over'] });
  });

  it('never ends on a screen whose main button cannot change anything', () => {
    const statuses: VerificationStatus[] = ['PENDING', 'PASSED', 'FAILED', 'EXPIRED'];
    CONFIRM_MODES.forEach((mode) =>
      statuses.forEach((status) => {
        const route = routeVerificationStatus(status, mode, POLL_DELAYS_MS.length + 1);
        if (route.next !== 'show') throw new Error(`${status}/${mode} did not settle`);
        expect(route.actions.length).toBeGreaterThan(0);
      }),
    );
  });
});

describe('routeRenewFailure: a refused or lost certify-url request', () => {
  it.each([
    ['VERIFICATION_CLOSED', { next: 'confirm', mode: 'after-refusal' }],
    ['NOT_FOUND', { next: 'forget' }],
    ['NETWORK_ERROR', { next: 'stay' }],
    ['RATE_LIMITED', { next: 'stay' }],
    ['INTERNAL_ERROR', { next: 'stay' }],
  ])('%s → %j', (code, route) => {
    expect(routeRenewFailure(code)).toEqual(route);
  });
});

describe('retryAfterMinutes: how long a rate-limited person waits', () => {
  it.each([
    [3360, 56],
    [3301, 56],
    [60, 1],
    [59, 1],
    [0, 1],
  ])('%i s → %i min (rounded up, at least 1)', (seconds, minutes) => {
    expect(retryAfterMinutes(seconds)).toBe(minutes);
  });

  it('is undefined without a usable Retry-After', () => {
    expect(retryAfterMinutes(undefined)).toBeUndefined();
    expect(retryAfterMinutes(-1)).toBeUndefined();
    expect(retryAfterMinutes(Number.NaN)).toBeUndefined();
  });
});

describe('pickLanguage: what the system language shows', () => {
  it.each([
    [['en'], 'en-US'],
    [['en-GB'], 'en-US'],
    [['zh-Hans'], 'zh-CN'],
    [['zh-HK'], 'zh-CN'],
    [['fr-FR', 'en-US'], 'en-US'],
    [['fr-FR'], 'zh-CN'],
    [[undefined], 'zh-CN'],
    [[], 'zh-CN'],
  ] as const)('%j → %s', (tags, language) => {
    expect(pickLanguage(tags)).toBe(language);
  });
});

describe('minorRequirement: what the form needs for a holder under 14', () => {
  /** 2026-03-02 00:00 in Beijing (2026-03-01 16:00 UTC): the holder below turns 14 at this instant. */
  const BEIJING_MIDNIGHT = new Date(Date.UTC(2026, 2, 1, 16, 0, 0));
  const JUST_BEFORE = new Date(BEIJING_MIDNIGHT.getTime() - 1);
  const turns14 = makeCertNoBornOn(new Date(Date.UTC(2012, 2, 2)));
  const under14 = makeCertNoBornOn(new Date(Date.UTC(2015, 5, 1)));
  const adult = makeCertNoBornOn(new Date(Date.UTC(1990, 0, 1)));

  it.each([
    ['under 14', under14, BEIJING_MIDNIGHT, 'guardian-consent', 'refused'],
    ['exactly 14 today (Beijing)', turns14, BEIJING_MIDNIGHT, 'none', 'none'],
    ['14 tomorrow (Beijing): still 13 one millisecond before midnight', turns14, JUST_BEFORE, 'guardian-consent', 'refused'],
    ['an adult', adult, BEIJING_MIDNIGHT, 'none', 'none'],
  ] as const)('%s: guardian-consent → %s, refuse → %s', (_, certNo, now, guardian, refuse) => {
    expect(minorRequirement(certNo, 'guardian-consent', now)).toBe(guardian);
    expect(minorRequirement(certNo, 'refuse', now)).toBe(refuse);
  });

  it('asks nothing of a number without a readable birth date (the server checks again)', () => {
    expect(minorRequirement('', 'refuse', BEIJING_MIDNIGHT)).toBe('none');
  });
});

describe('routeCreateFailure: a refused or lost form submit', () => {
  it.each([
    ['CONSENT_OUTDATED', { next: 'reconsent' }],
    ['CONSENT_REQUIRED', { next: 'reconsent' }],
    ['CERT_NO_CHECKSUM', { next: 'stay' }],
    ['RATE_LIMITED', { next: 'stay' }],
    ['NETWORK_ERROR', { next: 'stay' }],
  ])('%s → %j', (code, route) => {
    expect(routeCreateFailure(code)).toEqual(route);
  });
});

describe('classifyFailure: the title of an error screen', () => {
  it.each([
    ['NETWORK_ERROR', 'network'],
    ['REQUEST_TIMEOUT', 'network'],
    ['UNAUTHORIZED', 'sign-in'],
    ['AUTH_CODE_INVALID', 'sign-in'],
    ['AUTH_CODE_UNAVAILABLE', 'sign-in'],
    ['RATE_LIMITED', 'rate-limited'],
    ['NOT_FOUND', 'verification-over'],
    ['VERIFICATION_CLOSED', 'verification-over'],
    ['IDEMPOTENCY_MISMATCH', 'verification-over'],
    ['UPSTREAM_TIMEOUT', 'alipay'],
    ['UPSTREAM_UNAVAILABLE', 'alipay'],
    ['UPSTREAM_REJECTED', 'alipay'],
    ['UPSTREAM_UNVERIFIED', 'alipay'],
    ['INTERNAL_ERROR', 'service'],
    ['BAD_RESPONSE', 'service'],
    ['SOMETHING_NEW', 'service'],
    ['constructor', 'service'],
  ])('%s is a %s failure', (code, kind) => {
    expect(classifyFailure(code)).toBe(kind);
  });
});

describe('routeDone: where 完成 leads', () => {
  it('goes back to the page that opened the verification first, even with a target configured', () => {
    expect(routeDone({ returnDelta: 2, target: '/pages/home/index' })).toEqual({ next: 'back', delta: 2 });
  });

  it('opens the configured target when there is nothing to go back to', () => {
    expect(routeDone({ returnDelta: 0, target: 'https://merchant.example/done' })).toEqual({ next: 'open', target: 'https://merchant.example/done' });
  });

  it('starts a new verification when there is neither', () => {
    expect(routeDone({ returnDelta: 0, target: '' })).toEqual({ next: 'restart' });
  });
});

describe('the poll schedule', () => {
  it('starts at 1 s, grows by 1.5, is capped at 4 s, and fits a 15 s window', () => {
    expect(POLL_DELAYS_MS[0]).toBe(1000);
    for (let index = 1; index < POLL_DELAYS_MS.length; index += 1) {
      expect(POLL_DELAYS_MS[index]).toBe(Math.min(4000, POLL_DELAYS_MS[index - 1] * 1.5));
    }
    const total = POLL_DELAYS_MS.reduce((sum, delay) => sum + delay, 0);
    expect(total).toBeLessThanOrEqual(15000);
    expect(total + 4000).toBeGreaterThan(15000);
  });
});

describe('isSessionUsable', () => {
  const expiresAt = '2026-06-02T00:00:00.000Z';
  const expiresAtMs = Date.parse(expiresAt);

  it('stops a token one margin before its expiry', () => {
    expect(SESSION_EXPIRY_MARGIN_MS).toBe(60000);
    expect(isSessionUsable(expiresAt, expiresAtMs - SESSION_EXPIRY_MARGIN_MS - 1)).toBe(true);
    expect(isSessionUsable(expiresAt, expiresAtMs - SESSION_EXPIRY_MARGIN_MS)).toBe(false);
  });

  it('treats an unreadable expiry as expired', () => {
    expect(isSessionUsable('soon', 0)).toBe(false);
  });
});

describe('ApiError', () => {
  it('carries code, status, Retry-After and cause, and names only the code and status by default', () => {
    const cause = new Error('socket hang up');
    const error = new ApiError('RATE_LIMITED', { status: 429, retryAfterSeconds: 60, cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ name: 'ApiError', code: 'RATE_LIMITED', status: 429, retryAfterSeconds: 60, cause, message: 'RATE_LIMITED (HTTP 429)' });
  });

  it('defaults to status 0 when no answer arrived', () => {
    expect(new ApiError('NETWORK_ERROR')).toMatchObject({ code: 'NETWORK_ERROR', status: 0, message: 'NETWORK_ERROR' });
  });

  it('reads the code and Retry-After of an error answer, and BAD_RESPONSE without a code', () => {
    expect(readApiError(429, { error: { code: 'RATE_LIMITED', message: 'x' } }, '3360', 0)).toMatchObject({ code: 'RATE_LIMITED', status: 429, retryAfterSeconds: 3360 });
    const bare = readApiError(502, '<html>', null, 0);
    expect(bare).toMatchObject({ code: 'BAD_RESPONSE', status: 502 });
    expect(bare.retryAfterSeconds).toBeUndefined();
    expect(readApiError(500, { error: {} }, undefined, 0)).toMatchObject({ code: 'BAD_RESPONSE', status: 500 });
  });
});

describe('parseRetryAfterSeconds', () => {
  it.each([
    ['120', 120],
    [' 0 ', 0],
    ['Thu, 03 Dec 2026 05:00:30 GMT', 30],
    ['Thu, 03 Dec 2026 04:59:00 GMT', 0],
    ['', undefined],
    ['soon', undefined],
    [null, undefined],
  ])('reads %j as %j', (value, seconds) => {
    expect(parseRetryAfterSeconds(value, Date.parse('2026-12-03T05:00:00Z'))).toBe(seconds);
  });
});

describe('response guards', () => {
  it('accepts a verification view with a known status, and nothing short of one', () => {
    const view = { verificationId: 'v', status: 'PENDING', certNoMasked: '110***********002X', updatedAt: '2026-01-01T00:00:00Z' };
    expect(isVerificationView(view)).toBe(true);
    expect(isVerificationView({ ...view, status: 'DONE' })).toBe(false);
    expect(isVerificationView({ ...view, verificationId: '' })).toBe(false);
    expect(isVerificationView({ ...view, updatedAt: undefined })).toBe(false);
    expect(isVerificationView(null)).toBe(false);
  });

  it('accepts a created verification (or renewed URL) only with every field', () => {
    const created = { verificationId: 'v', certifyId: 'c', url: 'https://x', expiresAt: '2026-01-01T00:00:00Z' };
    expect(isCreateVerificationResponse(created)).toBe(true);
    expect(isCreateVerificationResponse({ ...created, reused: true })).toBe(true);
    expect(isCreateVerificationResponse({ ...created, url: 42 })).toBe(false);
  });

  it('accepts a session and a client config only in their shapes', () => {
    expect(isCreateSessionResponse({ token: 't', expiresAt: 'e' })).toBe(true);
    expect(isCreateSessionResponse({ expiresAt: 'e' })).toBe(false);
    const config = { mode: 'emulator', appId: 'a', oauthAuthorizeUrl: 'u', branding: DEVELOPMENT_BRANDING, minorPolicy: 'refuse' };
    expect(isClientConfig(config)).toBe(true);
    expect(isClientConfig({ ...config, mode: 'sandbox' })).toBe(false);
    expect(isClientConfig({ ...config, minorPolicy: 'allow' })).toBe(false);
    expect(isClientConfig({ ...config, branding: undefined })).toBe(false);
  });

  it('accepts branding only with every text filled, whole days and a logo from the server or https', () => {
    const config = { mode: 'alipay', appId: 'a', oauthAuthorizeUrl: 'u', minorPolicy: 'guardian-consent' };
    const branding = { merchantName: '示例银行', dataController: '示例银行股份有限公司', contact: '95500', retentionDays: 180 };
    expect(isClientConfig({ ...config, branding })).toBe(true);
    expect(isClientConfig({ ...config, branding: { ...branding, logoUrl: '/logo.svg' } })).toBe(true);
    expect(isClientConfig({ ...config, branding: { ...branding, logoUrl: 'https://bank.example/logo.png' } })).toBe(true);
    expect(isClientConfig({ ...config, branding: { ...branding, merchantName: '' } })).toBe(false);
    expect(isClientConfig({ ...config, branding: { ...branding, contact: undefined } })).toBe(false);
    expect(isClientConfig({ ...config, branding: { ...branding, retentionDays: 1.5 } })).toBe(false);
    expect(isClientConfig({ ...config, branding: { ...branding, retentionDays: '180' } })).toBe(false);
    expect(isClientConfig({ ...config, branding: { ...branding, logoUrl: 'javascript:alert(1)' } })).toBe(false);
    expect(isClientConfig({ ...config, branding: { ...branding, logoUrl: '//evil.example/logo.png' } })).toBe(false);
  });

  it('accepts a consent notice only in a language it knows and with the version its text hashes to', () => {
    const notice = { language: 'zh-CN', ...consentNoticeFor('zh-CN', DEVELOPMENT_BRANDING) };
    expect(isConsentNoticeResponse(notice)).toBe(true);
    expect(isConsentNoticeResponse({ ...notice, text: `${notice.text}。` })).toBe(false);
    expect(isConsentNoticeResponse({ ...notice, language: 'fr-FR' })).toBe(false);
    expect(isConsentNoticeResponse({ ...notice, version: undefined })).toBe(false);
  });

  it('accepts a client config\'s done URL only as a web address, which the page navigates to', () => {
    const config = { mode: 'alipay', appId: 'a', oauthAuthorizeUrl: 'u', branding: DEVELOPMENT_BRANDING, minorPolicy: 'refuse' };
    expect(isClientConfig({ ...config, doneUrl: 'https://merchant.example/done' })).toBe(true);
    expect(isClientConfig({ ...config, doneUrl: 'javascript:alert(1)' })).toBe(false);
    expect(isClientConfig({ ...config, doneUrl: 42 })).toBe(false);
  });
});
