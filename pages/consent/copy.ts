/**
 * Copy for pages/consent around the notice itself (which consentNoticeFor builds from the
 * merchant's branding): while it loads, and when it cannot.
 */
export const CONSENT_PAGE_COPY_ZH_CN = {
  loading: '正在加载说明…',
  failed: '暂时无法加载《身份验证个人信息处理说明》，请检查网络后点击“重试”。',
  retry: '重试',
};

export type ConsentPageCopy = typeof CONSENT_PAGE_COPY_ZH_CN;

export const CONSENT_PAGE_COPY_EN_US: ConsentPageCopy = {
  loading: 'Loading the notice…',
  failed: 'The identity verification personal data notice could not be loaded. Check your network and tap "Try again".',
  retry: 'Try again',
};
