/**
 * axe-core on every screen a person can reach on the H5 page, and on the emulator's own
 * pages, each reached the way the other browser tests reach it (fake bridge and fake API
 * for the outcomes inside Alipay, the real server and emulator for the plain-browser flow).
 * Every rule axe runs by default (WCAG 2.x A/AA and best practices) must pass. Each screen
 * is also saved at 360 px under artifacts/screenshots/ (gitignored), to be looked at.
 */
import { readFileSync } from 'node:fs';
import type { AxeResults } from 'axe-core';
import { Page } from 'playwright-core';
import { makeCertNo, makeCertNoBornOn, TEST_NAMES } from '../support/identities';
import { DEVELOPMENT_BRANDING } from '../../utils/consent-notice';
import { PAGE_COPY_EN_US } from '../../h5/src/copy';
import { alipayUserAgent, OLD_ALIPAY_VERSION, saveScreenshot, SUPPORTED_ALIPAY_VERSION } from './support/browser';
import { answerBridgeCall, injectLateBridge, installFakeBridge, waitForBridgeCalls } from './support/fake-bridge';
import { FakeApiOptions, routeFakeApi } from './support/fake-api';
import { answer9000AndRunOutBackoff, COPY, fillAndSubmit, outcomeScreen } from './support/h5-page';
import { useBrowserSuite } from './support/browser-suite';

jest.setTimeout(30_000);

/** axe's own bundle, injected as text: the page's CSP forbids inline scripts, so contexts bypass CSP. */
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const CERT_NO = makeCertNo(4401);
const CERT_NAME = TEST_NAMES[0];

const suite = useBrowserSuite();
let page: Page;

/** One failed rule, as a line a failure message can show: the rule, its impact and where. */
interface AxeFinding {
  rule: string;
  impact: string;
  help: string;
  targets: string[];
}

/**
 * Saves the screen at 360 px, runs axe on the whole document and expects no violations,
 * listing every rule id and element selector that failed.
 */
async function expectAccessible(screenshotName: string): Promise<void> {
  await saveScreenshot(page, `a11y-${screenshotName}`);
  await page.addScriptTag({ content: AXE_SOURCE });
  const findings = await page.evaluate(async (): Promise<AxeFinding[]> => {
    const axe = (window as unknown as { axe: { run(context: Document): Promise<AxeResults> } }).axe;
    const results = await axe.run(document);
    return results.violations.map((violation) => ({
      rule: violation.id,
      impact: String(violation.impact),
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(' ')),
    }));
  });
  expect(findings.map((finding) => `${finding.rule} (${finding.impact}: ${finding.help}) at ${finding.targets.join(', ')}`)).toEqual([]);
}

/** A fresh phone page; CSP is bypassed only so that axe's source can be injected. */
async function openPhonePage(inAlipay: { version: string; bridgePresent: boolean } | null, locale?: string): Promise<void> {
  page = await suite.openPage({
    bypassCSP: true,
    ...(inAlipay ? { userAgent: alipayUserAgent(inAlipay.version) } : {}),
    ...(locale ? { locale } : {}),
  });
  if (inAlipay) await installFakeBridge(page, { present: inAlipay.bridgePresent });
}

/** The form in a plain browser, with the API answered by the test. */
async function openForm(options: { locale?: string; api?: Partial<FakeApiOptions> } = {}): Promise<void> {
  await openPhonePage(null, options.locale);
  await routeFakeApi(page, suite.server.baseUrl, { certNo: CERT_NO, ...options.api });
  await page.goto(`${suite.server.baseUrl}/`);
  await page.locator('#identity-form').waitFor();
}

/** Inside "Alipay" with a working bridge: the form filled and submitted, the bridge call open. */
async function submitInAlipay(api: Partial<FakeApiOptions> = {}): Promise<void> {
  await openPhonePage({ version: SUPPORTED_ALIPAY_VERSION, bridgePresent: true });
  await routeFakeApi(page, suite.server.baseUrl, { certNo: CERT_NO, ...api });
  await page.goto(`${suite.server.baseUrl}/`);
  await fillAndSubmit(page, { certName: CERT_NAME, certNo: CERT_NO, consent: true });
  await waitForBridgeCalls(page, 1);
}

/** Waits for the result card, whichever screen it shows, and returns that screen's name. */
async function shownOutcome(): Promise<string> {
  const outcome = page.locator('#outcome');
  await outcome.waitFor();
  return (await outcome.getAttribute('data-screen')) ?? 'unnamed';
}

describe('axe-core on the H5 form', () => {
  it('finds nothing on the empty form', async () => {
    await openForm();
    await expectAccessible('form');
  });

  it('finds nothing on the form with the full consent notice open', async () => {
    await openForm();
    await page.getByText(COPY.consentDetails).click();
    await page.locator('#consent-full h3').first().waitFor();
    await expectAccessible('form-notice-open');
  });

  it('finds nothing on the form showing every field message', async () => {
    await openForm();
    await page.getByRole('button', { name: COPY.submit }).click();
    await page.locator('#consent-error').getByText(COPY.consentRequired).waitFor();
    await expectAccessible('form-field-errors');
  });

  it('finds nothing on the form showing a form-level refusal (rate limited)', async () => {
    await openForm({ api: { createError: { status: 429, body: { error: { code: 'RATE_LIMITED', message: 'slow down' } } } } });
    await fillAndSubmit(page, { certName: CERT_NAME, certNo: CERT_NO, consent: true });
    await page.locator('#form-error:not(:empty)').waitFor();
    await expectAccessible('form-rate-limited');
  });

  it('finds nothing on the form in en-US', async () => {
    await openForm({ locale: 'en-US' });
    await expectAccessible('form-en-us');
  });

  it('finds nothing on the form back from a cancelled face check (6001), with its notice', async () => {
    await submitInAlipay();
    await answerBridgeCall(page, 0, { resultStatus: '6001', result: {} });
    await page.locator('#form-notice').getByText(COPY.cancelledNotice).waitFor();
    await expectAccessible('form-cancelled');
  });
});

describe('axe-core on the H5 form\'s issue 9 states', () => {
  /** 2026-06-16 00:30 in Beijing; the holder below is 13 then. */
  const NOW = new Date('2026-06-15T16:30:00Z');
  const MINOR_CERT_NO = makeCertNoBornOn(new Date(Date.UTC(2013, 0, 1)), 4);

  async function fillMinor(minorPolicy: 'guardian-consent' | 'refuse'): Promise<void> {
    await openPhonePage(null);
    await page.clock.setFixedTime(NOW);
    await routeFakeApi(page, suite.server.baseUrl, { certNo: MINOR_CERT_NO, minorPolicy });
    await page.goto(`${suite.server.baseUrl}/`);
    await fillAndSubmit(page, { certName: CERT_NAME, certNo: MINOR_CERT_NO, consent: true });
  }

  it('finds nothing on the form asking for the guardian\'s separate consent, with its message', async () => {
    await fillMinor('guardian-consent');
    await page.locator('#guardian-consent-error').getByText(COPY.guardianRequired).waitFor();
    await expectAccessible('form-guardian-consent');
  });

  it('finds nothing on the form refusing a holder under 14 (minorPolicy refuse)', async () => {
    await fillMinor('refuse');
    await page.locator('#cert-no-error:not(:empty)').waitFor();
    await expectAccessible('form-minor-refused');
  });

  it('finds nothing on the form switched to English by the language switch, with a field message', async () => {
    await openForm();
    await page.getByLabel(COPY.certNoLabel, { exact: true }).fill('123');
    await page.getByLabel(COPY.certNoLabel, { exact: true }).blur();
    await page.getByRole('button', { name: COPY.switchLanguage }).click();
    await page.getByRole('button', { name: PAGE_COPY_EN_US.switchLanguage }).waitFor();
    await expectAccessible('form-switched-en-us');
  });

  it('finds nothing on the header with the merchant\'s logo', async () => {
    await openPhonePage(null);
    await page.route(`${suite.server.baseUrl}/merchant-logo.svg`, (route) =>
      route.fulfill({ status: 200, contentType: 'image/svg+xml', body: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0958d9"/></svg>' }),
    );
    await routeFakeApi(page, suite.server.baseUrl, { certNo: CERT_NO, branding: { ...DEVELOPMENT_BRANDING, merchantName: '示例银行', logoUrl: '/merchant-logo.svg' } });
    await page.goto(`${suite.server.baseUrl}/`);
    await page.locator('#identity-form').waitFor();
    await page.locator('#merchant-logo:not([hidden])').waitFor();
    await expectAccessible('form-branding-logo');
  });

  it('finds nothing on the form saying how many minutes a rate limit lasts', async () => {
    await openForm({ api: { createError: { status: 429, body: { error: { code: 'RATE_LIMITED', message: 'slow down' } }, retryAfter: '3333' } } });
    await fillAndSubmit(page, { certName: CERT_NAME, certNo: CERT_NO, consent: true });
    await page.locator('#form-error').getByText('56').waitFor();
    await expectAccessible('form-rate-limited-minutes');
  });
});

describe('axe-core on the H5 waiting screens', () => {
  it('finds nothing while waiting for Alipay’s bridge after submitting', async () => {
    await openPhonePage({ version: SUPPORTED_ALIPAY_VERSION, bridgePresent: false });
    await routeFakeApi(page, suite.server.baseUrl, { certNo: CERT_NO });
    await page.goto(`${suite.server.baseUrl}/`);
    await fillAndSubmit(page, { certName: CERT_NAME, certNo: CERT_NO, consent: true });
    await page.locator('#busy-text').getByText(COPY.waitingForAlipay).waitFor();
    await expectAccessible('busy-waiting-for-alipay');
    await injectLateBridge(page);
  });

  it('finds nothing while the face check is open in Alipay', async () => {
    await submitInAlipay();
    await page.locator('#busy').waitFor();
    await expectAccessible('busy-certify-in-progress');
  });
});

describe('axe-core on the H5 result screens inside Alipay', () => {
  it('finds nothing on the verified screen (9000, server PASSED)', async () => {
    await submitInAlipay({ statuses: ['PASSED'] });
    await answerBridgeCall(page, 0, { resultStatus: '9000', result: {} });
    await expectAccessible(`result-${await shownOutcome()}`);
  });

  it('finds nothing on the failed screen (4000, server FAILED)', async () => {
    await submitInAlipay({ statuses: ['FAILED'] });
    await answerBridgeCall(page, 0, { resultStatus: '4000', result: { errorCode: 'SYSTEM_ERROR' } });
    await expectAccessible(`result-${await shownOutcome()}-after-4000-failed`);
  });

  it('finds nothing on the screen after 4000 while the server still says PENDING', async () => {
    await submitInAlipay({ statuses: ['PENDING'] });
    await answerBridgeCall(page, 0, { resultStatus: '4000', result: { errorCode: 'SYSTEM_ERROR' } });
    await expectAccessible(`result-${await shownOutcome()}-after-4000-pending`);
  });

  it('finds nothing on the still-confirming screen (9000, server PENDING past the poll window)', async () => {
    await submitInAlipay({ statuses: ['PENDING'] });
    const screen = await answer9000AndRunOutBackoff(page);
    // axe schedules its own work with timers, which never fire on the paused fake clock.
    await page.clock.resume();
    await expectAccessible(`result-${(await screen.getAttribute('data-screen')) ?? 'unnamed'}`);
  });

  it('finds nothing on the network retry screen (6002)', async () => {
    await submitInAlipay();
    await answerBridgeCall(page, 0, { resultStatus: '6002', result: {} });
    await expectAccessible(`result-${await shownOutcome()}`);
  });

  it('finds nothing on the network retry screen with its reason and support code', async () => {
    await submitInAlipay({ renewFailures: ['network'] });
    await answerBridgeCall(page, 0, { resultStatus: '6002', result: {} });
    await outcomeScreen(page, await shownOutcome()).getByRole('button', { name: COPY.actionRetryCertify }).click();
    await page.locator('#outcome-details').getByText('NETWORK_ERROR').waitFor();
    await expectAccessible(`result-${await shownOutcome()}-with-code`);
  });

  it('finds nothing on the expired screen (retry refused with VERIFICATION_CLOSED, server EXPIRED)', async () => {
    const closed = { status: 409, body: { error: { code: 'VERIFICATION_CLOSED' as const, message: 'over' } } };
    await submitInAlipay({ statuses: ['EXPIRED'], renewFailures: [closed] });
    await answerBridgeCall(page, 0, { resultStatus: '6002', result: {} });
    await page.getByRole('button', { name: COPY.actionRetryCertify }).click();
    await page.locator('#outcome:not([data-screen="network"])').waitFor();
    await expectAccessible(`result-${await shownOutcome()}`);
  });

  it('finds nothing on the not-certified screen (4000 USER_IS_NOT_CERTIFY)', async () => {
    await submitInAlipay();
    await answerBridgeCall(page, 0, { resultStatus: '4000', result: { errorCode: 'USER_IS_NOT_CERTIFY' } });
    await expectAccessible(`result-${await shownOutcome()}`);
  });

  it('finds nothing on the certify-refused screen (a reopened certifyId refused again), offering a new verification', async () => {
    await submitInAlipay({ statuses: ['PENDING'] });
    await answerBridgeCall(page, 0, { resultStatus: '4000', result: { errorCode: 'SYSTEM_ERROR' } });
    await page.getByRole('button', { name: COPY.actionRetryCertify }).click();
    await waitForBridgeCalls(page, 2);
    await answerBridgeCall(page, 1, { resultStatus: '4000', result: { errorCode: 'SYSTEM_ERROR' } });
    await outcomeScreen(page, 'certify-refused').waitFor();
    await expectAccessible('result-certify-refused');
  });

  it('finds nothing on the no-bridge screen (Alipay 10.1.32+ without its JS bridge)', async () => {
    await openPhonePage({ version: SUPPORTED_ALIPAY_VERSION, bridgePresent: false });
    await routeFakeApi(page, suite.server.baseUrl, { certNo: CERT_NO });
    await page.goto(`${suite.server.baseUrl}/`);
    await outcomeScreen(page, 'no-bridge').waitFor();
    await expectAccessible('result-no-bridge');
  });

  it('finds nothing on the verified screen in English', async () => {
    await openPhonePage({ version: SUPPORTED_ALIPAY_VERSION, bridgePresent: true }, 'en-US');
    await routeFakeApi(page, suite.server.baseUrl, { certNo: CERT_NO, statuses: ['PASSED'] });
    await page.goto(`${suite.server.baseUrl}/`);
    await page.getByLabel(PAGE_COPY_EN_US.nameLabel, { exact: true }).fill(CERT_NAME);
    await page.getByLabel(PAGE_COPY_EN_US.certNoLabel, { exact: true }).fill(CERT_NO);
    await page.getByLabel(PAGE_COPY_EN_US.consentLabel).check();
    await page.getByRole('button', { name: PAGE_COPY_EN_US.submit }).click();
    await waitForBridgeCalls(page, 1);
    await answerBridgeCall(page, 0, { resultStatus: '9000', result: {} });
    await outcomeScreen(page, 'passed').waitFor();
    await expectAccessible('result-passed-en-us');
  });

  it('finds nothing on the bridge error screen', async () => {
    await submitInAlipay();
    await answerBridgeCall(page, 0, { error: 1, errorMessage: 'function not found' });
    await expectAccessible(`result-${await shownOutcome()}-bridge`);
  });

  it('finds nothing on the upgrade screen (Alipay older than 10.1.32)', async () => {
    await openPhonePage({ version: OLD_ALIPAY_VERSION, bridgePresent: true });
    await routeFakeApi(page, suite.server.baseUrl, { certNo: CERT_NO });
    await page.goto(`${suite.server.baseUrl}/`);
    await expectAccessible(`result-${await shownOutcome()}`);
  });

  it('finds nothing on the sign-in error screen (a planted auth_code)', async () => {
    await openPhonePage({ version: SUPPORTED_ALIPAY_VERSION, bridgePresent: true });
    await routeFakeApi(page, suite.server.baseUrl, { certNo: CERT_NO });
    await page.goto(`${suite.server.baseUrl}/?auth_code=planted-code&state=attacker-state`);
    await expectAccessible(`result-${await shownOutcome()}-sign-in`);
  });
});

describe('axe-core outside Alipay', () => {
  it('finds nothing on the open-in-Alipay screen (real mode, plain browser)', async () => {
    await openPhonePage(null);
    await routeFakeApi(page, suite.server.baseUrl, { certNo: CERT_NO, mode: 'alipay' });
    await page.goto(`${suite.server.baseUrl}/`);
    await expectAccessible(`result-${await shownOutcome()}`);
  });
});

describe('axe-core against the real server and its emulator', () => {
  /** Signs in through the emulator's auth_base page, submits, and lands on the emulator's certify page. */
  async function reachEmulatorCertifyPage(certNo: string): Promise<void> {
    await openPhonePage(null);
    await page.goto(`${suite.server.baseUrl}/`);
    await fillAndSubmit(page, { certName: TEST_NAMES[1], certNo, consent: true });
    await page.locator('[data-outcome="PASSED"]').waitFor();
  }

  it('finds nothing on the emulator’s certify page', async () => {
    await reachEmulatorCertifyPage(makeCertNo(4402));
    await expectAccessible('emulator-certify-page');
  });

  it('finds nothing on the emulator’s error page (a certify link that is not valid)', async () => {
    await openPhonePage(null);
    const response = await page.goto(`${suite.server.baseUrl}/emulator/gateway.do?method=alipay.user.certify.open.certify`);
    expect(response?.status()).toBe(400);
    await page.locator('h1').waitFor();
    await expectAccessible('emulator-certify-error-page');
  });

  it('finds nothing on the emulator’s index page, with a certification listed', async () => {
    await reachEmulatorCertifyPage(makeCertNo(4405));
    await page.goto(`${suite.server.baseUrl}/emulator`);
    await page.locator('tbody tr').first().waitFor();
    await expectAccessible('emulator-index-page');
  });

  it('finds nothing on the H5 result after cancelling on the emulator’s page', async () => {
    await reachEmulatorCertifyPage(makeCertNo(4403));
    await Promise.all([page.waitForURL(`${suite.server.baseUrl}/`), page.locator('[data-outcome="CANCELLED"]').click()]);
    await expectAccessible(`result-${await shownOutcome()}-after-emulator-cancel`);
  });

  it('finds nothing on the H5 result after passing on the emulator’s page', async () => {
    await reachEmulatorCertifyPage(makeCertNo(4404));
    await Promise.all([page.waitForURL(`${suite.server.baseUrl}/`), page.locator('[data-outcome="PASSED"]').click()]);
    await expectAccessible(`result-${await shownOutcome()}-after-emulator-pass`);
  });
});
