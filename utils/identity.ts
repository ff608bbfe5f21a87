/**
 * Normalizing, validating and masking a person's name and Chinese ID number.
 *
 * Pure and platform-free: the mini-program, the H5 page and the backend all import
 * this one module, so a number the form accepts is exactly a number the server accepts.
 * Written in TypeScript 4.4.4 syntax and without regex Unicode property escapes or
 * `for...of` over strings, because the Alipay compiler may target ES5 and older
 * JavaScript engines in the Alipay app do not support those.
 *
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.initialize (identity_param)
 */
import { IdentityErrorCode } from './error-codes';

/**
 * Alipay `identity_param.cert_type` values this product sends.
 * The first digit(s) of an 18-character number decide the type:
 * 81/82 are Hong Kong and Macau residence permits, 83 Taiwan residence permits,
 * 9 the 2023 foreigner's permanent residence ID card; everything else is a resident ID card.
 * `PERMANENT_RESIDENCE_FOREIGNER` is not in the initialize page's five-value list;
 * it is the name Alipay integrations use for that card, still to be confirmed with a sandbox
 * account (docs/real-mode.md, "Still to confirm").
 */
export type CertType =
  | 'IDENTITY_CARD'
  | 'RESIDENCE_PERMIT_HK_MC'
  | 'RESIDENCE_PERMIT_TAIWAN'
  | 'PERMANENT_RESIDENCE_FOREIGNER';

export const CERT_TYPES: readonly CertType[] = [
  'IDENTITY_CARD',
  'RESIDENCE_PERMIT_HK_MC',
  'RESIDENCE_PERMIT_TAIWAN',
  'PERMANENT_RESIDENCE_FOREIGNER',
];

/** A refusal, with a code for programs and a zh-CN message that says what to fix. */
export interface IdentityError {
  code: IdentityErrorCode;
  message: string;
}

/** zh-CN copy for each refusal, shown beside the field. */
export const IDENTITY_MESSAGES_ZH_CN: Readonly<Record<IdentityErrorCode, string>> = {
  CERT_NO_REQUIRED: '请输入证件号码',
  CERT_NO_FORMAT: '证件号码应为 18 位，由数字组成，最后一位可以是 X',
  CERT_NO_LEGACY_15: '15 位旧身份证号已停用，请输入 18 位的新证件号码',
  CERT_NO_REGION: '证件号码的前两位不是有效的地区代码，请核对',
  CERT_NO_BIRTH_DATE: '证件号码中的出生日期（第 7 至 14 位）无效，请核对',
  CERT_NO_CHECKSUM: '证件号码校验位不正确，可能有数字输错或顺序颠倒，请逐位核对',
  CERT_TYPE_MISMATCH: '证件类型与证件号码不一致，请核对',
  CERT_NAME_REQUIRED: '请输入姓名',
  CERT_NAME_TOO_LONG: '姓名不能超过 50 个字',
  CERT_NAME_CHARSET: '姓名只能包含汉字和间隔号“·”，请与证件上的姓名保持一致；英文姓名仅限外国人永久居留身份证（9 开头的号码）',
  CERT_NAME_DOT: '间隔号“·”不能在姓名开头或结尾，也不能连续出现',
  CERT_NAME_LATIN_CHARSET: '英文姓名只能包含英文字母、空格和 - \' , . 这几个符号，以字母开头，请与证件上的英文姓名保持一致',
};

/** en-US copy, kept beside the zh-CN table for reviewers and support staff. */
export const IDENTITY_MESSAGES_EN_US: Readonly<Record<IdentityErrorCode, string>> = {
  CERT_NO_REQUIRED: 'Enter your ID number',
  CERT_NO_FORMAT: 'An ID number has 18 characters: digits, and the last one may be X',
  CERT_NO_LEGACY_15: 'Old 15-digit ID numbers are no longer valid; enter your 18-character number',
  CERT_NO_REGION: 'The first two digits are not a valid region code; check the number',
  CERT_NO_BIRTH_DATE: 'The birth date in the number (digits 7 to 14) is not valid; check the number',
  CERT_NO_CHECKSUM: 'The check digit does not match: a digit may be wrong or two swapped; check each digit',
  CERT_TYPE_MISMATCH: 'The certificate type does not match the number',
  CERT_NAME_REQUIRED: 'Enter your name',
  CERT_NAME_TOO_LONG: 'A name has at most 50 characters',
  CERT_NAME_CHARSET: 'Use Chinese characters and the middle dot “·” only, as on your ID card; Latin letters only with a foreigner\'s permanent residence card (number starting with 9)',
  CERT_NAME_DOT: 'The middle dot “·” cannot start or end a name, or appear twice in a row',
  CERT_NAME_LATIN_CHARSET: 'A name in Latin letters may hold letters, spaces and - \' , . only, and starts with a letter, as on your card',
};

export const CERT_NAME_MAX_CODE_POINTS = 50;
export const MIDDLE_DOT = '\u00B7';

function identityError(code: IdentityErrorCode): IdentityError {
  return { code, message: IDENTITY_MESSAGES_ZH_CN[code] };
}

/** Splits a string into code points without relying on ES2015 string iteration. */
function toCodePoints(text: string): number[] {
  const points: number[] = [];
  for (let index = 0; index < text.length; index += 1) {
    const point = text.codePointAt(index) as number;
    points.push(point);
    if (point > 0xffff) index += 1;
  }
  return points;
}

/**
 * Removes every kind of space. Callers run NFKC again afterwards: a combining mark that
 * followed a removed space composes with the character before the space only then, and
 * without that second pass normalizing would not be idempotent (found by fast-check).
 */
function stripWhitespace(text: string): string {
  const points = toCodePoints(text);
  let result = '';
  for (let index = 0; index < points.length; index += 1) {
    if (!isWhitespace(points[index])) result += String.fromCodePoint(points[index]);
  }
  return result;
}

function isWhitespace(point: number): boolean {
  return (
    point === 0x20 ||
    (point >= 0x09 && point <= 0x0d) ||
    point === 0x85 ||
    point === 0xa0 ||
    point === 0x1680 ||
    (point >= 0x2000 && point <= 0x200b) ||
    point === 0x2028 ||
    point === 0x2029 ||
    point === 0x202f ||
    point === 0x205f ||
    point === 0x3000 ||
    point === 0xfeff
  );
}

// ---------------------------------------------------------------- ID number

const GB11643_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const GB11643_CHECK_CHARACTERS = '10X98765432';

/**
 * Province-level codes (GB/T 2260) that begin a resident ID number, plus 71 (Taiwan),
 * and 81/82/83, the fixed prefixes of residence permits for people from Hong Kong,
 * Macau and Taiwan.
 */
const REGION_PREFIXES = [
  '11', '12', '13', '14', '15',
  '21', '22', '23',
  '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46',
  '50', '51', '52', '53', '54',
  '61', '62', '63', '64', '65',
  '71', '81', '82', '83',
];

/** Province codes that may follow the 9 of a foreigner's permanent residence ID card. */
const MAINLAND_PROVINCE_PREFIXES = REGION_PREFIXES.filter((prefix) => prefix < '71');

/**
 * The GB 11643-1999 MOD 11-2 check character for the first 17 digits.
 * @throws TypeError when given anything but 17 ASCII digits (a programmer error).
 */
export function computeCheckCharacter(first17Digits: string): string {
  if (!/^\d{17}$/.test(first17Digits)) {
    throw new TypeError('computeCheckCharacter expects exactly 17 digits');
  }
  let sum = 0;
  for (let index = 0; index < 17; index += 1) {
    sum += (first17Digits.charCodeAt(index) - 48) * GB11643_WEIGHTS[index];
  }
  return GB11643_CHECK_CHARACTERS.charAt(sum % 11);
}

/**
 * Canonical form of a typed ID number: NFKC (full-width digits become ASCII),
 * every kind of space removed, a lowercase x made X. Idempotent.
 */
export function normalizeCertNo(raw: string): string {
  return stripWhitespace(raw.normalize('NFKC')).normalize('NFKC').replace(/x/g, 'X');
}

/** The certificate type an 18-character number belongs to, from its prefix. */
export function certTypeOf(certNo: string): CertType {
  if (certNo.charAt(0) === '9') return 'PERMANENT_RESIDENCE_FOREIGNER';
  const prefix = certNo.slice(0, 2);
  if (prefix === '81' || prefix === '82') return 'RESIDENCE_PERMIT_HK_MC';
  if (prefix === '83') return 'RESIDENCE_PERMIT_TAIWAN';
  return 'IDENTITY_CARD';
}

function hasValidRegion(certNo: string): boolean {
  if (certNo.charAt(0) === '9') return MAINLAND_PROVINCE_PREFIXES.indexOf(certNo.slice(1, 3)) >= 0;
  return REGION_PREFIXES.indexOf(certNo.slice(0, 2)) >= 0;
}

const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;

/** Today's date in Beijing as yyyymmdd, whatever the device's or host's time zone. */
function beijingDateStamp(now: Date): string {
  const beijing = new Date(now.getTime() + BEIJING_OFFSET_MS);
  const month = beijing.getUTCMonth() + 1;
  const day = beijing.getUTCDate();
  return `${beijing.getUTCFullYear()}${month < 10 ? '0' : ''}${month}${day < 10 ? '0' : ''}${day}`;
}

function hasValidBirthDate(certNo: string, now: Date): boolean {
  const stamp = certNo.slice(6, 14);
  const year = Number(stamp.slice(0, 4));
  const month = Number(stamp.slice(4, 6));
  const day = Number(stamp.slice(6, 8));
  if (year < 1900 || month < 1 || month > 12 || day < 1) return false;
  const calendarDay = new Date(Date.UTC(year, month - 1, day));
  if (calendarDay.getUTCMonth() !== month - 1 || calendarDay.getUTCDate() !== day) return false;
  return stamp <= beijingDateStamp(now);
}

/** A number that passed every check, in canonical form, with the type it implies. */
export interface ValidCertNo {
  certNo: string;
  certType: CertType;
}

export type CertNoCheck = { ok: true; value: ValidCertNo } | { ok: false; error: IdentityError };

/**
 * Normalizes and validates an ID number: 18 characters, a real region prefix,
 * a real and past birth date, and a correct GB 11643 check character.
 * The checks run from the most to the least specific message, so a user learns
 * "the birth date is wrong" rather than only "the check digit is wrong".
 * @param now the clock, for "birth date not in the future"
 */
export function validateCertNo(raw: string, now: Date = new Date()): CertNoCheck {
  const certNo = normalizeCertNo(raw);
  if (certNo.length === 0) return { ok: false, error: identityError('CERT_NO_REQUIRED') };
  if (/^\d{15}$/.test(certNo)) return { ok: false, error: identityError('CERT_NO_LEGACY_15') };
  if (!/^\d{17}[\dX]$/.test(certNo)) return { ok: false, error: identityError('CERT_NO_FORMAT') };
  if (!hasValidRegion(certNo)) return { ok: false, error: identityError('CERT_NO_REGION') };
  if (!hasValidBirthDate(certNo, now)) return { ok: false, error: identityError('CERT_NO_BIRTH_DATE') };
  if (computeCheckCharacter(certNo.slice(0, 17)) !== certNo.charAt(17)) {
    return { ok: false, error: identityError('CERT_NO_CHECKSUM') };
  }
  return { ok: true, value: { certNo, certType: certTypeOf(certNo) } };
}

// ---------------------------------------------------------------- age

/**
 * Under this age, in completed years, personal information may be processed only with a
 * guardian's consent (PIPL art. 28 and 31: a minor under 14 is a sensitive case).
 */
export const GUARDIAN_CONSENT_AGE = 14;

/**
 * The holder's age in completed years on today's date in Beijing (whatever the device's or
 * host's time zone), from the birth date inside the number: digits 7 to 14 on every
 * 18-character type this product accepts (resident ID card, the Hong Kong, Macau and Taiwan
 * residence permits, the 2023 foreigner's permanent residence card). The birthday counts from
 * 00:00 Beijing time; someone born on 29 February becomes a year older on 1 March in other
 * years. Undefined when the number carries no valid, past birth date, so the caller skips the
 * age check instead of guessing.
 * @param certNo a canonical number (normalizeCertNo, or validateCertNo's value)
 * @param now the clock
 */
export function ageInBeijing(certNo: string, now: Date = new Date()): number | undefined {
  if (!/^\d{17}[\dX]$/.test(certNo) || !hasValidBirthDate(certNo, now)) return undefined;
  const birth = certNo.slice(6, 14);
  const today = beijingDateStamp(now);
  const age = Number(today.slice(0, 4)) - Number(birth.slice(0, 4));
  return today.slice(4) < birth.slice(4) ? age - 1 : age;
}

// ---------------------------------------------------------------- name

/** Characters people type for the middle dot of minority and transliterated names. */
const MIDDLE_DOT_LOOKALIKES = [
  0x002e, // . full stop
  0x00b7, // · middle dot (the canonical one)
  0x0387, // · Greek ano teleia
  0x16eb, // ᛫ runic single punctuation
  0x2022, // • bullet
  0x2024, // ․ one dot leader
  0x2027, // ‧ hyphenation point
  0x2219, // ∙ bullet operator
  0x22c5, // ⋅ dot operator
  0x2e31, // ⸱ word separator middle dot
  0x30fb, // ・ katakana middle dot
  0x318d, // ㆍ Hangul letter araea
  0xfe52, // ﹒ small full stop
  0xff0e, // ． full-width full stop
  0xff65, // ･ half-width katakana middle dot
];

/** Han ideograph blocks, BMP and supplementary, plus 〇 which appears in names. */
const HAN_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x3007, 0x3007],
  [0x3400, 0x4dbf], // Extension A
  [0x4e00, 0x9fff], // Unified Ideographs
  [0xf900, 0xfaff], // Compatibility Ideographs
  [0x20000, 0x2a6df], // Extension B
  [0x2a700, 0x2ebef], // Extensions C, D, E, F
  [0x2ebf0, 0x2ee5f], // Extension I
  [0x2f800, 0x2fa1f], // Compatibility Ideographs Supplement
  [0x30000, 0x323af], // Extensions G, H
];

function isHan(point: number): boolean {
  for (let index = 0; index < HAN_RANGES.length; index += 1) {
    if (point >= HAN_RANGES[index][0] && point <= HAN_RANGES[index][1]) return true;
  }
  return false;
}

/**
 * The one card whose holder's name may be in Latin letters: the foreigner's permanent
 * residence ID card prints the English name (ICAO transliteration, capitals A-Z), and a holder
 * with a Chinese name has it printed too, so both are accepted for it.
 */
export const LATIN_NAME_CERT_TYPE: CertType = 'PERMANENT_RESIDENCE_FOREIGNER';

/** What a Latin name holds besides A-Z: space, hyphen, apostrophe, comma, full stop. */
const LATIN_NAME_PUNCTUATION = " -',.";

function hasLatinLetter(text: string): boolean {
  return /[A-Za-z]/.test(text);
}

/**
 * Canonical form of a typed name. A Chinese name: NFKC, spaces removed (no name on a Chinese
 * ID card contains one), and every look-alike dot made U+00B7. A Latin name (only for
 * LATIN_NAME_CERT_TYPE): NFKC, runs of spaces made one, trimmed, typographic apostrophes made
 * ASCII, and capitals, as the card prints it. Idempotent.
 */
export function normalizeCertName(raw: string, certType?: string): string {
  const nfkc = raw.normalize('NFKC');
  if (certType === LATIN_NAME_CERT_TYPE && hasLatinLetter(nfkc)) {
    return nfkc.replace(/\s+/g, ' ').trim().replace(/[\u2018\u2019\u02bc]/g, "'").toUpperCase();
  }
  const points = toCodePoints(stripWhitespace(nfkc).normalize('NFKC'));
  let result = '';
  for (let index = 0; index < points.length; index += 1) {
    const point = points[index];
    result += MIDDLE_DOT_LOOKALIKES.indexOf(point) >= 0 ? MIDDLE_DOT : String.fromCodePoint(point);
  }
  return result;
}

/** The length a person sees: code points, so a rare character outside the BMP counts once. */
export function countCodePoints(text: string): number {
  return toCodePoints(text).length;
}

export type CertNameCheck = { ok: true; value: string } | { ok: false; error: IdentityError };

/**
 * A normalized Latin name: capitals, spaces and - ' , . only, starting with a letter, ending
 * with a letter or a full stop, and no two marks in a row except a comma or full stop before a
 * space ("SMITH, JOHN", "J. SMITH").
 */
function checkLatinName(name: string): CertNameCheck {
  let previousMark = '';
  for (let index = 0; index < name.length; index += 1) {
    const char = name.charAt(index);
    const letter = char >= 'A' && char <= 'Z';
    if (!letter && LATIN_NAME_PUNCTUATION.indexOf(char) < 0) return { ok: false, error: identityError('CERT_NAME_LATIN_CHARSET') };
    if (letter) {
      previousMark = '';
      continue;
    }
    const allowedPair = char === ' ' && (previousMark === ',' || previousMark === '.');
    if (index === 0 || (previousMark !== '' && !allowedPair)) return { ok: false, error: identityError('CERT_NAME_LATIN_CHARSET') };
    previousMark = char;
  }
  if (previousMark !== '' && previousMark !== '.') return { ok: false, error: identityError('CERT_NAME_LATIN_CHARSET') };
  return { ok: true, value: name };
}

/**
 * Normalizes and validates a name: 1 to 50 code points of Han characters and middle dots, with
 * no dot at either end and never two in a row; or, for LATIN_NAME_CERT_TYPE only, a Latin name
 * (checkLatinName). Without a type, a name is checked as a Chinese one.
 */
export function validateCertName(raw: string, certType?: string): CertNameCheck {
  const name = normalizeCertName(raw, certType);
  const points = toCodePoints(name);
  if (points.length === 0) return { ok: false, error: identityError('CERT_NAME_REQUIRED') };
  if (points.length > CERT_NAME_MAX_CODE_POINTS) return { ok: false, error: identityError('CERT_NAME_TOO_LONG') };
  if (certType === LATIN_NAME_CERT_TYPE && hasLatinLetter(name)) return checkLatinName(name);
  const dot = MIDDLE_DOT.charCodeAt(0);
  for (let index = 0; index < points.length; index += 1) {
    if (points[index] !== dot && !isHan(points[index])) {
      return { ok: false, error: identityError('CERT_NAME_CHARSET') };
    }
  }
  const last = points.length - 1;
  for (let index = 0; index < points.length; index += 1) {
    if (points[index] !== dot) continue;
    if (index === 0 || index === last || points[index + 1] === dot) {
      return { ok: false, error: identityError('CERT_NAME_DOT') };
    }
  }
  return { ok: true, value: name };
}

// ---------------------------------------------------------------- both

export interface IdentityInput {
  certName: string;
  certNo: string;
  /** When given, it must be the type the number implies. */
  certType?: string;
}

export interface ValidIdentity {
  certName: string;
  certNo: string;
  certType: CertType;
}

export type IdentityFieldErrors = { certName?: IdentityError; certNo?: IdentityError };

export type IdentityCheck = { ok: true; value: ValidIdentity } | { ok: false; errors: IdentityFieldErrors };

/** Validates a whole form; every field's refusal is reported, not just the first. The name is checked for the number's certificate type. */
export function validateIdentity(input: IdentityInput, now: Date = new Date()): IdentityCheck {
  const number = validateCertNo(input.certNo, now);
  // The number decides which names are possible; until it is valid, a Latin name is not
  // refused for it (the number's own error is what needs fixing first).
  const name = validateCertName(input.certName, number.ok ? number.value.certType : LATIN_NAME_CERT_TYPE);
  const errors: IdentityFieldErrors = {};
  if (!name.ok) errors.certName = name.error;
  if (!number.ok) errors.certNo = number.error;
  else if (input.certType !== undefined && input.certType !== number.value.certType) {
    errors.certNo = identityError('CERT_TYPE_MISMATCH');
  }
  if (name.ok && number.ok && !errors.certNo) {
    return { ok: true, value: { certName: name.value, certNo: number.value.certNo, certType: number.value.certType } };
  }
  return { ok: false, errors };
}

// ---------------------------------------------------------------- masking

/**
 * The only form of an ID number fit for display, storage beside the HMAC, or logs:
 * the first 3 and last 4 characters, the rest starred (`110***********002X`).
 * Anything of 7 characters or fewer is starred whole, so no input leaks whole.
 */
export function maskCertNo(certNo: string): string {
  const points = toCodePoints(certNo);
  if (points.length <= 7) return repeatStar(points.length);
  return (
    String.fromCodePoint.apply(null, points.slice(0, 3)) +
    repeatStar(points.length - 7) +
    String.fromCodePoint.apply(null, points.slice(points.length - 4))
  );
}

/** A name for display: only its last character shown (`**明`), code-point aware. */
export function maskCertName(certName: string): string {
  const points = toCodePoints(certName);
  if (points.length <= 1) return repeatStar(points.length);
  return repeatStar(points.length - 1) + String.fromCodePoint(points[points.length - 1]);
}

function repeatStar(count: number): string {
  let stars = '';
  for (let index = 0; index < count; index += 1) stars += '*';
  return stars;
}
