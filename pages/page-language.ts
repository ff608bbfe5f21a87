/**
 * What the three pages share about language: the language a page was opened in (`lang` in
 * its query, set by the form, which reads Alipay's setting and offers a switch), and a
 * failure's message in it, the rate limit saying how many minutes to wait.
 */
import { ApiError, retryAfterMinutes } from '../utils/client-policy';
import { CONSENT_LANGUAGES, ConsentLanguage } from '../utils/consent-notice';
import { ERROR_MESSAGES_EN_US, ERROR_MESSAGES_ZH_CN } from '../utils/error-messages';

/** The language named by a page query's `lang`; zh-CN when it names none this build writes. */
export function readLanguage(value: string | undefined): ConsentLanguage {
  return CONSENT_LANGUAGES.indexOf(value as ConsentLanguage) >= 0 ? (value as ConsentLanguage) : 'zh-CN';
}

/** A failure as a page shows it: its code (support code, routing) and its message. */
export interface Failure {
  code: string;
  message: string;
}

/**
 * The code and message of what a backend call threw. A rate limit with a `Retry-After` says
 * how many minutes to wait (`rateLimitedFor`, with `{minutes}`); a code this build does not
 * know gets the generic message.
 */
export function describeFailure(error: unknown, language: ConsentLanguage, rateLimitedFor: string): Failure {
  const code = error instanceof ApiError ? error.code : 'INTERNAL_ERROR';
  const minutes = error instanceof ApiError && code === 'RATE_LIMITED' ? retryAfterMinutes(error.retryAfterSeconds) : undefined;
  if (minutes !== undefined) return { code, message: rateLimitedFor.replace('{minutes}', String(minutes)) };
  return { code, message: messageFor(code, language) };
}

/** The message for a code in `language`; the generic one for a code this build does not know. */
export function messageFor(code: string, language: ConsentLanguage): string {
  const messages = (language === 'en-US' ? ERROR_MESSAGES_EN_US : ERROR_MESSAGES_ZH_CN) as Readonly<Record<string, string>>;
  return Object.prototype.hasOwnProperty.call(messages, code) ? messages[code] : messages.INTERNAL_ERROR;
}
