/**
 * Copy for pages/result: zh-CN is shown, en-US sits beside it. Every screen says what
 * happened and what to do next.
 */
export const RESULT_COPY_ZH_CN = {
  title: '验证结果',
  loading: '正在查询验证结果…',
  pendingTitle: '正在确认结果',
  pendingBody: '支付宝正在确认你的刷脸结果，请稍候。',
  stillProcessingTitle: '仍在处理中',
  stillProcessingBody: '支付宝还没有给出最终结果。你可以稍后点击“刷新”再查看，结果不会丢失。',
  refresh: '刷新',
  passedTitle: '身份验证已通过',
  passedBody: '你的身份已经确认，可以继续办理业务。',
  done: '完成',
  failedTitle: '身份验证未通过',
  failedBody: '本次刷脸未能确认是本人。请确认由本人操作，在光线充足处正对手机，然后重新验证。',
  expiredTitle: '验证已过期',
  expiredBody: '这次验证超过有效期仍未完成。请重新发起身份验证。',
  restart: '重新验证',
  networkTitle: '网络异常，验证未完成',
  networkBody: '刷脸过程中网络中断。请检查网络后点击“重试”，无需重新填写信息。',
  retry: '重试',
  errorTitle: '暂时无法获取结果',
  backToForm: '返回修改信息',
  certNoLabel: '证件号码',
  notCertified: '你的支付宝账户尚未完成实名认证。请先在支付宝中完成实名认证，再重新验证。',
  bridgeError: '无法打开支付宝刷脸验证，请稍后重试。',
};

export type ResultCopy = typeof RESULT_COPY_ZH_CN;

export const RESULT_COPY_EN_US: ResultCopy = {
  title: 'Verification result',
  loading: 'Looking up the result…',
  pendingTitle: 'Confirming the result',
  pendingBody: 'Alipay is confirming your face check; please wait.',
  stillProcessingTitle: 'Still processing',
  stillProcessingBody: 'Alipay has no final answer yet. Tap "Refresh" later; the result will not be lost.',
  refresh: 'Refresh',
  passedTitle: 'Identity verified',
  passedBody: 'Your identity is confirmed; you can carry on.',
  done: 'Done',
  failedTitle: 'Identity not verified',
  failedBody: 'The face check could not confirm it was you. Make sure you do it yourself, in good light, facing the phone, and verify again.',
  expiredTitle: 'Verification expired',
  expiredBody: 'This verification was not finished in time. Please start a new one.',
  restart: 'Verify again',
  networkTitle: 'Network problem: verification not finished',
  networkBody: 'The network dropped during the face check. Check your network and tap "Retry"; no need to fill in the form again.',
  retry: 'Retry',
  errorTitle: 'The result is not available right now',
  backToForm: 'Back to the form',
  certNoLabel: 'ID number',
  notCertified: 'Your Alipay account is not real-name verified yet. Complete it in Alipay, then verify again.',
  bridgeError: 'Alipay\'s face verification could not be opened; try again later.',
};
