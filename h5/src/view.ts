/**
 * The DOM side of the page: fills index.html's copy, shows one screen at a time, reads
 * the form and shows field messages. No decisions are made here; the controller
 * (app.ts) decides and screens.ts words each screen.
 */
import { IdentityFieldErrors } from '../../utils/identity';
import { CopyBundle, PageCopy } from './copy';
import { describeScreen, labelAction, Screen, ScreenAction, BusyReason } from './screens';

/** What the user typed; raw, validation is utils/identity.ts's job. */
export interface FormInput {
  certName: string;
  certNo: string;
  consent: boolean;
}

export interface ViewHandlers {
  onSubmit(input: FormInput): void;
  onAction(action: ScreenAction): void;
  /** Any edit of the form, so the controller can forget an idempotency key for old input. */
  onEdit(): void;
}

/** The page's view, bound to one document. */
export interface PageView {
  show(screen: Screen): void;
  showFieldErrors(errors: IdentityFieldErrors, consentMissing: boolean): void;
  showFormError(message: string): void;
  /** Shows the data notice (its plain text, consentNoticeText) beside the consent box. */
  showConsentNotice(text: string): void;
  /**
   * Replaces the notice with the server's newer one, opens it and unticks the consent box, so
   * the person reads and agrees to what the server now shows.
   */
  showUpdatedConsent(text: string): void;
  setSubmitting(submitting: boolean): void;
  clearForm(): void;
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
export function createPageView(document: Document, copy: CopyBundle, handlers: ViewHandlers): PageView {
  document.documentElement.lang = copy.locale;
  document.title = copy.page.documentTitle;
  document.querySelectorAll<HTMLElement>('[data-copy]').forEach((element) => {
    element.textContent = copy.page[element.dataset.copy as keyof PageCopy];
  });
  document.querySelectorAll<HTMLInputElement>('[data-copy-placeholder]').forEach((element) => {
    element.placeholder = copy.page[element.dataset.copyPlaceholder as keyof PageCopy];
  });


  const busy = byId<HTMLElement>(document, 'busy');
  const busyText = byId<HTMLElement>(document, 'busy-text');
  const form = byId<HTMLFormElement>(document, 'identity-form');
  const notice = byId<HTMLElement>(document, 'form-notice');
  const formError = byId<HTMLElement>(document, 'form-error');
  const certName = byId<HTMLInputElement>(document, 'cert-name');
  const certNo = byId<HTMLInputElement>(document, 'cert-no');
  const consent = byId<HTMLInputElement>(document, 'consent');
  const certNameError = byId<HTMLElement>(document, 'cert-name-error');
  const certNoError = byId<HTMLElement>(document, 'cert-no-error');
  const consentError = byId<HTMLElement>(document, 'consent-error');
  const submit = byId<HTMLButtonElement>(document, 'submit');
  const outcome = byId<HTMLElement>(document, 'outcome');
  const outcomeTitle = byId<HTMLElement>(document, 'outcome-title');
  const outcomeMessage = byId<HTMLElement>(document, 'outcome-message');
  const outcomeDetails = byId<HTMLElement>(document, 'outcome-details');
  const outcomeActions = byId<HTMLElement>(document, 'outcome-actions');

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    handlers.onSubmit({ certName: certName.value, certNo: certNo.value, consent: consent.checked });
  });
  form.addEventListener('input', () => handlers.onEdit());

  function setFieldMessage(input: HTMLInputElement, slot: HTMLElement, message: string | undefined): void {
    slot.textContent = message ?? '';
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
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

  return {
    show(screen) {
      if (screen.kind === 'busy') {
        busyText.textContent = copy.page[BUSY_COPY[screen.reason]];
        showOnly(busy);
        return;
      }
      if (screen.kind === 'form') {
        notice.textContent = screen.notice === 'cancelled' ? copy.page.cancelledNotice : '';
        formError.textContent = '';
        submit.disabled = false;
        showOnly(form);
        return;
      }
      const model = describeScreen(screen, copy);
      outcome.dataset.screen = model.name;
      outcome.dataset.tone = model.tone;
      outcomeTitle.textContent = model.title;
      outcomeMessage.textContent = model.message;
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
      // Move focus to the new heading so screen readers announce the result.
      outcomeTitle.focus();
    },
    showFieldErrors(errors, consentMissing) {
      setFieldMessage(certName, certNameError, errors.certName && copy.identity[errors.certName.code]);
      setFieldMessage(certNo, certNoError, errors.certNo && copy.identity[errors.certNo.code]);
      consentError.textContent = consentMissing ? copy.page.consentRequired : '';
      if (consentMissing) consent.setAttribute('aria-invalid', 'true');
      else consent.removeAttribute('aria-invalid');
      const firstInvalid = errors.certName ? certName : errors.certNo ? certNo : consentMissing ? consent : null;
      if (firstInvalid) firstInvalid.focus();
    },
    showFormError(message) {
      formError.textContent = message;
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
    setSubmitting(submitting) {
      submit.disabled = submitting;
    },
    clearForm() {
      form.reset();
      [certNameError, certNoError, consentError, notice, formError].forEach((slot) => {
        slot.textContent = '';
      });
      [certName, certNo, consent].forEach((input) => input.removeAttribute('aria-invalid'));
    },
  };
}
