/**
 * The form: name, ID number, consent, then one tap that costs exactly one backend call
 * (`POST /api/verifications`) before Alipay's face check opens.
 *
 * The name and number live only in this page's data (page memory): never in storage,
 * logs or URLs. After a cancel (6001) the user is back here with both kept.
 *
 * @see https://opendocs.alipay.com/mini/framework/page-detail (Page)
 * @see https://opendocs.alipay.com/mini/api/zwi8gx (my.navigateTo)
 */
import debounce from 'lodash/debounce';
import { CertifyOutcome, UnsupportedReason } from '../../utils/certify-outcome';
import { ApiError, ConfirmMode, routeCertifyOutcome, routeCreateFailure } from '../../utils/client-policy';
import { ConsentNoticeVersion, DEVELOPMENT_BRANDING, consentNoticeFor } from '../../utils/consent-notice';
import { describeErrorCode, isRetryableCode } from '../../utils/error-messages';
import { ValidIdentity, maskCertNo, validateCertName, validateCertNo, validateIdentity } from '../../utils/identity';
import { createUuidV4 } from '../../utils/uuid';
import { MIN_ALIPAY_VERSION, CertifyBridgeError, checkCertifySupport, startCertify } from '../../platform/certify-bridge';
import { CheckboxChangeEvent, InputEvent } from '../../platform/mini-events';
import { clearPendingVerificationId, savePendingVerificationId } from '../../platform/pending-verification';
import { createVerification, getConsentNotice } from '../../services/merchant';
import { takeResumeVerification } from '../../services/resume';
import { UPGRADE_MESSAGES_ZH_CN, VERIFY_COPY_ZH_CN, VerifyCopy } from './copy';

/** Taps closer together than this count as one (a double tap must not start two verifications). */
export const SUBMIT_DEBOUNCE_MS = 800;

export const RESULT_PAGE = '/pages/result/index';
export const CONSENT_PAGE = '/pages/consent/index';

export interface VerifyData {
  copy: VerifyCopy;
  certName: string;
  certNo: string;
  /** zh-CN messages beside each field; empty when there is nothing to fix. */
  certNameError: string;
  certNoError: string;
  consent: boolean;
  /** Both fields valid and consent given. */
  canSubmit: boolean;
  submitting: boolean;
  /** Shown instead of the number while Alipay's check is open (`110***********002X`). */
  certNoMasked: string;
  /** A message above the button: why the last attempt stopped and what to do next. */
  notice: string;
  /** Non-empty when this Alipay client cannot verify: the upgrade message. */
  upgradeMessage: string;
  /**
   * The server's newer data notice, in full, shown above the consent box after a 409
   * CONSENT_OUTDATED; empty while the built-in notice (utils/consent-notice.ts) is current.
   */
  consentUpdate: string;
}

/** Instance state that is not rendered. */
interface VerifyState {
  /** The last submission that got no answer, so a retry of it reuses its Idempotency-Key. */
  unansweredSubmission: { identity: ValidIdentity; idempotencyKey: string } | null;
  /** The notice the page shows, whose version a submission sends as `consentVersion`. */
  consentNotice: ConsentNoticeVersion;
}

interface VerifyMethods {
  onCertNameInput(event: InputEvent): void;
  onCertNameBlur(event: InputEvent): void;
  onCertNoInput(event: InputEvent): void;
  onCertNoBlur(event: InputEvent): void;
  onConsentChange(event: CheckboxChangeEvent): void;
  onConsentLinkTap(): void;
  onSubmitTap(): void;
  submitVerification(): Promise<void>;
  showOutcome(outcome: CertifyOutcome, verificationId: string): void;
  askConsentAgain(): Promise<void>;
  idempotencyKeyFor(identity: ValidIdentity): string;
  refreshCanSubmit(update: Partial<VerifyData>): void;
}

type VerifyPage = {
  data: VerifyData;
  setData(update: Partial<VerifyData>): void;
} & VerifyState &
  VerifyMethods;

function initialData(): VerifyData {
  return {
    copy: VERIFY_COPY_ZH_CN,
    certName: '',
    certNo: '',
    certNameError: '',
    certNoError: '',
    consent: false,
    canSubmit: false,
    submitting: false,
    certNoMasked: '',
    notice: '',
    upgradeMessage: '',
    consentUpdate: '',
  };
}

/** The upgrade message for an unsupported client. */
export function upgradeMessageFor(reason: UnsupportedReason): string {
  return UPGRADE_MESSAGES_ZH_CN[reason].replace('{version}', MIN_ALIPAY_VERSION);
}

function sameIdentity(left: ValidIdentity, right: ValidIdentity): boolean {
  return left.certName === right.certName && left.certNo === right.certNo && left.certType === right.certType;
}

/** The result page for a verification: confirming with the server in `mode`, or offering the 6002 retry. */
function openResultPage(verificationId: string, next: ConfirmMode | 'network-retry'): void {
  const how = next === 'network-retry' ? '&retry=1' : next === 'poll' ? '' : `&mode=${next}`;
  my.navigateTo({ url: `${RESULT_PAGE}?verificationId=${encodeURIComponent(verificationId)}${how}` });
}

const options = {
  data: initialData,

  onLoad(this: VerifyPage): void {
    this.unansweredSubmission = null;
    this.consentNotice = consentNoticeFor('zh-CN', DEVELOPMENT_BRANDING);
    const resumeId = takeResumeVerification();
    if (resumeId) openResultPage(resumeId, 'poll');
    void checkCertifySupport().then((support) => {
      if (!support.supported) this.refreshCanSubmit({ upgradeMessage: upgradeMessageFor(support.outcome.reason) });
    });
  },

  onCertNameInput(this: VerifyPage, event: InputEvent): void {
    const certName = event.detail.value;
    // Clear a shown error as soon as the input is fixed; new errors wait for blur.
    const certNameError = this.data.certNameError && validateCertName(certName).ok ? '' : this.data.certNameError;
    this.refreshCanSubmit({ certName, certNameError, notice: '' });
  },

  onCertNameBlur(this: VerifyPage, event: InputEvent): void {
    const check = validateCertName(event.detail.value);
    this.refreshCanSubmit({ certName: event.detail.value, certNameError: check.ok || event.detail.value === '' ? '' : check.error.message });
  },

  onCertNoInput(this: VerifyPage, event: InputEvent): void {
    const certNo = event.detail.value;
    const certNoError = this.data.certNoError && validateCertNo(certNo).ok ? '' : this.data.certNoError;
    this.refreshCanSubmit({ certNo, certNoError, notice: '' });
  },

  onCertNoBlur(this: VerifyPage, event: InputEvent): void {
    const check = validateCertNo(event.detail.value);
    this.refreshCanSubmit({ certNo: event.detail.value, certNoError: check.ok || event.detail.value === '' ? '' : check.error.message });
  },

  onConsentChange(this: VerifyPage, event: CheckboxChangeEvent): void {
    this.refreshCanSubmit({ consent: event.detail.value === true });
  },

  onConsentLinkTap(): void {
    my.navigateTo({ url: CONSENT_PAGE });
  },

  /** Debounced per page module: a double tap opens one verification, not two. */
  onSubmitTap: debounce(
    function (this: VerifyPage): void {
      void this.submitVerification();
    },
    SUBMIT_DEBOUNCE_MS,
    { leading: true, trailing: false },
  ),

  refreshCanSubmit(this: VerifyPage, update: Partial<VerifyData>): void {
    const next = { ...this.data, ...update };
    const valid = validateIdentity({ certName: next.certName, certNo: next.certNo }).ok;
    this.setData({ ...update, canSubmit: valid && next.consent && next.upgradeMessage === '' });
  },

  idempotencyKeyFor(this: VerifyPage, identity: ValidIdentity): string {
    const previous = this.unansweredSubmission;
    if (previous && sameIdentity(previous.identity, identity)) return previous.idempotencyKey;
    const idempotencyKey = createUuidV4();
    this.unansweredSubmission = { identity, idempotencyKey };
    return idempotencyKey;
  },

  async submitVerification(this: VerifyPage): Promise<void> {
    if (this.data.submitting || !this.data.canSubmit) return;
    const check = validateIdentity({ certName: this.data.certName, certNo: this.data.certNo });
    if (!check.ok) {
      this.refreshCanSubmit({
        certNameError: check.errors.certName ? check.errors.certName.message : '',
        certNoError: check.errors.certNo ? check.errors.certNo.message : '',
      });
      return;
    }
    const identity = check.value;
    const idempotencyKey = this.idempotencyKeyFor(identity);
    this.setData({ submitting: true, notice: '', certNoMasked: maskCertNo(identity.certNo) });

    let created;
    try {
      created = await createVerification({ ...identity, consentVersion: this.consentNotice.version }, idempotencyKey);
    } catch (error) {
      const code = error instanceof ApiError ? error.code : 'INTERNAL_ERROR';
      // Only a lost answer keeps the key: a refusal means this exact submission will not succeed.
      if (!isRetryableCode(code)) this.unansweredSubmission = null;
      const update: Partial<VerifyData> = { submitting: false, notice: describeErrorCode(code) };
      if (code.indexOf('CERT_NAME_') === 0) update.certNameError = describeErrorCode(code);
      if (code.indexOf('CERT_NO_') === 0 || code === 'CERT_TYPE_MISMATCH') update.certNoError = describeErrorCode(code);
      this.setData(update);
      if (routeCreateFailure(code).next === 'reconsent') await this.askConsentAgain();
      return;
    }
    this.unansweredSubmission = null;
    savePendingVerificationId(created.verificationId);

    let outcome: CertifyOutcome;
    try {
      outcome = await startCertify({ certifyId: created.certifyId, url: created.url });
    } catch (error) {
      // CERTIFY_IN_PROGRESS: another check is already on screen; its answer will drive the page.
      if (error instanceof CertifyBridgeError && error.code === 'CERTIFY_IN_PROGRESS') return;
      clearPendingVerificationId();
      this.setData({ submitting: false, notice: this.data.copy.bridgeError });
      return;
    }
    this.showOutcome(outcome, created.verificationId);
  },

  /**
   * The server accepts consent to another notice than the one shown (CONSENT_OUTDATED): show
   * the server's, untick the box so the person agrees to it, and send its version next time.
   * The inputs stay. If the notice cannot be fetched, say why; the next submit asks again.
   */
  async askConsentAgain(this: VerifyPage): Promise<void> {
    try {
      const notice = await getConsentNotice('zh-CN');
      this.consentNotice = { version: notice.version, text: notice.text };
      this.refreshCanSubmit({ consent: false, consentUpdate: notice.text });
    } catch (error) {
      const code = error instanceof ApiError ? error.code : 'INTERNAL_ERROR';
      this.refreshCanSubmit({ consent: false, notice: describeErrorCode(code) });
    }
  },

  /** Follows the client policy's route for the face check's answer (utils/client-policy.ts). */
  showOutcome(this: VerifyPage, outcome: CertifyOutcome, verificationId: string): void {
    const copy = this.data.copy;
    const stayOnForm = (update: Partial<VerifyData>): void => {
      clearPendingVerificationId();
      this.refreshCanSubmit({ submitting: false, ...update });
    };
    const route = routeCertifyOutcome(outcome);
    if (route.next === 'confirm') {
      this.setData({ submitting: false });
      openResultPage(verificationId, route.mode);
      return;
    }
    if (route.next !== 'show') return;
    // The screens that lead back to the form are drawn here, as a notice above the kept inputs.
    switch (route.screen) {
      case 'network':
        this.setData({ submitting: false });
        openResultPage(verificationId, 'network-retry');
        return;
      case 'not-certified':
        stayOnForm({ notice: copy.notCertified });
        return;
      case 'cancelled':
        stayOnForm({ notice: copy.cancelled });
        return;
      case 'upgrade':
        stayOnForm({ upgradeMessage: upgradeMessageFor(outcome.status === 'unsupported' ? outcome.reason : 'api-missing') });
        return;
      default:
        stayOnForm({ notice: copy.bridgeError });
        return;
    }
  },
};

Page(options);

/** The options object, for tests that drive the page without the framework. */
export type VerifyPageOptions = typeof options;
