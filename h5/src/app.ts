/**
 * The page's controller: signs in, shows the form, starts the face check the way this
 * environment allows, and shows what the backend says about the result.
 *
 * Inside Alipay it calls startBizService('open-certify') through the JS bridge. In a
 * plain browser against the emulator it opens the certify URL (the emulator's
 * verification page), which comes back to this page through return_url; the id of the
 * verification in progress is the only thing carried across (sessionStorage). Once its result is
 * final, its id is kept instead, so a reload shows that result again until the person starts
 * over; 完成 leads where the client policy's routeDone says (the merchant's H5_DONE_URL, served
 * as the client config's doneUrl, else a new verification).
 *
 * Which screen follows which answer, how long PENDING is polled and which actions each screen
 * offers are the client policy's (utils/client-policy.ts), shared with the mini-program; this
 * file makes the browser calls and shows what the policy decides.
 *
 * @see https://help.aliyun.com/document_detail/145726.html (in-app H5 face verification)
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify (the certify URL)
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.query (the backend's proof)
 */
import { CertifyUrlResponse, ClientConfig, CreateVerificationRequest, VerificationView } from '../../utils/api-contract';
import { IdentityErrorCode } from '../../utils/error-codes';
import { IDENTITY_MESSAGES_ZH_CN } from '../../utils/identity';
import { ConsentNoticeVersion, consentNoticeFor } from '../../utils/consent-notice';
import {
  ApiError,
  CertifyAttempt,
  ConfirmMode,
  OutcomeRoute,
  pickLanguage,
  routeCertifyOutcome,
  routeCreateFailure,
  routeDone,
  routeMissingBridge,
  routeRenewFailure,
  routeVerificationStatus,
} from '../../utils/client-policy';
import { AlipayJSBridge, BridgeHost, CertifyTarget, startOpenCertify, waitForAlipayBridge } from './alipay-bridge';
import { ApiClient } from './api-client';
import { CopyBundle, getCopy, otherLocale, PageErrorCode } from './copy';
import { CertifyRoute, chooseCertifyRoute, detectEnvironment } from './environment';
import { checkForm } from './form-check';
import { Screen, ScreenAction } from './screens';
import { buildAuthorizeUrl, readOAuthReturn, SessionStore } from './session';
import { createPageView, FieldMessages, FormField, FormInput, PageView } from './view';

/** What the controller needs from the browser; main.ts passes the real ones. */
export interface AppDeps {
  window: Window & BridgeHost;
  api: ApiClient;
  store: SessionStore;
  now(): Date;
  /** A random UUID v4: idempotency keys and OAuth state. */
  createUuid(): string;
}

function isIdentityErrorCode(code: string): code is IdentityErrorCode {
  return Object.prototype.hasOwnProperty.call(IDENTITY_MESSAGES_ZH_CN, code);
}

function toPageErrorCode(error: unknown): PageErrorCode {
  if (error instanceof ApiError && !isIdentityErrorCode(error.code)) return error.code;
  return 'INTERNAL_ERROR';
}

/** A failure as the view shows it: its code, and the server's Retry-After when it gave one. */
function describeFailure(error: unknown): { code: PageErrorCode; retryAfterSeconds?: number } {
  const code = toPageErrorCode(error);
  return error instanceof ApiError && error.retryAfterSeconds !== undefined ? { code, retryAfterSeconds: error.retryAfterSeconds } : { code };
}

/** Every field of the form, in the order a submit checks them. */
const FORM_FIELDS: readonly FormField[] = ['certName', 'certNo', 'consent', 'guardianConsent'];

/** Starts the page. Resolves once the first screen is shown (or a redirect has begun). */
export async function startApp(deps: AppDeps): Promise<void> {
  const host = deps.window;
  const api = deps.api;
  const store = deps.store;
  const navigator = host.navigator;
  // The language chosen with the switch wins (kept across the trip to the certify page), else the browser's.
  let copy: CopyBundle = getCopy(
    store.readLocale() ?? pickLanguage(navigator.languages && navigator.languages.length > 0 ? navigator.languages : [navigator.language]),
  );
  const environment = detectEnvironment(navigator.userAgent);

  let config: ClientConfig | null = null;
  let route: CertifyRoute = 'redirect';
  let token = '';
  let submitting = false;
  let idempotencyKey: string | null = null;
  let lastPendingMode: ConfirmMode = 'once';
  /**
   * The notice the form shows, whose version a submission sends as `consentVersion`: built from
   * the server's branding once the client config has arrived, until the server says it shows
   * a newer one.
   */
  let consentNotice: ConsentNoticeVersion | null = null;
  /** True once the notice shown is the server's (after CONSENT_OUTDATED), not the one built from the branding. */
  let noticeFromServer = false;
  /**
   * Fields whose message is on display and follows every edit: left with something typed, or
   * checked by a submit. A field being typed for the first time is not told off mid-word.
   */
  const liveFields: FormField[] = [];
  /** The verification a retry-certify reopens (its URL is signed anew each time), and the screen offering it. */
  let retryTarget: { verificationId: string; screen: Extract<Screen, { kind: 'outcome' }> } | null = null;
  /**
   * The verification whose certifyId Alipay refused, shown on the screen that offers a new
   * verification: the next submission names it as `replaces`, so the server starts a new one
   * instead of handing the refused one back as a reuse.
   */
  let refusedVerificationId: string | null = null;

  /**
   * Inside an Alipay that can verify, the bridge is awaited from page load, so a web view
   * without one is told so while the form is still empty, not after it was filled in.
   */
  const bridgeAtLoad: Promise<AlipayJSBridge | null> | null =
    environment.kind === 'alipay' && environment.supported ? waitForAlipayBridge(host) : null;
  /** The kind of screen on display, so the bridge check at load never covers a result. */
  let shownKind: Screen['kind'] = 'busy';

  const pageView = createPageView(host.document, copy, {
    onSubmit: (input) => void submit(input),
    onAction: (action) => void act(action),
    onEdit: (_field, input) => {
      idempotencyKey = null;
      checkFields(input, false);
    },
    onLeave: (field, input) => {
      const typed = input[field];
      if (typeof typed === 'string' && typed.trim() !== '' && liveFields.indexOf(field) < 0) liveFields.push(field);
      checkFields(input, false);
    },
    onSwitchLanguage: () => void switchLanguage(),
  });
  const view: PageView = {
    ...pageView,
    show(screen) {
      shownKind = screen.kind;
      pageView.show(screen);
    },
  };

  /** The bridge, waited for since page load; null when it never appeared. */
  function loadedBridge(): Promise<AlipayJSBridge | null> {
    return bridgeAtLoad ?? waitForAlipayBridge(host);
  }

  /**
   * Checks the form as typed and shows what the live fields say (a fixed field's message goes
   * at once). The minors policy speaks as soon as the number is valid, live or not: the
   * guardian's box appears, or the refusal is said at the number, before any submit.
   */
  function checkFields(input: FormInput, focusFirst: boolean): ReturnType<typeof checkForm> {
    const check = checkForm(input, config ? config.minorPolicy : 'guardian-consent', deps.now());
    const shown: FieldMessages = {};
    if (liveFields.indexOf('certName') >= 0) shown.certName = check.messages.certName;
    if (liveFields.indexOf('certNo') >= 0 || check.messages.certNo === 'CERT_NO_MINOR') shown.certNo = check.messages.certNo;
    if (liveFields.indexOf('consent') >= 0) shown.consent = check.messages.consent;
    if (liveFields.indexOf('guardianConsent') >= 0) shown.guardianConsent = check.messages.guardianConsent;
    view.showGuardianConsent(check.guardianNeeded);
    view.showFieldMessages(shown, focusFirst);
    return check;
  }

  /**
   * The header's language switch: the page's copy and the notice in the other language, the
   * inputs and the screen on display kept. The notice is built from the branding again, or
   * asked of the server when the one shown is the server's.
   */
  async function switchLanguage(): Promise<void> {
    copy = getCopy(otherLocale(copy.locale));
    store.saveLocale(copy.locale);
    view.setCopy(copy);
    if (!config) return;
    if (!noticeFromServer) {
      consentNotice = consentNoticeFor(copy.locale, config.branding);
      view.showConsentNotice(consentNotice.text);
      return;
    }
    try {
      const notice = await api.getConsentNotice(copy.locale);
      consentNotice = { version: notice.version, text: notice.text };
      view.showConsentNotice(notice.text);
    } catch (error) {
      view.showFormError(describeFailure(error));
    }
  }

  function redirectToAuthorize(current: ClientConfig): void {
    const state = deps.createUuid();
    store.saveOAuthState(state);
    view.show({ kind: 'busy', reason: 'signing-in' });
    host.location.assign(buildAuthorizeUrl(current, readOAuthReturn(host.location.href).cleanUrl, state));
  }

  function signInAgain(): void {
    store.clearSession();
    if (config) redirectToAuthorize(config);
  }

  /** Signs in: exchanges an auth_code from the redirect, reuses a stored session, or starts the redirect (null). */
  async function ensureSession(current: ClientConfig): Promise<string | null> {
    const oauthReturn = readOAuthReturn(host.location.href);
    const expectedState = store.takeOAuthState();
    if (oauthReturn.authCode || expectedState !== null) {
      // The code is single-use and must not stay in the address bar, history or a shared link.
      host.history.replaceState(host.history.state, '', oauthReturn.cleanUrl);
    }
    if (oauthReturn.authCode) {
      // A code this tab did not ask for (a planted link) is refused, not exchanged.
      if (expectedState === null || oauthReturn.state !== expectedState) throw new ApiError('AUTH_CODE_INVALID', { message: 'OAuth state mismatch' });
      const session = await api.createSession(oauthReturn.authCode);
      store.saveSession(session);
      return session.token;
    }
    // Sent to sign in but back without a code: stop here rather than redirect in a loop.
    if (expectedState !== null) throw new ApiError('AUTH_CODE_UNAVAILABLE', { message: 'The auth_base redirect returned no auth_code' });
    const stored = store.readSession();
    if (stored) return stored.token;
    redirectToAuthorize(current);
    return null;
  }

  /** Shows a screen the policy routed to; a retry-certify on it reopens `verificationId`. */
  function showOutcome(route: Extract<OutcomeRoute, { next: 'show' }>, verificationId: string, verification?: VerificationView): void {
    if (route.screen === 'cancelled') {
      retryTarget = null;
      store.clearPendingVerificationId();
      view.show({ kind: 'form', notice: 'cancelled' });
      return;
    }
    const screen: Extract<Screen, { kind: 'outcome' }> = { kind: 'outcome', screen: route.screen, actions: route.actions, view: verification };
    if (route.screen === 'upgrade') screen.version = environment.kind === 'alipay' ? environment.version : '';
    retryTarget = route.actions.indexOf('retry-certify') >= 0 ? { verificationId, screen } : null;
    if (route.actions.indexOf('new-verification') >= 0 && verificationId !== '') refusedVerificationId = verificationId;
    if (route.screen === 'not-certified') store.clearPendingVerificationId();
    view.show(screen);
  }

  /** Asks the backend until the policy has a screen for its record; `mode` says how PENDING reads. */
  async function confirm(verificationId: string, mode: ConfirmMode): Promise<void> {
    view.show({ kind: 'busy', reason: 'confirming' });
    try {
      for (let lookups = 1; ; lookups += 1) {
        const verification = await api.getVerification(token, verificationId);
        const route = routeVerificationStatus(verification.status, mode, lookups);
        if (route.next === 'wait') {
          await new Promise((resolve) => host.setTimeout(resolve, route.delayMs));
          continue;
        }
        if (route.next !== 'show') return;
        if (verification.status === 'PENDING') {
          lastPendingMode = mode;
        } else {
          store.clearPendingVerificationId();
          // Only the id, so a reload shows this result again; never the name or number.
          store.saveSettledVerificationId(verificationId);
        }
        if (verification.status === 'PASSED') {
          // Verified: the name and number have no further use on this page. Any other result
          // keeps them, so starting over does not mean typing 18 characters again.
          view.clearForm();
          liveFields.length = 0;
        }
        showOutcome(route, verificationId, verification);
        return;
      }
    } catch (error) {
      if (error instanceof ApiError && error.code === 'UNAUTHORIZED') return signInAgain();
      if (error instanceof ApiError && error.code === 'NOT_FOUND') {
        store.clearPendingVerificationId();
        store.clearSettledVerificationId();
      }
      view.show({ kind: 'error', ...describeFailure(error) });
    }
  }

  /** Opens the face check through the bridge; `attempt` says whether this certifyId was opened before. */
  async function runBridge(bridge: AlipayJSBridge, target: CertifyTarget, verificationId: string, attempt: CertifyAttempt): Promise<void> {
    view.show({ kind: 'busy', reason: 'waiting-for-alipay' });
    const route = routeCertifyOutcome(await startOpenCertify(bridge, target), attempt);
    if (route.next === 'confirm') await confirm(verificationId, route.mode);
    else if (route.next === 'show') showOutcome(route, verificationId);
  }

  /**
   * Reopens the face check for the same certifyId with a certify URL the backend signs now (no
   * new initialize), never the one signed when the verification was created: through the bridge
   * inside Alipay, by opening it in a plain browser (the emulator's page).
   */
  async function retryCertify(verificationId: string, offeredOn: Extract<Screen, { kind: 'outcome' }>): Promise<void> {
    view.show({ kind: 'busy', reason: 'preparing' });
    let renewed: CertifyUrlResponse;
    try {
      renewed = await api.renewCertifyUrl(token, verificationId);
    } catch (error) {
      const code = error instanceof ApiError ? error.code : 'INTERNAL_ERROR';
      if (code === 'UNAUTHORIZED') return signInAgain();
      const next = routeRenewFailure(code);
      if (next.next === 'confirm') {
        retryTarget = null;
        return confirm(verificationId, next.mode);
      }
      if (next.next === 'forget') {
        retryTarget = null;
        store.clearPendingVerificationId();
        view.show({ kind: 'error', ...describeFailure(error) });
        return;
      }
      // A lost answer or a busy server: the retry may still work, so offer it again with the reason.
      view.show({ ...offeredOn, ...describeFailure(error) });
      return;
    }
    const target = { certifyId: renewed.certifyId, url: renewed.url };
    if (route !== 'bridge') {
      host.location.assign(target.url);
      return;
    }
    view.show({ kind: 'busy', reason: 'waiting-for-alipay' });
    const bridge = await loadedBridge();
    const missing = routeMissingBridge();
    if (bridge) await runBridge(bridge, target, verificationId, 'retry');
    else if (missing.next === 'show') showOutcome(missing, verificationId);
  }

  function showSubmitError(error: unknown): void {
    view.show({ kind: 'form' });
    if (error instanceof ApiError && isIdentityErrorCode(error.code)) {
      // The backend refused a field the shared validator accepted (e.g. a stricter rule there).
      view.showFieldMessages(error.code.indexOf('CERT_NAME') === 0 ? { certName: error.code } : { certNo: error.code }, true);
      return;
    }
    view.showFormError(describeFailure(error));
  }

  /**
   * The server accepts consent to another notice than the one shown (CONSENT_OUTDATED): show
   * the server's in place of the built-in one, untick the box so the person agrees to it, and
   * send its version next time. The inputs stay. If it cannot be fetched, say why instead; the
   * next submit asks again.
   */
  async function askConsentAgain(refusal: unknown): Promise<void> {
    try {
      const notice = await api.getConsentNotice(copy.locale);
      consentNotice = { version: notice.version, text: notice.text };
      noticeFromServer = true;
      view.showUpdatedConsent(notice.text);
      view.showFormError(describeFailure(refusal));
    } catch (error) {
      view.showFormError(describeFailure(error));
    }
  }

  async function submit(input: FormInput): Promise<void> {
    if (submitting) return;
    // A submit checks every field, and from now on each follows every edit.
    FORM_FIELDS.forEach((field) => {
      if (liveFields.indexOf(field) < 0) liveFields.push(field);
    });
    const check = checkFields(input, true);
    if (!check.request) return;

    submitting = true;
    view.setSubmitting(true);
    try {
      let bridge: AlipayJSBridge | null = null;
      if (route === 'bridge') {
        // Wait before creating anything: a web view without the bridge must not leave a verification behind.
        view.show({ kind: 'busy', reason: 'waiting-for-alipay' });
        bridge = await loadedBridge();
        const missing = routeMissingBridge();
        if (!bridge && missing.next === 'show') {
          showOutcome(missing, '');
          return;
        }
      }
      view.show({ kind: 'busy', reason: 'preparing' });
      if (!idempotencyKey) idempotencyKey = deps.createUuid();
      const request: CreateVerificationRequest = { ...check.request, consentVersion: consentNotice ? consentNotice.version : '' };
      if (refusedVerificationId !== null) request.replaces = refusedVerificationId;
      const created = await api.createVerification(token, request, idempotencyKey);
      idempotencyKey = null;
      refusedVerificationId = null;
      store.savePendingVerificationId(created.verificationId);
      if (bridge) {
        await runBridge(bridge, { certifyId: created.certifyId, url: created.url }, created.verificationId, 'first');
      } else {
        host.location.assign(created.url);
      }
    } catch (error) {
      if (error instanceof ApiError && error.code === 'UNAUTHORIZED') signInAgain();
      else showSubmitError(error);
      if (error instanceof ApiError && routeCreateFailure(error.code).next === 'reconsent') {
        // A refusal of this consent is final: the next submission is a new one.
        idempotencyKey = null;
        await askConsentAgain(error);
      }
    } finally {
      submitting = false;
      view.setSubmitting(false);
    }
  }

  /** 完成 on the verified screen: where the client policy's routeDone says. */
  function finish(): void {
    // This page's history also holds the sign-in redirect and Alipay's pages: it never goes back.
    const next = routeDone({ returnDelta: 0, target: config && config.doneUrl ? config.doneUrl : '' });
    retryTarget = null;
    // Leaving ends this verification: the tab opened here again starts a new one.
    store.clearPendingVerificationId();
    store.clearSettledVerificationId();
    switch (next.next) {
      case 'open':
        host.location.assign(next.target);
        return;
      case 'back':
        host.history.go(-next.delta);
        return;
      case 'restart':
        view.show({ kind: 'form' });
        return;
    }
  }

  async function act(action: ScreenAction): Promise<void> {
    switch (action) {
      case 'refresh': {
        const pendingId = store.readPendingVerificationId();
        if (pendingId) await confirm(pendingId, lastPendingMode);
        else view.show({ kind: 'form' });
        return;
      }
      case 'retry-certify':
        if (retryTarget) await retryCertify(retryTarget.verificationId, retryTarget.screen);
        return;
      case 'back-to-form':
      case 'start-over':
        retryTarget = null;
        store.clearPendingVerificationId();
        store.clearSettledVerificationId();
        view.show({ kind: 'form' });
        return;
      case 'done':
        finish();
        return;
      case 'new-verification':
        // Alipay refuses this certifyId for good: the kept inputs go at once as a new
        // verification (a new initialize, as the screen said), with a new idempotency key.
        retryTarget = null;
        store.clearPendingVerificationId();
        store.clearSettledVerificationId();
        view.show({ kind: 'form' });
        // Back from the emulator's page (a new page load) nothing was kept: the form is filled
        // in again first, without a refusal for the fields the person has not touched yet.
        if (view.readForm().certNo.trim() === '') return;
        await submit(view.readForm());
        return;
      case 'reload':
        host.location.reload();
        return;
    }
  }

  // Coming back with the Back button may restore this page from the back/forward cache,
  // frozen on "preparing…"; start afresh so the pending verification is asked about again.
  host.addEventListener('pageshow', (event) => {
    if (event.persisted) host.location.reload();
  });

  if (environment.kind === 'alipay' && !environment.supported) {
    const upgrade = routeCertifyOutcome({ status: 'unsupported', reason: 'version-too-old', version: environment.version });
    if (upgrade.next === 'show') showOutcome(upgrade, '');
    return;
  }
  view.show({ kind: 'busy', reason: 'signing-in' });
  try {
    config = await api.getClientConfig();
    view.showBranding(config.branding);
    consentNotice = consentNoticeFor(copy.locale, config.branding);
    view.showConsentNotice(consentNotice.text);
    route = chooseCertifyRoute(environment, config.mode);
    if (route === 'open-in-alipay') {
      // The QR code holds this page's address without any sign-in leftovers.
      view.show({ kind: 'open-in-alipay', url: readOAuthReturn(host.location.href).cleanUrl });
      return;
    }
    const signedIn = await ensureSession(config);
    if (signedIn === null) return;
    token = signedIn;
  } catch (error) {
    view.show({ kind: 'error', ...describeFailure(error) });
    return;
  }
  // A verification in progress first; else the last settled one, whose result a reload shows again.
  const shownId = store.readPendingVerificationId() ?? store.readSettledVerificationId();
  if (shownId) await confirm(shownId, 'once');
  else view.show({ kind: 'form' });
  if (bridgeAtLoad) {
    void bridgeAtLoad.then((bridge) => {
      const missing = routeMissingBridge();
      // Only over the form: a submission under way reports it itself, and a result stays shown.
      if (!bridge && !submitting && shownKind === 'form' && missing.next === 'show') showOutcome(missing, '');
    });
  }
}
