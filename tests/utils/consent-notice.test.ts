/**
 * The notice's version: one pure function (utils/consent-notice.ts) that the server, the
 * mini-program and the H5 page all run, so it must equal Node's SHA-256 on any text, stay the
 * same for the same text and change with any change to it.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  CONSENT_NOTICE_ZH_CN,
  CONSENT_SUMMARY_ZH_CN,
  CONSENT_TEXTS,
  builtInConsentNotice,
  consentNoticeText,
  consentVersion,
  sha256Hex,
} from '../../utils/consent-notice';

function nodeSha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

describe('sha256Hex', () => {
  it.each([
    ['the empty text', ''],
    ['abc', 'abc'],
    ['55 bytes (padding fits one block)', 'x'.repeat(55)],
    ['56 bytes (padding needs a second block)', 'x'.repeat(56)],
    ['64 bytes', 'x'.repeat(64)],
    ['Chinese, accents and a character outside the BMP', '身份验证 é 𝄞'],
  ])('equals Node\'s SHA-256 on %s', (_label, text) => {
    expect(sha256Hex(text)).toBe(nodeSha256(text));
  });

  it('equals Node\'s SHA-256 on any text', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => sha256Hex(text) === nodeSha256(text)));
  });
});

describe('consentVersion', () => {
  it('is the first 16 hex characters of the SHA-256 of the text', () => {
    expect(consentVersion(CONSENT_TEXTS['zh-CN'])).toBe(nodeSha256(CONSENT_TEXTS['zh-CN']).slice(0, 16));
  });

  it('is the same for the same text, computed again', () => {
    const text = consentNoticeText(CONSENT_SUMMARY_ZH_CN, { ...CONSENT_NOTICE_ZH_CN });
    expect(consentVersion(text)).toBe(builtInConsentNotice('zh-CN').version);
  });

  it('changes when one word of the notice changes', () => {
    const changed = consentNoticeText(CONSENT_SUMMARY_ZH_CN, { ...CONSENT_NOTICE_ZH_CN, keep: `${CONSENT_NOTICE_ZH_CN.keep}保存 30 天。` });
    expect(consentVersion(changed)).not.toBe(builtInConsentNotice('zh-CN').version);
  });

  it('differs between the languages', () => {
    expect(builtInConsentNotice('en-US').version).not.toBe(builtInConsentNotice('zh-CN').version);
  });
});

describe('the notice text', () => {
  it('holds the summary, the title and every heading with its paragraph, separated by blank lines', () => {
    const paragraphs = CONSENT_TEXTS['zh-CN'].split('\n\n');
    expect(paragraphs[0]).toBe(CONSENT_SUMMARY_ZH_CN);
    expect(paragraphs[1]).toBe(CONSENT_NOTICE_ZH_CN.title);
    expect(paragraphs).toContain(`${CONSENT_NOTICE_ZH_CN.keepHeading}\n${CONSENT_NOTICE_ZH_CN.keep}`);
    expect(paragraphs).toHaveLength(7);
  });
});
