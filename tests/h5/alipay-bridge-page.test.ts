/**
 * The H5 page inside the Alipay app: an Alipay user agent, a fake AlipayJSBridge that
 * records calls and answers as Alipay would, and the backend's API answered by the test.
 * The page itself is served by the real backend.
 */
import { Page } from 'playwright-core';
import { makeCertNo, TEST_NAMES } from '../support/identities';
import { maskCertNo } from '../../utils/identity';
import { DEVELOPMENT_BRANDING, consentNoticeFor } from '../../utils/consent-notice';
import { ERROR_MESSAGES_ZH_CN } from '../../h5/src/copy';
import { alipayUserAgent, OLD_ALIPAY_VERSION, saveScreenshot, SUPPORTED_ALIPAY_VERSION } from './support/browser';
import { answerBridgeCall, injectLateBridge, installFakeBridge, waitForBridgeCalls } from './support/fake-bridge';
import { FAKE_TOKEN, FakeApi, FakeApiOptions, routeFakeApi } from './support/fake-api';
import { answer9000AndRunOutBackoff, COPY, fillAndSubmit, outcomeScreen, readWebStorage } from './support/h5-page';
import { useBrowserSuite } from './support/browser-suite';

jest.setTimeout(30_000);

const CERT_NO = makeCertNo(4101);
const CERT_NAME = TEST_NAMES[0];
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const suite = useBrowserSuite();
let page: Page;

interface OpenOptions {
  version?: string;
  bridgePresent?: boolean;
  api?: Partial<FakeApiOptions>;
}

/** A fresh phone-sized context inside "Alipay", with the fake bridge and fake API in place. */
async function openInAlipay(options: OpenOptions = {}): Promise<FakeApi> {
  page = await suite.openPage({ userAgent: alipayUserAgent(options.version ?? SUPPORTED_ALIPAY_VERSION) });
  await installFakeBridge(page, { present: options.bridgePresent ?? true });
  const api = await routeFakeApi(page, suite.server.baseUrl, { certNo: CERT_NO, ...options.api });
  await page.goto(`${suite.server.baseUrl}/`);
  await page.getByRole('button', { name: COPY.submit }).waitFor();
  return api;
}

async function submitValidForm(): Promise<void> {
  await fillAndSubmit(page, { certName: CERT_NAME, certNo: CERT_NO, consent: true });
}

describe('H5 page inside Alipay (fake AlipayJSBridge)', () => {
  it('calls startBizService with name open-certify and the certifyId and url as param JSON', async () => {
    const api = await openInAlipay();
    await submitValidForm();

    const calls = await waitForBridgeCalls(page, 1);
    expect(calls).toHaveLength(1);
    expect(calls[0].name).toBe('startBizService');
    expect(calls[0].options.name).toBe('open-certify');
    expect(typeof calls[0].options.param).toBe('string');
    expect(JSON.parse(calls[0].options.param as string)).toEqual({ certifyId: api.created.certifyId, url: api.created.url });

    const [create] = api.requestsTo('POST', '/api/verifications');
    expect(create.body).toEqual({ certName: CERT_NAME, certNo: CERT_NO, consentVersion: consentNoticeFor('zh-CN', DEVELOPMENT_BRANDING).version });
    expect(create.headers.authorization).toBe(`Bearer ${FAKE_TOKEN}`);
    expect(create.headers['idempotency-key']).toMatch(UUID_V4);
  });

  it('signs in through auth_base, then removes the auth_code from the address bar', async () => {
    const api = await openInAlipay();
    expect(api.requestsTo('POST', '/api/sessions').map((request) => request.body)).toEqual([{ authCode: 'fake-auth-code' }]);
    const address = new URL(page.url());
    expect(address.searchParams.has('auth_code')).toBe(false);
    expect(address.pathname).toBe('/');
  });

  it('shows the verified screen after 9000 when the server says PASSED, with only the masked number', async () => {
    const api = await openInAlipay({ api: { statuses: ['PASSED'] } });
    await submitValidForm();
    await waitForBridgeCalls(page, 1);
    await answerBridgeCall(page, 0, { resultStatus: '9000', result: { certifyId: api.created.certifyId } });

    const screen = outcomeScreen(page, 'passed');
    await screen.waitFor();
    expect(await screen.getByRole('heading').textContent()).toBe(COPY.passedTitle);
    expect(await screen.textContent()).toContain(maskCertNo(CERT_NO));
    const html = await page.content();
    expect(html).not.toContain(CERT_NO);
    expect(html).not.toContain(CERT_NAME);
    const storage = await readWebStorage(page);
    expect(storage).not.toContain(CERT_NO);
    expect(storage).not.toContain(CERT_NAME);
    expect(api.requestsTo('GET', `/api/verifications/${api.created.verificationId}`).length).toBeGreaterThanOrEqual(1);
    await saveScreenshot(page, 'h5-result-passed');
  });

  it('keeps asking the server while it says PENDING after 9000, then shows its final answer', async () => {
    const api = await openInAlipay({ api: { statuses: ['PENDING', 'PASSED'] } });
    await submitValidForm();
    await waitForBridgeCalls(page, 1);
    await answerBridgeCall(page, 0, { resultStatus: '9000', result: {} });

    await outcomeScreen(page, 'passed').waitFor();
    expect(api.requestsTo('GET', '/api/verifications/')).toHaveLength(2);
  });

  it('says "still confirming" with a refresh once ~15 s of backoff pass with the server still PENDING', async () => {
    page = await suite.openPage({ userAgent: alipayUserAgent(SUPPORTED_ALIPAY_VERSION) });
    await installFakeBridge(page, { present: true });
    const api = await routeFakeApi(page, suite.server.baseUrl, { certNo: CERT_NO, statuses: ['PENDING'] });
    await page.goto(`${suite.server.baseUrl}/`);
    await submitValidForm();
    await waitForBridgeCalls(page, 1);
    const screen = await answer9000AndRunOutBackoff(page);
    expect(await screen.getAttribute('data-screen')).toBe('still-processing');
    expect(await screen.getByRole('heading').textContent()).toBe(COPY.stillProcessingTitle);
    expect(api.requestsTo('GET', '/api/verifications/')).toHaveLength(6);

    await saveScreenshot(page, 'h5-result-still-processing');
    await Promise.all([
      page.waitForRequest(`${suite.server.baseUrl}/api/verifications/${api.created.verificationId}`),
      screen.getByRole('button', { name: COPY.actionRefresh }).click(),
    ]);
  });

  it('shows the failed screen after 4000 when the server says FAILED', async () => {
    await openInAlipay({ api: { statuses: ['FAILED'] } });
    await submitValidForm();
    await waitForBridgeCalls(page, 1);
    await answerBridgeCall(page, 0, { resultStatus: '4000', result: { errorCode: 'SYSTEM_ERROR' } });

    const screen = outcomeScreen(page, 'failed');
    await screen.waitFor();
    expect(await screen.getByRole('heading').textContent()).toBe(COPY.failedTitle);
    await saveScreenshot(page, 'h5-result-failed');
  });

  it('after 4000 with the server still PENDING: 本次人脸验证未通过, and 再次验证 reopens the same certifyId with a fresh URL, no new initialize', async () => {
    const api = await openInAlipay({ api: { statuses: ['PENDING', 'PASSED'] } });
    await submitValidForm();
    await waitForBridgeCalls(page, 1);
    await answerBridgeCall(page, 0, { resultStatus: '4000', result: { errorCode: 'SYSTEM_ERROR' } });

    const screen = outcomeScreen(page, 'face-check-failed');
    await screen.waitFor();
    expect(await screen.getByRole('heading').textContent()).toBe(COPY.faceCheckFailedTitle);
    const buttons = screen.getByRole('button');
    expect(await buttons.first().textContent()).toBe(COPY.actionRetryCertify);
    expect(api.requestsTo('GET', `/api/verifications/${api.created.verificationId}`)).toHaveLength(1);
    await saveScreenshot(page, 'h5-result-face-check-failed');
    await buttons.first().click();

    const calls = await waitForBridgeCalls(page, 2);
    expect(JSON.parse(calls[1].options.param as string)).toEqual({ certifyId: api.created.certifyId, url: api.renewals[0].url });
    expect(api.requestsTo('POST', '/api/verifications').filter((request) => request.path === '/api/verifications')).toHaveLength(1);
    await answerBridgeCall(page, 1, { resultStatus: '9000', result: {} });
    await outcomeScreen(page, 'passed').waitFor();
  });

  it('after 4000 USER_IS_NOT_CERTIFY: says how to finish real-name verification in Alipay, and goes back to the kept form', async () => {
    const api = await openInAlipay();
    await submitValidForm();
    await waitForBridgeCalls(page, 1);
    await answerBridgeCall(page, 0, { resultStatus: '4000', result: { errorCode: 'USER_IS_NOT_CERTIFY' } });

    const screen = outcomeScreen(page, 'not-certified');
    await screen.waitFor();
    expect(await screen.getByRole('heading').textContent()).toBe(COPY.notCertifiedTitle);
    expect(await screen.textContent()).toContain(COPY.notCertifiedMessage);
    expect(api.requestsTo('GET', '/api/verifications/')).toHaveLength(0);
    await saveScreenshot(page, 'h5-result-not-certified');
    await screen.getByRole('button', { name: COPY.actionBackToForm }).click();
    expect(await page.getByLabel(COPY.nameLabel, { exact: true }).inputValue()).toBe(CERT_NAME);
    expect(await page.getByLabel(COPY.certNoLabel, { exact: true }).inputValue()).toBe(CERT_NO);
  });

  it('asks the server after an unknown resultStatus and shows what it says', async () => {
    await openInAlipay({ api: { statuses: ['FAILED'] } });
    await submitValidForm();
    await waitForBridgeCalls(page, 1);
    await answerBridgeCall(page, 0, { resultStatus: '8000', result: {} });

    await outcomeScreen(page, 'failed').waitFor();
  });

  it('returns to the form with the inputs kept after 6001 (the user cancelled)', async () => {
    const api = await openInAlipay();
    await submitValidForm();
    await waitForBridgeCalls(page, 1);
    await answerBridgeCall(page, 0, { resultStatus: '6001', result: {} });

    const notice = page.locator('#form-notice');
    await notice.getByText(COPY.cancelledNotice).waitFor();
    expect(await page.getByLabel(COPY.nameLabel, { exact: true }).inputValue()).toBe(CERT_NAME);
    expect(await page.getByLabel(COPY.certNoLabel, { exact: true }).inputValue()).toBe(CERT_NO);
    expect(await page.getByRole('button', { name: COPY.submit }).isEnabled()).toBe(true);
    expect(api.requestsTo('GET', '/api/verifications/')).toHaveLength(0);
    expect(await page.evaluate(() => window.sessionStorage.getItem('identity-verify.pending-verification'))).toBeNull();
  });

  it('offers a retry after 6002 (network) that reopens the same certifyId with a URL the server signs anew', async () => {
    const api = await openInAlipay({ api: { statuses: ['PASSED'] } });
    await submitValidForm();
    const [first] = await waitForBridgeCalls(page, 1);
    await answerBridgeCall(page, 0, { resultStatus: '6002', result: {} });

    const screen = outcomeScreen(page, 'network');
    await screen.waitFor();
    expect(await screen.getByRole('heading').textContent()).toBe(COPY.networkTitle);
    expect(api.requestsTo('POST', '/api/verifications/')).toHaveLength(0);
    await screen.getByRole('button', { name: COPY.actionRetryCertify }).click();

    const calls = await waitForBridgeCalls(page, 2);
    const renewals = api.requestsTo('POST', `/api/verifications/${api.created.verificationId}/certify-url`);
    expect(renewals).toHaveLength(1);
    expect(renewals[0].headers.authorization).toBe(`Bearer ${FAKE_TOKEN}`);
    expect(renewals[0].body).toEqual({});
    expect(calls[1]).toEqual({ ...first, options: { ...first.options, param: expect.any(String) } });
    expect(JSON.parse(calls[1].options.param as string)).toEqual({ certifyId: api.created.certifyId, url: api.renewals[0].url });
    expect(api.renewals[0].url).not.toBe(api.created.url);
    // No second initialize: the only other POST is the renewal.
    expect(api.requestsTo('POST', '/api/verifications').filter((request) => request.path === '/api/verifications')).toHaveLength(1);
    await answerBridgeCall(page, 1, { resultStatus: '9000', result: {} });
    await outcomeScreen(page, 'passed').waitFor();
  });

  it('shows what the server says, and opens nothing, when the retry finds the verification over (VERIFICATION_CLOSED)', async () => {
    const closed = { status: 409, body: { error: { code: 'VERIFICATION_CLOSED' as const, message: 'over' } } };
    const api = await openInAlipay({ api: { statuses: ['EXPIRED'], renewFailures: [closed] } });
    await submitValidForm();
    await waitForBridgeCalls(page, 1);
    await answerBridgeCall(page, 0, { resultStatus: '6002', result: {} });
    await outcomeScreen(page, 'network').getByRole('button', { name: COPY.actionRetryCertify }).click();

    const screen = outcomeScreen(page, 'expired');
    await screen.waitFor();
    expect(await screen.getByRole('heading').textContent()).toBe(COPY.expiredTitle);
    expect(api.requestsTo('GET', `/api/verifications/${api.created.verificationId}`)).toHaveLength(1);
    expect(await page.evaluate(() => (window as unknown as { __fakeBridge: { calls(): unknown[] } }).__fakeBridge.calls().length)).toBe(1);
    expect(await page.evaluate(() => window.sessionStorage.getItem('identity-verify.pending-verification'))).toBeNull();
  });

  it('offers the retry again, with the reason, when the new URL does not arrive', async () => {
    const api = await openInAlipay({ api: { statuses: ['PASSED'], renewFailures: ['network'] } });
    await submitValidForm();
    await waitForBridgeCalls(page, 1);
    await answerBridgeCall(page, 0, { resultStatus: '6002', result: {} });
    await outcomeScreen(page, 'network').getByRole('button', { name: COPY.actionRetryCertify }).click();

    const screen = outcomeScreen(page, 'network');
    await screen.getByText('NETWORK_ERROR').waitFor();
    expect(await screen.textContent()).toContain(ERROR_MESSAGES_ZH_CN.NETWORK_ERROR);
    await screen.getByRole('button', { name: COPY.actionRetryCertify }).click();

    const calls = await waitForBridgeCalls(page, 2);
    expect(JSON.parse(calls[1].options.param as string)).toEqual({ certifyId: api.created.certifyId, url: api.renewals[0].url });
    expect(api.requestsTo('POST', `/api/verifications/${api.created.verificationId}/certify-url`)).toHaveLength(2);
  });

  it('shows a bridge error, not an Alipay answer, when the bridge call itself fails', async () => {
    await openInAlipay();
    await submitValidForm();
    await waitForBridgeCalls(page, 1);
    await answerBridgeCall(page, 0, { error: 1, errorMessage: 'function not found' });

    const screen = outcomeScreen(page, 'bridge-error');
    await screen.waitFor();
    expect(await screen.textContent()).toContain('BRIDGE_ERROR');
  });

  it('starts the verification when AlipayJSBridgeReady fires after the form was submitted', async () => {
    const api = await openInAlipay({ bridgePresent: false });
    await submitValidForm();

    await page.locator('#busy-text').getByText(COPY.waitingForAlipay).waitFor();
    expect(api.requestsTo('POST', '/api/verifications')).toHaveLength(0);

    await injectLateBridge(page);
    const calls = await waitForBridgeCalls(page, 1);
    expect(calls[0].options.name).toBe('open-certify');
    expect(JSON.parse(calls[0].options.param as string)).toEqual({ certifyId: api.created.certifyId, url: api.created.url });
    await answerBridgeCall(page, 0, { resultStatus: '9000', result: {} });
    await outcomeScreen(page, 'passed').waitFor();
  });

  it('says at page load, before anything is typed, when Alipay 10.1.32+ never provides the bridge, with a reload', async () => {
    page = await suite.openPage({ userAgent: alipayUserAgent(SUPPORTED_ALIPAY_VERSION) });
    await installFakeBridge(page, { present: false });
    const api = await routeFakeApi(page, suite.server.baseUrl, { certNo: CERT_NO });
    // A running fake clock, so the page's 10 s wait for the bridge can be skipped over.
    await page.clock.install();
    await page.goto(`${suite.server.baseUrl}/`);
    await page.locator('#identity-form').waitFor();
    await page.clock.fastForward(10_000);

    const screen = outcomeScreen(page, 'no-bridge');
    await screen.waitFor();
    expect(await screen.getByRole('heading').textContent()).toBe(COPY.noBridgeTitle);
    expect(await screen.textContent()).not.toContain(COPY.upgradeTitle);
    expect(await screen.getByRole('button').allTextContents()).toEqual([COPY.actionReload]);
    expect(api.requestsTo('POST', '/api/verifications')).toHaveLength(0);
    await saveScreenshot(page, 'h5-no-bridge');
  });

  it('shows the upgrade message on Alipay older than 10.1.32 and calls nothing', async () => {
    page = await suite.openPage({ userAgent: alipayUserAgent(OLD_ALIPAY_VERSION) });
    await installFakeBridge(page, { present: true });
    const api = await routeFakeApi(page, suite.server.baseUrl, { certNo: CERT_NO });
    await page.goto(`${suite.server.baseUrl}/`);

    const screen = outcomeScreen(page, 'upgrade');
    await screen.waitFor();
    expect(await screen.getByRole('heading').textContent()).toBe(COPY.upgradeTitle);
    expect(await screen.textContent()).toContain('10.1.32');
    expect(await screen.locator('dd').textContent()).toBe(OLD_ALIPAY_VERSION);
    expect(api.requests).toHaveLength(0);
    expect(await page.evaluate(() => (window as unknown as { __fakeBridge: { calls(): unknown[] } }).__fakeBridge.calls().length)).toBe(0);
    await saveScreenshot(page, 'h5-upgrade');
  });
});

describe('H5 page sign-in', () => {
  it('refuses an auth_code it did not ask for (a planted link) and never exchanges it', async () => {
    page = await suite.openPage({ userAgent: alipayUserAgent(SUPPORTED_ALIPAY_VERSION) });
    const api = await routeFakeApi(page, suite.server.baseUrl, { certNo: CERT_NO });
    await page.goto(`${suite.server.baseUrl}/?auth_code=planted-code&state=attacker-state`);

    const screen = outcomeScreen(page, 'error');
    await screen.waitFor();
    expect(await screen.textContent()).toContain('AUTH_CODE_INVALID');
    expect(api.requestsTo('POST', '/api/sessions')).toHaveLength(0);
    expect(new URL(page.url()).search).toBe('');
  });
});

describe('H5 page sign-in without a code', () => {
  it('stops with AUTH_CODE_UNAVAILABLE instead of redirecting in a loop when auth_base returns no code', async () => {
    page = await suite.openPage({ userAgent: alipayUserAgent(SUPPORTED_ALIPAY_VERSION) });
    const api = await routeFakeApi(page, suite.server.baseUrl, { certNo: CERT_NO });
    let authorizeVisits = 0;
    await page.route(`${suite.server.baseUrl}/fake-oauth/authorize?*`, (route) => {
      authorizeVisits += 1;
      const authorize = new URL(route.request().url()).searchParams;
      const back = new URL(authorize.get('redirect_uri') as string);
      back.searchParams.set('state', authorize.get('state') ?? '');
      return route.fulfill({ status: 302, headers: { location: back.toString() } });
    });
    await page.goto(`${suite.server.baseUrl}/`);

    const screen = outcomeScreen(page, 'error');
    await screen.waitFor();
    expect(await screen.textContent()).toContain('AUTH_CODE_UNAVAILABLE');
    expect(authorizeVisits).toBe(1);
    expect(api.requestsTo('POST', '/api/sessions')).toHaveLength(0);
  });
});

describe('H5 page outside Alipay with real Alipay credentials', () => {
  it('asks the user to open the page in Alipay instead of showing the form', async () => {
    page = await suite.openPage();
    const api = await routeFakeApi(page, suite.server.baseUrl, { certNo: CERT_NO, mode: 'alipay' });
    await page.goto(`${suite.server.baseUrl}/`);

    const screen = outcomeScreen(page, 'open-in-alipay');
    await screen.waitFor();
    expect(await screen.getByRole('heading').textContent()).toBe(COPY.openInAlipayTitle);
    expect(await page.locator('#identity-form').isHidden()).toBe(true);
    expect(api.requestsTo('POST', '/api/sessions')).toHaveLength(0);
  });
});
