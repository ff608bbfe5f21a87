/**
 * The H5 form in a plain phone browser (emulator mode): the shared validator's message
 * beside each field and no request while anything is wrong; normalised input on submit;
 * the backend's refusals shown where they belong; the layout at 360 px; en-US copy.
 * The backend's API is answered by the test so every request the page sends is counted.
 */
import { Page } from 'playwright-core';
import { makeCertNo, makeCertNoEndingInX, TEST_NAMES } from '../support/identities';
import { consentVersion, DEVELOPMENT_BRANDING, consentNoticeFor } from '../../utils/consent-notice';
import { IDENTITY_MESSAGES_EN_US, IDENTITY_MESSAGES_ZH_CN } from '../../utils/identity';
import { PAGE_COPY_EN_US, ERROR_MESSAGES_ZH_CN } from '../../h5/src/copy';
import { PHONE_VIEWPORT, saveScreenshot } from './support/browser';
import { FakeApi, FakeApiOptions, routeFakeApi } from './support/fake-api';
import { COPY, fillAndSubmit } from './support/h5-page';
import { useBrowserSuite } from './support/browser-suite';

jest.setTimeout(30_000);

const CERT_NO = makeCertNo(4201);
const CERT_NAME = TEST_NAMES[1];

const suite = useBrowserSuite();
let page: Page;

async function openForm(options: { locale?: string; api?: Partial<FakeApiOptions> } = {}): Promise<FakeApi> {
  page = await suite.openPage(options.locale ? { locale: options.locale } : {});
  const api = await routeFakeApi(page, suite.server.baseUrl, { certNo: CERT_NO, ...options.api });
  await page.goto(`${suite.server.baseUrl}/`);
  await page.locator('#identity-form').waitFor();
  return api;
}

const nameField = (): ReturnType<Page['getByLabel']> => page.getByLabel(COPY.nameLabel, { exact: true });
const certNoField = (): ReturnType<Page['getByLabel']> => page.getByLabel(COPY.certNoLabel, { exact: true });

/** The text of the element an input's aria-describedby names with `-error`. */
async function describedError(field: ReturnType<Page['getByLabel']>): Promise<string> {
  const ids = ((await field.getAttribute('aria-describedby')) ?? '').split(' ');
  const errorId = ids.find((id) => id.endsWith('-error'));
  return errorId ? ((await page.locator(`#${errorId}`).textContent()) ?? '') : '';
}

describe('H5 form', () => {
  it('shows every field message for an empty form and sends no verification request', async () => {
    const api = await openForm();
    await page.getByRole('button', { name: COPY.submit }).click();

    expect(await describedError(nameField())).toBe(IDENTITY_MESSAGES_ZH_CN.CERT_NAME_REQUIRED);
    expect(await describedError(certNoField())).toBe(IDENTITY_MESSAGES_ZH_CN.CERT_NO_REQUIRED);
    expect(await page.locator('#consent-error').textContent()).toBe(COPY.consentRequired);
    expect(await nameField().getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('cert-name');
    expect(api.requestsTo('POST', '/api/verifications')).toHaveLength(0);
    await saveScreenshot(page, 'h5-form-errors');
  });

  it('shows the checksum message for a mistyped ID number and sends no request', async () => {
    const api = await openForm();
    const last = CERT_NO.charAt(17);
    const mistyped = CERT_NO.slice(0, 17) + (last === '0' ? '1' : '0');
    await fillAndSubmit(page, { certName: CERT_NAME, certNo: mistyped, consent: true });

    expect(await describedError(certNoField())).toBe(IDENTITY_MESSAGES_ZH_CN.CERT_NO_CHECKSUM);
    expect(await describedError(nameField())).toBe('');
    expect(await nameField().getAttribute('aria-invalid')).toBeNull();
    expect(await certNoField().getAttribute('aria-invalid')).toBe('true');
    expect(api.requestsTo('POST', '/api/verifications')).toHaveLength(0);
  });

  it('shows the charset message for a name in Latin letters and sends no request', async () => {
    const api = await openForm();
    await fillAndSubmit(page, { certName: 'Test Person', certNo: CERT_NO, consent: true });

    expect(await describedError(nameField())).toBe(IDENTITY_MESSAGES_ZH_CN.CERT_NAME_CHARSET);
    expect(api.requestsTo('POST', '/api/verifications')).toHaveLength(0);
  });

  it('refuses to send valid details until consent is given', async () => {
    const api = await openForm();
    await fillAndSubmit(page, { certName: CERT_NAME, certNo: CERT_NO, consent: false });

    expect(await page.locator('#consent-error').textContent()).toBe(COPY.consentRequired);
    expect(api.requestsTo('POST', '/api/verifications')).toHaveLength(0);
  });

  it('sends the canonical number (spaces gone, full-width digits folded, x made X) and opens the certify URL', async () => {
    const api = await openForm();
    const canonical = makeCertNoEndingInX();
    const fullWidthHead = canonical
      .slice(0, 6)
      .split('')
      .map((digit) => String.fromCharCode(digit.charCodeAt(0) + 0xfee0))
      .join('');
    const typed = `${fullWidthHead} ${canonical.slice(6, 14)} ${canonical.slice(14, 17)}x`;
    await fillAndSubmit(page, { certName: ` ${CERT_NAME} `, certNo: typed, consent: true });

    await page.waitForURL(api.created.url);
    // consentVersion names the notice the page showed: the zh-CN one built from the server's branding.
    expect(api.requestsTo('POST', '/api/verifications').map((request) => request.body)).toEqual([
      { certName: CERT_NAME, certNo: canonical, consentVersion: consentNoticeFor('zh-CN', DEVELOPMENT_BRANDING).version },
    ]);
  });

  it('409 CONSENT_OUTDATED: shows the server\'s new notice, unticks consent, keeps the inputs, then sends the new version', async () => {
    const newText = `${consentNoticeFor('zh-CN', DEVELOPMENT_BRANDING).text}\n\n联系我们\ndpo@changed.example`;
    const api = await openForm({ api: { consentNotice: { version: consentVersion(newText), text: newText } } });
    await fillAndSubmit(page, { certName: CERT_NAME, certNo: CERT_NO, consent: true });

    await page.locator('#form-error').getByText(ERROR_MESSAGES_ZH_CN.CONSENT_OUTDATED).waitFor();
    const full = page.locator('#consent-full');
    await full.getByText('dpo@changed.example').waitFor();
    expect(await full.isVisible()).toBe(true);
    expect(await full.locator('h3').last().textContent()).toBe('联系我们');
    expect(await page.getByLabel(COPY.consentLabel).isChecked()).toBe(false);
    expect(await nameField().inputValue()).toBe(CERT_NAME);
    expect(await certNoField().inputValue()).toBe(CERT_NO);
    expect(api.requestsTo('GET', '/api/consent-notice').map((request) => request.path)).toEqual(['/api/consent-notice?lang=zh-CN']);
    await saveScreenshot(page, 'h5-form-consent-outdated');

    await page.getByLabel(COPY.consentLabel).setChecked(true);
    await page.getByRole('button', { name: COPY.submit }).click();
    await page.waitForURL(api.created.url);
    const sent = api.requestsTo('POST', '/api/verifications').map((request) => (request.body as { consentVersion: string }).consentVersion);
    expect(sent).toEqual([consentNoticeFor('zh-CN', DEVELOPMENT_BRANDING).version, consentVersion(newText)]);
  });

  it('shows the server refusal of a field beside that field, with the inputs kept', async () => {
    await openForm({ api: { createError: { status: 400, body: { error: { code: 'CERT_NO_REGION', message: 'region' } } } } });
    await fillAndSubmit(page, { certName: CERT_NAME, certNo: CERT_NO, consent: true });

    await page.locator('#cert-no-error').getByText(IDENTITY_MESSAGES_ZH_CN.CERT_NO_REGION).waitFor();
    expect(await certNoField().inputValue()).toBe(CERT_NO);
  });

  it('shows a form-level message for a rate-limited request and lets the user try again', async () => {
    await openForm({ api: { createError: { status: 429, body: { error: { code: 'RATE_LIMITED', message: 'slow down' } } } } });
    await fillAndSubmit(page, { certName: CERT_NAME, certNo: CERT_NO, consent: true });

    await page.locator('#form-error').getByText(ERROR_MESSAGES_ZH_CN.RATE_LIMITED).waitFor();
    expect(await nameField().inputValue()).toBe(CERT_NAME);
    expect(await page.getByRole('button', { name: COPY.submit }).isEnabled()).toBe(true);
  });

  it('states who collects what, for what, for whom and for how long, from the server\'s branding, with the full notice one tap away', async () => {
    const branding = { merchantName: '示例银行', dataController: '示例银行股份有限公司', contact: '95500', retentionDays: 365 };
    const notice = consentNoticeFor('zh-CN', branding);
    const api = await openForm({ api: { branding } });
    expect(await page.locator('#consent-summary').textContent()).toBe(notice.summary);
    const full = page.locator('#consent-full');
    expect(await full.isVisible()).toBe(false);
    await page.getByText(COPY.consentDetails).click();
    await full.getByText(notice.notice.keep).waitFor();
    expect(await full.locator('h3').allTextContents()).toEqual([
      notice.notice.controllerHeading,
      notice.notice.whatHeading,
      notice.notice.whyHeading,
      notice.notice.whoHeading,
      notice.notice.keepHeading,
      notice.notice.rightsHeading,
    ]);
    expect(await full.textContent()).toContain('示例银行股份有限公司');

    // The version sent is the one of the notice shown: this merchant's, which its server accepts.
    await fillAndSubmit(page, { certName: CERT_NAME, certNo: CERT_NO, consent: true });
    await page.waitForURL(api.created.url);
    expect(api.requestsTo('POST', '/api/verifications').map((request) => (request.body as { consentVersion: string }).consentVersion)).toEqual([notice.version]);
  });

  it('fits a 360 px screen without sideways scrolling', async () => {
    await openForm();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(PHONE_VIEWPORT.width);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await saveScreenshot(page, 'h5-form');
  });

  it('starts afresh when restored from the back/forward cache, so it is never stuck on a spinner', async () => {
    await openForm();
    await nameField().fill(CERT_NAME);
    await Promise.all([
      page.waitForEvent('load'),
      page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))),
    ]);
    await page.locator('#identity-form').waitFor();
    expect(await nameField().inputValue()).toBe('');
  });

  it('speaks en-US to a browser that prefers English, field messages included', async () => {
    await openForm({ locale: 'en-US' });
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en-US');
    const name = page.getByLabel(PAGE_COPY_EN_US.nameLabel, { exact: true });
    await name.fill('');
    await page.getByRole('button', { name: PAGE_COPY_EN_US.submit }).click();
    expect(await page.locator('#cert-name-error').textContent()).toBe(IDENTITY_MESSAGES_EN_US.CERT_NAME_REQUIRED);
  });

  it('sends the version of the en-US notice from a page shown in English', async () => {
    const api = await openForm({ locale: 'en-US' });
    await page.getByLabel(PAGE_COPY_EN_US.nameLabel, { exact: true }).fill(CERT_NAME);
    await page.getByLabel(PAGE_COPY_EN_US.certNoLabel, { exact: true }).fill(CERT_NO);
    await page.getByLabel(PAGE_COPY_EN_US.consentLabel).setChecked(true);
    await page.getByRole('button', { name: PAGE_COPY_EN_US.submit }).click();
    await page.waitForURL(api.created.url);
    expect(api.requestsTo('POST', '/api/verifications').map((request) => request.body)).toEqual([
      { certName: CERT_NAME, certNo: CERT_NO, consentVersion: consentNoticeFor('en-US', DEVELOPMENT_BRANDING).version },
    ]);
  });
});
