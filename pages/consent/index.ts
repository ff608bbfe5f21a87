/**
 * The full data notice linked from the verify page's consent checkbox. Static text.
 *
 * @see https://opendocs.alipay.com/mini/framework/page-detail (Page)
 */
import { CONSENT_NOTICE_ZH_CN, ConsentNotice } from '../../utils/consent-notice';

export interface ConsentData {
  copy: ConsentNotice;
}

const options = {
  data: (): ConsentData => ({ copy: CONSENT_NOTICE_ZH_CN }),
};

Page(options);

export type ConsentPageOptions = typeof options;
