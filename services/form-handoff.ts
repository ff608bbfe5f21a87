/**
 * What the result page asks of the form it returns to, handed over in memory and consumed
 * once by the form's onShow (like services/resume.ts): the inputs live only in the form's
 * page data, so the result page cannot act on them itself.
 */

/**
 * - `clear`: the verification passed; the name and number are no longer needed, so a form
 *   reached by going back shows empty (inputs are kept until a pass, never after one).
 * - `new-verification`: Alipay refused the old certifyId; send the kept inputs again as a new
 *   verification (a new `POST /api/verifications`, a new paid initialize) that `replaces` the
 *   old one, so the server does not hand the refused one back as a reuse.
 */
export type FormRequest = { kind: 'clear' } | { kind: 'new-verification'; replaces: string };

let pending: FormRequest | null = null;

/** The result page: what the form should do when it shows next. */
export function requestFormAction(request: FormRequest): void {
  pending = request;
}

/** The form, on show: the request, once; null when there is none. */
export function takeFormRequest(): FormRequest | null {
  const request = pending;
  pending = null;
  return request;
}
