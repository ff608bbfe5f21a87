/**
 * The emulator's index page (`GET /emulator`): the latest certifications it holds and the
 * knobs that shape its answers, so the link server.ts prints leads somewhere useful. It shows
 * what the emulator stores and nothing more: a masked certify id, the ID number as masked at
 * initialize, never a name. UI copy is zh-CN with the en-US line under each, as on the certify page.
 */
import { formatBeijingTimestamp } from '../alipay/beijing-time';
import { EmulatedCertification } from './certification-store';
import { FaultSettings } from './faults';
import { EmulatorSettings } from './settings';

/** zh-CN copy of the page. */
export const INDEX_PAGE_COPY_ZH_CN = {
  title: '支付宝网关模拟器',
  intro: '本机模拟的支付宝网关：下面是最近的认证记录和当前的故障开关。证件号码只显示掩码。',
  certifications: '最近的认证',
  none: '还没有认证记录。',
  createdAt: '创建时间（北京时间）',
  certifyId: '认证编号',
  certNo: '证件号码',
  bizCode: '认证方式',
  outcome: '结果',
  pending: '等待认证',
  passed: '已通过',
  failed: '未通过',
  faults: '故障开关',
  settings: '应用设置',
  knob: '开关',
  value: '当前值',
  change: '运行中用 POST 修改（JSON），启动时用环境变量设置：',
  allMethods: '全部方法',
  unlimited: '不限',
} as const;

/** en-US copy, same keys. */
export const INDEX_PAGE_COPY_EN_US: Record<keyof typeof INDEX_PAGE_COPY_ZH_CN, string> = {
  title: 'Alipay gateway emulator',
  intro: 'A local stand-in for Alipay\'s gateway: its latest certifications and its fault knobs. ID numbers are shown masked only.',
  certifications: 'Latest certifications',
  none: 'No certifications yet.',
  createdAt: 'Created (Beijing time)',
  certifyId: 'Certify id',
  certNo: 'ID number',
  bizCode: 'Method',
  outcome: 'Outcome',
  pending: 'Waiting',
  passed: 'Passed',
  failed: 'Failed',
  faults: 'Fault knobs',
  settings: 'App settings',
  knob: 'Knob',
  value: 'Current value',
  change: 'Change them at run time with a POST (JSON), or at start with environment variables:',
  allMethods: 'all methods',
  unlimited: 'no limit',
};

/** How many certifications the page lists. */
export const INDEX_PAGE_LIMIT = 50;

const zh = INDEX_PAGE_COPY_ZH_CN;
const en = INDEX_PAGE_COPY_EN_US;

/** Colours as on the certify page: #1f1f1f on #fff is 16.1:1, #595959 on #f5f5f5 is 6.4:1. */
const STYLE = `
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.5 -apple-system, "PingFang SC", "Noto Sans CJK SC", sans-serif; color: #1f1f1f; background: #f5f5f5; }
  main { max-width: 960px; margin: 0 auto; padding: 24px 16px; }
  h1 { font-size: 20px; margin: 0 0 8px; }
  h2 { font-size: 18px; margin: 24px 0 8px; }
  .en { display: block; color: #595959; font-size: 13px; }
  .card { background: #fff; color: #1f1f1f; border-radius: 12px; padding: 16px; margin: 16px 0; overflow-x: auto; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #d9d9d9; vertical-align: top; }
  code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 14px; }
  a { color: #0050b3; }
  .card:focus-visible, a:focus-visible { outline: 3px solid #0050b3; outline-offset: 2px; }
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function bilingual(zhText: string, enText: string): string {
  return `${escapeHtml(zhText)}<span class="en" lang="en-US">${escapeHtml(enText)}</span>`;
}

/** The first and last four characters: enough to tell rows apart, not enough to act on one. */
export function maskCertifyId(certifyId: string): string {
  return certifyId.length <= 8 ? '*'.repeat(certifyId.length) : `${certifyId.slice(0, 4)}…${certifyId.slice(-4)}`;
}

function outcomeCell(outcome: EmulatedCertification['outcome']): string {
  if (outcome === 'PASSED') return bilingual(zh.passed, en.passed);
  if (outcome === 'FAILED') return bilingual(zh.failed, en.failed);
  return bilingual(zh.pending, en.pending);
}

function certificationTable(certifications: readonly EmulatedCertification[]): string {
  if (certifications.length === 0) return `<p>${bilingual(zh.none, en.none)}</p>`;
  const rows = certifications
    .map(
      (certification) =>
        `<tr><td>${escapeHtml(formatBeijingTimestamp(certification.createdAt))}</td><td><code>${escapeHtml(maskCertifyId(certification.certifyId))}</code></td>` +
        `<td><code>${escapeHtml(certification.certNoMasked)}</code></td><td><code>${escapeHtml(certification.bizCode)}</code></td><td>${outcomeCell(certification.outcome)}</td></tr>`,
    )
    .join('\n');
  return `<table>
<thead><tr><th scope="col">${bilingual(zh.createdAt, en.createdAt)}</th><th scope="col">${bilingual(zh.certifyId, en.certifyId)}</th><th scope="col">${bilingual(zh.certNo, en.certNo)}</th><th scope="col">${bilingual(zh.bizCode, en.bizCode)}</th><th scope="col">${bilingual(zh.outcome, en.outcome)}</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

/**
 * A heading and its card. The card scrolls sideways on a narrow screen, so it takes keyboard
 * focus (a keyboard user can scroll it) and is a region named by its heading.
 */
function section(id: string, zhTitle: string, enTitle: string, content: string): string {
  return `<h2 id="${id}">${bilingual(zhTitle, enTitle)}</h2>
<div class="card" role="region" aria-labelledby="${id}" tabindex="0">${content}</div>`;
}

/** Rows of `[name, value, environment variable or '']`. */
function knobTable(rows: ReadonlyArray<readonly [string, string, string]>): string {
  const body = rows
    .map(([name, value, variable]) => `<tr><td><code>${escapeHtml(name)}</code></td><td><code>${escapeHtml(value)}</code></td><td>${variable ? `<code>${escapeHtml(variable)}</code>` : ''}</td></tr>`)
    .join('\n');
  return `<table>
<thead><tr><th scope="col">${bilingual(zh.knob, en.knob)}</th><th scope="col">${bilingual(zh.value, en.value)}</th><th scope="col"><span lang="en-US">env</span></th></tr></thead>
<tbody>
${body}
</tbody>
</table>`;
}

export interface IndexPageInput {
  /** Newest first, at most INDEX_PAGE_LIMIT. */
  certifications: readonly EmulatedCertification[];
  faults: FaultSettings;
  settings: EmulatorSettings;
  /** Where the emulator is mounted, e.g. `/emulator`. */
  prefix: string;
}

/** The whole page. */
export function renderIndexPage(input: IndexPageInput): string {
  const { faults, settings, prefix } = input;
  const faultRows = [
    ['latencyMs', String(faults.latencyMs), 'EMULATOR_LATENCY_MS'],
    ['unavailableShare', String(faults.unavailableShare), 'EMULATOR_UNAVAILABLE_SHARE'],
    ['timeoutShare', String(faults.timeoutShare), 'EMULATOR_TIMEOUT_SHARE'],
    ['badSignatureShare', String(faults.badSignatureShare), 'EMULATOR_BAD_SIGNATURE_SHARE'],
    ['unsignedShare', String(faults.unsignedShare), 'EMULATOR_UNSIGNED_SHARE'],
    ['methods', faults.methods.length > 0 ? faults.methods.join(', ') : `${zh.allMethods} (${en.allMethods})`, ''],
    ['remaining', faults.remaining === null ? `${zh.unlimited} (${en.unlimited})` : String(faults.remaining), ''],
  ] as const;
  const settingRows = [
    ['oauthIdentity', settings.oauthIdentity, 'EMULATOR_OAUTH_IDENTITY'],
    ['failReason', String(settings.failReason), 'EMULATOR_FAIL_REASON'],
  ] as const;
  // The link GETs the knobs as JSON; the same path takes the POST.
  const link = (path: string): string => `<a href="${escapeHtml(`${prefix}${path}`)}"><code>${escapeHtml(`${prefix}${path}`)}</code></a>`;
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(zh.title)}</title>
<style>${STYLE}</style>
</head>
<body><main>
<h1>${bilingual(zh.title, en.title)}</h1>
<p>${bilingual(zh.intro, en.intro)}</p>
${section('certifications', zh.certifications, en.certifications, certificationTable(input.certifications))}
${section('faults', zh.faults, en.faults, `<p>${bilingual(zh.change, en.change)} ${link('/faults')}</p>\n${knobTable(faultRows)}`)}
${section('settings', zh.settings, en.settings, `<p>${bilingual(zh.change, en.change)} ${link('/settings')}</p>\n${knobTable(settingRows)}`)}
</main></body>
</html>`;
}
