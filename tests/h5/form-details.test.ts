/**
 * The H5 form's details (issue 9, items 5 and 8): each field is checked again on input and on
 * blur, so a message goes as soon as the field is fixed; a Latin name is accepted only with a
 * foreigner's permanent residence card (a number starting with 9); the header shows the
 * merchant's name and logo from the client config's branding and the step the person is on;
 * the language switch words the page and the notice again, keeps what was typed, sends the
 * version of the notice now shown, and is remembered across a reload.
 */
import { Page } from 'playwright-core';
import { makeCertNo, TEST_NAMES, withCheckCharacter } from '../support/identities';
import { consentNoticeFor, DEVELOPMENT_BRANDING } from '../../utils/consent-notice';
import { IDENTITY_MESSAGES_ZH_CN } from '../../utils/identity';
import { PAGE_COPY_EN_US } from '../../h5/src/copy';
import { saveScreenshot } from './support/browser';
import { FakeApi, FakeApiOptions, routeFakeApi } from './support/fake-api';
import { COPY } from './support/h5-page';
import { useBrowserSuite } from './support/browser-suite';

jest.setTimeout(30_000);

const CERT_NO = makeCertNo(4701);
const CERT_NAME = TEST_NAMES[0];
/** A foreigner's permanent residence card (2023): 9, a mainland province (11), a country code, a birth date. */
const FOREIGNER_CERT_NO = withCheckCharacter('91184019850315001');
/** A 1×1 PNG, the merchant's "logo". */
const LOGO_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

const suite = useBrowserSuite();
let page: Page;

async function openForm(api: Partial<FakeApiOptions> = {}, locale?: string): Promise<FakeApi> {
  page = await suite.openPage(locale ? { locale } : {});
  const fake = await routeFakeApi(page, suite.server.baseUrl, { certNo: CERT_NO, ...api });
  await page.goto(`${suite.server.baseUrl}/`);
  await page.locator('#identity-form').waitFor();
  return fake;
}

const nameField = (): ReturnType<Page['getByLabel']> => page.getByLabel(COPY.nameLabel, { exact: true });
const numberField = (): ReturnType<Page['getByLabel']> => page.getByLabel(COPY.certNoLabel, { exact: true });

describe('each field checked again on input and on blur', () => {
  it('says nothing while a field is first typed, speaks when it is left, and clears the moment it is fixed', async () => {
    await openForm();
    await numberField().pressSequentially(CERT_NO.slice(0, 10));
    expect(await page.locator('#cert-no-error').textContent()).toBe('');
    await numberField().blur();
    expect(await page.locator('#cert-no-error').textContent()).toBe(IDENTITY_MESSAGES_ZH_CN.CERT_NO_FORMAT);
    expect(await numberField().getAttribute('aria-invalid')).toBe('true');

    // Typing on: the message follows each change, and goes with the last character.
    await numberField().press('End');
    await numberField().pressSequentially(CERT_NO.slice(10, 17));
    expect(await page.locator('#cert-no-error').textContent()).toBe(IDENTITY_MESSAGES_ZH_CN.CERT_NO_FORMAT);
    await numberField().pressSequentially(CERT_NO.slice(17));
    expect(await page.locator('#cert-no-error').textContent()).toBe('');
    expect(await numberField().getAttribute('aria-invalid')).toBeNull();
  });

  it('after a submit, every message goes as soon as its field is fixed, without another submit', async () => {
    const api = await openForm();
    await page.getByRole('button', { name: COPY.submit }).click();
    await page.locator('#consent-error').getByText(COPY.consentRequired).waitFor();
    expect(await page.locator('#cert-name-error').textContent()).toBe(IDENTITY_MESSAGES_ZH_CN.CERT_NAME_REQUIRED);

    await nameField().fill(CERT_NAME);
    expect(await page.locator('#cert-name-error').textContent()).toBe('');
    await numberField().fill(CERT_NO);
    expect(await page.locator('#cert-no-error').textContent()).toBe('');
    await page.getByLabel(COPY.consentLabel).check();
    expect(await page.locator('#consent-error').textContent()).toBe('');
    expect(api.requestsTo('POST', '/api/verifications')).toHaveLength(0);
  });

  it('does not tell off an empty field the person only passed through', async () => {
    await openForm();
    await nameField().focus();
    await numberField().focus();
    await page.getByLabel(COPY.consentLabel).focus();
    expect(await page.locator('#cert-name-error').textContent()).toBe('');
    expect(await page.locator('#cert-no-error').textContent()).toBe('');
  });
});

describe('names in Latin letters', () => {
  it('are accepted with a foreigner\'s permanent residence card and sent as the card writes them', async () => {
    const api = await openForm({ certNo: FOREIGNER_CERT_NO });
    await nameField().fill("O'Neil-Smith, Anna M.");
    await numberField().fill(FOREIGNER_CERT_NO);
    await page.getByLabel(COPY.consentLabel).check();
    await page.getByRole('button', { name: COPY.submit }).click();
    await page.waitForURL(api.created.url);
    expect(api.requestsTo('POST', '/api/verifications')[0].body).toMatchObject({ certName: "O'NEIL-SMITH, ANNA M.", certNo: FOREIGNER_CERT_NO });
  });

  it('are refused with a resident ID card, and the message goes when the number turns out to be a foreigner\'s card', async () => {
    await openForm();
    await numberField().fill(CERT_NO);
    await nameField().fill('Anna Smith');
    await nameField().blur();
    expect(await page.locator('#cert-name-error').textContent()).toBe(IDENTITY_MESSAGES_ZH_CN.CERT_NAME_CHARSET);
    await numberField().fill(FOREIGNER_CERT_NO);
    expect(await page.locator('#cert-name-error').textContent()).toBe('');
  });

  it('the hint promises them only for that card', async () => {
    await openForm();
    expect(await page.locator('#cert-name-hint').textContent()).toBe(COPY.nameHint);
    expect(COPY.nameHint).toContain('外国人永久居留身份证');
  });
});

describe('the header', () => {
  it('shows the merchant\'s name and logo from the branding, and the step the person is on', async () => {
    const branding = { ...DEVELOPMENT_BRANDING, merchantName: '示例银行', logoUrl: '/merchant-logo.png' };
    page = await suite.openPage();
    await page.route(`${suite.server.baseUrl}/merchant-logo.png`, (route) => route.fulfill({ status: 200, contentType: 'image/png', body: LOGO_PNG }));
    await routeFakeApi(page, suite.server.baseUrl, { certNo: CERT_NO, branding });
    await page.goto(`${suite.server.baseUrl}/`);
    await page.locator('#identity-form').waitFor();

    expect(await page.locator('#merchant-name').textContent()).toBe('示例银行');
    const logo = page.locator('#merchant-logo');
    expect(await logo.isVisible()).toBe(true);
    expect(await logo.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth)).toBe(1);
    expect(await page.getByRole('list', { name: COPY.stepsLabel }).getByRole('listitem').allTextContents()).toEqual([COPY.stepFill, COPY.stepFace, COPY.stepResult]);
    expect(await page.locator('#steps [aria-current="step"]').textContent()).toBe(COPY.stepFill);
    await saveScreenshot(page, 'form-branding-logo');
  });

  it('shows no logo when the branding has none', async () => {
    await openForm();
    expect(await page.locator('#merchant-name').textContent()).toBe(DEVELOPMENT_BRANDING.merchantName);
    expect(await page.locator('#merchant-logo').isHidden()).toBe(true);
  });
});

describe('the language switch', () => {
  it('words the page and the notice in English, keeps the inputs and messages, and sends the English notice\'s version', async () => {
    const api = await openForm();
    await nameField().fill(CERT_NAME);
    await numberField().fill('123');
    await numberField().blur();
    await page.getByRole('button', { name: COPY.switchLanguage }).click();

    await page.getByRole('heading', { name: PAGE_COPY_EN_US.title, level: 1 }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en-US');
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe(CERT_NAME);
    expect(await page.getByLabel('ID number', { exact: true }).inputValue()).toBe('123');
    expect(await page.locator('#cert-no-error').textContent()).toBe('An ID number has 18 characters: digits, and the last one may be X');
    const english = consentNoticeFor('en-US', DEVELOPMENT_BRANDING);
    expect(await page.locator('#consent-summary').textContent()).toBe(english.summary);
    expect(await page.getByRole('listitem').first().textContent()).toBe(PAGE_COPY_EN_US.stepFill);
    // The switch now offers Chinese, in Chinese, marked as such for a screen reader.
    const back = page.getByRole('button', { name: PAGE_COPY_EN_US.switchLanguage });
    expect(await back.getAttribute('lang')).toBe('zh-CN');
    await saveScreenshot(page, 'form-switched-to-en-us');

    await page.getByLabel('ID number', { exact: true }).fill(CERT_NO);
    await page.getByLabel(PAGE_COPY_EN_US.consentLabel).check();
    await page.getByRole('button', { name: PAGE_COPY_EN_US.submit }).click();
    await page.waitForURL(api.created.url);
    expect(api.requestsTo('POST', '/api/verifications')[0].body).toMatchObject({ consentVersion: english.version });
  });

  it('is remembered across a reload, and switches back', async () => {
    await openForm();
    await page.getByRole('button', { name: COPY.switchLanguage }).click();
    await page.getByRole('heading', { name: PAGE_COPY_EN_US.title, level: 1 }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: PAGE_COPY_EN_US.submit }).waitFor();
    await page.getByRole('button', { name: PAGE_COPY_EN_US.switchLanguage }).click();
    await page.getByRole('button', { name: COPY.submit }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    expect(await page.locator('#consent-summary').textContent()).toBe(consentNoticeFor('zh-CN', DEVELOPMENT_BRANDING).summary);
  });

  it('words a result screen again where it stands', async () => {
    page = await suite.openPage();
    await routeFakeApi(page, suite.server.baseUrl, { certNo: CERT_NO, mode: 'alipay' });
    await page.goto(`${suite.server.baseUrl}/`);
    await page.locator('#outcome[data-screen="open-in-alipay"]').waitFor();
    await page.getByRole('button', { name: COPY.switchLanguage }).click();
    await page.getByRole('heading', { name: PAGE_COPY_EN_US.openInAlipayTitle }).waitFor();
    expect(await page.getByRole('img', { name: PAGE_COPY_EN_US.openInAlipayQrLabel }).isVisible()).toBe(true);
  });
});
