/**
 * Copy for pages/verify: zh-CN is what the page shows, en-US sits beside it for
 * reviewers and support. Same keys in both; the tests check they match.
 */
import { CONSENT_SUMMARY_EN_US, CONSENT_SUMMARY_ZH_CN } from '../../utils/consent-notice';

export const VERIFY_COPY_ZH_CN = {
  title: '身份验证',
  intro: '请输入与支付宝账户一致的姓名和证件号码，然后通过支付宝刷脸完成验证。',
  nameLabel: '姓名',
  namePlaceholder: '与证件上的姓名一致',
  certNoLabel: '证件号码',
  certNoPlaceholder: '18 位身份证或居住证号码',
  consentNotice: CONSENT_SUMMARY_ZH_CN,
  consentAgree: '我已阅读并同意',
  consentLink: '《身份验证信息处理说明》',
  consentAria: '同意身份验证信息处理说明',
  submit: '开始验证',
  submitting: '正在打开支付宝验证…',
  verifyingFor: '正在验证证件',
  upgradeTitle: '需要升级支付宝',
  cancelled: '你已取消刷脸验证。信息仍保留在表单中，准备好后可以再次点击“开始验证”。',
  notCertified: '你的支付宝账户尚未完成实名认证。请先在支付宝“我的 > 设置 > 账号与安全”中完成实名认证，再回来验证。',
  bridgeError: '无法打开支付宝刷脸验证，请稍后重试。',
};

export type VerifyCopy = typeof VERIFY_COPY_ZH_CN;

export const VERIFY_COPY_EN_US: VerifyCopy = {
  title: 'Identity verification',
  intro: 'Enter the name and ID number of your Alipay account, then finish with Alipay\'s face check.',
  nameLabel: 'Name',
  namePlaceholder: 'As on your ID card',
  certNoLabel: 'ID number',
  certNoPlaceholder: '18-character ID card or residence permit number',
  consentNotice: CONSENT_SUMMARY_EN_US,
  consentAgree: 'I have read and agree to the',
  consentLink: 'identity verification data notice',
  consentAria: 'Agree to the identity verification data notice',
  submit: 'Start verification',
  submitting: 'Opening Alipay verification…',
  verifyingFor: 'Verifying ID',
  upgradeTitle: 'Please update Alipay',
  cancelled: 'You cancelled the face check. Your details are still in the form; tap "Start verification" when ready.',
  notCertified: 'Your Alipay account is not real-name verified yet. Complete it in Alipay (Me > Settings > Account and security), then come back.',
  bridgeError: 'Alipay\'s face verification could not be opened; try again later.',
};

/** What an old client sees, by reason; `{version}` is replaced with the minimum version. */
export const UPGRADE_MESSAGES_ZH_CN = {
  'version-too-old': '当前支付宝版本过低，无法进行刷脸验证。请将支付宝升级到 {version} 或更高版本后重试。',
  'api-missing': '当前支付宝不支持刷脸验证。请将支付宝升级到最新版本后重试。',
};

export const UPGRADE_MESSAGES_EN_US: typeof UPGRADE_MESSAGES_ZH_CN = {
  'version-too-old': 'This Alipay version cannot run the face check. Update Alipay to {version} or later and try again.',
  'api-missing': 'This Alipay cannot run the face check. Update Alipay to the latest version and try again.',
};
