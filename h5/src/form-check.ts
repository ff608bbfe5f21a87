/**
 * What the form says about what has been typed, field by field, before anything is sent: the
 * shared validator's refusals (utils/identity.ts, so the server accepts exactly what passes
 * here), and the minors policy the server enforces (its MINOR_POLICY, served as the client
 * config's minorPolicy, read by the client policy's minorRequirement): a holder under 14 in
 * Beijing time needs the guardian's separate consent (`guardian-consent`) or is refused
 * (`refuse`), said at the number as soon as it is valid, so the person learns it before
 * submitting. Pure: the controller decides which messages are on display.
 */
import { CreateVerificationRequest, MinorPolicy } from '../../utils/api-contract';
import { minorRequirement } from '../../utils/client-policy';
import { normalizeCertNo, validateIdentity } from '../../utils/identity';
import { FieldMessages, FormInput } from './view';

export interface FormCheck {
  /** What each field would say if its message were on display; absent where it is fine. */
  messages: FieldMessages;
  /** The holder is under 14 and the policy asks for the guardian's consent: its box is shown. */
  guardianNeeded: boolean;
  /** What to send, when everything is in order; null otherwise. */
  request: Omit<CreateVerificationRequest, 'consentVersion'> | null;
}

/** Checks the whole form as typed; `now` dates the age and "birth date not in the future". */
export function checkForm(input: FormInput, minorPolicy: MinorPolicy, now: Date): FormCheck {
  // The server's own check: the name is checked for the type the number implies (a Latin name
  // only for a foreigner's permanent residence card).
  const identity = validateIdentity({ certName: input.certName, certNo: input.certNo }, now);
  const refusals = identity.ok ? {} : identity.errors;
  const minor = refusals.certNo ? 'none' : minorRequirement(normalizeCertNo(input.certNo), minorPolicy, now);
  const guardianNeeded = minor === 'guardian-consent';
  const messages: FieldMessages = {};
  if (refusals.certName) messages.certName = refusals.certName.code;
  if (refusals.certNo) messages.certNo = refusals.certNo.code;
  else if (minor === 'refused') messages.certNo = 'CERT_NO_MINOR';
  if (!input.consent) messages.consent = true;
  if (guardianNeeded && !input.guardianConsent) messages.guardianConsent = true;
  const inOrder = !messages.certName && !messages.certNo && !messages.consent && !messages.guardianConsent;
  if (!inOrder || !identity.ok) return { messages, guardianNeeded, request: null };
  const request: Omit<CreateVerificationRequest, 'consentVersion'> = { certName: identity.value.certName, certNo: identity.value.certNo };
  if (guardianNeeded) request.guardianConsent = true;
  return { messages, guardianNeeded, request };
}
