/**
 * The full data notice linked from the verify page's consent checkbox. Static text.
 *
 * @see https://opendocs.alipay.com/mini/framework/page-detail (Page)
 */
import { CONSENT_COPY_ZH_CN, ConsentCopy } from './copy';

export interface ConsentData {
  copy: ConsentCopy;
}

const options = {
  data: (): ConsentData => ({ copy: CONSENT_COPY_ZH_CN }),
};

Page(options);

export type ConsentPageOptions = typeof options;
