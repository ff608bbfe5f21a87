/**
 * The notice's version: one pure function (utils/consent-notice.ts) that the server, the
 * mini-program and the H5 page all run, so it must equal Node's SHA-256 on any text, stay the
 * same for the same text and change with any change to it.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { Branding, DEVELOPMENT_BRANDING, consentNoticeFor, consentNoticeText, consentVersion, sha256Hex } from '../../utils/consent-notice';

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

const BANK: Branding = {
  merchantName: '示例银行',
  dataController: '示例银行股份有限公司',
  contact: '95500 或 privacy@bank.example',
  retentionDays: 365,
};

describe('consentVersion', () => {
  const notice = consentNoticeFor('zh-CN', BANK);

  it('is the first 16 hex characters of the SHA-256 of the text', () => {
    expect(notice.version).toBe(nodeSha256(notice.text).slice(0, 16));
  });

  it('is the same for the same text, computed again', () => {
    expect(consentVersion(consentNoticeText(notice.summary, { ...notice.notice }))).toBe(notice.version);
  });

  it('changes when one word of the notice changes', () => {
    const changed = consentNoticeText(notice.summary, { ...notice.notice, keep: `${notice.notice.keep}。` });
    expect(consentVersion(changed)).not.toBe(notice.version);
  });

  it('differs between the languages', () => {
    expect(consentNoticeFor('en-US', BANK).version).not.toBe(notice.version);
  });

  it.each<[string, Partial<Branding>]>([
    ['merchant name', { merchantName: '另一家银行' }],
    ['data controller', { dataController: '另一家公司' }],
    ['contact', { contact: 'dpo@other.example' }],
    ['retention period', { retentionDays: 30 }],
  ])('changes with the %s, so consent to one merchant\'s notice is not consent to another\'s', (_label, change) => {
    expect(consentNoticeFor('zh-CN', { ...BANK, ...change }).version).not.toBe(notice.version);
  });

  it('does not change with the logo, which the notice does not show', () => {
    expect(consentNoticeFor('zh-CN', { ...BANK, logoUrl: 'https://bank.example/logo.png' }).version).toBe(notice.version);
  });
});

describe('the notice text', () => {
  it.each(['zh-CN', 'en-US'] as const)('in %s names the controller, the merchant, the contact and the retention period (PIPL art. 17)', (language) => {
    const { text, summary } = consentNoticeFor(language, BANK);
    for (const part of [BANK.dataController, BANK.merchantName, BANK.contact, String(BANK.retentionDays)]) expect(text).toContain(part);
    expect(summary).toContain(BANK.merchantName);
    expect(summary).toContain(String(BANK.retentionDays));
  });

  it('holds the summary, the title and every heading with its paragraph, separated by blank lines', () => {
    const { text, summary, notice } = consentNoticeFor('zh-CN', BANK);
    const paragraphs = text.split('\n\n');
    expect(paragraphs[0]).toBe(summary);
    expect(paragraphs[1]).toBe(notice.title);
    expect(paragraphs[2]).toBe(`${notice.controllerHeading}\n${notice.controller}`);
    expect(paragraphs).toContain(`${notice.keepHeading}\n${notice.keep}`);
    expect(paragraphs).toHaveLength(8);
  });

  it('addresses the reader as 您, never 你', () => {
    const { text } = consentNoticeFor('zh-CN', DEVELOPMENT_BRANDING);
    expect(text).toContain('您');
    expect(text.replace(/您/g, '')).not.toMatch(/你/);
  });
});
