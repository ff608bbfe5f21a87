/**
 * The form: name, ID number, consent, then one tap that costs exactly one backend call
 * (`POST /api/verifications`) before Alipay's face check opens.
 *
 * The name and number live only in this page's data (page memory): never in storage,
 * logs or URLs. They stay until a verification passes: after a cancel (6001), a failure or
 * 重新开始 the person is back here with both kept.
 *
 * What the page needs from the server comes first (`GET /api/client-config`, once per launch):
 * the merchant's name and logo for the header, the data notice built from its branding, and
 * the minors policy. Until it arrives the form cannot be sent; if it cannot be fetched, the
 * page says so and offers a retry.
 *
 * @see https://opendocs.alipay.com/mini/framework/page-detail (Page)
 * @see https://opendocs.alipay.com/mini/api/zwi8gx (my.navigateTo)
 */
import { ClientConfig, CreateVerificationRequest, CreateVerificationResponse } from '../../utils/api-contract';
import { CertifyOutcome, UnsupportedReason } from '../../utils/certify-outcome';
import { ConfirmMode, MinorRequirement, minorRequirement, pickLanguage, routeCertifyOutcome, routeCreateFailure } from '../../utils/client-policy';
import { ConsentLanguage, ConsentNoticeVersion, consentNoticeFor } from '../../utils/consent-notice';
import { isRetryableCode } from '../../utils/error-messages';
import { LATIN_NAME_CERT_TYPE, ValidIdentity, maskCertNo, validateCertName, validateCertNo, validateIdentity } from '../../utils/identity';
import { createUuidV4 } from '../../utils/uuid';
import { MIN_ALIPAY_VERSION, CertifyBridgeError, checkCertifySupport, startCertify } from '../../platform/certify-bridge';
import { CheckboxChangeEvent, InputEvent } from '../../platform/mini-events';
import { clearPendingVerificationId, savePendingVerificationId } from '../../platform/pending-verification';
import { readSystemLanguage } from '../../platform/system-language';
import { loadClientConfig, logoSourceOf } from '../../services/client-config';
import { takeFormRequest } from '../../services/form-handoff';
import { createVerification, getConsentNotice } from '../../services/merchant';
import { takeResumeVerification } from '../../services/resume';
import { describeFailure, messageFor } from '../page-language';
import { UPGRADE_MESSAGES_EN_US, UPGRADE_MESSAGES_ZH_CN, VERIFY_COPY_EN_US, VERIFY_COPY_ZH_CN, VerifyCopy } from './copy';

/** Taps closer together than this count as one (a double tap must not start two verifications). */
export const SUBMIT_DEBOUNCE_MS = 800;

export const RESULT_PAGE = '/pages/result/index';
export const CONSENT_PAGE = '/pages/consent/index';

/** Where the client config stands: the form can be sent only once it is `ready`. */
export type ConfigState = 'loading' | 'ready' | 'failed';

export interface VerifyData {
  copy: VerifyCopy;
  language: ConsentLanguage;
  configState: ConfigState;
  /** The header: the merchant's name, and its logo ('' for none), from the client config. */
  merchantName: string;
  logoSrc: string;
  /** The short data notice beside the consent box (consentNoticeFor), '' until the config arrives. */
  consentSummary: string;
  certName: string;
  certNo: string;
  /** Messages beside each field; empty when there is nothing to fix. */
  certNameError: string;
  certNoError: string;
  consent: boolean;
  /** The holder is under 14 and the server asks a guardian's own consent: its box is shown. */
  guardianRequired: boolean;
  guardianConsent: boolean;
  /** Both fields valid, consent (and the guardian's, when asked) given, the config loaded. */
  canSubmit: boolean;
  submitting: boolean;
  /** Shown instead of the number while Alipay's check is open (`110***********002X`). */
  certNoMasked: string;
  /** The server handed back the person's unfinished verification instead of starting one. */
  reused: boolean;
  /** A message above the button: why the last attempt stopped and what to do next. */
  notice: string;
  /** Non-empty when this Alipay client cannot verify: the upgrade message. */
  upgradeMessage: string;
  /**
   * The server's newer data notice, in full, shown above the consent box after a 409
   * CONSENT_OUTDATED; empty while the notice built from the branding is current.
   */
  consentUpdate: string;
}

/** Renders a notice in the page's current language, so a language switch redraws it. */
type NoticeSource = (copy: VerifyCopy, language: ConsentLanguage) => string;

/** Instance state that is not rendered. */
interface VerifyState {
  /** The last submission that got no answer, so a retry of it reuses its Idempotency-Key. */
  unansweredSubmission: { identity: ValidIdentity; idempotencyKey: string } | null;
  config: ClientConfig | null;
  /** The notice the page shows. */
  consentNotice: ConsentNoticeVersion;
  /** The version of the notice shown when the box was ticked: what a submission sends. */
  agreedVersion: string;
  /** Fields left at least once: their errors show from then on, and follow every keystroke. */
  touched: { certName: boolean; certNo: boolean };
  /** The server's refusal of a field, by code, shown until that field changes. */
  serverErrors: { certName: string; certNo: string };
  noticeSource: NoticeSource | null;
  upgradeReason: UnsupportedReason | null;
  /** The person picked a language with the switch: Alipay's setting no longer applies. */
  languageChosen: boolean;
  /** The verification the next submission replaces (Alipay refused its certifyId); '' for none. */
  replaces: string;
  /** When the last submit tap that counted came (epoch ms). */
  lastSubmitTapAt: number;
}

interface VerifyMethods {
  onLoad(): void;
  onShow(): void;
  onLanguageSwitchTap(): void;
  onConfigRetryTap(): void;
  onCertNameInput(event: InputEvent): void;
  onCertNameBlur(event: InputEvent): void;
  onCertNoInput(event: InputEvent): void;
  onCertNoBlur(event: InputEvent): void;
  onConsentChange(event: CheckboxChangeEvent): void;
  onGuardianConsentChange(event: CheckboxChangeEvent): void;
  onConsentLinkTap(): void;
  onSubmitTap(): void;
  loadConfig(): Promise<void>;
  useLanguage(language: ConsentLanguage): void;
  showNotice(source: NoticeSource | null): void;
  clearForm(): void;
  submitVerification(): Promise<void>;
  openFaceCheck(created: CreateVerificationResponse): Promise<void>;
  showCreateFailure(error: unknown): Promise<void> | void;
  showOutcome(outcome: CertifyOutcome, verificationId: string): void;
  askConsentAgain(): Promise<void>;
  idempotencyKeyFor(identity: ValidIdentity): string;
  refreshForm(update: Partial<VerifyData>): void;
}

type VerifyPage = {
  data: VerifyData;
  setData(update: Partial<VerifyData>): void;
} & VerifyState &
  VerifyMethods;

function emptyFields(): Pick<VerifyData, 'certName' | 'certNo' | 'certNameError' | 'certNoError' | 'consent' | 'guardianRequired' | 'guardianConsent' | 'canSubmit'> {
  return { certName: '', certNo: '', certNameError: '', certNoError: '', consent: false, guardianRequired: false, guardianConsent: false, canSubmit: false };
}

// Object.assign, not object spread, in this file: the ES5 build lowers a spread to an __assign
// helper copied into the file, which the 100 KB upload budget cannot spare (npm run size).
function initialData(): VerifyData {
  const fields: Omit<VerifyData, keyof ReturnType<typeof emptyFields>> = {
    copy: VERIFY_COPY_ZH_CN,
    language: 'zh-CN',
    configState: 'loading',
    merchantName: '',
    logoSrc: '',
    consentSummary: '',
    submitting: false,
    certNoMasked: '',
    reused: false,
    notice: '',
    upgradeMessage: '',
    consentUpdate: '',
  };
  return Object.assign(fields, emptyFields());
}

function copyFor(language: ConsentLanguage): VerifyCopy {
  return language === 'en-US' ? VERIFY_COPY_EN_US : VERIFY_COPY_ZH_CN;
}

/** The upgrade message for an unsupported client. */
export function upgradeMessageFor(reason: UnsupportedReason, language: ConsentLanguage = 'zh-CN'): string {
  const messages = language === 'en-US' ? UPGRADE_MESSAGES_EN_US : UPGRADE_MESSAGES_ZH_CN;
  return messages[reason].replace('{version}', MIN_ALIPAY_VERSION);
}

function sameIdentity(left: ValidIdentity, right: ValidIdentity): boolean {
  return left.certName === right.certName && left.certNo === right.certNo && left.certType === right.certType;
}

/** The result page for a verification: confirming with the server in `mode`, or offering the 6002 retry. */
function openResultPage(verificationId: string, next: ConfirmMode | 'network-retry', language: ConsentLanguage): void {
  const how = next === 'network-retry' ? '&retry=1' : next === 'poll' ? '' : `&mode=${next}`;
  const lang = language === 'zh-CN' ? '' : `&lang=${language}`;
  my.navigateTo({ url: `${RESULT_PAGE}?verificationId=${encodeURIComponent(verificationId)}${how}${lang}` });
}

const options = {
  data: initialData,

  onLoad(this: VerifyPage): void {
    this.unansweredSubmission = null;
    this.replaces = '';
    this.lastSubmitTapAt = -SUBMIT_DEBOUNCE_MS;
    this.config = null;
    this.consentNotice = { version: '', text: '' };
    this.agreedVersion = '';
    this.touched = { certName: false, certNo: false };
    this.serverErrors = { certName: '', certNo: '' };
    this.noticeSource = null;
    this.upgradeReason = null;
    this.languageChosen = false;
    const resumeId = takeResumeVerification();
    // The result page reads Alipay's language itself when it is not told one.
    if (resumeId) my.navigateTo({ url: `${RESULT_PAGE}?verificationId=${encodeURIComponent(resumeId)}` });
    void readSystemLanguage().then((tag) => {
      if (!this.languageChosen) this.useLanguage(pickLanguage([tag]));
    });
    void this.loadConfig();
    void checkCertifySupport().then((support) => {
      if (support.supported) return;
      this.upgradeReason = support.outcome.reason;
      this.refreshForm({ upgradeMessage: upgradeMessageFor(support.outcome.reason, this.data.language) });
    });
  },

  /** Back from the result page: after a pass the inputs go; after a refused retry they are sent again. */
  onShow(this: VerifyPage): void {
    const request = takeFormRequest();
    if (request === null) return;
    if (request.kind === 'clear') {
      this.clearForm();
      return;
    }
    this.replaces = request.replaces;
    // The result page said this is a new verification; the kept inputs go at once.
    if (this.data.canSubmit && !this.data.submitting) void this.submitVerification();
    else this.showNotice((copy) => copy.newVerificationNeedsForm);
  },

  onLanguageSwitchTap(this: VerifyPage): void {
    this.languageChosen = true;
    this.useLanguage(this.data.language === 'zh-CN' ? 'en-US' : 'zh-CN');
  },

  onConfigRetryTap(this: VerifyPage): void {
    void this.loadConfig();
  },

  onCertNameInput(this: VerifyPage, event: InputEvent): void {
    this.serverErrors.certName = '';
    this.noticeSource = null;
    this.refreshForm({ certName: event.detail.value, notice: '' });
  },

  onCertNameBlur(this: VerifyPage, event: InputEvent): void {
    this.touched.certName = true;
    this.refreshForm({ certName: event.detail.value });
  },

  onCertNoInput(this: VerifyPage, event: InputEvent): void {
    this.serverErrors.certNo = '';
    this.noticeSource = null;
    this.refreshForm({ certNo: event.detail.value, notice: '' });
  },

  onCertNoBlur(this: VerifyPage, event: InputEvent): void {
    this.touched.certNo = true;
    this.refreshForm({ certNo: event.detail.value });
  },

  onConsentChange(this: VerifyPage, event: CheckboxChangeEvent): void {
    // Agreement counts only to a notice on screen (the box is drawn only once the config is there).
    const consent = event.detail.value === true && this.consentNotice.version !== '';
    // The version of the text the person read when agreeing, even if the language changes after.
    this.agreedVersion = consent ? this.consentNotice.version : '';
    this.refreshForm({ consent });
  },

  onGuardianConsentChange(this: VerifyPage, event: CheckboxChangeEvent): void {
    this.refreshForm({ guardianConsent: event.detail.value === true });
  },

  onConsentLinkTap(this: VerifyPage): void {
    my.navigateTo({ url: this.data.language === 'zh-CN' ? CONSENT_PAGE : `${CONSENT_PAGE}?lang=${this.data.language}` });
  },

  /**
   * A double tap opens one verification, not two: a tap within SUBMIT_DEBOUNCE_MS of the last
   * one that counted is dropped (leading edge). One comparison here; lodash's debounce did the
   * same at 3.8 KB of the 100 KB upload (`npm run size`), so it left.
   */
  onSubmitTap(this: VerifyPage): void {
    const now = Date.now();
    if (now - this.lastSubmitTapAt < SUBMIT_DEBOUNCE_MS) return;
    this.lastSubmitTapAt = now;
    void this.submitVerification();
  },

  /** The client config, once per launch (services/client-config.ts); a failure offers a retry. */
  loadConfig(this: VerifyPage): Promise<void> {
    if (this.data.configState !== 'loading') this.refreshForm({ configState: 'loading' });
    return loadClientConfig().then(
      (config) => {
        this.config = config;
        const notice = consentNoticeFor(this.data.language, config.branding);
        this.consentNotice = notice;
        this.refreshForm({ configState: 'ready', merchantName: config.branding.merchantName, logoSrc: logoSourceOf(config), consentSummary: notice.summary });
      },
      () => this.refreshForm({ configState: 'failed' }),
    );
  },

  /**
   * Shows the page in `language`: its copy, the notice in that language (the server's newer one
   * when it sent one), field errors and the last notice redrawn. The inputs and ticks stay.
   */
  useLanguage(this: VerifyPage, language: ConsentLanguage): void {
    const update: Partial<VerifyData> = { language, copy: copyFor(language) };
    if (this.upgradeReason) update.upgradeMessage = upgradeMessageFor(this.upgradeReason, language);
    if (this.noticeSource) update.notice = this.noticeSource(copyFor(language), language);
    if (this.config && !this.data.consentUpdate) {
      const notice = consentNoticeFor(language, this.config.branding);
      this.consentNotice = notice;
      update.consentSummary = notice.summary;
    }
    this.refreshForm(update);
    if (!this.data.consentUpdate) return;
    getConsentNotice(language).then(
      (notice) => {
        this.consentNotice = notice;
        this.refreshForm({ consentUpdate: notice.text });
      },
      // The newer notice stays in the language it arrived in: still the text the server accepts.
      () => undefined,
    );
  },

  showNotice(this: VerifyPage, source: NoticeSource | null): void {
    this.noticeSource = source;
    const notice = source ? source(this.data.copy, this.data.language) : '';
    if (notice !== this.data.notice) this.setData({ notice });
  },

  /** After a pass: an empty form, as if opened anew (the config and language stay). */
  clearForm(this: VerifyPage): void {
    this.unansweredSubmission = null;
    this.agreedVersion = '';
    this.touched = { certName: false, certNo: false };
    this.serverErrors = { certName: '', certNo: '' };
    this.noticeSource = null;
    this.setData(Object.assign(emptyFields(), { notice: '', certNoMasked: '', reused: false }));
  },

  /**
   * Validates both fields and the minors rule from the state after `update`, and renders it.
   * A field shows its error once it was left (blur), then follows every keystroke, so an error
   * goes as soon as the field is fixed. The name is checked for the card the number names
   * (Latin letters only on a foreigner's permanent residence card).
   */
  refreshForm(this: VerifyPage, update: Partial<VerifyData>): void {
    const next: VerifyData = Object.assign({}, this.data, update);
    const language = next.language;
    const now = new Date();
    const number = validateCertNo(next.certNo, now);
    // Until the number is valid it names no card, so a Latin name is not refused yet (as validateIdentity).
    const name = validateCertName(next.certName, number.ok ? number.value.certType : LATIN_NAME_CERT_TYPE);
    const minors: MinorRequirement = number.ok && this.config ? minorRequirement(number.value.certNo, this.config.minorPolicy, now) : 'none';

    let certNameError = this.serverErrors.certName ? messageFor(this.serverErrors.certName, language) : '';
    if (!name.ok && this.touched.certName && next.certName !== '') certNameError = messageFor(name.error.code, language);
    let certNoError = this.serverErrors.certNo ? messageFor(this.serverErrors.certNo, language) : '';
    if (!number.ok && this.touched.certNo && next.certNo !== '') certNoError = messageFor(number.error.code, language);
    // Said as soon as the number is whole, not after the person has agreed to everything.
    if (minors === 'refused') certNoError = messageFor('CERT_NO_MINOR', language);

    const guardianRequired = minors === 'guardian-consent';
    const guardianConsent = guardianRequired && next.guardianConsent;
    const valid = validateIdentity({ certName: next.certName, certNo: next.certNo }, now).ok;
    const canSubmit =
      valid && next.consent && next.configState === 'ready' && next.upgradeMessage === '' && minors !== 'refused' && (!guardianRequired || guardianConsent);
    this.setData(Object.assign({}, update, { certNameError, certNoError, guardianRequired, guardianConsent, canSubmit }));
  },

  idempotencyKeyFor(this: VerifyPage, identity: ValidIdentity): string {
    const previous = this.unansweredSubmission;
    if (previous && sameIdentity(previous.identity, identity)) return previous.idempotencyKey;
    const idempotencyKey = createUuidV4();
    this.unansweredSubmission = { identity, idempotencyKey };
    return idempotencyKey;
  },

  submitVerification(this: VerifyPage): Promise<void> {
    const check = validateIdentity({ certName: this.data.certName, certNo: this.data.certNo });
    if (this.data.submitting || !this.data.canSubmit || !check.ok) return Promise.resolve();
    const identity = check.value;
    const idempotencyKey = this.idempotencyKeyFor(identity);
    this.noticeSource = null;
    this.setData({ submitting: true, notice: '', certNoMasked: maskCertNo(identity.certNo), reused: false });

    const input: CreateVerificationRequest = {
      certName: identity.certName,
      certNo: identity.certNo,
      certType: identity.certType,
      consentVersion: this.agreedVersion,
    };
    if (this.data.guardianRequired && this.data.guardianConsent) input.guardianConsent = true;
    if (this.replaces) input.replaces = this.replaces;
    return createVerification(input, idempotencyKey).then(
      (created) => this.openFaceCheck(created),
      (error: unknown) => this.showCreateFailure(error),
    );
  },

  /** Opens Alipay's face check for a verification the server started (or handed back: `reused`). */
  openFaceCheck(this: VerifyPage, created: CreateVerificationResponse): Promise<void> {
    this.unansweredSubmission = null;
    this.replaces = '';
    savePendingVerificationId(created.verificationId);
    if (created.reused) this.setData({ reused: true });
    return startCertify({ certifyId: created.certifyId, url: created.url }).then(
      (outcome) => this.showOutcome(outcome, created.verificationId),
      (error: unknown) => {
        // CERTIFY_IN_PROGRESS: another check is already on screen; its answer will drive the page.
        if (error instanceof CertifyBridgeError && error.code === 'CERTIFY_IN_PROGRESS') return;
        clearPendingVerificationId();
        this.setData({ submitting: false });
        this.showNotice((copy) => copy.bridgeError);
      },
    );
  },

  /** A refused or lost submit: the reason beside its field or above the button; the inputs stay. */
  showCreateFailure(this: VerifyPage, error: unknown): Promise<void> | void {
    const failure = describeFailure(error, this.data.language, this.data.copy.rateLimitedFor);
    const code = failure.code;
    // Only a lost answer keeps the key: a refusal means this exact submission will not succeed.
    if (!isRetryableCode(code)) this.unansweredSubmission = null;
    if (code.indexOf('CERT_NAME_') === 0) this.serverErrors.certName = code;
    if (code.indexOf('CERT_NO_') === 0 || code === 'CERT_TYPE_MISMATCH') this.serverErrors.certNo = code;
    this.noticeSource = (copy, language) => describeFailure(error, language, copy.rateLimitedFor).message;
    this.refreshForm({ submitting: false, notice: failure.message });
    if (routeCreateFailure(code).next === 'reconsent') return this.askConsentAgain();
  },

  /**
   * The server accepts consent to another notice than the one shown (CONSENT_OUTDATED): show
   * the server's, untick the box so the person agrees to it, and send its version next time.
   * The inputs stay. If the notice cannot be fetched, say why; the next submit asks again.
   */
  askConsentAgain(this: VerifyPage): Promise<void> {
    this.agreedVersion = '';
    return getConsentNotice(this.data.language).then(
      (notice) => {
        this.consentNotice = notice;
        this.refreshForm({ consent: false, consentUpdate: notice.text });
      },
      (error: unknown) => {
        this.noticeSource = (copy, language) => describeFailure(error, language, copy.rateLimitedFor).message;
        this.refreshForm({ consent: false, notice: this.noticeSource(this.data.copy, this.data.language) });
      },
    );
  },

  /** Follows the client policy's route for the face check's answer (utils/client-policy.ts). */
  showOutcome(this: VerifyPage, outcome: CertifyOutcome, verificationId: string): void {
    const language = this.data.language;
    const stayOnForm = (source: NoticeSource | null, update: Partial<VerifyData> = {}): void => {
      clearPendingVerificationId();
      this.refreshForm(Object.assign({ submitting: false, reused: false }, update));
      if (source) this.showNotice(source);
    };
    const route = routeCertifyOutcome(outcome);
    if (route.next === 'confirm') {
      this.setData({ submitting: false });
      openResultPage(verificationId, route.mode, language);
      return;
    }
    if (route.next !== 'show') return;
    // The screens that lead back to the form are drawn here, as a notice above the kept inputs.
    switch (route.screen) {
      case 'network':
        this.setData({ submitting: false });
        openResultPage(verificationId, 'network-retry', language);
        return;
      case 'not-certified':
        stayOnForm((copy) => copy.notCertified);
        return;
      case 'cancelled':
        stayOnForm((copy) => copy.cancelled);
        return;
      case 'upgrade':
        this.upgradeReason = outcome.status === 'unsupported' ? outcome.reason : 'api-missing';
        stayOnForm(null, { upgradeMessage: upgradeMessageFor(this.upgradeReason, language) });
        return;
      default:
        stayOnForm((copy) => copy.bridgeError);
        return;
    }
  },
};

Page(options);

/** The options object, for tests that drive the page without the framework. */
export type VerifyPageOptions = typeof options;
