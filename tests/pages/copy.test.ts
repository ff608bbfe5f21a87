/**
 * Every page's zh-CN copy has its en-US table beside it, key for key, and neither is empty;
 * the zh-CN copy says 您, never 你, and names each thing one way (身份验证 for the product,
 * 人脸验证 for Alipay's face check, never 刷脸 or 实名身份验证).
 */
import { DEVELOPMENT_BRANDING, consentNoticeFor } from '../../utils/consent-notice';
import { ERROR_MESSAGES_ZH_CN } from '../../utils/error-messages';
import { CONSENT_PAGE_COPY_EN_US, CONSENT_PAGE_COPY_ZH_CN } from '../../pages/consent/copy';
import { RESULT_COPY_EN_US, RESULT_COPY_ZH_CN } from '../../pages/result/copy';
import { UPGRADE_MESSAGES_EN_US, UPGRADE_MESSAGES_ZH_CN, VERIFY_COPY_EN_US, VERIFY_COPY_ZH_CN } from '../../pages/verify/copy';

const ZH_NOTICE = consentNoticeFor('zh-CN', DEVELOPMENT_BRANDING);
const EN_NOTICE = consentNoticeFor('en-US', DEVELOPMENT_BRANDING);

const TABLES: Array<[string, Record<string, string>, Record<string, string>]> = [
  ['verify', VERIFY_COPY_ZH_CN, VERIFY_COPY_EN_US],
  ['verify upgrade', UPGRADE_MESSAGES_ZH_CN, UPGRADE_MESSAGES_EN_US],
  ['result', RESULT_COPY_ZH_CN, RESULT_COPY_EN_US],
  ['consent page', CONSENT_PAGE_COPY_ZH_CN, CONSENT_PAGE_COPY_EN_US],
  ['consent notice', { ...ZH_NOTICE.notice }, { ...EN_NOTICE.notice }],
];

/** Everything zh-CN the mini-program can show: its pages' copy, the notice and the error messages. */
const ZH_TEXTS: Array<[string, string]> = [
  ...TABLES.flatMap(([name, zh]) => Object.keys(zh).map((key): [string, string] => [`${name}.${key}`, zh[key]])),
  ['consent summary', ZH_NOTICE.summary],
  ...Object.keys(ERROR_MESSAGES_ZH_CN).map((code): [string, string] => [`error ${code}`, (ERROR_MESSAGES_ZH_CN as Record<string, string>)[code]]),
];

describe('page copy', () => {
  it.each(TABLES)('%s: zh-CN and en-US have the same keys, all filled', (_, zh, en) => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
    Object.keys(zh).forEach((key) => {
      expect(zh[key].length).toBeGreaterThan(0);
      expect(en[key].length).toBeGreaterThan(0);
    });
  });

  it('no zh-CN text says 你: the person is 您 throughout', () => {
    expect(ZH_TEXTS.filter(([, text]) => text.indexOf('你') >= 0).map(([name]) => name)).toEqual([]);
    expect(ZH_TEXTS.filter(([, text]) => text.indexOf('您') >= 0).length).toBeGreaterThan(10);
  });

  it('names each thing one way: 人脸验证 for the face check, never 刷脸 or 实名身份验证', () => {
    expect(ZH_TEXTS.filter(([, text]) => /刷脸|实名身份验证/.test(text)).map(([name]) => name)).toEqual([]);
    expect(VERIFY_COPY_ZH_CN.title).toBe('身份验证');
    expect([VERIFY_COPY_ZH_CN.stepFill, VERIFY_COPY_ZH_CN.stepFace, VERIFY_COPY_ZH_CN.stepResult]).toEqual(['填写信息', '人脸验证', '验证结果']);
    expect([RESULT_COPY_ZH_CN.stepFill, RESULT_COPY_ZH_CN.stepFace, RESULT_COPY_ZH_CN.stepResult]).toEqual(['填写信息', '人脸验证', '验证结果']);
  });

  it('the consent summary says who collects what, why, that it goes to Alipay, and how long it is kept', () => {
    expect(ZH_NOTICE.summary).toContain(DEVELOPMENT_BRANDING.merchantName);
    expect(ZH_NOTICE.summary).toMatch(/姓名和证件号码/);
    expect(ZH_NOTICE.summary).toMatch(/确认您的身份/);
    expect(ZH_NOTICE.summary).toMatch(/提供给支付宝进行人脸验证/);
    expect(ZH_NOTICE.summary).toMatch(/不保存原始信息.*加密散列值和打码后的证件号码.*天后删除/);
  });

  it('the screen after a refused retry says that the new verification is a new one, not a retry', () => {
    expect(RESULT_COPY_ZH_CN.certifyRefusedBody).toMatch(/新的验证.*计入验证次数/);
    expect(RESULT_COPY_ZH_CN.newVerification).toBe('发起新的验证');
  });

  it('the name hint promises Latin letters only for the card that accepts them', () => {
    expect(VERIFY_COPY_ZH_CN.nameHint).toMatch(/外国人永久居留身份证.*英文姓名/);
  });
});
