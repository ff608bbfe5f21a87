/**
 * The parts of mini-program component events the pages read, typed, so no handler
 * takes `any`.
 *
 * @see https://opendocs.alipay.com/mini/component/input (input: onInput/onBlur `detail.value`)
 * @see https://opendocs.alipay.com/mini/component/checkbox (checkbox: onChange `detail.value`)
 */

/** `<input onInput>` and `<input onBlur>`: the current text. */
export interface InputEvent {
  detail: { value: string };
}

/** `<checkbox onChange>`: whether it is now checked. */
export interface CheckboxChangeEvent {
  detail: { value: boolean };
}
