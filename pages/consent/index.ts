/**
 * The full data notice behind the consent checkbox, in the form's language (`lang`), built
 * from the merchant's branding in the client config the form already loaded
 * (services/client-config.ts), so it names who handles the data, how to reach them and how
 * long records are kept. If the config is not there yet and cannot be fetched, the page says
 * so and offers a retry.
 *
 * @see https://opendocs.alipay.com/mini/framework/page-detail (Page)
 */
import { ConsentLanguage, ConsentNotice, consentNoticeFor } from '../../utils/consent-notice';
import { loadClientConfig } from '../../services/client-config';
import { readLanguage } from '../page-language';
import { CONSENT_PAGE_COPY_EN_US, CONSENT_PAGE_COPY_ZH_CN, ConsentPageCopy } from './copy';

export type NoticeState = 'loading' | 'ready' | 'failed';

export interface ConsentData {
  /** The notice's title and sections; empty strings until the branding is there. */
  copy: ConsentNotice;
  pageCopy: ConsentPageCopy;
  state: NoticeState;
}

interface ConsentPage {
  data: ConsentData;
  setData(update: Partial<ConsentData>): void;
  language: ConsentLanguage;
  showNotice(): Promise<void>;
}

const EMPTY_NOTICE: ConsentNotice = {
  title: '',
  controllerHeading: '',
  controller: '',
  whatHeading: '',
  what: '',
  whyHeading: '',
  why: '',
  whoHeading: '',
  who: '',
  keepHeading: '',
  keep: '',
  rightsHeading: '',
  rights: '',
};

const options = {
  data: (): ConsentData => ({ copy: EMPTY_NOTICE, pageCopy: CONSENT_PAGE_COPY_ZH_CN, state: 'loading' }),

  onLoad(this: ConsentPage, query: Record<string, string | undefined>): void {
    this.language = readLanguage(query && query.lang);
    this.setData({ pageCopy: this.language === 'en-US' ? CONSENT_PAGE_COPY_EN_US : CONSENT_PAGE_COPY_ZH_CN });
    void this.showNotice();
  },

  onRetryTap(this: ConsentPage): void {
    void this.showNotice();
  },

  showNotice(this: ConsentPage): Promise<void> {
    this.setData({ state: 'loading' });
    return loadClientConfig().then(
      (config) => this.setData({ state: 'ready', copy: consentNoticeFor(this.language, config.branding).notice }),
      () => this.setData({ state: 'failed' }),
    );
  },
};

Page(options);
