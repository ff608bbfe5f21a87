/**
 * The result page shows only what the server says (`GET /api/verifications/:id`):
 * a 9000 on the client is a hint, never proof. PENDING is polled with backoff for
 * about 15 seconds, then "still processing" with a refresh button. After a 6002 the
 * user may retry: the backend signs a new certify URL for the same certifyId
 * (`POST /api/verifications/:id/certify-url`), which costs no new initialize, and the
 * face check opens with it, never with a URL signed minutes or hours ago.
 *
 * @see https://opendocs.alipay.com/mini/framework/page-detail (Page)
 * @see https://opendocs.alipay.com/mini/api/kc5zbx (my.navigateBack)
 * @see https://opendocs.alipay.com/mini/api/hmn54z (my.reLaunch)
 */
import { CertifyUrlResponse, VerificationStatus } from '../../utils/api-contract';
import { CertifyBridgeError, startCertify } from '../../platform/certify-bridge';
import { CertifyOutcome } from '../../utils/certify-outcome';
import { describeErrorCode } from '../../utils/error-messages';
import { clearPendingVerificationId } from '../../platform/pending-verification';
import { ApiError } from '../../platform/request';
import { TimerHandle, startTimer, stopTimer } from '../../platform/timers';
import { getVerification, renewCertifyUrl } from '../../services/merchant';
import { RESULT_COPY_ZH_CN, ResultCopy } from './copy';

/**
 * Waits between status lookups while PENDING: lookups at 0, 1, 3, 7 and 15 seconds,
 * then "still processing". Short at first (the query usually settles within a second
 * of the face check), then backing off so a slow gateway is not hammered.
 */
export const POLL_DELAYS_MS: readonly number[] = [1000, 2000, 4000, 8000];

export const VERIFY_PAGE = '/pages/verify/index';

export type ResultScreen = 'loading' | 'pending' | 'still-processing' | 'passed' | 'failed' | 'expired' | 'network' | 'error';

export interface ResultData {
  copy: ResultCopy;
  screen: ResultScreen;
  /** From the server, for display only. */
  certNoMasked: string;
  /** The error screen's message, or why the last retry did not open on the network screen. */
  message: string;
  /** A retry after a 6002 is under way: a new URL is being signed, or Alipay's check is open again. */
  retrying: boolean;
}

interface ResultState {
  verificationId: string;
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
  startPolling(): void;
  stopPolling(): void;
  pollStatus(run: number, attempt: number): Promise<void>;
  showStatus(status: VerificationStatus, certNoMasked: string, run: number, attempt: number): void;
  showRenewFailure(code: string): void;
  showRetryOutcome(outcome: CertifyOutcome): void;
  showFinalStatusIfAny(): Promise<void>;
}

type ResultPage = { data: ResultData; setData(update: Partial<ResultData>): void } & ResultState & ResultMethods;

function initialData(): ResultData {
  return { copy: RESULT_COPY_ZH_CN, screen: 'loading', certNoMasked: '', message: '', retrying: false };
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
    this.pollTimer = null;
    this.pollRun = 0;
    if (!this.verificationId) {
      this.setData({ screen: 'error', message: describeErrorCode('NOT_FOUND') });
      return;
    }
    if (query.retry === '1') {
      this.setData({ screen: 'network', message: '' });
      void this.showFinalStatusIfAny();
      return;
    }
    this.startPolling();
  },

  onUnload(this: ResultPage): void {
    this.stopPolling();
  },

  onRefreshTap(this: ResultPage): void {
    this.startPolling();
  },

  onBackToFormTap(): void {
    returnToForm();
  },

  onDoneTap(): void {
    my.reLaunch({ url: VERIFY_PAGE });
  },

  async onRetryCertifyTap(this: ResultPage): Promise<void> {
    if (this.data.retrying) return;
    this.setData({ retrying: true, message: '' });
    let renewed: CertifyUrlResponse;
    try {
      renewed = await renewCertifyUrl(this.verificationId);
    } catch (error) {
      this.setData({ retrying: false });
      this.showRenewFailure(error instanceof ApiError ? error.code : 'INTERNAL_ERROR');
      return;
    }
    let outcome: CertifyOutcome;
    try {
      outcome = await startCertify({ certifyId: renewed.certifyId, url: renewed.url });
    } catch (error) {
      if (error instanceof CertifyBridgeError && error.code === 'CERTIFY_IN_PROGRESS') return;
      this.setData({ retrying: false, screen: 'error', message: this.data.copy.bridgeError });
      return;
    }
    this.setData({ retrying: false });
    this.showRetryOutcome(outcome);
  },

  /** Where a refused or lost `certify-url` request leaves the user. */
  showRenewFailure(this: ResultPage, code: string): void {
    // Over (a final status, or the certifyId expired): the server's status is the screen to
    // show, and its lookup settles an expired verification that is still stored PENDING.
    if (code === 'VERIFICATION_CLOSED') {
      this.startPolling();
      return;
    }
    if (code === 'NOT_FOUND') {
      clearPendingVerificationId();
      this.setData({ screen: 'error', message: describeErrorCode(code) });
      return;
    }
    // A lost answer or a busy server: the retry may still work, so stay and say why.
    this.setData({ message: describeErrorCode(code) });
  },

  showRetryOutcome(this: ResultPage, outcome: CertifyOutcome): void {
    const giveUp = (message: string): void => {
      clearPendingVerificationId();
      this.setData({ screen: 'error', message });
    };
    switch (outcome.status) {
      case 'network':
        return;
      case 'cancelled':
        clearPendingVerificationId();
        returnToForm();
        return;
      case 'failed':
        if (outcome.errorCode === 'USER_IS_NOT_CERTIFY') giveUp(this.data.copy.notCertified);
        else this.startPolling();
        return;
      case 'bridge-error':
      case 'unsupported':
        giveUp(this.data.copy.bridgeError);
        return;
      case 'passed':
      case 'unknown':
        this.startPolling();
        return;
    }
  },

  /**
   * A 6002 may come after Alipay already recorded the face check (the answer, not the
   * check, was lost), so ask the server once while the retry is on offer.
   */
  async showFinalStatusIfAny(this: ResultPage): Promise<void> {
    const run = this.pollRun;
    try {
      const view = await getVerification(this.verificationId);
      if (run === this.pollRun && view.status !== 'PENDING') this.showStatus(view.status, view.certNoMasked, run, 0);
    } catch {
      // The retry screen is already a way forward; a failed lookup changes nothing.
    }
  },

  startPolling(this: ResultPage): void {
    this.stopPolling();
    this.pollRun += 1;
    this.setData({ screen: 'loading', message: '' });
    void this.pollStatus(this.pollRun, 0);
  },

  stopPolling(this: ResultPage): void {
    if (this.pollTimer !== null) stopTimer(this.pollTimer);
    this.pollTimer = null;
  },

  async pollStatus(this: ResultPage, run: number, attempt: number): Promise<void> {
    try {
      const view = await getVerification(this.verificationId);
      if (run !== this.pollRun) return;
      this.showStatus(view.status, view.certNoMasked, run, attempt);
    } catch (error) {
      if (run !== this.pollRun) return;
      const code = error instanceof ApiError ? error.code : 'INTERNAL_ERROR';
      // The server does not know this verification (or not for this user): nothing to resume.
      if (code === 'NOT_FOUND') clearPendingVerificationId();
      this.setData({ screen: 'error', message: describeErrorCode(code) });
    }
  },

  showStatus(this: ResultPage, status: VerificationStatus, certNoMasked: string, run: number, attempt: number): void {
    if (status === 'PENDING') {
      if (attempt >= POLL_DELAYS_MS.length) {
        this.setData({ screen: 'still-processing', certNoMasked });
        return;
      }
      this.setData({ screen: 'pending', certNoMasked });
      this.pollTimer = startTimer(() => {
        this.pollTimer = null;
        void this.pollStatus(run, attempt + 1);
      }, POLL_DELAYS_MS[attempt]);
      return;
    }
    clearPendingVerificationId();
    const screens: Record<Exclude<VerificationStatus, 'PENDING'>, ResultScreen> = { PASSED: 'passed', FAILED: 'failed', EXPIRED: 'expired' };
    this.setData({ screen: screens[status], certNoMasked });
  },
};

Page(options);

export type ResultPageOptions = typeof options;
