/**
 * The emulated face-verification page that the signed certify URL opens. A person picks
 * pass, fail or cancel; the page never asks for or shows the name or the full ID number.
 * UI copy is zh-CN; the en-US table beside it is shown under each line for reviewers.
 */

/** zh-CN copy of the page. */
export const CERTIFY_PAGE_COPY_ZH_CN = {
  title: '支付宝人脸验证（模拟器）',
  intro: '这是本地模拟的人脸验证页面，不会采集人脸。请选择本次人脸验证的结果。',
  certNo: '证件号码',
  pass: '验证通过',
  fail: '验证未通过',
  cancel: '取消验证',
  errorTitle: '无法打开人脸验证页面',
} as const;

/** en-US copy, same keys. */
export const CERTIFY_PAGE_COPY_EN_US: Record<keyof typeof CERTIFY_PAGE_COPY_ZH_CN, string> = {
  title: 'Alipay face check (emulator)',
  intro: 'This is a local stand-in for the face check; no face is captured. Choose how this verification ends.',
  certNo: 'ID number',
  pass: 'Pass',
  fail: 'Fail',
  cancel: 'Cancel',
  errorTitle: 'The face check page cannot be opened',
};

const zh = CERTIFY_PAGE_COPY_ZH_CN;
const en = CERTIFY_PAGE_COPY_EN_US;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

const STYLE = `
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.5 -apple-system, "PingFang SC", "Noto Sans CJK SC", sans-serif; color: #1f1f1f; background: #f5f5f5; }
  main { max-width: 480px; margin: 0 auto; padding: 24px 16px; }
  h1 { font-size: 20px; margin: 0 0 8px; }
  .en { display: block; color: #595959; font-size: 13px; }
  .card { background: #fff; border-radius: 12px; padding: 16px; margin: 16px 0; }
  button { display: block; width: 100%; min-height: 48px; margin: 12px 0; border: 0; border-radius: 8px; font-size: 17px; cursor: pointer; }
  button:focus-visible { outline: 3px solid #0050b3; outline-offset: 2px; }
  /* WCAG AA: #0958d9 is antd's next shade of Alipay's #1677ff (4.1:1 with white, too low); 6.2:1. */
  .pass { background: #0958d9; color: #fff; }
  .fail { background: #cf1322; color: #fff; }
  .cancel { background: #fff; color: #1f1f1f; border: 1px solid #8c8c8c; }
  /* The English line takes its button's colour: the page's grey is unreadable on blue or red. */
  button .en { color: inherit; }
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body><main>${body}</main></body>
</html>`;
}

function bilingual(zhText: string, enText: string): string {
  return `${escapeHtml(zhText)}<span class="en" lang="en-US">${escapeHtml(enText)}</span>`;
}

/** The page with the three choices; each button posts its outcome to `actionPath`. */
export function renderCertifyPage(input: { actionPath: string; certNoMasked: string }): string {
  const button = (outcome: string, className: string, zhText: string, enText: string): string =>
    `<button type="submit" name="outcome" value="${outcome}" data-outcome="${outcome}" class="${className}">${bilingual(zhText, enText)}</button>`;
  return page(
    zh.title,
    `<h1>${bilingual(zh.title, en.title)}</h1>
<p>${bilingual(zh.intro, en.intro)}</p>
<div class="card"><span>${escapeHtml(zh.certNo)}</span> <span class="en" lang="en-US">${escapeHtml(en.certNo)}</span>
<strong>${escapeHtml(input.certNoMasked)}</strong></div>
<form method="post" action="${escapeHtml(input.actionPath)}">
${button('PASSED', 'pass', zh.pass, en.pass)}
${button('FAILED', 'fail', zh.fail, en.fail)}
${button('CANCELLED', 'cancel', zh.cancel, en.cancel)}
</form>`,
  );
}

/** What Alipay shows for a bad or unknown certify link; `reason` is a gateway sub_code, never user data. */
export function renderCertifyErrorPage(reason: string): string {
  return page(zh.errorTitle, `<h1>${bilingual(zh.errorTitle, en.errorTitle)}</h1><p><code>${escapeHtml(reason)}</code></p>`);
}
