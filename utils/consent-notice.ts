/**
 * The data notice behind the consent checkbox, shared by the mini-program's pages/consent and
 * the H5 form, in zh-CN and en-US. It names who processes the data, how to reach them and how
 * long records are kept (PIPL art. 17) from the merchant's branding (the server's
 * MERCHANT_NAME, DATA_CONTROLLER, MERCHANT_CONTACT and RETENTION_DAYS, served in
 * `GET /api/client-config`), and states only what the backend really does, so it lives beside
 * the code it describes.
 */

/** Who the person is dealing with: shown in the page header and named in the notice. */
export interface Branding {
  /** The name the person knows the service by, shown in the header (e.g. 某某银行). */
  merchantName: string;
  /** The legal entity that decides what happens to the data (PIPL's 个人信息处理者). */
  dataController: string;
  /** Where questions about personal data go: an e-mail address, a phone number or a web address. */
  contact: string;
  /** A logo shown beside the name in the header: an https URL or a path on the server; absent for none. */
  logoUrl?: string;
  /** How many days a verification record is kept before it is deleted. */
  retentionDays: number;
}

/**
 * The branding a development server (the emulator) shows when none is configured: it says so,
 * so a screenshot of it is never mistaken for a real merchant's notice.
 */
export const DEVELOPMENT_BRANDING: Branding = {
  merchantName: '身份验证示例（开发环境）',
  dataController: '开发环境示例商户（未设置 DATA_CONTROLLER）',
  contact: 'privacy@example.com',
  retentionDays: 180,
};

/** The full notice's title and its sections, each a heading and a paragraph. */
export interface ConsentNotice {
  title: string;
  controllerHeading: string;
  controller: string;
  whatHeading: string;
  what: string;
  whyHeading: string;
  why: string;
  whoHeading: string;
  who: string;
  keepHeading: string;
  keep: string;
  rightsHeading: string;
  rights: string;
}

/** The languages the notice is written in; zh-CN is shown unless English is asked for. */
export type ConsentLanguage = 'zh-CN' | 'en-US';

export const CONSENT_LANGUAGES: readonly ConsentLanguage[] = ['zh-CN', 'en-US'];

function noticeZhCn(branding: Branding): ConsentNotice {
  return {
    title: '身份验证个人信息处理说明',
    controllerHeading: '谁处理您的信息',
    controller: `${branding.dataController}（“${branding.merchantName}”，下称“我们”）是处理您个人信息的个人信息处理者。如对本说明有疑问，或要查阅、更正、删除您的信息，请联系：${branding.contact}。`,
    whatHeading: '我们收集什么',
    what: '您输入的姓名和证件号码（居民身份证、港澳台居民居住证或外国人永久居留身份证）。',
    whyHeading: '为什么收集',
    why: '仅用于确认您是证件持有人本人，不用于其他目的。',
    whoHeading: '提供给谁',
    who: '姓名和证件号码会经我们的服务器提供给支付宝（支付宝（中国）网络技术有限公司），由支付宝通过人脸验证确认您的身份。人脸图像由支付宝采集和处理，我们不会获得。',
    keepHeading: '保存多久',
    keep: `请求完成后，我们不保存原始的姓名和证件号码，只保存一个无法还原的加密散列值（用于识别重复验证）、打码后的证件号码（如 110***********002X）以及验证结果和时间。这些记录保存 ${branding.retentionDays} 天后删除。手机上只临时记录一次验证的编号，以便小程序或页面被关闭后继续查询结果。`,
    rightsHeading: '您的选择',
    rights: '您可以不同意本说明，此时无法进行身份验证。人脸验证过程中您可以随时取消。',
  };
}

function noticeEnUs(branding: Branding): ConsentNotice {
  return {
    title: 'Identity verification: personal data notice',
    controllerHeading: 'Who handles your data',
    controller: `${branding.dataController} ("${branding.merchantName}", "we") is the personal information handler for your data. For questions about this notice, or to see, correct or delete your data, contact: ${branding.contact}.`,
    whatHeading: 'What we collect',
    what: 'The name and ID number you enter (resident ID card, Hong Kong, Macau or Taiwan residence permit, or foreigner\'s permanent residence ID card).',
    whyHeading: 'Why',
    why: 'Only to confirm that you are the holder of that ID, for no other purpose.',
    whoHeading: 'Who receives it',
    who: 'Your name and ID number go through our server to Alipay (Alipay (China) Network Technology Co., Ltd.), which confirms your identity with a face check. Alipay captures and processes the face images; we never receive them.',
    keepHeading: 'How long we keep it',
    keep: `After the request we keep no raw name or ID number: only a keyed hash that cannot be reversed (to recognise repeat verifications), the masked number (e.g. 110***********002X), the result and the time. These records are deleted after ${branding.retentionDays} days. The phone keeps only the id of one open verification, so the result can be looked up after the mini-program or page was closed.`,
    rightsHeading: 'Your choice',
    rights: 'You may decline this notice; then identity verification is not possible. You can cancel the face check at any time.',
  };
}

/** The short notice beside the consent checkbox: who, what, why, to whom, how long. */
function summaryZhCn(branding: Branding): string {
  return `${branding.merchantName}收集您的姓名和证件号码，仅用于确认您的身份，并提供给支付宝进行人脸验证。请求完成后不保存原始信息，只保留加密散列值和打码后的证件号码（如 110***********002X），${branding.retentionDays} 天后删除。`;
}

function summaryEnUs(branding: Branding): string {
  return `${branding.merchantName} collects your name and ID number only to confirm your identity, and gives them to Alipay for a face check. After the request no raw data is kept, only a keyed hash and the masked number (e.g. 110***********002X), deleted after ${branding.retentionDays} days.`;
}

/**
 * The notice as one plain text, exactly as it is hashed into its version and served by
 * `GET /api/consent-notice`: the short notice beside the checkbox, then the full notice's
 * title and each heading with its paragraph, separated by blank lines. Any change to a word
 * of either changes the text, hence the version, hence what the server accepts.
 */
export function consentNoticeText(summary: string, notice: ConsentNotice): string {
  return [
    summary,
    notice.title,
    `${notice.controllerHeading}\n${notice.controller}`,
    `${notice.whatHeading}\n${notice.what}`,
    `${notice.whyHeading}\n${notice.why}`,
    `${notice.whoHeading}\n${notice.who}`,
    `${notice.keepHeading}\n${notice.keep}`,
    `${notice.rightsHeading}\n${notice.rights}`,
  ].join('\n\n');
}

/** UTF-8 bytes of a string (TextEncoder is not on every mini-program base library). */
function utf8Bytes(text: string): number[] {
  const bytes: number[] = [];
  for (let index = 0; index < text.length; index += 1) {
    let code = text.charCodeAt(index);
    const next = text.charCodeAt(index + 1);
    if (code >= 0xd800 && code < 0xdc00 && next >= 0xdc00 && next < 0xe000) {
      code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
      index += 1;
    }
    if (code < 0x80) bytes.push(code);
    else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 63));
    else if (code < 0x10000) bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
    else bytes.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
  }
  return bytes;
}

const SHA256_K: readonly number[] = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

function rotr(value: number, bits: number): number {
  return (value >>> bits) | (value << (32 - bits));
}

/**
 * SHA-256 of the UTF-8 text, as lowercase hex (FIPS 180-4). Written out because the three
 * places that need it agree only on plain code: the mini-program has no crypto module, and
 * WebCrypto is asynchronous and absent from some web views.
 * @see https://csrc.nist.gov/pubs/fips/180-4/upd1/final
 */
export function sha256Hex(text: string): string {
  const bytes = utf8Bytes(text);
  const bitLength = bytes.length * 8;
  bytes.push(0x80);
  while (bytes.length % 64 !== 56) bytes.push(0);
  // Texts here are far below 2^32 bits, so the length's upper word is zero.
  bytes.push(0, 0, 0, 0, bitLength >>> 24, (bitLength >>> 16) & 255, (bitLength >>> 8) & 255, bitLength & 255);
  const hash = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  const w: number[] = [];
  for (let offset = 0; offset < bytes.length; offset += 64) {
    for (let i = 0; i < 64; i += 1) {
      if (i < 16) {
        const at = offset + i * 4;
        w[i] = (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
      } else {
        const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
    }
    let a = hash[0];
    let b = hash[1];
    let c = hash[2];
    let d = hash[3];
    let e = hash[4];
    let f = hash[5];
    let g = hash[6];
    let h = hash[7];
    for (let i = 0; i < 64; i += 1) {
      const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + SHA256_K[i] + w[i]) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    const round = [a, b, c, d, e, f, g, h];
    for (let i = 0; i < 8; i += 1) hash[i] = (hash[i] + round[i]) | 0;
  }
  return hash.map((word) => ('0000000' + (word >>> 0).toString(16)).slice(-8)).join('');
}

/**
 * A notice's version: the first 16 hex characters of the SHA-256 of its exact text. The
 * server, the mini-program and the H5 page all compute it with this one function, so the
 * version a client sends names precisely the words it showed.
 */
export function consentVersion(text: string): string {
  return sha256Hex(text).slice(0, 16);
}

/** What a client shows and the version it sends. */
export interface ConsentNoticeVersion {
  version: string;
  text: string;
}

/** The notice in one language for one merchant: its parts as shown, its plain text and its version. */
export interface ConsentNoticeContent extends ConsentNoticeVersion {
  summary: string;
  notice: ConsentNotice;
}

/**
 * The notice in `language` for the merchant `branding` describes. The server and both clients
 * build it with this one function from the same branding (the clients get it from
 * `GET /api/client-config`), so the version a client sends is one the server accepts.
 */
export function consentNoticeFor(language: ConsentLanguage, branding: Branding): ConsentNoticeContent {
  const summary = language === 'en-US' ? summaryEnUs(branding) : summaryZhCn(branding);
  const notice = language === 'en-US' ? noticeEnUs(branding) : noticeZhCn(branding);
  const text = consentNoticeText(summary, notice);
  return { summary, notice, text, version: consentVersion(text) };
}
