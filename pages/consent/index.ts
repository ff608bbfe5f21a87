/**
 * The full data notice linked from the verify page's consent checkbox. Static text.
 *
 * @see https://opendocs.alipay.com/mini/framework/page-detail (Page)
 */
import { ConsentNotice, DEVELOPMENT_BRANDING, consentNoticeFor } from '../../utils/consent-notice';

export interface ConsentData {
  copy: ConsentNotice;
}

const options = {
  data: (): ConsentData => ({ copy: consentNoticeFor('zh-CN', DEVELOPMENT_BRANDING).notice }),
};

Page(options);

export type ConsentPageOptions = typeof options;
