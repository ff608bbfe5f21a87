/** Every page's zh-CN copy has its en-US table beside it, key for key, and neither is empty. */
import { DEVELOPMENT_BRANDING, consentNoticeFor } from '../../utils/consent-notice';
import { RESULT_COPY_EN_US, RESULT_COPY_ZH_CN } from '../../pages/result/copy';
import { UPGRADE_MESSAGES_EN_US, UPGRADE_MESSAGES_ZH_CN, VERIFY_COPY_EN_US, VERIFY_COPY_ZH_CN } from '../../pages/verify/copy';

const TABLES: Array<[string, Record<string, string>, Record<string, string>]> = [
  ['verify', VERIFY_COPY_ZH_CN, VERIFY_COPY_EN_US],
  ['verify upgrade', UPGRADE_MESSAGES_ZH_CN, UPGRADE_MESSAGES_EN_US],
  ['result', RESULT_COPY_ZH_CN, RESULT_COPY_EN_US],
  ['consent', Object.fromEntries(Object.entries(consentNoticeFor('zh-CN', DEVELOPMENT_BRANDING).notice)), Object.fromEntries(Object.entries(consentNoticeFor('en-US', DEVELOPMENT_BRANDING).notice))],
];

describe('page copy', () => {
  it.each(TABLES)('%s: zh-CN and en-US have the same keys, all filled', (_name, zh, en) => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
    Object.keys(zh).forEach((key) => {
      expect(zh[key]).toMatch(/[\u4e00-\u9fff\u3001-\u303f\uff01-\uff5e]/);
      expect(en[key].trim().length).toBeGreaterThan(0);
    });
  });

  it('the consent summary says who collects what, why, that it goes to Alipay, and how long it is kept', () => {
    expect(VERIFY_COPY_ZH_CN.consentNotice).toMatch(/姓名和证件号码/);
    expect(VERIFY_COPY_ZH_CN.consentNotice).toMatch(/确认您的身份/);
    expect(VERIFY_COPY_ZH_CN.consentNotice).toMatch(/提供给支付宝进行人脸验证/);
    expect(VERIFY_COPY_ZH_CN.consentNotice).toMatch(/不保存原始信息.*加密散列值和打码后的证件号码.*天后删除/);
  });
});
