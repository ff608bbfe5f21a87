/**
 * The page's controller: signs in, shows the form, starts the face check the way this
 * environment allows, and shows what the backend says about the result.
 *
 * Inside Alipay it calls startBizService('open-certify') through the JS bridge. In a
 * plain browser against the emulator it opens the certify URL (the emulator's
 * verification page), which comes back to this page through return_url; the id of the
 * verification in progress is the only thing carried across (sessionStorage).
 *
 * @see https://help.aliyun.com/document_detail/145726.html (in-app H5 face verification)
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify (the certify URL)
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.query (the backend's proof)
 */
import { CertifyUrlResponse, ClientConfig, VerificationView } from '../../utils/api-contract';
import { IdentityErrorCode } from '../../utils/error-codes';
import { IDENTITY_MESSAGES_ZH_CN, IdentityFieldErrors, validateIdentity } from '../../utils/identity';
import { AlipayJSBridge, BridgeHost, CertifyTarget, startOpenCertify, waitForAlipayBridge } from './alipay-bridge';
import { ApiClient, ApiError } from './api-client';
import { getCopy, pickLocale, PageErrorCode } from './copy';
import { CertifyRoute, chooseCertifyRoute, detectEnvironment } from './environment';
import { pollUntilSettled } from './poll-verification';
import { routeCertifyOutcome, ScreenAction } from './screens';
import { buildAuthorizeUrl, readOAuthReturn, SessionStore } from './session';
import { createPageView, FormInput, PageView } from './view';

/** What the controller needs from the browser; main.ts passes the real ones. */
export interface AppDeps {
  window: Window & BridgeHost;
  api: ApiClient;
  store: SessionStore;
  now(): Date;
  /** A random UUID v4: idempotency keys and OAuth state. */
  createUuid(): string;
}

/** How to word a PENDING status when it is confirmed. */
type ConfirmMode =
  /**
   * Back from the emulator page: ask once. PENDING means "not passed yet": the person left
   * early or the face check failed, and Alipay lets them try again until the certifyId expires.
   */
  | 'once'
  /** After 9000: Alipay's record may lag, so poll with backoff, then say "still confirming". */
  | 'poll'
  /** After 4000: ask once; PENDING means Alipay could not run the check. */
  | 'fail-if-pending';

function isIdentityErrorCode(code: string): code is IdentityErrorCode {
  return Object.prototype.hasOwnProperty.call(IDENTITY_MESSAGES_ZH_CN, code);
}

function toPageErrorCode(error: unknown): PageErrorCode {
  if (error instanceof ApiError && !isIdentityErrorCode(error.code)) return error.code;
  return 'INTERNAL_ERROR';
}

/** Starts the page. Resolves once the first screen is shown (or a redirect has begun). */
export async function startApp(deps: AppDeps): Promise<void> {
  const host = deps.window;
  const api = deps.api;
  const store = deps.store;
  const navigator = host.navigator;
  const copy = getCopy(pickLocale(navigator.languages && navigator.languages.length > 0 ? navigator.languages : [navigator.language]));
  const environment = detectEnvironment(navigator.userAgent);

  let config: ClientConfig | null = null;
  let route: CertifyRoute = 'redirect';
  let token = '';
  let submitting = false;
  let idempotencyKey: string | null = null;
  let lastPendingMode: ConfirmMode = 'once';
  /** After a 6002: the bridge and the verification to reopen; the URL is signed anew each time. */
  let retryTarget: { bridge: AlipayJSBridge; verificationId: string } | null = null;

  const view: PageView = createPageView(host.document, copy, {
    onSubmit: (input) => void submit(input),
    onAction: (action) => void act(action),
    onEdit: () => {
      idempotencyKey = null;
    },
  });

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
      if (expectedState === null || oauthReturn.state !== expectedState) throw new ApiError('AUTH_CODE_INVALID', 'OAuth state mismatch', 0);
      const session = await api.createSession(oauthReturn.authCode);
      store.saveSession(session);
      return session.token;
    }
    // Sent to sign in but back without a code: stop here rather than redirect in a loop.
    if (expectedState !== null) throw new ApiError('AUTH_CODE_UNAVAILABLE', 'The auth_base redirect returned no auth_code', 0);
    const stored = store.readSession();
    if (stored) return stored.token;
    redirectToAuthorize(current);
    return null;
  }

  function showSettled(verification: VerificationView): void {
    store.clearPendingVerificationId();
    // The result is final: the name and number have no further use on this page.
    view.clearForm();
    view.show({ kind: 'verification', view: verification });
  }

  async function confirm(verificationId: string, mode: ConfirmMode): Promise<void> {
    view.show({ kind: 'busy', reason: 'confirming' });
    const fetchView = (): Promise<VerificationView> => api.getVerification(token, verificationId);
    try {
      const verification =
        mode === 'poll'
          ? await pollUntilSettled({ fetchView, wait: (ms) => new Promise((resolve) => host.setTimeout(resolve, ms)) })
          : await fetchView();
      if (verification.status !== 'PENDING') {
        showSettled(verification);
      } else if (mode === 'fail-if-pending') {
        store.clearPendingVerificationId();
        view.show({ kind: 'error', code: 'CERTIFY_FAILED' });
      } else {
        lastPendingMode = mode;
        view.show({ kind: 'verification', view: verification, pending: mode === 'poll' ? 'still-processing' : 'not-finished' });
      }
    } catch (error) {
      if (error instanceof ApiError && error.code === 'UNAUTHORIZED') return signInAgain();
      if (error instanceof ApiError && error.code === 'NOT_FOUND') store.clearPendingVerificationId();
      view.show({ kind: 'error', code: toPageErrorCode(error) });
    }
  }

  async function runBridge(bridge: AlipayJSBridge, target: CertifyTarget, verificationId: string): Promise<void> {
    view.show({ kind: 'busy', reason: 'waiting-for-alipay' });
    const outcome = await startOpenCertify(bridge, target);
    const next = routeCertifyOutcome(outcome);
    switch (next.step) {
      case 'back-to-form':
        store.clearPendingVerificationId();
        view.show({ kind: 'form', notice: 'cancelled' });
        return;
      case 'retry-network':
        retryTarget = { bridge, verificationId };
        view.show({ kind: 'network-retry' });
        return;
      case 'show-error':
        view.show({ kind: 'error', code: next.code });
        return;
      case 'upgrade':
        view.show({ kind: 'upgrade', version: environment.kind === 'alipay' ? environment.version : '' });
        return;
      case 'confirm-with-server':
        await confirm(verificationId, next.whilePending);
        return;
    }
  }

  /**
   * Reopens the face check after a 6002 with a certify URL the backend signs now for the same
   * certifyId (no new initialize), never the one signed when the verification was created.
   */
  async function retryCertify(bridge: AlipayJSBridge, verificationId: string): Promise<void> {
    view.show({ kind: 'busy', reason: 'preparing' });
    let renewed: CertifyUrlResponse;
    try {
      renewed = await api.renewCertifyUrl(token, verificationId);
    } catch (error) {
      const code = error instanceof ApiError ? error.code : 'INTERNAL_ERROR';
      if (code === 'UNAUTHORIZED') return signInAgain();
      if (code === 'VERIFICATION_CLOSED') {
        // Over (a final status, or the certifyId expired): what the backend says is the screen.
        retryTarget = null;
        return confirm(verificationId, 'once');
      }
      if (code === 'NOT_FOUND') {
        retryTarget = null;
        store.clearPendingVerificationId();
        view.show({ kind: 'error', code });
        return;
      }
      // A lost answer or a busy server: the retry may still work, so offer it again with the reason.
      view.show({ kind: 'network-retry', code: toPageErrorCode(error) });
      return;
    }
    await runBridge(bridge, { certifyId: renewed.certifyId, url: renewed.url }, verificationId);
  }

  function showSubmitError(error: unknown): void {
    view.show({ kind: 'form' });
    if (error instanceof ApiError && isIdentityErrorCode(error.code)) {
      // The backend refused a field the shared validator accepted (e.g. a stricter rule there).
      const errors: IdentityFieldErrors = {};
      const refusal = { code: error.code, message: IDENTITY_MESSAGES_ZH_CN[error.code] };
      if (error.code.indexOf('CERT_NAME') === 0) errors.certName = refusal;
      else errors.certNo = refusal;
      view.showFieldErrors(errors, false);
      return;
    }
    view.showFormError(copy.errors[toPageErrorCode(error)]);
  }

  async function submit(input: FormInput): Promise<void> {
    if (submitting) return;
    const check = validateIdentity({ certName: input.certName, certNo: input.certNo }, deps.now());
    view.showFieldErrors(check.ok ? {} : check.errors, !input.consent);
    if (!check.ok || !input.consent) return;

    submitting = true;
    view.setSubmitting(true);
    try {
      let bridge: AlipayJSBridge | null = null;
      if (route === 'bridge') {
        // Wait before creating anything: a web view without the bridge must not leave a verification behind.
        view.show({ kind: 'busy', reason: 'waiting-for-alipay' });
        bridge = await waitForAlipayBridge(host);
        if (!bridge) {
          view.show({ kind: 'error', code: 'BRIDGE_ERROR' });
          return;
        }
      }
      view.show({ kind: 'busy', reason: 'preparing' });
      if (!idempotencyKey) idempotencyKey = deps.createUuid();
      const created = await api.createVerification(token, { certName: check.value.certName, certNo: check.value.certNo }, idempotencyKey);
      idempotencyKey = null;
      store.savePendingVerificationId(created.verificationId);
      if (bridge) {
        await runBridge(bridge, { certifyId: created.certifyId, url: created.url }, created.verificationId);
      } else {
        host.location.assign(created.url);
      }
    } catch (error) {
      if (error instanceof ApiError && error.code === 'UNAUTHORIZED') signInAgain();
      else showSubmitError(error);
    } finally {
      submitting = false;
      view.setSubmitting(false);
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
        if (retryTarget) await retryCertify(retryTarget.bridge, retryTarget.verificationId);
        return;
      case 'start-over':
        retryTarget = null;
        store.clearPendingVerificationId();
        view.show({ kind: 'form' });
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
    view.show({ kind: 'upgrade', version: environment.version });
    return;
  }
  view.show({ kind: 'busy', reason: 'signing-in' });
  try {
    config = await api.getClientConfig();
    route = chooseCertifyRoute(environment, config.mode);
    if (route === 'open-in-alipay') {
      view.show({ kind: 'open-in-alipay' });
      return;
    }
    const signedIn = await ensureSession(config);
    if (signedIn === null) return;
    token = signedIn;
  } catch (error) {
    view.show({ kind: 'error', code: toPageErrorCode(error) });
    return;
  }
  const pendingId = store.readPendingVerificationId();
  if (pendingId) await confirm(pendingId, 'once');
  else view.show({ kind: 'form' });
}
