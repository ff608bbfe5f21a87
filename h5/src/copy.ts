/**
 * Every piece of text the H5 page shows, in zh-CN (what users see) with the en-US table
 * beside it. Field refusals come from utils/identity.ts so the page, the mini-program and
 * the server word them identically; this file holds the rest.
 */
import { IdentityErrorCode, ErrorCode } from '../../utils/error-codes';
import { IDENTITY_MESSAGES_EN_US, IDENTITY_MESSAGES_ZH_CN } from '../../utils/identity';
import { retryAfterMinutes } from '../../utils/client-policy';

export type Locale = 'zh-CN' | 'en-US';

/** Keys of the static text in index.html (`data-copy="…"`) and of the page's messages. */
export interface PageCopy {
  documentTitle: string;
  title: string;
  /** The language switch's text: the other language's own name (its `lang` is `switchLanguageTag`). */
  switchLanguage: string;
  switchLanguageTag: string;
  stepsLabel: string;
  stepFill: string;
  stepFace: string;
  stepResult: string;
  intro: string;
  nameLabel: string;
  namePlaceholder: string;
  nameHint: string;
  certNoLabel: string;
  certNoPlaceholder: string;
  certNoHint: string;
  consentLabel: string;
  consentDetails: string;
  consentRequired: string;
  guardianTitle: string;
  guardianLabel: string;
  guardianRequired: string;
  submit: string;
  privacyNote: string;
  signingIn: string;
  preparing: string;
  waitingForAlipay: string;
  confirming: string;
  cancelledNotice: string;
  passedTitle: string;
  passedMessage: string;
  failedTitle: string;
  failedMessage: string;
  expiredTitle: string;
  expiredMessage: string;
  notFinishedTitle: string;
  notFinishedMessage: string;
  stillProcessingTitle: string;
  stillProcessingMessage: string;
  faceCheckFailedTitle: string;
  faceCheckFailedMessage: string;
  certifyRefusedTitle: string;
  certifyRefusedMessage: string;
  notCertifiedTitle: string;
  notCertifiedMessage: string;
  bridgeErrorTitle: string;
  bridgeErrorMessage: string;
  networkTitle: string;
  networkMessage: string;
  upgradeTitle: string;
  upgradeMessage: string;
  noBridgeTitle: string;
  noBridgeMessage: string;
  openInAlipayTitle: string;
  openInAlipayMessage: string;
  /** The QR code's accessible name: what it holds and what to do with it. */
  openInAlipayQrLabel: string;
  errorTitleNetwork: string;
  errorTitleSignIn: string;
  errorTitleRateLimited: string;
  errorTitleVerificationOver: string;
  errorTitleAlipay: string;
  errorTitleService: string;
  certNoMaskedLabel: string;
  errorCodeLabel: string;
  alipayVersionLabel: string;
  actionDone: string;
  actionRefresh: string;
  actionRetryCertify: string;
  actionBackToForm: string;
  actionStartOver: string;
  actionReload: string;
  actionNewVerification: string;
}

export const PAGE_COPY_ZH_CN: PageCopy = {
  documentTitle: '身份验证',
  title: '身份验证',
  switchLanguage: 'English',
  switchLanguageTag: 'en',
  stepsLabel: '验证步骤',
  stepFill: '填写信息',
  stepFace: '人脸验证',
  stepResult: '验证结果',
  intro: '请填写与证件一致的姓名和证件号码，随后由支付宝进行人脸验证。',
  nameLabel: '姓名',
  namePlaceholder: '与证件上的姓名一致',
  nameHint: '请与证件上的姓名一致；外国人永久居留身份证可填写证件上的英文姓名。',
  certNoLabel: '证件号码',
  certNoPlaceholder: '18 位证件号码',
  certNoHint: '支持居民身份证、港澳台居民居住证和外国人永久居留身份证',
  consentLabel: '我同意将姓名和证件号码提供给支付宝，仅用于本次身份验证',
  consentDetails: '查看《身份验证个人信息处理说明》全文',
  consentRequired: '请先阅读并勾选同意',
  guardianTitle: '证件持有人未满 14 周岁',
  guardianLabel: '我是证件持有人的监护人，已阅读上方《身份验证个人信息处理说明》，代其同意提供姓名和证件号码用于本次身份验证',
  guardianRequired: '证件持有人未满 14 周岁，请监护人阅读说明并勾选同意',
  submit: '开始验证',
  privacyNote: '本页面不会保存您的姓名和证件号码。',
  signingIn: '正在登录…',
  preparing: '正在准备验证…',
  waitingForAlipay: '正在连接支付宝…',
  confirming: '正在确认验证结果…',
  cancelledNotice: '您已取消验证，可以核对信息后重新开始。',
  passedTitle: '验证通过',
  passedMessage: '您的身份已通过支付宝验证。',
  failedTitle: '验证未通过',
  failedMessage: '人脸验证未通过。请确认是本人操作，并在光线充足处重试。',
  expiredTitle: '验证已过期',
  expiredMessage: '本次验证已超过有效期，请重新开始。',
  notFinishedTitle: '尚未通过验证',
  notFinishedMessage: '人脸验证还没有通过：可能您中途退出了，或未能确认是本人。您可以点击“再次验证”重新进行人脸验证，无需重新填写信息。',
  stillProcessingTitle: '结果确认中',
  stillProcessingMessage: '支付宝还没有返回最终结果。这次验证不会丢失，请稍后刷新。',
  faceCheckFailedTitle: '本次人脸验证未通过',
  faceCheckFailedMessage: '请确认是本人操作，在光线充足处正对手机，然后点击“再次验证”，无需重新填写信息。',
  certifyRefusedTitle: '这次验证无法再次打开',
  certifyRefusedMessage: '支付宝已不再接受这次验证。您可以发起一次新的验证，已填写的信息会保留；新的验证会重新提交给支付宝，并计入该证件号码的验证次数。',
  notCertifiedTitle: '请先完成支付宝实名认证',
  notCertifiedMessage: '您的支付宝账户尚未完成实名认证。请先在支付宝“我的 > 设置 > 账号与安全”中完成实名认证，再回来验证。',
  bridgeErrorTitle: '无法打开人脸验证',
  bridgeErrorMessage: '无法打开支付宝人脸验证，请升级支付宝后重试。您填写的信息仍保留在表单中。',
  networkTitle: '网络异常',
  networkMessage: '与支付宝的连接中断了，请检查网络后重试。',
  upgradeTitle: '请升级支付宝',
  upgradeMessage: '当前支付宝版本过低，无法进行人脸验证。请升级到 10.1.32 或更高版本后重新打开本页面。',
  noBridgeTitle: '暂时无法连接支付宝',
  noBridgeMessage: '页面没有连接上支付宝的人脸验证服务，您的支付宝版本支持验证。请重新加载页面，或关闭后从支付宝中重新打开本页面。',
  openInAlipayTitle: '请在支付宝中打开',
  openInAlipayMessage: '人脸验证只能在支付宝 App 内完成。请用支付宝“扫一扫”扫描下方二维码，或在支付宝中打开本页面。',
  openInAlipayQrLabel: '本页面地址的二维码，请用支付宝扫一扫打开',
  errorTitleNetwork: '网络连接失败',
  errorTitleSignIn: '支付宝登录未完成',
  errorTitleRateLimited: '操作太频繁',
  errorTitleVerificationOver: '这次验证已结束',
  errorTitleAlipay: '支付宝暂时无法处理',
  errorTitleService: '服务暂时出现问题',
  certNoMaskedLabel: '证件号码',
  errorCodeLabel: '错误码',
  alipayVersionLabel: '当前支付宝版本',
  actionDone: '完成',
  actionRefresh: '刷新结果',
  actionRetryCertify: '再次验证',
  actionBackToForm: '返回修改信息',
  actionStartOver: '重新开始',
  actionReload: '重新加载',
  actionNewVerification: '发起新的验证',
};

export const PAGE_COPY_EN_US: PageCopy = {
  documentTitle: 'Identity verification',
  title: 'Identity verification',
  switchLanguage: '中文',
  switchLanguageTag: 'zh-CN',
  stepsLabel: 'Verification steps',
  stepFill: 'Your details',
  stepFace: 'Face check',
  stepResult: 'Result',
  intro: 'Enter your name and ID number exactly as on your ID; Alipay then checks your face.',
  nameLabel: 'Name',
  namePlaceholder: 'As on your ID',
  nameHint: 'As on your ID; with a foreigner permanent residence ID card, the name in Latin letters as on the card.',
  certNoLabel: 'ID number',
  certNoPlaceholder: '18-character ID number',
  certNoHint: 'Resident ID cards, residence permits for Hong Kong, Macau and Taiwan residents, and foreigner permanent residence ID cards',
  consentLabel: 'I agree to give my name and ID number to Alipay for this verification only',
  consentDetails: 'Read the full identity verification personal data notice',
  consentRequired: 'Read and tick the consent box first',
  guardianTitle: 'The holder of this ID is under 14',
  guardianLabel: 'I am the ID holder\'s guardian, I have read the identity verification personal data notice above, and I agree on their behalf to give their name and ID number for this verification',
  guardianRequired: 'The holder is under 14: their guardian must read the notice and tick to agree',
  submit: 'Start verification',
  privacyNote: 'This page does not keep your name or ID number.',
  signingIn: 'Signing in…',
  preparing: 'Preparing the verification…',
  waitingForAlipay: 'Connecting to Alipay…',
  confirming: 'Confirming the result…',
  cancelledNotice: 'You cancelled the verification. Check your details and start again.',
  passedTitle: 'Verified',
  passedMessage: 'Alipay has verified your identity.',
  failedTitle: 'Not verified',
  failedMessage: 'The face check did not pass. Make sure it is you, find good light, and try again.',
  expiredTitle: 'Verification expired',
  expiredMessage: 'This verification is past its validity period. Start again.',
  notFinishedTitle: 'Not verified yet',
  notFinishedMessage: 'The face check has not passed yet: you may have left it early, or it could not confirm it was you. Tap "Verify again"; no need to fill in the form again.',
  stillProcessingTitle: 'Confirming',
  stillProcessingMessage: 'Alipay has not sent the final result yet. This verification will not be lost; refresh in a moment.',
  faceCheckFailedTitle: 'This face check did not pass',
  faceCheckFailedMessage: 'Make sure it is you, find good light, face the phone, then tap "Verify again"; no need to fill in the form again.',
  certifyRefusedTitle: 'This verification cannot be reopened',
  certifyRefusedMessage: 'Alipay no longer accepts this verification. You can start a new one with what you entered, which is kept; the new verification is sent to Alipay again and counts towards the attempts allowed for this ID number.',
  notCertifiedTitle: 'Complete real-name verification in Alipay first',
  notCertifiedMessage: 'Your Alipay account is not real-name verified yet. Complete it in Alipay (Me > Settings > Account and security), then come back.',
  bridgeErrorTitle: 'The face check could not open',
  bridgeErrorMessage: 'The Alipay face check could not open. Update Alipay and try again. Your details are still in the form.',
  networkTitle: 'Network problem',
  networkMessage: 'The connection to Alipay dropped. Check your network and try again.',
  upgradeTitle: 'Update Alipay',
  upgradeMessage: 'This Alipay version is too old for the face check. Update to 10.1.32 or later and open this page again.',
  noBridgeTitle: 'Cannot reach Alipay',
  noBridgeMessage: 'This page could not connect to Alipay\'s face check, although your Alipay version supports it. Reload the page, or close it and open it again from Alipay.',
  openInAlipayTitle: 'Open in Alipay',
  openInAlipayMessage: 'The face check only works inside the Alipay app. Scan the QR code below with Alipay, or open this page in Alipay.',
  openInAlipayQrLabel: 'QR code of this page\'s address: scan it with Alipay to open the page',
  errorTitleNetwork: 'No connection',
  errorTitleSignIn: 'Signing in with Alipay did not finish',
  errorTitleRateLimited: 'Too many attempts',
  errorTitleVerificationOver: 'This verification has ended',
  errorTitleAlipay: 'Alipay cannot handle this right now',
  errorTitleService: 'Our service has a problem',
  certNoMaskedLabel: 'ID number',
  errorCodeLabel: 'Error code',
  alipayVersionLabel: 'Your Alipay version',
  actionDone: 'Done',
  actionRefresh: 'Refresh result',
  actionRetryCertify: 'Verify again',
  actionBackToForm: 'Back to the form',
  actionStartOver: 'Start again',
  actionReload: 'Reload',
  actionNewVerification: 'Start a new verification',
};

/** Failures the page reports outside a field: what happened, and what to do. */
export type PageErrorCode = Exclude<ErrorCode, IdentityErrorCode> | 'BRIDGE_ERROR';

export const ERROR_MESSAGES_ZH_CN: Readonly<Record<PageErrorCode, string>> = {
  VALIDATION_FAILED: '提交的信息格式不正确，请核对后重试。',
  UNSUPPORTED_MEDIA_TYPE: '请求格式有误，请刷新页面后重试。',
  PAYLOAD_TOO_LARGE: '提交的内容过长，请核对后重试。',
  BIZ_CODE_NOT_ALLOWED: '暂不支持该验证方式。',
  UNAUTHORIZED: '登录已过期，请重新进入本页面。',
  AUTH_CODE_INVALID: '支付宝登录未成功，请重新加载页面。',
  AUTH_CODE_UNAVAILABLE: '没有拿到支付宝的登录授权，请重新加载页面。',
  NOT_FOUND: '没有找到这次验证，请重新开始。',
  RATE_LIMITED: '操作太频繁，请稍后再试。',
  IDEMPOTENCY_MISMATCH: '请求重复提交，请重新开始。',
  IDEMPOTENCY_IN_PROGRESS: '上一次提交仍在处理中，请稍候片刻再试，已填写的信息会保留。',
  FORBIDDEN: '没有执行此操作的权限。',
  VERIFICATION_CLOSED: '这次验证已结束或已过有效期，请重新开始。',
  GUARDIAN_CONSENT_REQUIRED: '证件持有人未满 14 周岁，需由监护人单独阅读并同意后才能验证。',
  CERT_NO_MINOR: '证件持有人未满 14 周岁，本服务暂不支持为未满 14 周岁的用户验证身份。',
  CONSENT_REQUIRED: '请先阅读并勾选同意《身份验证个人信息处理说明》。',
  CONSENT_OUTDATED: '《身份验证个人信息处理说明》已更新，请阅读下方新的说明并重新勾选同意，已填写的信息会保留。',
  UPSTREAM_TIMEOUT: '支付宝响应超时，请稍后重试。',
  UPSTREAM_UNAVAILABLE: '支付宝服务暂时不可用，请稍后重试。',
  UPSTREAM_REJECTED: '支付宝拒绝了本次验证请求，请核对信息后重试。',
  UPSTREAM_UNVERIFIED: '无法确认支付宝的应答，请稍后重试。',
  INTERNAL_ERROR: '服务暂时不可用，请稍后重试。',
  NETWORK_ERROR: '网络不给力，请检查网络后重试。',
  REQUEST_TIMEOUT: '请求超时，请检查网络后重试。',
  BAD_RESPONSE: '服务返回了无法识别的内容，请稍后重试。',
  BRIDGE_ERROR: '无法打开支付宝人脸验证，请升级支付宝后重试。',
};

export const ERROR_MESSAGES_EN_US: Readonly<Record<PageErrorCode, string>> = {
  VALIDATION_FAILED: 'The details sent were not in the right format. Check them and try again.',
  UNSUPPORTED_MEDIA_TYPE: 'The request was malformed. Reload the page and try again.',
  PAYLOAD_TOO_LARGE: 'What you entered is too long. Check it and try again.',
  BIZ_CODE_NOT_ALLOWED: 'This kind of verification is not available.',
  UNAUTHORIZED: 'Your sign-in has expired. Open this page again.',
  AUTH_CODE_INVALID: 'Signing in with Alipay did not work. Reload the page.',
  AUTH_CODE_UNAVAILABLE: 'Alipay did not return a sign-in. Reload the page.',
  NOT_FOUND: 'This verification was not found. Start again.',
  RATE_LIMITED: 'Too many attempts. Wait a moment and try again.',
  IDEMPOTENCY_MISMATCH: 'This request was sent twice with different details. Start again.',
  IDEMPOTENCY_IN_PROGRESS: 'Your previous request is still being processed. Wait a moment and try again; what you entered is kept.',
  FORBIDDEN: 'You are not allowed to do this.',
  VERIFICATION_CLOSED: 'This verification has ended or expired. Start again.',
  GUARDIAN_CONSENT_REQUIRED: 'The holder of this ID is under 14: a guardian must read and separately agree first.',
  CERT_NO_MINOR: 'The holder of this ID is under 14: this service does not verify people under 14.',
  CONSENT_REQUIRED: 'Read and agree to the identity verification personal data notice first.',
  CONSENT_OUTDATED: 'The identity verification personal data notice has changed. Read the new notice below and agree again; what you entered is kept.',
  UPSTREAM_TIMEOUT: 'Alipay took too long to answer. Try again later.',
  UPSTREAM_UNAVAILABLE: 'Alipay is unavailable right now. Try again later.',
  UPSTREAM_REJECTED: 'Alipay refused this verification. Check your details and try again.',
  UPSTREAM_UNVERIFIED: "Alipay's answer could not be verified. Try again later.",
  INTERNAL_ERROR: 'The service is unavailable right now. Try again later.',
  NETWORK_ERROR: 'The network is not responding. Check it and try again.',
  REQUEST_TIMEOUT: 'The request timed out. Check your network and try again.',
  BAD_RESPONSE: 'The service sent an answer we could not read. Try again later.',
  BRIDGE_ERROR: 'The Alipay face check could not open. Update Alipay and try again.',
};

/** Everything one locale shows. */
export interface CopyBundle {
  locale: Locale;
  page: PageCopy;
  errors: Readonly<Record<PageErrorCode, string>>;
  identity: Readonly<Record<IdentityErrorCode, string>>;
  /** RATE_LIMITED when Retry-After said how long: the whole minutes to wait, at least 1. */
  rateLimitedFor(minutes: number): string;
}

const BUNDLES: Readonly<Record<Locale, CopyBundle>> = {
  'zh-CN': {
    locale: 'zh-CN',
    page: PAGE_COPY_ZH_CN,
    errors: ERROR_MESSAGES_ZH_CN,
    identity: IDENTITY_MESSAGES_ZH_CN,
    rateLimitedFor: (minutes) => `操作太频繁，请 ${minutes} 分钟后再试。`,
  },
  'en-US': {
    locale: 'en-US',
    page: PAGE_COPY_EN_US,
    errors: ERROR_MESSAGES_EN_US,
    identity: IDENTITY_MESSAGES_EN_US,
    rateLimitedFor: (minutes) => `Too many attempts. Try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`,
  },
};

/**
 * What to tell the person about a failure. A rate limit says how many minutes to wait when the
 * server's Retry-After said (the client policy's retryAfterMinutes: rounded up, at least 1).
 */
export function errorMessage(copy: CopyBundle, code: PageErrorCode, retryAfterSeconds?: number): string {
  const minutes = code === 'RATE_LIMITED' ? retryAfterMinutes(retryAfterSeconds) : undefined;
  return minutes === undefined ? copy.errors[code] : copy.rateLimitedFor(minutes);
}

/** The other locale: what the language switch turns to. */
export function otherLocale(locale: Locale): Locale {
  return locale === 'zh-CN' ? 'en-US' : 'zh-CN';
}

/** The copy for a locale. */
export function getCopy(locale: Locale): CopyBundle {
  return BUNDLES[locale];
}
