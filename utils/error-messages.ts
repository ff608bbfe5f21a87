/**
 * What the user reads for each failure code, zh-CN for the UI with the en-US table
 * beside it. Programs branch on the code; these strings may change freely.
 * Identity refusals reuse the shared tables in utils/identity.ts.
 */
import { ErrorCode, IdentityErrorCode } from './error-codes';
import { IDENTITY_MESSAGES_EN_US, IDENTITY_MESSAGES_ZH_CN } from './identity';

type NonIdentityCode = Exclude<ErrorCode, IdentityErrorCode>;

const OTHER_MESSAGES_ZH_CN: Readonly<Record<NonIdentityCode, string>> = {
  VALIDATION_FAILED: '提交的信息有误，请检查姓名和证件号码后重试',
  UNSUPPORTED_MEDIA_TYPE: '请求格式有误，请更新小程序后重试',
  PAYLOAD_TOO_LARGE: '提交的内容过长，请检查后重试',
  BIZ_CODE_NOT_ALLOWED: '暂不支持这种验证方式，请联系客服',
  UNAUTHORIZED: '登录已失效，请关闭小程序后重新打开',
  AUTH_CODE_INVALID: '支付宝登录失败，请关闭小程序后重新打开',
  NOT_FOUND: '没有找到这次验证，请重新发起身份验证',
  RATE_LIMITED: '操作过于频繁，请稍后再试',
  IDEMPOTENCY_MISMATCH: '提交的信息已更改，请重新点击“开始验证”',
  IDEMPOTENCY_IN_PROGRESS: '上一次提交仍在处理中，请稍后重试',
  FORBIDDEN: '没有执行此操作的权限',
  VERIFICATION_CLOSED: '这次验证已结束或已过有效期，请查看验证结果',
  GUARDIAN_CONSENT_REQUIRED: '证件持有人未满 14 周岁，需由监护人单独阅读并同意后才能验证，请监护人确认同意后重试',
  CERT_NO_MINOR: '证件持有人未满 14 周岁，本服务暂不支持为未满 14 周岁的用户验证身份',
  CONSENT_REQUIRED: '请先阅读并勾选同意《身份验证个人信息处理说明》',
  CONSENT_OUTDATED: '《身份验证个人信息处理说明》已更新，请阅读新的说明并重新勾选同意，已填写的信息会保留',
  UPSTREAM_TIMEOUT: '支付宝服务响应超时，请稍后重试',
  UPSTREAM_UNAVAILABLE: '支付宝服务暂时不可用，请稍后重试',
  UPSTREAM_REJECTED: '支付宝未受理本次验证，请核对姓名和证件号码后重试',
  UPSTREAM_UNVERIFIED: '暂时无法确认支付宝的结果，请稍后重试',
  INTERNAL_ERROR: '服务暂时出现问题，请稍后重试',
  NETWORK_ERROR: '网络连接失败，请检查网络后重试',
  REQUEST_TIMEOUT: '网络响应超时，请检查网络后重试',
  BAD_RESPONSE: '服务返回了无法识别的结果，请稍后重试',
  AUTH_CODE_UNAVAILABLE: '未能完成支付宝登录，请关闭小程序后重新打开',
};

const OTHER_MESSAGES_EN_US: Readonly<Record<NonIdentityCode, string>> = {
  VALIDATION_FAILED: 'The details are not valid; check your name and ID number and try again',
  UNSUPPORTED_MEDIA_TYPE: 'The request was malformed; update the mini-program and try again',
  PAYLOAD_TOO_LARGE: 'What you entered is too long; check it and try again',
  BIZ_CODE_NOT_ALLOWED: 'This kind of verification is not offered; contact support',
  UNAUTHORIZED: 'Your session has ended; close and reopen the mini-program',
  AUTH_CODE_INVALID: 'Signing in with Alipay failed; close and reopen the mini-program',
  NOT_FOUND: 'This verification was not found; start a new one',
  RATE_LIMITED: 'Too many attempts; wait a moment and try again',
  IDEMPOTENCY_MISMATCH: 'Your details changed; tap "Start verification" again',
  IDEMPOTENCY_IN_PROGRESS: 'Your previous request is still being processed; try again in a moment',
  FORBIDDEN: 'You are not allowed to do this',
  VERIFICATION_CLOSED: 'This verification has ended or expired; see its result',
  GUARDIAN_CONSENT_REQUIRED: 'The holder of this ID is under 14: a guardian must read and separately agree first, then try again',
  CERT_NO_MINOR: 'The holder of this ID is under 14: this service does not verify people under 14',
  CONSENT_REQUIRED: 'Read and agree to the identity verification data notice first',
  CONSENT_OUTDATED: 'The identity verification data notice has changed: read the new notice and agree again; what you entered is kept',
  UPSTREAM_TIMEOUT: 'Alipay did not answer in time; try again later',
  UPSTREAM_UNAVAILABLE: 'Alipay is unavailable right now; try again later',
  UPSTREAM_REJECTED: 'Alipay did not accept this verification; check your name and ID number and try again',
  UPSTREAM_UNVERIFIED: 'Alipay\'s answer could not be confirmed yet; try again later',
  INTERNAL_ERROR: 'Something went wrong on our side; try again later',
  NETWORK_ERROR: 'No network connection; check your network and try again',
  REQUEST_TIMEOUT: 'The network timed out; check your network and try again',
  BAD_RESPONSE: 'The service sent an answer we could not read; try again later',
  AUTH_CODE_UNAVAILABLE: 'Signing in with Alipay did not finish; close and reopen the mini-program',
};

/** zh-CN copy for every code the mini-program can meet. */
export const ERROR_MESSAGES_ZH_CN: Readonly<Record<ErrorCode, string>> = { ...IDENTITY_MESSAGES_ZH_CN, ...OTHER_MESSAGES_ZH_CN };

/** en-US copy, beside the zh-CN table. */
export const ERROR_MESSAGES_EN_US: Readonly<Record<ErrorCode, string>> = { ...IDENTITY_MESSAGES_EN_US, ...OTHER_MESSAGES_EN_US };

/** The zh-CN message for a code; a code this build does not know gets the generic one. */
export function describeErrorCode(code: string): string {
  const messages = ERROR_MESSAGES_ZH_CN as Readonly<Record<string, string>>;
  return Object.prototype.hasOwnProperty.call(messages, code) ? messages[code] : ERROR_MESSAGES_ZH_CN.INTERNAL_ERROR;
}

/** Codes that mean the answer was lost, so the same submission may be sent again unchanged. */
const RETRYABLE_CODES: readonly ErrorCode[] = [
  'NETWORK_ERROR',
  'REQUEST_TIMEOUT',
  'BAD_RESPONSE',
  'RATE_LIMITED',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_UNVERIFIED',
  'INTERNAL_ERROR',
];

/** True when retrying the very same request (same Idempotency-Key) makes sense. */
export function isRetryableCode(code: string): boolean {
  return RETRYABLE_CODES.indexOf(code as ErrorCode) >= 0;
}
