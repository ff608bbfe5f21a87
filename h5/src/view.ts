/**
 * The DOM side of the page: fills index.html's copy, shows one screen at a time, reads
 * the form and shows field messages. No decisions are made here; the controller
 * (app.ts) decides and screens.ts words each screen. What is on display is kept as codes,
 * not text, so a switch of language words it all again (setCopy) without losing a thing.
 */
import { IdentityErrorCode } from '../../utils/error-codes';
import { Branding } from '../../utils/consent-notice';
import { CopyBundle, errorMessage, PageCopy, PageErrorCode } from './copy';
import { drawQrCode } from './qr-code';
import { describeScreen, labelAction, Screen, ScreenAction, BusyReason, Step, stepOf } from './screens';

/** What the user typed; raw, validation is utils/identity.ts's job. */
export interface FormInput {
  certName: string;
  certNo: string;
  consent: boolean;
  /** The guardian's separate consent; false while the box is not shown. */
  guardianConsent: boolean;
}

export type FormField = keyof FormInput;

/** A refusal shown at the number: the shared validator's, or the minors policy's. */
export type CertNoMessage = IdentityErrorCode | 'CERT_NO_MINOR';

/** What each field says now; an absent entry shows nothing. */
export interface FieldMessages {
  certName?: IdentityErrorCode;
  certNo?: CertNoMessage;
  /** The consent box must be ticked. */
  consent?: boolean;
  /** The guardian's consent box must be ticked. */
  guardianConsent?: boolean;
}

/** A refusal of the whole form (above the fields). */
export interface FormError {
  code: PageErrorCode;
  retryAfterSeconds?: number;
}

export interface ViewHandlers {
  onSubmit(input: FormInput): void;
  onAction(action: ScreenAction): void;
  /** Any edit of a field, as it happens. */
  onEdit(field: FormField, input: FormInput): void;
  /** The person left a field (blur). */
  onLeave(field: FormField, input: FormInput): void;
  /** The language switch in the header. */
  onSwitchLanguage(): void;
}

/** The page's view, bound to one document. */
export interface PageView {
  show(screen: Screen): void;
  /** Replaces every field's message; `focusFirst` moves focus to the first field that has one (on submit). */
  showFieldMessages(messages: FieldMessages, focusFirst: boolean): void;
  showFormError(error: FormError | null): void;
  /** Shows the data notice (its plain text, consentNoticeText) beside the consent box. */
  showConsentNotice(text: string): void;
  /**
   * Replaces the notice with the server's newer one, opens it and unticks the consent box, so
   * the person reads and agrees to what the server now shows.
   */
  showUpdatedConsent(text: string): void;
  /** Shows or hides the guardian's separate consent (a hidden box is unticked). */
  showGuardianConsent(needed: boolean): void;
  /** The merchant's name, and logo when there is one, in the header. */
  showBranding(branding: Branding): void;
  /** Words everything on display again in another language; inputs and state stay. */
  setCopy(copy: CopyBundle): void;
  setSubmitting(submitting: boolean): void;
  /** Empties the form: only after a pass, when the name and number have no further use. */
  clearForm(): void;
  readForm(): FormInput;
}

function byId<T extends HTMLElement>(document: Document, id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html lacks #${id}`);
  return element as T;
}

const BUSY_COPY: Readonly<Record<BusyReason, keyof PageCopy>> = {
  'signing-in': 'signingIn',
  preparing: 'preparing',
  'waiting-for-alipay': 'waitingForAlipay',
  confirming: 'confirming',
};

const STEPS: readonly Step[] = ['fill', 'face', 'result'];

/**
 * The notice's plain text (consentNoticeText: the summary, then the full notice's title and
 * each heading with its paragraph, separated by blank lines) into the summary beside the
 * checkbox and the full notice inside its <details>, as text nodes only.
 */
function fillConsentText(document: Document, text: string): void {
  const paragraphs = text.split('\n\n');
  byId<HTMLElement>(document, 'consent-summary').textContent = paragraphs[0];
  const full = byId<HTMLElement>(document, 'consent-full');
  full.textContent = '';
  paragraphs.slice(1).forEach((paragraph) => {
    const lines = paragraph.split('\n');
    if (lines.length > 1) {
      const title = document.createElement('h3');
      title.textContent = lines[0];
      full.append(title);
    }
    const body = document.createElement('p');
    body.textContent = lines.slice(lines.length > 1 ? 1 : 0).join('\n');
    full.append(body);
  });
}

/** Binds the view to index.html's elements and fills its static copy. */
export function createPageView(document: Document, initialCopy: CopyBundle, handlers: ViewHandlers): PageView {
  let copy = initialCopy;
  const busy = byId<HTMLElement>(document, 'busy');
  const busyText = byId<HTMLElement>(document, 'busy-text');
  const form = byId<HTMLFormElement>(document, 'identity-form');
  const notice = byId<HTMLElement>(document, 'form-notice');
  const formError = byId<HTMLElement>(document, 'form-error');
  const certName = byId<HTMLInputElement>(document, 'cert-name');
  const certNo = byId<HTMLInputElement>(document, 'cert-no');
  const consent = byId<HTMLInputElement>(document, 'consent');
  const guardian = byId<HTMLElement>(document, 'guardian');
  const guardianConsent = byId<HTMLInputElement>(document, 'guardian-consent');
  const certNameError = byId<HTMLElement>(document, 'cert-name-error');
  const certNoError = byId<HTMLElement>(document, 'cert-no-error');
  const consentError = byId<HTMLElement>(document, 'consent-error');
  const guardianConsentError = byId<HTMLElement>(document, 'guardian-consent-error');
  const submit = byId<HTMLButtonElement>(document, 'submit');
  const outcome = byId<HTMLElement>(document, 'outcome');
  const outcomeTitle = byId<HTMLElement>(document, 'outcome-title');
  const outcomeMessage = byId<HTMLElement>(document, 'outcome-message');
  const outcomeQr = byId<HTMLElement>(document, 'outcome-qr');
  const outcomeDetails = byId<HTMLElement>(document, 'outcome-details');
  const outcomeActions = byId<HTMLElement>(document, 'outcome-actions');
  const merchantLogo = byId<HTMLImageElement>(document, 'merchant-logo');
  const merchantName = byId<HTMLElement>(document, 'merchant-name');
  const switchLanguage = byId<HTMLButtonElement>(document, 'switch-language');
  const steps = byId<HTMLElement>(document, 'steps');

  /** What is on display, as codes, so setCopy can word it again. */
  let shown: Screen = { kind: 'busy', reason: 'signing-in' };
  let step: Step = 'fill';
  let fieldMessages: FieldMessages = {};
  let shownFormError: FormError | null = null;

  function readForm(): FormInput {
    return {
      certName: certName.value,
      certNo: certNo.value,
      consent: consent.checked,
      guardianConsent: !guardian.hidden && guardianConsent.checked,
    };
  }

  function fillStaticCopy(): void {
    document.documentElement.lang = copy.locale;
    document.title = copy.page.documentTitle;
    document.querySelectorAll<HTMLElement>('[data-copy]').forEach((element) => {
      element.textContent = copy.page[element.dataset.copy as keyof PageCopy];
    });
    document.querySelectorAll<HTMLInputElement>('[data-copy-placeholder]').forEach((element) => {
      element.placeholder = copy.page[element.dataset.copyPlaceholder as keyof PageCopy];
    });
    document.querySelectorAll<HTMLElement>('[data-copy-label]').forEach((element) => {
      element.setAttribute('aria-label', copy.page[element.dataset.copyLabel as keyof PageCopy]);
    });
    // The switch is worded in the language it turns to, and says so to a screen reader.
    switchLanguage.lang = copy.page.switchLanguageTag;
  }

  function setFieldMessage(input: HTMLInputElement, slot: HTMLElement, message: string | undefined): void {
    slot.textContent = message ?? '';
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }

  function renderFieldMessages(): void {
    const number = fieldMessages.certNo;
    setFieldMessage(certName, certNameError, fieldMessages.certName && copy.identity[fieldMessages.certName]);
    setFieldMessage(certNo, certNoError, number && (number === 'CERT_NO_MINOR' ? copy.errors.CERT_NO_MINOR : copy.identity[number]));
    setFieldMessage(consent, consentError, fieldMessages.consent ? copy.page.consentRequired : undefined);
    setFieldMessage(guardianConsent, guardianConsentError, fieldMessages.guardianConsent ? copy.page.guardianRequired : undefined);
  }

  function renderFormError(): void {
    formError.textContent = shownFormError ? errorMessage(copy, shownFormError.code, shownFormError.retryAfterSeconds) : '';
  }

  function renderSteps(): void {
    steps.querySelectorAll<HTMLElement>('[data-step]').forEach((item) => {
      const itemStep = item.dataset.step as Step;
      if (itemStep === step) item.setAttribute('aria-current', 'step');
      else item.removeAttribute('aria-current');
      item.dataset.done = STEPS.indexOf(itemStep) < STEPS.indexOf(step) ? 'true' : 'false';
    });
  }

  function addDetail(term: string, value: string): void {
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    dd.textContent = value;
    outcomeDetails.append(dt, dd);
  }

  function showOnly(element: HTMLElement): void {
    [busy, form, outcome].forEach((candidate) => {
      candidate.hidden = candidate !== element;
    });
  }

  /** Draws `screen`; `announce` moves focus to a result's heading so a screen reader reads it. */
  function render(screen: Screen, announce: boolean): void {
    shown = screen;
    step = stepOf(screen) ?? step;
    renderSteps();
    if (screen.kind === 'busy') {
      busyText.textContent = copy.page[BUSY_COPY[screen.reason]];
      showOnly(busy);
      return;
    }
    if (screen.kind === 'form') {
      notice.textContent = screen.notice === 'cancelled' ? copy.page.cancelledNotice : '';
      renderFormError();
      showOnly(form);
      return;
    }
    const model = describeScreen(screen, copy);
    outcome.dataset.screen = model.name;
    outcome.dataset.tone = model.tone;
    outcomeTitle.textContent = model.title;
    outcomeMessage.textContent = model.message;
    outcomeQr.hidden = screen.kind !== 'open-in-alipay';
    if (screen.kind === 'open-in-alipay') drawQrCode(document, outcomeQr, screen.url, copy.page.openInAlipayQrLabel);
    else outcomeQr.textContent = '';
    outcomeDetails.textContent = '';
    if (model.certNoMasked) addDetail(copy.page.certNoMaskedLabel, model.certNoMasked);
    if (model.errorCode) addDetail(copy.page.errorCodeLabel, model.errorCode);
    if (model.alipayVersion) addDetail(copy.page.alipayVersionLabel, model.alipayVersion);
    outcomeActions.textContent = '';
    model.actions.forEach((action, index) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = index === 0 ? 'primary' : 'secondary';
      button.dataset.action = action;
      button.textContent = labelAction(action, copy);
      button.addEventListener('click', () => handlers.onAction(action));
      outcomeActions.append(button);
    });
    showOnly(outcome);
    if (announce) outcomeTitle.focus();
  }

  fillStaticCopy();
  renderSteps();

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    handlers.onSubmit(readForm());
  });
  const fields: ReadonlyArray<readonly [FormField, HTMLInputElement]> = [
    ['certName', certName],
    ['certNo', certNo],
    ['consent', consent],
    ['guardianConsent', guardianConsent],
  ];
  /**
   * A field left by pressing another control (the consent box, the submit button) is checked
   * once the press is over: a message appearing mid-press would move that control from under
   * the pointer, and the press would miss it.
   */
  let pressing = false;
  const afterPress: Array<() => void> = [];
  const window = document.defaultView;
  document.addEventListener('pointerdown', () => {
    pressing = true;
  }, true);
  const release = (): void => {
    pressing = false;
    // After the click this release belongs to, which is dispatched in the same task.
    if (window) window.setTimeout(() => afterPress.splice(0).forEach((leave) => leave()), 0);
  };
  document.addEventListener('pointerup', release, true);
  document.addEventListener('pointercancel', release, true);
  fields.forEach((entry) => {
    const field = entry[0];
    const input = entry[1];
    input.addEventListener(input.type === 'checkbox' ? 'change' : 'input', () => handlers.onEdit(field, readForm()));
    input.addEventListener('blur', () => {
      const leave = (): void => handlers.onLeave(field, readForm());
      if (pressing) afterPress.push(leave);
      else leave();
    });
  });
  switchLanguage.addEventListener('click', () => handlers.onSwitchLanguage());

  return {
    show(screen) {
      if (screen.kind === 'form') {
        // A new visit to the form starts without an old refusal above it.
        shownFormError = null;
        submit.disabled = false;
      }
      render(screen, true);
    },
    showFieldMessages(messages, focusFirst) {
      fieldMessages = messages;
      renderFieldMessages();
      if (!focusFirst) return;
      const firstInvalid = messages.certName ? certName : messages.certNo ? certNo : messages.consent ? consent : messages.guardianConsent ? guardianConsent : null;
      if (firstInvalid) firstInvalid.focus();
    },
    showFormError(error) {
      shownFormError = error;
      renderFormError();
    },
    showConsentNotice(text) {
      fillConsentText(document, text);
    },
    showUpdatedConsent(text) {
      fillConsentText(document, text);
      const details = byId<HTMLElement>(document, 'consent-full').closest('details');
      if (details) details.open = true;
      consent.checked = false;
    },
    showGuardianConsent(needed) {
      if (!needed) guardianConsent.checked = false;
      guardian.hidden = !needed;
    },
    showBranding(branding) {
      merchantName.textContent = branding.merchantName;
      if (branding.logoUrl) merchantLogo.src = branding.logoUrl;
      merchantLogo.hidden = !branding.logoUrl;
    },
    setCopy(next) {
      copy = next;
      fillStaticCopy();
      renderFieldMessages();
      render(shown, false);
    },
    setSubmitting(submitting) {
      submit.disabled = submitting;
    },
    clearForm() {
      form.reset();
      guardian.hidden = true;
      fieldMessages = {};
      shownFormError = null;
      renderFieldMessages();
      renderFormError();
      notice.textContent = '';
    },
    readForm,
  };
}
