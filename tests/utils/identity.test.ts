/**
 * utils/identity.ts: one example per rejection code and normalization rule, then the
 * fast-check properties the issue asks for. Every number comes from tests/support/identities.ts.
 */
import fc from 'fast-check';
import {
  CERT_NAME_MAX_CODE_POINTS,
  IDENTITY_MESSAGES_EN_US,
  IDENTITY_MESSAGES_ZH_CN,
  MIDDLE_DOT,
  certTypeOf,
  computeCheckCharacter,
  countCodePoints,
  maskCertName,
  maskCertNo,
  normalizeCertName,
  normalizeCertNo,
  validateCertName,
  validateCertNo,
  validateIdentity,
} from '../../utils/identity';
import { IdentityErrorCode } from '../../utils/error-codes';
import { TEST_NAMES, makeCertNo, makeCertNoEndingInX, validCertNoArbitrary, withCheckCharacter } from '../support/identities';

const NOW = new Date('2026-06-01T00:00:00Z');
const RARE = '\u{20000}'; // 𠀀, CJK Extension B: two UTF-16 units, one character

function certNoCode(raw: string, now: Date = NOW): IdentityErrorCode | 'ok' {
  const check = validateCertNo(raw, now);
  return check.ok ? 'ok' : check.error.code;
}

function certNameCode(raw: string): IdentityErrorCode | 'ok' {
  const check = validateCertName(raw);
  return check.ok ? 'ok' : check.error.code;
}

/** A checksum-valid number with the given prefix, birth date and sequence. */
function certNoWith(prefix6: string, birth: string, sequence = '001'): string {
  return withCheckCharacter(prefix6 + birth + sequence);
}

function toFullWidth(ascii: string): string {
  return ascii.replace(/[0-9X]/g, (char) => String.fromCharCode(char.charCodeAt(0) + 0xfee0));
}

describe('normalizeCertNo', () => {
  it('folds full-width digits and a full-width X to ASCII (NFKC)', () => {
    const certNo = makeCertNoEndingInX();
    expect(normalizeCertNo(toFullWidth(certNo))).toBe(certNo);
  });

  it('strips ASCII, no-break and ideographic spaces anywhere', () => {
    const certNo = makeCertNo(1);
    const spaced = ` ${certNo.slice(0, 6)} ${certNo.slice(6, 14)}\u00a0${certNo.slice(14)}\u3000\t`;
    expect(normalizeCertNo(spaced)).toBe(certNo);
  });

  it('uppercases a trailing lowercase x', () => {
    const certNo = makeCertNoEndingInX();
    expect(normalizeCertNo(certNo.toLowerCase())).toBe(certNo);
    expect(validateCertNo(certNo.toLowerCase(), NOW)).toEqual({ ok: true, value: { certNo, certType: 'IDENTITY_CARD' } });
  });
});

describe('validateCertNo rejections', () => {
  it('CERT_NO_REQUIRED for empty or space-only input', () => {
    expect(certNoCode('')).toBe('CERT_NO_REQUIRED');
    expect(certNoCode(' \u3000 ')).toBe('CERT_NO_REQUIRED');
  });

  it('CERT_NO_LEGACY_15 for a 15-digit legacy number', () => {
    expect(certNoCode('110101800101001')).toBe('CERT_NO_LEGACY_15');
  });

  it('CERT_NO_FORMAT for the wrong length, letters, or an X before the last place', () => {
    const certNo = makeCertNo(2);
    expect(certNoCode(certNo.slice(0, 17))).toBe('CERT_NO_FORMAT');
    expect(certNoCode(`${certNo}1`)).toBe('CERT_NO_FORMAT');
    expect(certNoCode(`${certNo.slice(0, 10)}A${certNo.slice(11)}`)).toBe('CERT_NO_FORMAT');
    expect(certNoCode(`X${certNo.slice(1)}`)).toBe('CERT_NO_FORMAT');
  });

  it('CERT_NO_REGION for a prefix that is no province', () => {
    expect(certNoCode(certNoWith('000101', '19900101'))).toBe('CERT_NO_REGION');
    expect(certNoCode(certNoWith('990101', '19900101'))).toBe('CERT_NO_REGION');
    expect(certNoCode(certNoWith('720101', '19900101'))).toBe('CERT_NO_REGION');
  });

  it('CERT_NO_REGION for a foreigner card whose province digits are not a mainland province', () => {
    expect(certNoCode(certNoWith('971156', '19900101'))).toBe('CERT_NO_REGION');
    expect(certNoCode(certNoWith('911156', '19900101'))).toBe('ok');
  });

  it('CERT_NO_BIRTH_DATE for a day that is not on the calendar', () => {
    expect(certNoCode(certNoWith('110101', '19900230'))).toBe('CERT_NO_BIRTH_DATE');
    expect(certNoCode(certNoWith('110101', '19901301'))).toBe('CERT_NO_BIRTH_DATE');
    expect(certNoCode(certNoWith('110101', '19900000'))).toBe('CERT_NO_BIRTH_DATE');
    expect(certNoCode(certNoWith('110101', '18991231'))).toBe('CERT_NO_BIRTH_DATE');
  });

  it('accepts Feb 29 in leap years and refuses it otherwise (1900 was not a leap year)', () => {
    expect(certNoCode(certNoWith('110101', '20000229'))).toBe('ok');
    expect(certNoCode(certNoWith('110101', '19960229'))).toBe('ok');
    expect(certNoCode(certNoWith('110101', '20010229'))).toBe('CERT_NO_BIRTH_DATE');
    expect(certNoCode(certNoWith('110101', '19000229'))).toBe('CERT_NO_BIRTH_DATE');
  });

  it('CERT_NO_BIRTH_DATE for a birth date after the injected now', () => {
    const certNo = certNoWith('110101', '20300101');
    expect(certNoCode(certNo, NOW)).toBe('CERT_NO_BIRTH_DATE');
    expect(certNoCode(certNo, new Date('2030-01-01T12:00:00Z'))).toBe('ok');
  });

  it('judges "today" by the Beijing calendar, not the host time zone', () => {
    const certNo = certNoWith('110101', '20261123');
    expect(certNoCode(certNo, new Date('2026-11-22T15:59:59Z'))).toBe('CERT_NO_BIRTH_DATE');
    expect(certNoCode(certNo, new Date('2026-11-22T16:00:00Z'))).toBe('ok');
  });

  it('CERT_NO_CHECKSUM when the check character is wrong', () => {
    const certNo = makeCertNo(3);
    const wrong = certNo.charAt(17) === '0' ? '1' : '0';
    expect(certNoCode(certNo.slice(0, 17) + wrong)).toBe('CERT_NO_CHECKSUM');
  });

  it('computeCheckCharacter refuses anything but 17 digits with a TypeError', () => {
    expect(() => computeCheckCharacter('1234')).toThrow(TypeError);
    expect(computeCheckCharacter('11010119900307123')).toMatch(/^[\dX]$/);
  });
});

describe('certificate types', () => {
  it('maps 81 and 82 to Hong Kong and Macau residence permits', () => {
    expect(validateCertNo(certNoWith('810000', '19900101'), NOW)).toMatchObject({ ok: true, value: { certType: 'RESIDENCE_PERMIT_HK_MC' } });
    expect(validateCertNo(certNoWith('820000', '19900101'), NOW)).toMatchObject({ ok: true, value: { certType: 'RESIDENCE_PERMIT_HK_MC' } });
  });

  it('maps 83 to Taiwan residence permits', () => {
    expect(validateCertNo(certNoWith('830000', '19900101'), NOW)).toMatchObject({ ok: true, value: { certType: 'RESIDENCE_PERMIT_TAIWAN' } });
  });

  it('maps a leading 9 to the foreigner permanent residence card', () => {
    expect(validateCertNo(certNoWith('931156', '19900101'), NOW)).toMatchObject({ ok: true, value: { certType: 'PERMANENT_RESIDENCE_FOREIGNER' } });
  });

  it('maps every other valid prefix to IDENTITY_CARD', () => {
    expect(certTypeOf(makeCertNo(4))).toBe('IDENTITY_CARD');
    expect(certTypeOf(certNoWith('710000', '19900101'))).toBe('IDENTITY_CARD');
  });

  it('CERT_TYPE_MISMATCH when a given certType disagrees with the number', () => {
    const check = validateIdentity({ certName: TEST_NAMES[0], certNo: certNoWith('810000', '19900101'), certType: 'IDENTITY_CARD' }, NOW);
    expect(check).toEqual({ ok: false, errors: { certNo: { code: 'CERT_TYPE_MISMATCH', message: IDENTITY_MESSAGES_ZH_CN.CERT_TYPE_MISMATCH } } });
  });
});

describe('validateCertName', () => {
  it('accepts every fixture name unchanged', () => {
    TEST_NAMES.forEach((name) => expect(validateCertName(name)).toEqual({ ok: true, value: name }));
  });

  it('CERT_NAME_REQUIRED for empty or space-only input', () => {
    expect(certNameCode('')).toBe('CERT_NAME_REQUIRED');
    expect(certNameCode('\u3000 ')).toBe('CERT_NAME_REQUIRED');
  });

  it('counts code points: 50 rare characters outside the BMP pass, 51 do not', () => {
    const fifty = RARE.repeat(CERT_NAME_MAX_CODE_POINTS);
    expect(fifty.length).toBe(100);
    expect(countCodePoints(fifty)).toBe(50);
    expect(validateCertName(fifty)).toEqual({ ok: true, value: fifty });
    expect(certNameCode(fifty + RARE)).toBe('CERT_NAME_TOO_LONG');
  });

  it('CERT_NAME_TOO_LONG past 50 BMP characters', () => {
    expect(certNameCode('测'.repeat(50))).toBe('ok');
    expect(certNameCode('测'.repeat(51))).toBe('CERT_NAME_TOO_LONG');
  });

  it('accepts a rare character mixed with common ones', () => {
    expect(validateCertName(`张${RARE}`)).toEqual({ ok: true, value: `张${RARE}` });
  });

  it('CERT_NAME_CHARSET for Latin letters (without a permanent residence card), digits or punctuation', () => {
    expect(certNameCode('Zhang')).toBe('CERT_NAME_CHARSET');
    expect(certNameCode('测试1')).toBe('CERT_NAME_CHARSET');
    expect(certNameCode('测试-甲')).toBe('CERT_NAME_CHARSET');
  });

  it('CERT_NAME_DOT for a dot at the start, at the end, or twice in a row', () => {
    expect(certNameCode('·阿依')).toBe('CERT_NAME_DOT');
    expect(certNameCode('阿依·')).toBe('CERT_NAME_DOT');
    expect(certNameCode('阿依··测试')).toBe('CERT_NAME_DOT');
  });

  it('normalizes look-alike dots to U+00B7', () => {
    ['.', '\u2022', '\u30fb', '\uff0e', '\u2027', '\u22c5', '\uff65', '\u0387'].forEach((dot) => {
      expect(normalizeCertName(`阿依${dot}测试`)).toBe(`阿依${MIDDLE_DOT}测试`);
    });
    expect(certNameCode('阿依•・测试')).toBe('CERT_NAME_DOT');
  });

  it('removes spaces, including the ideographic space', () => {
    expect(validateCertName(' 测\u3000试 甲 ')).toEqual({ ok: true, value: '测试甲' });
  });
});

describe('names in Latin letters (foreigner\'s permanent residence card only)', () => {
  const LATIN = 'PERMANENT_RESIDENCE_FOREIGNER';
  const PR_CARD_NO = certNoWith('911000', '19900101');

  it.each([
    ['john smith', 'JOHN SMITH'],
    ['  Mary-Jane   O\u2019Neil ', "MARY-JANE O'NEIL"],
    ['SMITH, JOHN', 'SMITH, JOHN'],
    ['J. R. TOLKIEN', 'J. R. TOLKIEN'],
    ['ＪＯＨＮ　ＳＭＩＴＨ', 'JOHN SMITH'],
    ['ABDUL QADIR JR.', 'ABDUL QADIR JR.'],
  ])('accepts %j as %j: capitals as the card prints them, spaces collapsed', (raw, canonical) => {
    expect(validateCertName(raw, LATIN)).toEqual({ ok: true, value: canonical });
    expect(normalizeCertName(canonical, LATIN)).toBe(canonical);
  });

  it('still accepts a Chinese name on the card, which prints one when the holder has it', () => {
    expect(validateCertName(TEST_NAMES[0], LATIN)).toEqual({ ok: true, value: TEST_NAMES[0] });
  });

  it.each(['JOHN2 SMITH', 'JOSÉ LÓPEZ', '-JOHN', 'JOHN-', 'JOHN--SMITH', "JOHN ' SMITH", 'JOHN,SMITH,', '张 SMITH', 'JOHN_SMITH'])(
    'CERT_NAME_LATIN_CHARSET for %j (a character or an order no card has)',
    (raw) => {
      const check = validateCertName(raw, LATIN);
      expect(check.ok ? 'ok' : check.error.code).toBe('CERT_NAME_LATIN_CHARSET');
    },
  );

  it('CERT_NAME_TOO_LONG past 50 characters', () => {
    expect(validateCertName('A'.repeat(50), LATIN).ok).toBe(true);
    const check = validateCertName('A'.repeat(51), LATIN);
    expect(check.ok ? 'ok' : check.error.code).toBe('CERT_NAME_TOO_LONG');
  });

  it('validateIdentity takes a Latin name with a permanent residence card number, and refuses it with a resident ID card number', () => {
    expect(validateIdentity({ certName: 'john smith', certNo: PR_CARD_NO }, NOW)).toEqual({
      ok: true,
      value: { certName: 'JOHN SMITH', certNo: PR_CARD_NO, certType: LATIN },
    });
    const resident = validateIdentity({ certName: 'john smith', certNo: certNoWith('110101', '19900101') }, NOW);
    expect(resident).toEqual({ ok: false, errors: { certName: { code: 'CERT_NAME_CHARSET', message: IDENTITY_MESSAGES_ZH_CN.CERT_NAME_CHARSET } } });
  });

  it('validateIdentity reports only the number while it is invalid, not a Latin name that may fit the card once it is fixed', () => {
    const check = validateIdentity({ certName: 'JOHN SMITH', certNo: '9110001990' }, NOW);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(Object.keys(check.errors)).toEqual(['certNo']);
  });
});

describe('validateIdentity', () => {
  it('reports both fields when both are wrong', () => {
    const check = validateIdentity({ certName: '', certNo: '123' }, NOW);
    expect(check.ok).toBe(false);
    if (!check.ok) {
      expect(check.errors.certName?.code).toBe('CERT_NAME_REQUIRED');
      expect(check.errors.certNo?.code).toBe('CERT_NO_FORMAT');
    }
  });

  it('returns the normalized pair and the implied type', () => {
    const certNo = makeCertNoEndingInX();
    expect(validateIdentity({ certName: ' 测试甲 ', certNo: ` ${certNo.toLowerCase()} ` }, NOW)).toEqual({
      ok: true,
      value: { certName: '测试甲', certNo, certType: 'IDENTITY_CARD' },
    });
  });
});

describe('masking', () => {
  it('shows the first 3 and the last 4 characters of an ID number', () => {
    const certNo = makeCertNoEndingInX();
    expect(maskCertNo(certNo)).toBe(`${certNo.slice(0, 3)}***********${certNo.slice(14)}`);
    expect(maskCertNo(certNo)).toMatch(/^\d{3}\*{11}\d{3}X$/);
  });

  it('stars short input whole so nothing leaks', () => {
    expect(maskCertNo('1234567')).toBe('*******');
    expect(maskCertNo('')).toBe('');
  });

  it('shows only the last character of a name, counting code points', () => {
    expect(maskCertName('测试甲')).toBe('**甲');
    expect(maskCertName(`${RARE}${RARE}`)).toBe(`*${RARE}`);
    expect(maskCertName('甲')).toBe('*');
  });
});

describe('messages', () => {
  it('has a zh-CN and an en-US message for every code, and they differ', () => {
    const codes = Object.keys(IDENTITY_MESSAGES_ZH_CN) as IdentityErrorCode[];
    expect(codes.sort()).toEqual((Object.keys(IDENTITY_MESSAGES_EN_US) as IdentityErrorCode[]).sort());
    codes.forEach((code) => {
      expect(IDENTITY_MESSAGES_ZH_CN[code]).toMatch(/[\u4e00-\u9fff]/);
      expect(IDENTITY_MESSAGES_EN_US[code]).toMatch(/^[\x20-\x7e“”·]+$/);
    });
  });
});

// ---------------------------------------------------------------- properties

const DIGITS = '0123456789';

describe('properties', () => {
  it('accepts every generated valid ID number, with the type its prefix implies', () => {
    fc.assert(
      fc.property(validCertNoArbitrary(), (certNo) => {
        const check = validateCertNo(certNo, NOW);
        expect(check).toEqual({ ok: true, value: { certNo, certType: certTypeOf(certNo) } });
      }),
      { numRuns: 500 },
    );
  });

  it('rejects every single-character change of a valid number', () => {
    fc.assert(
      fc.property(validCertNoArbitrary(), fc.integer({ min: 0, max: 17 }), fc.integer({ min: 1, max: 10 }), (certNo, position, shift) => {
        const alphabet = position === 17 ? `${DIGITS}X` : DIGITS;
        const current = alphabet.indexOf(certNo.charAt(position));
        const replacement = alphabet.charAt((current + shift) % alphabet.length);
        fc.pre(replacement !== certNo.charAt(position));
        const changed = certNo.slice(0, position) + replacement + certNo.slice(position + 1);
        expect(validateCertNo(changed, NOW).ok).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects every adjacent swap of two distinct characters', () => {
    fc.assert(
      fc.property(validCertNoArbitrary(), fc.integer({ min: 0, max: 16 }), (certNo, position) => {
        const left = certNo.charAt(position);
        const right = certNo.charAt(position + 1);
        fc.pre(left !== right);
        const swapped = certNo.slice(0, position) + right + left + certNo.slice(position + 2);
        expect(validateCertNo(swapped, NOW).ok).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  // Characters that stress normalization: spaces NFKC produces or removes, combining
  // marks that compose with a neighbour once a space between them is gone, x/X, dots.
  const tricky = fc.string({
    unit: fc.constantFrom(' ', '\u3000', '\u00a0', '\u00a8', 'e', 'x', 'X', '1', '\u0301', '\u0307', '\u0308', '\u1100', '\u1161', '.', '\u30fb', '测', '\uff11'),
    maxLength: 12,
  });
  const anyText = fc.oneof(tricky, fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }));

  it('normalizeCertNo is idempotent', () => {
    fc.assert(
      fc.property(anyText, (raw) => {
        const once = normalizeCertNo(raw);
        expect(normalizeCertNo(once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });

  it('normalizeCertName is idempotent', () => {
    fc.assert(
      fc.property(anyText, (raw) => {
        const once = normalizeCertName(raw);
        expect(normalizeCertName(once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary Unicode, lone surrogates included', () => {
    fc.assert(
      fc.property(anyText, anyText, (name, number) => {
        const check = validateIdentity({ certName: name, certNo: number }, NOW);
        expect(typeof check.ok).toBe('boolean');
        expect(typeof maskCertNo(number)).toBe('string');
        expect(typeof maskCertName(name)).toBe('string');
        validateCertNo(number);
        validateCertName(name);
      }),
      { numRuns: 2000 },
    );
  });

  it('a masked number never contains the digits it hides', () => {
    fc.assert(
      fc.property(validCertNoArbitrary(), (certNo) => {
        const masked = maskCertNo(certNo);
        expect(masked.slice(3, 14)).toBe('*'.repeat(11));
        expect(masked).not.toContain(certNo.slice(3, 14));
      }),
    );
  });
});
