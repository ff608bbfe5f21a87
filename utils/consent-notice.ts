/**
 * The full data notice behind the consent checkbox, shared by the mini-program's
 * pages/consent and the H5 form: zh-CN shown, en-US beside it. It states only what the
 * backend really does (see README, server section), so it lives beside the code it describes.
 */
export const CONSENT_NOTICE_ZH_CN = {
  title: '身份验证信息处理说明',
  whatHeading: '我们收集什么',
  what: '你输入的姓名和证件号码（身份证、港澳台居民居住证或外国人永久居留身份证）。',
  whyHeading: '为什么收集',
  why: '仅用于确认你是证件的持有人本人，不用于其他目的。',
  whoHeading: '发送给谁',
  who: '姓名和证件号码会经我们的服务器发送给支付宝（支付宝（中国）网络技术有限公司），由支付宝通过人脸识别完成验证。人脸图像由支付宝采集和处理，我们不会获得。',
  keepHeading: '保存多久',
  keep: '请求完成后，我们不保存原始的姓名和证件号码，只保存一个无法还原的加密散列值（用于识别重复验证）和打码后的证件号码（如 110***********002X），以及验证结果和时间。手机上只临时记录一次验证的编号，以便小程序或页面被关闭后继续查询结果。',
  rightsHeading: '你的选择',
  rights: '你可以不同意本说明，此时无法进行身份验证。刷脸过程中你可以随时取消。',
};

export type ConsentNotice = typeof CONSENT_NOTICE_ZH_CN;

export const CONSENT_NOTICE_EN_US: ConsentNotice = {
  title: 'Identity verification data notice',
  whatHeading: 'What we collect',
  what: 'The name and ID number you enter (resident ID card, Hong Kong, Macau or Taiwan residence permit, or foreigner\'s permanent residence ID card).',
  whyHeading: 'Why',
  why: 'Only to confirm that you are the holder of that ID, for no other purpose.',
  whoHeading: 'Who receives it',
  who: 'Your name and ID number go through our server to Alipay, which verifies them with a face check. Alipay captures and processes the face images; we never receive them.',
  keepHeading: 'How long we keep it',
  keep: 'After the request we keep no raw name or ID number: only a keyed hash that cannot be reversed (to recognise repeat verifications), the masked number (e.g. 110***********002X), the result and the time. The phone keeps only the id of one open verification, so the result can be looked up after the mini-program or page was closed.',
  rightsHeading: 'Your choice',
  rights: 'You may decline this notice; then identity verification is not possible. You can cancel the face check at any time.',
};

/** The short notice beside the consent checkbox: what, why, to whom, how long. */
export const CONSENT_SUMMARY_ZH_CN =
  '我们收集你的姓名和证件号码，仅用于确认你的身份。它们会发送给支付宝进行人脸验证。请求完成后我们不保存原始信息，只保留一个加密散列值和打码后的证件号码（如 110***********002X）。';

export const CONSENT_SUMMARY_EN_US =
  'We collect your name and ID number only to confirm your identity. They are sent to Alipay for face verification. After the request we keep no raw data, only a keyed hash and the masked number (e.g. 110***********002X).';
