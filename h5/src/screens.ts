/**
 * Every screen the page can show, as one discriminated union, and the pure function
 * that turns a screen into the words and buttons the view renders. Keeping this out of
 * the DOM code means a `switch` proves every screen has copy and every action a label.
 */
import { VerificationView } from '../../utils/api-contract';
import { CertifyOutcome } from '../../utils/certify-outcome';
import { CopyBundle, PageErrorCode } from './copy';

export type BusyReason = 'signing-in' | 'preparing' | 'waiting-for-alipay' | 'confirming';

export type Screen =
  | { kind: 'busy'; reason: BusyReason }
  /** The form; `notice` explains why the user is back on it. */
  | { kind: 'form'; notice?: 'cancelled' }
  /**
   * What the backend says, and nothing else. `pending` words a PENDING status: not passed
   * yet, after a cancel or a failed attempt (`not-finished`), or Alipay still deciding
   * (`still-processing`).
   */
  | { kind: 'verification'; view: VerificationView; pending?: 'not-finished' | 'still-processing' }
  /**
   * 6002: the same certifyId may be opened again, with a URL the backend signs anew. `code`
   * says why the last retry did not open (its new URL did not arrive).
   */
  | { kind: 'network-retry'; code?: PageErrorCode }
  | { kind: 'upgrade'; version: string }
  | { kind: 'open-in-alipay' }
  | { kind: 'error'; code: PageErrorCode };

/** What a button on a screen does; the controller implements each one. */
export type ScreenAction = 'refresh' | 'retry-certify' | 'start-over' | 'reload';

export type Tone = 'success' | 'danger' | 'warning' | 'info';

/** The text and buttons of a non-form screen. */
export interface ScreenModel {
  /** Stable name for styling and tests (`data-screen`). */
  name: string;
  tone: Tone;
  title: string;
  message: string;
  /** Shown as "证件号码 110***********002X" when the backend gave one. */
  certNoMasked?: string;
  /** Shown as "错误码 X" so support can help. */
  errorCode?: string;
  /** The version read from the user agent, so the user sees why an upgrade is needed. */
  alipayVersion?: string;
  actions: ScreenAction[];
}

/** Errors after which this verification is over and only a new one helps; reloading helps the rest. */
const START_OVER_ERRORS: readonly PageErrorCode[] = ['NOT_FOUND', 'IDEMPOTENCY_MISMATCH', 'VERIFICATION_CLOSED', 'CERTIFY_FAILED'];

/** The words and buttons for every screen but the form and the busy indicator. */
export function describeScreen(screen: Exclude<Screen, { kind: 'form' } | { kind: 'busy' }>, copy: CopyBundle): ScreenModel {
  const page = copy.page;
  switch (screen.kind) {
    case 'verification':
      return describeVerification(screen.view, screen.pending ?? 'not-finished', copy);
    case 'network-retry':
      return {
        name: 'network',
        tone: 'warning',
        title: page.networkTitle,
        message: screen.code ? copy.errors[screen.code] : page.networkMessage,
        errorCode: screen.code,
        actions: ['retry-certify', 'start-over'],
      };
    case 'upgrade':
      return {
        name: 'upgrade',
        tone: 'warning',
        title: page.upgradeTitle,
        message: page.upgradeMessage,
        alipayVersion: screen.version || undefined,
        actions: [],
      };
    case 'open-in-alipay':
      return { name: 'open-in-alipay', tone: 'info', title: page.openInAlipayTitle, message: page.openInAlipayMessage, actions: [] };
    case 'error':
      return {
        name: 'error',
        tone: 'danger',
        title: page.errorTitle,
        message: copy.errors[screen.code],
        errorCode: screen.code,
        actions: START_OVER_ERRORS.indexOf(screen.code) >= 0 ? ['start-over'] : ['reload'],
      };
  }
}

function describeVerification(view: VerificationView, pending: 'not-finished' | 'still-processing', copy: CopyBundle): ScreenModel {
  const page = copy.page;
  const base = { certNoMasked: view.certNoMasked };
  switch (view.status) {
    case 'PASSED':
      return { ...base, name: 'passed', tone: 'success', title: page.passedTitle, message: page.passedMessage, actions: [] };
    case 'FAILED':
      return { ...base, name: 'failed', tone: 'danger', title: page.failedTitle, message: page.failedMessage, actions: ['start-over'] };
    case 'EXPIRED':
      return { ...base, name: 'expired', tone: 'warning', title: page.expiredTitle, message: page.expiredMessage, actions: ['start-over'] };
    case 'PENDING':
      return pending === 'still-processing'
        ? { ...base, name: 'still-processing', tone: 'info', title: page.stillProcessingTitle, message: page.stillProcessingMessage, actions: ['refresh'] }
        : { ...base, name: 'not-finished', tone: 'warning', title: page.notFinishedTitle, message: page.notFinishedMessage, actions: ['refresh', 'start-over'] };
  }
}

/** The label of an action button. */
export function labelAction(action: ScreenAction, copy: CopyBundle): string {
  switch (action) {
    case 'refresh':
      return copy.page.actionRefresh;
    case 'retry-certify':
      return copy.page.actionRetryCertify;
    case 'start-over':
      return copy.page.actionStartOver;
    case 'reload':
      return copy.page.actionReload;
  }
}

/** What the page does next with the client-side answer of startBizService. */
export type OutcomeStep =
  /**
   * Only the backend's record decides, so ask it. After 9000 or an unknown status keep
   * asking while it is PENDING (`poll`); after 4000 ask once, and a PENDING record means
   * Alipay could not run the check (`fail-if-pending`).
   */
  | { step: 'confirm-with-server'; whilePending: 'poll' | 'fail-if-pending' }
  /** 6001: back to the form with the inputs kept. */
  | { step: 'back-to-form' }
  /** 6002: offer to open the same certifyId again, with a newly signed URL. */
  | { step: 'retry-network' }
  | { step: 'show-error'; code: PageErrorCode }
  | { step: 'upgrade' };

/** Routes an outcome from utils/certify-outcome.ts to the page's next step. */
export function routeCertifyOutcome(outcome: CertifyOutcome): OutcomeStep {
  switch (outcome.status) {
    case 'passed':
    case 'unknown':
      return { step: 'confirm-with-server', whilePending: 'poll' };
    case 'failed':
      return { step: 'confirm-with-server', whilePending: 'fail-if-pending' };
    case 'cancelled':
      return { step: 'back-to-form' };
    case 'network':
      return { step: 'retry-network' };
    case 'bridge-error':
      return { step: 'show-error', code: 'BRIDGE_ERROR' };
    case 'unsupported':
      return { step: 'upgrade' };
  }
}
