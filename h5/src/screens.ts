/**
 * Every screen the page can show, as one discriminated union, and the pure function that turns
 * a screen into the words and buttons the view renders. Which outcome screen follows which
 * answer, and which actions it offers, is the client policy's (utils/client-policy.ts), shared
 * with the mini-program; this file only words it. Keeping this out of the DOM code means a
 * `switch` proves every screen has copy and every action a label.
 */
import { VerificationView } from '../../utils/api-contract';
import { FailureKind, OutcomeAction, OutcomeScreen, classifyFailure } from '../../utils/client-policy';
import { CopyBundle, errorMessage, PageCopy, PageErrorCode } from './copy';

export type BusyReason = 'signing-in' | 'preparing' | 'waiting-for-alipay' | 'confirming';

/** Outcome screens drawn as a result card (a cancel is drawn on the form, as its notice). */
export type OutcomeCard = Exclude<OutcomeScreen, 'cancelled'>;

export type Screen =
  | { kind: 'busy'; reason: BusyReason }
  /** The form; `notice` explains why the user is back on it. */
  | { kind: 'form'; notice?: 'cancelled' }
  /**
   * A screen the client policy routed to, with its actions. `view` is the backend's record when
   * one was read; `code` says why the last retry did not open (its new URL did not arrive);
   * `version` is the Alipay version an upgrade screen names; `retryAfterSeconds` is the
   * server's Retry-After for a rate-limited `code`.
   */
  | {
      kind: 'outcome';
      screen: OutcomeCard;
      actions: readonly OutcomeAction[];
      view?: VerificationView;
      code?: PageErrorCode;
      retryAfterSeconds?: number;
      version?: string;
    }
  /** Real mode in a plain browser: `url` is this page's address, drawn as a QR code to scan with Alipay. */
  | { kind: 'open-in-alipay'; url: string }
  | { kind: 'error'; code: PageErrorCode; retryAfterSeconds?: number };

/** The steps of the indicator above the page: 填写信息 → 人脸验证 → 验证结果. */
export type Step = 'fill' | 'face' | 'result';

/** Outcome screens reached before any result exists: the face check could not run or was cut short. */
const FACE_STEP_CARDS: readonly OutcomeCard[] = ['network', 'not-certified', 'bridge-error'];
/** Outcome screens that stop the person before the form can be used. */
const FILL_STEP_CARDS: readonly OutcomeCard[] = ['upgrade', 'no-bridge'];

/**
 * The step a screen belongs to; null for an error, which stays on the step where it happened
 * (signing in, submitting, or confirming a result).
 */
export function stepOf(screen: Screen): Step | null {
  switch (screen.kind) {
    case 'form':
    case 'open-in-alipay':
      return 'fill';
    case 'busy':
      if (screen.reason === 'signing-in') return 'fill';
      return screen.reason === 'confirming' ? 'result' : 'face';
    case 'outcome':
      if (FILL_STEP_CARDS.indexOf(screen.screen) >= 0) return 'fill';
      return FACE_STEP_CARDS.indexOf(screen.screen) >= 0 ? 'face' : 'result';
    case 'error':
      return null;
  }
}

/** What a button on a screen does; the controller implements each one. */
export type ScreenAction = OutcomeAction;

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
const START_OVER_ERRORS: readonly PageErrorCode[] = ['NOT_FOUND', 'IDEMPOTENCY_MISMATCH', 'VERIFICATION_CLOSED'];

type OutcomeWords = { name: string; tone: Tone; title: keyof PageCopy; message: keyof PageCopy };

const OUTCOME_WORDS: Readonly<Record<OutcomeCard, OutcomeWords>> = {
  passed: { name: 'passed', tone: 'success', title: 'passedTitle', message: 'passedMessage' },
  failed: { name: 'failed', tone: 'danger', title: 'failedTitle', message: 'failedMessage' },
  expired: { name: 'expired', tone: 'warning', title: 'expiredTitle', message: 'expiredMessage' },
  'still-processing': { name: 'still-processing', tone: 'info', title: 'stillProcessingTitle', message: 'stillProcessingMessage' },
  'not-finished': { name: 'not-finished', tone: 'warning', title: 'notFinishedTitle', message: 'notFinishedMessage' },
  'face-check-failed': { name: 'face-check-failed', tone: 'danger', title: 'faceCheckFailedTitle', message: 'faceCheckFailedMessage' },
  'certify-refused': { name: 'certify-refused', tone: 'warning', title: 'certifyRefusedTitle', message: 'certifyRefusedMessage' },
  network: { name: 'network', tone: 'warning', title: 'networkTitle', message: 'networkMessage' },
  'not-certified': { name: 'not-certified', tone: 'warning', title: 'notCertifiedTitle', message: 'notCertifiedMessage' },
  'bridge-error': { name: 'bridge-error', tone: 'danger', title: 'bridgeErrorTitle', message: 'bridgeErrorMessage' },
  upgrade: { name: 'upgrade', tone: 'warning', title: 'upgradeTitle', message: 'upgradeMessage' },
  'no-bridge': { name: 'no-bridge', tone: 'warning', title: 'noBridgeTitle', message: 'noBridgeMessage' },
};

/** Each error screen's title names its kind of failure (the code is shown beside it, for support). */
const ERROR_TITLES: Readonly<Record<FailureKind, keyof PageCopy>> = {
  network: 'errorTitleNetwork',
  'sign-in': 'errorTitleSignIn',
  'rate-limited': 'errorTitleRateLimited',
  'verification-over': 'errorTitleVerificationOver',
  alipay: 'errorTitleAlipay',
  service: 'errorTitleService',
};

/** The words and buttons for every screen but the form and the busy indicator. */
export function describeScreen(screen: Exclude<Screen, { kind: 'form' } | { kind: 'busy' }>, copy: CopyBundle): ScreenModel {
  const page = copy.page;
  switch (screen.kind) {
    case 'outcome': {
      const words = OUTCOME_WORDS[screen.screen];
      return {
        name: words.name,
        tone: words.tone,
        title: page[words.title],
        message: screen.code ? errorMessage(copy, screen.code, screen.retryAfterSeconds) : page[words.message],
        certNoMasked: screen.view ? screen.view.certNoMasked : undefined,
        errorCode: screen.code ?? (screen.screen === 'bridge-error' ? 'BRIDGE_ERROR' : undefined),
        alipayVersion: screen.version || undefined,
        actions: screen.actions.slice(),
      };
    }
    case 'open-in-alipay':
      return { name: 'open-in-alipay', tone: 'info', title: page.openInAlipayTitle, message: page.openInAlipayMessage, actions: [] };
    case 'error':
      return {
        name: 'error',
        tone: 'danger',
        title: page[ERROR_TITLES[classifyFailure(screen.code)]],
        message: errorMessage(copy, screen.code, screen.retryAfterSeconds),
        errorCode: screen.code,
        actions: START_OVER_ERRORS.indexOf(screen.code) >= 0 ? ['start-over'] : ['reload'],
      };
  }
}

/** The label of an action button. */
export function labelAction(action: ScreenAction, copy: CopyBundle): string {
  switch (action) {
    case 'done':
      return copy.page.actionDone;
    case 'refresh':
      return copy.page.actionRefresh;
    case 'retry-certify':
      return copy.page.actionRetryCertify;
    case 'back-to-form':
      return copy.page.actionBackToForm;
    case 'start-over':
      return copy.page.actionStartOver;
    case 'reload':
      return copy.page.actionReload;
    case 'new-verification':
      return copy.page.actionNewVerification;
  }
}
