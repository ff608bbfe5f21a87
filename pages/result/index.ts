/**
 * The result page shows only what the server says (`GET /api/verifications/:id`): a 9000 on
 * the client is a hint, never proof. Which screen follows which answer, how long PENDING is
 * polled, and which buttons each screen offers are the client policy's (utils/client-policy.ts),
 * shared with the H5 page; this page renders them and makes the platform calls. A retry (after
 * a 6002 or a failed face check) asks the backend for a new certify URL for the same certifyId
 * (`POST /api/verifications/:id/certify-url`), which costs no new initialize. 完成 after a pass
 * goes where the policy's routeDone says: back to the page that opened the verification, else
 * the configured DONE_PAGE (config/index.ts), else a new verification on a clear form. When
 * Alipay refuses a reopened certifyId, the page offers a new verification instead: the form
 * sends its kept inputs again (services/form-handoff.ts), a new paid initialize, and the
 * screen says so. The page speaks the form's language (`lang`), else Alipay's.
 *
 * @see https://opendocs.alipay.com/mini/framework/page-detail (Page)
 * @see https://opendocs.alipay.com/mini/api/kc5zbx (my.navigateBack)
 * @see https://opendocs.alipay.com/mini/api/hmn54z (my.reLaunch)
 * @see https://opendocs.alipay.com/mini/framework/getcurrentpages (getCurrentPages)
 */
import { CertifyUrlResponse, VerificationView } from '../../utils/api-contract';
import { ConsentLanguage } from '../../utils/consent-notice';
import { CertifyOutcome } from '../../utils/certify-outcome';
import {
  ApiError,
  CONFIRM_MODES,
  ConfirmMode,
  FailureKind,
  OutcomeAction,
  OutcomeScreen,
  pickLanguage,
  routeCertifyOutcome,
  routeDone,
  routeRenewFailure,
  routeVerificationStatus,
  classifyFailure,
} from '../../utils/client-policy';
import { CertifyBridgeError, startCertify } from '../../platform/certify-bridge';
import { clearPendingVerificationId } from '../../platform/pending-verification';
import { readSystemLanguage } from '../../platform/system-language';
import { TimerHandle, startTimer, stopTimer } from '../../platform/timers';
import { requestFormAction } from '../../services/form-handoff';
import { getVerification, renewCertifyUrl } from '../../services/merchant';
import { DONE_PAGE } from '../../config/index';
import { describeFailure, messageFor, readLanguage } from '../page-language';
import { RESULT_COPY_EN_US, RESULT_COPY_ZH_CN, ResultCopy } from './copy';

export const VERIFY_PAGE = '/pages/verify/index';

/** The policy's screens this page draws, plus waiting and a failed lookup. */
export type ResultScreen = 'loading' | 'pending' | Exclude<OutcomeScreen, 'cancelled' | 'upgrade' | 'no-bridge'> | 'error';

export interface ResultData {
  copy: ResultCopy;
  screen: ResultScreen;
  /** The screen's buttons, main one first (see index.sjs). */
  actions: OutcomeAction[];
  /** From the server, for display only. */
  certNoMasked: string;
  /** The error screen's message, or why the last retry did not open on a retry screen. */
  message: string;
  /** The error screen's kind of failure (its title) and code (shown small, for support); empty elsewhere. */
  errorKind: FailureKind | '';
  errorCode: string;
  /** A retry is under way: a new URL is being signed, or Alipay's check is open again. */
  retrying: boolean;
}

interface ResultState {
  verificationId: string;
  language: ConsentLanguage;
  /** How the current run reads a PENDING record. */
  mode: ConfirmMode;
  pollTimer: TimerHandle | null;
  /** Bumped by every new polling run, so answers of an abandoned run are ignored. */
  pollRun: number;
}

interface ResultMethods {
  onLoad(query: Record<string, string | undefined>): void;
  onUnload(): void;
  onRefreshTap(): void;
  onRetryCertifyTap(): Promise<void>;
  onBackToFormTap(): void;
  onDoneTap(): void;
  onNewVerificationTap(): void;
  useLanguage(language: ConsentLanguage): void;
  startPolling(mode: ConfirmMode): void;
  stopPolling(): void;
  pollStatus(run: number, lookups: number): Promise<void>;
  showStatus(view: VerificationView, run: number, lookups: number): void;
  showError(code: string): void;
  showRenewFailure(error: unknown): void;
  showRetryOutcome(outcome: CertifyOutcome): void;
  showFinalStatusIfAny(): Promise<void>;
}

type ResultPage = { data: ResultData; setData(update: Partial<ResultData>): void } & ResultState & ResultMethods;

function initialData(): ResultData {
  return { copy: RESULT_COPY_ZH_CN, screen: 'loading', actions: [], certNoMasked: '', message: '', errorKind: '', errorCode: '', retrying: false };
}

/** A failed lookup: ask again, or go back to the form. */
const ERROR_ACTIONS: OutcomeAction[] = ['refresh', 'back-to-form'];

function readMode(value: string | undefined): ConfirmMode {
  return CONFIRM_MODES.indexOf(value as ConfirmMode) >= 0 ? (value as ConfirmMode) : 'poll';
}

/** The verification's own pages: 完成 goes back past them to the page that opened the verification. */
const VERIFICATION_ROUTES = ['pages/verify/index', 'pages/result/index', 'pages/consent/index'];

/** How many pages back the page that opened the verification is; 0 when none did (the app opened at the form). */
function countPagesToOpener(): number {
  const stack = getCurrentPages();
  let own = 0;
  while (own < stack.length && VERIFICATION_ROUTES.indexOf(stack[stack.length - 1 - own].route.replace(/^\//, '')) >= 0) own += 1;
  return own < stack.length ? own : 0;
}

/** Back to the form kept in the page stack (inputs intact), or a fresh form after a resume. */
function returnToForm(): void {
  if (getCurrentPages().length > 1) my.navigateBack({ delta: 1 });
  else my.reLaunch({ url: VERIFY_PAGE });
}

const options = {
  data: initialData,

  onLoad(this: ResultPage, query: Record<string, string | undefined>): void {
    this.verificationId = query && query.verificationId ? query.verificationId : '';
    this.useLanguage(readLanguage(query && query.lang));
    // Opened at launch to resume (no `lang` from the form): Alipay's language setting.
    if (!query || !query.lang) void readSystemLanguage().then((tag) => this.useLanguage(pickLanguage([tag])));
    this.mode = readMode(query && query.mode);
    this.pollTimer = null;
    this.pollRun = 0;
    if (!this.verificationId) {
      this.showError('NOT_FOUND');
      return;
    }
    if (query.retry === '1') {
      const network = routeCertifyOutcome({ status: 'network' });
      if (network.next === 'show') this.setData({ screen: 'network', actions: network.actions.slice(), message: '' });
      void this.showFinalStatusIfAny();
      return;
    }
    this.startPolling(this.mode);
  },

  onUnload(this: ResultPage): void {
    this.stopPolling();
  },

  onRefreshTap(this: ResultPage): void {
    this.startPolling('poll');
  },

  onBackToFormTap(): void {
    returnToForm();
  },

  /** The old certifyId is refused: the form sends its kept inputs again, as a new verification. */
  onNewVerificationTap(this: ResultPage): void {
    clearPendingVerificationId();
    requestFormAction({ kind: 'new-verification', replaces: this.verificationId });
    returnToForm();
  },

  useLanguage(this: ResultPage, language: ConsentLanguage): void {
    this.language = language;
    const update: Partial<ResultData> = { copy: language === 'en-US' ? RESULT_COPY_EN_US : RESULT_COPY_ZH_CN };
    if (this.data.errorCode) update.message = messageFor(this.data.errorCode, language);
    this.setData(update);
  },

  onDoneTap(): void {
    const route = routeDone({ returnDelta: countPagesToOpener(), target: DONE_PAGE });
    switch (route.next) {
      case 'back':
        my.navigateBack({ delta: route.delta });
        return;
      case 'open':
        // reLaunch, not redirectTo: the filled-in form must not stay behind the page, and a tab bar page opens only this way.
        my.reLaunch({ url: route.target });
        return;
      case 'restart':
        my.reLaunch({ url: VERIFY_PAGE });
        return;
    }
  },

  onRetryCertifyTap(this: ResultPage): Promise<void> {
    if (this.data.retrying) return Promise.resolve();
    this.setData({ retrying: true, message: '' });
    const reopen = (renewed: CertifyUrlResponse): Promise<void> =>
      startCertify({ certifyId: renewed.certifyId, url: renewed.url }).then(
        (outcome) => {
          this.setData({ retrying: false });
          this.showRetryOutcome(outcome);
        },
        (error: unknown) => {
          if (error instanceof CertifyBridgeError && error.code === 'CERTIFY_IN_PROGRESS') return;
          this.setData({ retrying: false, screen: 'bridge-error', actions: ['back-to-form'] });
        },
      );
    return renewCertifyUrl(this.verificationId).then(reopen, (error: unknown) => {
      this.setData({ retrying: false });
      this.showRenewFailure(error);
    });
  },

  /** Where a refused or lost `certify-url` request leaves the user (the client policy decides). */
  showRenewFailure(this: ResultPage, error: unknown): void {
    const failure = describeFailure(error, this.language, this.data.copy.rateLimitedFor);
    const code = failure.code;
    const route = routeRenewFailure(code);
    switch (route.next) {
      case 'confirm':
        this.startPolling(route.mode);
        return;
      case 'forget':
        clearPendingVerificationId();
        this.showError(code);
        return;
      case 'stay':
        this.setData({ message: failure.message });
        return;
    }
  },

  /** The answer of a reopened certifyId: a 4000 now means Alipay refuses it (the policy's 'retry' attempt). */
  showRetryOutcome(this: ResultPage, outcome: CertifyOutcome): void {
    const route = routeCertifyOutcome(outcome, 'retry');
    if (route.next === 'confirm') {
      this.startPolling(route.mode);
      return;
    }
    if (route.next !== 'show') return;
    switch (route.screen) {
      case 'network':
        this.setData({ screen: 'network', actions: route.actions.slice() });
        return;
      case 'cancelled':
        clearPendingVerificationId();
        returnToForm();
        return;
      case 'not-certified':
        clearPendingVerificationId();
        this.setData({ screen: 'not-certified', actions: route.actions.slice() });
        return;
      default:
        // A bridge failure or an unsupported client: this page cannot reopen the check.
        clearPendingVerificationId();
        this.setData({ screen: 'bridge-error', actions: ['back-to-form'] });
        return;
    }
  },

  /**
   * A 6002 may come after Alipay already recorded the face check (the answer, not the
   * check, was lost), so ask the server once while the retry is on offer.
   */
  showFinalStatusIfAny(this: ResultPage): Promise<void> {
    const run = this.pollRun;
    return getVerification(this.verificationId).then(
      (view) => {
        if (run === this.pollRun && view.status !== 'PENDING') this.showStatus(view, run, 1);
      },
      // The retry screen is already a way forward; a failed lookup changes nothing.
      () => undefined,
    );
  },

  startPolling(this: ResultPage, mode: ConfirmMode): void {
    this.stopPolling();
    this.pollRun += 1;
    this.mode = mode;
    this.setData({ screen: 'loading', actions: [], message: '', errorKind: '', errorCode: '' });
    void this.pollStatus(this.pollRun, 1);
  },

  stopPolling(this: ResultPage): void {
    if (this.pollTimer !== null) stopTimer(this.pollTimer);
    this.pollTimer = null;
  },

  pollStatus(this: ResultPage, run: number, lookups: number): Promise<void> {
    return getVerification(this.verificationId).then(
      (view) => {
        if (run === this.pollRun) this.showStatus(view, run, lookups);
      },
      (error: unknown) => {
        if (run !== this.pollRun) return;
        const code = error instanceof ApiError ? error.code : 'INTERNAL_ERROR';
        // The server does not know this verification (or not for this user): nothing to resume.
        if (code === 'NOT_FOUND') clearPendingVerificationId();
        this.showError(code);
      },
    );
  },

  showStatus(this: ResultPage, view: VerificationView, run: number, lookups: number): void {
    const route = routeVerificationStatus(view.status, this.mode, lookups);
    if (route.next === 'wait') {
      this.setData({ screen: 'pending', certNoMasked: view.certNoMasked });
      this.pollTimer = startTimer(() => {
        this.pollTimer = null;
        void this.pollStatus(run, lookups + 1);
      }, route.delayMs);
      return;
    }
    if (route.next !== 'show') return;
    // A final status ends the verification; a PENDING one stays resumable, unless it is refused.
    if (view.status !== 'PENDING' || route.screen === 'certify-refused') clearPendingVerificationId();
    // Inputs are kept until a pass: going back now shows an empty form.
    if (route.screen === 'passed') requestFormAction({ kind: 'clear' });
    this.setData({ screen: route.screen as ResultScreen, actions: route.actions.slice(), certNoMasked: view.certNoMasked });
  },

  showError(this: ResultPage, code: string): void {
    this.setData({
      screen: 'error',
      actions: code === 'NOT_FOUND' ? ['back-to-form'] : ERROR_ACTIONS,
      message: messageFor(code, this.language),
      errorKind: classifyFailure(code),
      errorCode: code,
    });
  },
};

Page(options);

export type ResultPageOptions = typeof options;
