/**
 * Copy for pages/verify, in zh-CN and en-US (shown when Alipay is set to English, or switched
 * to). Same keys in both; the tests check they match. The data notice beside the consent box
 * is not here: it names the merchant, so it is built from the server's branding
 * (consentNoticeFor in utils/consent-notice.ts).
 *
 * Words: 身份验证 is this product, 人脸验证 is Alipay's face check, and the person is 您.
 */
export const VERIFY_COPY_ZH_CN = {
  title: '身份验证',
  intro: '请输入与支付宝账户一致的姓名和证件号码，然后在支付宝中完成人脸验证。',
  switchLanguage: 'English',
  switchLanguageAria: 'Switch to English',
  stepsAria: '验证步骤',
  stepFill: '填写信息',
  stepFace: '人脸验证',
  stepResult: '验证结果',
  configLoading: '正在加载…',
  configFailed: '暂时无法加载验证服务的信息，因此还不能开始验证。请检查网络后点击“重试”。',
  configRetry: '重试',
  nameLabel: '姓名',
  namePlaceholder: '与证件上的姓名一致',
  nameHint: '持外国人永久居留身份证的，可按证件填写英文姓名。',
  certNoLabel: '证件号码',
  certNoPlaceholder: '18 位居民身份证、居住证或永久居留身份证号码',
  consentAgree: '我已阅读并同意',
  consentLink: '《身份验证个人信息处理说明》',
  consentAria: '同意身份验证个人信息处理说明',
  guardianConsent: '证件持有人未满 14 周岁。我是其监护人，已阅读《身份验证个人信息处理说明》，同意代其进行身份验证并处理上述信息。',
  guardianConsentAria: '监护人同意代未满 14 周岁的证件持有人进行身份验证',
  submit: '开始验证',
  submitting: '正在打开支付宝人脸验证…',
  verifyingFor: '正在验证证件',
  continuingFor: '继续您尚未完成的验证，证件',
  upgradeTitle: '需要升级支付宝',
  cancelled: '您已取消人脸验证。信息仍保留在表单中，准备好后可以再次点击“开始验证”。',
  notCertified: '您的支付宝账户尚未完成实名认证。请先在支付宝“我的 > 设置 > 账号与安全”中完成实名认证，再回来验证。',
  bridgeError: '无法打开支付宝人脸验证，请稍后重试。',
  rateLimitedFor: '验证次数过多，请 {minutes} 分钟后再试。已填写的信息会保留。',
  newVerificationNeedsForm: '原来的验证已无法继续。请重新填写信息，点击“开始验证”发起一次新的验证。',
};

export type VerifyCopy = typeof VERIFY_COPY_ZH_CN;

export const VERIFY_COPY_EN_US: VerifyCopy = {
  title: 'Identity verification',
  intro: 'Enter the name and ID number of your Alipay account, then finish with Alipay\'s face check.',
  switchLanguage: '中文',
  switchLanguageAria: '切换到中文',
  stepsAria: 'Verification steps',
  stepFill: 'Your details',
  stepFace: 'Face check',
  stepResult: 'Result',
  configLoading: 'Loading…',
  configFailed: 'The verification service\'s details could not be loaded, so verification cannot start yet. Check your network and tap "Try again".',
  configRetry: 'Try again',
  nameLabel: 'Name',
  namePlaceholder: 'As on your ID',
  nameHint: 'With a foreigner\'s permanent residence ID card, you may enter the name in Latin letters as on the card.',
  certNoLabel: 'ID number',
  certNoPlaceholder: '18-character resident ID, residence permit or permanent residence card number',
  consentAgree: 'I have read and agree to the',
  consentLink: 'identity verification personal data notice',
  consentAria: 'Agree to the identity verification personal data notice',
  guardianConsent: 'The holder of this ID is under 14. I am their guardian, have read the identity verification personal data notice, and agree to this verification and the processing of this data on their behalf.',
  guardianConsentAria: 'As guardian, agree to the verification of a holder under 14',
  submit: 'Start verification',
  submitting: 'Opening Alipay\'s face check…',
  verifyingFor: 'Verifying ID',
  continuingFor: 'Continuing your unfinished verification of ID',
  upgradeTitle: 'Please update Alipay',
  cancelled: 'You cancelled the face check. Your details are still in the form; tap "Start verification" when ready.',
  notCertified: 'Your Alipay account is not real-name verified yet. Complete it in Alipay (Me > Settings > Account and security), then come back.',
  bridgeError: 'Alipay\'s face check could not be opened; try again later.',
  rateLimitedFor: 'Too many verifications: try again in {minutes} min. Your details are kept.',
  newVerificationNeedsForm: 'The earlier verification cannot continue. Enter your details again and tap "Start verification" to start a new one.',
};

/** What an old client sees, by reason; `{version}` is replaced with the minimum version. */
export const UPGRADE_MESSAGES_ZH_CN = {
  'version-too-old': '当前支付宝版本过低，无法进行人脸验证。请将支付宝升级到 {version} 或更高版本后重试。',
  'api-missing': '当前支付宝不支持人脸验证。请将支付宝升级到最新版本后重试。',
};

export const UPGRADE_MESSAGES_EN_US: typeof UPGRADE_MESSAGES_ZH_CN = {
  'version-too-old': 'This Alipay version cannot run the face check. Update Alipay to {version} or later and try again.',
  'api-missing': 'This Alipay cannot run the face check. Update Alipay to the latest version and try again.',
};
