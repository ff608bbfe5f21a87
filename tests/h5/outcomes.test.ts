/**
 * Every outcome of issue 9 on the H5 page, walked the way a person meets it, each routed by the
 * shared client policy (utils/client-policy.ts): the screen it ends on, its main action (the
 * first button, or none), and the requests the page made, above all that no retry or reuse
 * makes a new paid initialize (a second POST /api/verifications). Inside "Alipay" a fake
 * AlipayJSBridge answers as Alipay would and the test answers the backend's API; the page is
 * served by the real backend. The consent refusal (409 CONSENT_OUTDATED) is walked in
 * form.test.ts, success and its reload in success.test.ts, minors in minors.test.ts.
 */
import { Page } from 'playwright-core';
import { makeCertNo, TEST_NAMES } from '../support/identities';
import { qrCodePath } from '../../h5/src/qr-code';
import { alipayUserAgent, OLD_ALIPAY_VERSION, saveScreenshot, SUPPORTED_ALIPAY_VERSION } from './support/browser';
import { answerBridgeCall, installFakeBridge, waitForBridgeCalls } from './support/fake-bridge';
import { FakeApi, FakeApiOptions, routeFakeApi } from './support/fake-api';
import { answer9000AndRunOutBackoff, COPY, fillAndSubmit, outcomeScreen } from './support/h5-page';
import { useBrowserSuite } from './support/browser-suite';

jest.setTimeout(40_000);

const CERT_NO = makeCertNo(4601);
const CERT_NAME = TEST_NAMES[2];

const suite = useBrowserSuite();
let page: Page;

/** A fresh phone inside "Alipay" (or a plain browser when `version` is null), on the page's first screen. */
async function open(api: Partial<FakeApiOptions> = {}, options: { version?: string | null; bridgePresent?: boolean; path?: string } = {}): Promise<FakeApi> {
  const version = options.version === undefined ? SUPPORTED_ALIPAY_VERSION : options.version;
  page = await suite.openPage(version === null ? {} : { userAgent: alipayUserAgent(version) });
  if (version !== null) await installFakeBridge(page, { present: options.bridgePresent ?? true });
  const fake = await routeFakeApi(page, suite.server.baseUrl, { certNo: CERT_NO, ...api });
  await page.goto(`${suite.server.baseUrl}${options.path ?? '/'}`);
  return fake;
}

/** Opens the page inside Alipay, submits the form and waits for the face check to be opened. */
async function submitInAlipay(api: Partial<FakeApiOptions> = {}): Promise<FakeApi> {
  const fake = await open(api);
  await fillAndSubmit(page, { certName: CERT_NAME, certNo: CERT_NO, consent: true });
  await waitForBridgeCalls(page, 1);
  return fake;
}

/** The screen on display: its name, title and the labels of its buttons, main one first. */
async function shown(name: string): Promise<{ title: string | null; buttons: string[] }> {
  const screen = outcomeScreen(page, name);
  await screen.waitFor();
  return { title: await screen.getByRole('heading', { level: 2 }).textContent(), buttons: await screen.getByRole('button').allTextContents() };
}

/** POST /api/verifications only (not its certify-url sub-resource): one per paid initialize. */
function initializes(api: FakeApi): number {
  return api.requestsTo('POST', '/api/verifications').filter((request) => request.path === '/api/verifications').length;
}

async function expectFormKept(): Promise<void> {
  await page.locator('#identity-form').waitFor();
  expect(await page.getByLabel(COPY.nameLabel, { exact: true }).inputValue()).toBe(CERT_NAME);
  expect(await page.getByLabel(COPY.certNoLabel, { exact: true }).inputValue()).toBe(CERT_NO);
}

describe('H5 outcomes after the face check (inside Alipay)', () => {
  it('9000 and server PASSED: 验证通过, main action 完成; one initialize, the status read', async () => {
    const api = await submitInAlipay({ statuses: ['PASSED'] });
    await answerBridgeCall(page, 0, { resultStatus: '9000', result: {} });
    expect(await shown('passed')).toEqual({ title: COPY.passedTitle, buttons: [COPY.actionDone] });
    expect(initializes(api)).toBe(1);
    expect(api.requestsTo('GET', `/api/verifications/${api.created.verificationId}`).length).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#steps [aria-current="step"]').textContent()).toBe(COPY.stepResult);
    await saveScreenshot(page, 'outcome-passed');
  });

  it('9000 and server PENDING past the poll window: 结果确认中, main action 刷新结果, nothing lost', async () => {
    const api = await submitInAlipay({ statuses: ['PENDING'] });
    const screen = await answer9000AndRunOutBackoff(page);
    await page.clock.resume();
    expect(await screen.getAttribute('data-screen')).toBe('still-processing');
    expect(await shown('still-processing')).toEqual({ title: COPY.stillProcessingTitle, buttons: [COPY.actionRefresh, COPY.actionBackToForm] });
    expect(await screen.locator('#outcome-message').textContent()).toContain('不会丢失');
    // Polled the whole window (6 lookups), then stopped: no paid call, no second initialize.
    expect(api.requestsTo('GET', `/api/verifications/${api.created.verificationId}`)).toHaveLength(6);
    expect(initializes(api)).toBe(1);
    await saveScreenshot(page, 'outcome-still-processing');
  });

  it('9000 and server FAILED: 验证未通过, main action 重新开始, which keeps the name and number', async () => {
    const api = await submitInAlipay({ statuses: ['FAILED'] });
    await answerBridgeCall(page, 0, { resultStatus: '9000', result: {} });
    expect(await shown('failed')).toEqual({ title: COPY.failedTitle, buttons: [COPY.actionStartOver] });
    await saveScreenshot(page, 'outcome-failed');
    await page.getByRole('button', { name: COPY.actionStartOver }).click();
    await expectFormKept();
    expect(initializes(api)).toBe(1);
  });

  it('4000 with the server PENDING: 本次人脸验证未通过, 再次验证 reopens the same certifyId with a fresh URL, no new initialize', async () => {
    const api = await submitInAlipay({ statuses: ['PENDING'] });
    await answerBridgeCall(page, 0, { resultStatus: '4000', result: { errorCode: 'SYSTEM_ERROR' } });
    expect(await shown('face-check-failed')).toEqual({ title: COPY.faceCheckFailedTitle, buttons: [COPY.actionRetryCertify, COPY.actionBackToForm] });
    await saveScreenshot(page, 'outcome-face-check-failed');
    await page.getByRole('button', { name: COPY.actionRetryCertify }).click();
    const calls = await waitForBridgeCalls(page, 2);
    expect(JSON.parse(calls[1].options.param as string)).toEqual({ certifyId: api.created.certifyId, url: api.renewals[0].url });
    expect(api.requestsTo('POST', `/api/verifications/${api.created.verificationId}/certify-url`)).toHaveLength(1);
    expect(initializes(api)).toBe(1);
  });

  it('a reopened certifyId Alipay refuses again: 这次验证无法再次打开, 发起新的验证 sends the kept inputs as a new verification', async () => {
    const api = await submitInAlipay({ statuses: ['PENDING'] });
    await answerBridgeCall(page, 0, { resultStatus: '4000', result: { errorCode: 'SYSTEM_ERROR' } });
    await page.getByRole('button', { name: COPY.actionRetryCertify }).click();
    await waitForBridgeCalls(page, 2);
    await answerBridgeCall(page, 1, { resultStatus: '4000', result: { errorCode: 'SYSTEM_ERROR' } });

    expect(await shown('certify-refused')).toEqual({ title: COPY.certifyRefusedTitle, buttons: [COPY.actionNewVerification, COPY.actionBackToForm] });
    // The screen says it is a new verification that counts, before the person asks for it.
    expect(await page.locator('#outcome-message').textContent()).toBe(COPY.certifyRefusedMessage);
    expect(initializes(api)).toBe(1);
    await saveScreenshot(page, 'outcome-certify-refused');

    await page.getByRole('button', { name: COPY.actionNewVerification }).click();
    await waitForBridgeCalls(page, 3);
    const creates = api.requestsTo('POST', '/api/verifications').filter((request) => request.path === '/api/verifications');
    expect(creates).toHaveLength(2);
    // It names the refused verification, so the server starts a new one instead of handing it back as a reuse.
    expect(creates[0].body).not.toHaveProperty('replaces');
    expect(creates[1].body).toMatchObject({ certName: CERT_NAME, certNo: CERT_NO, replaces: api.created.verificationId });
    expect(creates[1].headers['idempotency-key']).not.toBe(creates[0].headers['idempotency-key']);
  });

  it('4000 USER_IS_NOT_CERTIFY: 请先完成支付宝实名认证, main action back to the kept form; the server is not asked', async () => {
    const api = await submitInAlipay();
    await answerBridgeCall(page, 0, { resultStatus: '4000', result: { errorCode: 'USER_IS_NOT_CERTIFY' } });
    expect(await shown('not-certified')).toEqual({ title: COPY.notCertifiedTitle, buttons: [COPY.actionBackToForm] });
    await saveScreenshot(page, 'outcome-not-certified');
    expect(api.requestsTo('GET', '/api/verifications/')).toHaveLength(0);
    await page.getByRole('button', { name: COPY.actionBackToForm }).click();
    await expectFormKept();
  });

  it('6001 (cancelled): back on the form with its notice and the inputs kept, nothing asked', async () => {
    const api = await submitInAlipay();
    await answerBridgeCall(page, 0, { resultStatus: '6001', result: {} });
    await page.locator('#form-notice').getByText(COPY.cancelledNotice).waitFor();
    await expectFormKept();
    expect(await page.locator('#steps [aria-current="step"]').textContent()).toBe(COPY.stepFill);
    expect(api.requestsTo('GET', '/api/verifications/')).toHaveLength(0);
    expect(initializes(api)).toBe(1);
    await saveScreenshot(page, 'outcome-cancelled');
  });

  it('6002 (network): 网络异常, 再次验证 opens the same certifyId with a URL signed now', async () => {
    const api = await submitInAlipay();
    await answerBridgeCall(page, 0, { resultStatus: '6002', result: {} });
    expect(await shown('network')).toEqual({ title: COPY.networkTitle, buttons: [COPY.actionRetryCertify, COPY.actionBackToForm] });
    await saveScreenshot(page, 'outcome-network');
    await page.getByRole('button', { name: COPY.actionRetryCertify }).click();
    const calls = await waitForBridgeCalls(page, 2);
    expect(JSON.parse(calls[1].options.param as string).url).toBe(api.renewals[0].url);
    expect(api.renewals[0].url).not.toBe(api.created.url);
    expect(initializes(api)).toBe(1);
  });

  it('a reused live verification (200, reused): the face check opens its certifyId, and nothing else is created', async () => {
    const api = await submitInAlipay({ reused: true, statuses: ['PASSED'] });
    const calls = await waitForBridgeCalls(page, 1);
    expect(JSON.parse(calls[0].options.param as string)).toEqual({ certifyId: api.created.certifyId, url: api.created.url });
    await answerBridgeCall(page, 0, { resultStatus: '9000', result: {} });
    await shown('passed');
    expect(initializes(api)).toBe(1);
    expect(api.requestsTo('POST', `/api/verifications/${api.created.verificationId}/certify-url`)).toHaveLength(0);
  });
});

describe('H5 outcomes in a plain browser against the emulator', () => {
  it('a retry the server finds over while still PENDING: certify-refused; with nothing kept across the certify page, 发起新的验证 opens the form to fill in', async () => {
    const closed = { status: 409, body: { error: { code: 'VERIFICATION_CLOSED' as const, message: 'over' } } };
    const api = await open({ statuses: ['PENDING'], renewFailures: [closed] }, { version: null });
    await fillAndSubmit(page, { certName: CERT_NAME, certNo: CERT_NO, consent: true });
    await page.waitForURL(api.created.url);
    // Back from the certify page without an answer (a new page load): the server is asked once.
    await page.goto(`${suite.server.baseUrl}/`);
    expect((await shown('not-finished')).buttons[0]).toBe(COPY.actionRetryCertify);
    await page.getByRole('button', { name: COPY.actionRetryCertify }).click();

    expect(await shown('certify-refused')).toEqual({ title: COPY.certifyRefusedTitle, buttons: [COPY.actionNewVerification, COPY.actionBackToForm] });
    await page.getByRole('button', { name: COPY.actionNewVerification }).click();
    await page.locator('#identity-form').waitFor();
    expect(await page.getByLabel(COPY.certNoLabel, { exact: true }).inputValue()).toBe('');
    expect(await page.locator('#cert-name-error').textContent()).toBe('');
    expect(initializes(api)).toBe(1);
  });
});

describe('H5 outcomes before the face check', () => {
  it('no bridge inside Alipay: 暂时无法连接支付宝 at page load, main action 重新加载, nothing created', async () => {
    const api = await open({}, { bridgePresent: false });
    expect(await shown('no-bridge')).toEqual({ title: COPY.noBridgeTitle, buttons: [COPY.actionReload] });
    expect(initializes(api)).toBe(0);
    await saveScreenshot(page, 'outcome-no-bridge');
  });

  it('an Alipay too old for the face check: 请升级支付宝 with the version read, no button, no request', async () => {
    const api = await open({}, { version: OLD_ALIPAY_VERSION });
    expect(await shown('upgrade')).toEqual({ title: COPY.upgradeTitle, buttons: [] });
    expect(await page.locator('#outcome-details').textContent()).toContain(OLD_ALIPAY_VERSION);
    expect(api.requests).toHaveLength(0);
    await saveScreenshot(page, 'outcome-upgrade');
  });

  it('not inside Alipay, real mode: 请在支付宝中打开 with a QR code of this page, no sign-in attempted', async () => {
    const api = await open({ mode: 'alipay' }, { version: null, path: '/?order=42&state=stale' });
    expect(await shown('open-in-alipay')).toEqual({ title: COPY.openInAlipayTitle, buttons: [] });
    const qr = page.getByRole('img', { name: COPY.openInAlipayQrLabel });
    expect(await qr.isVisible()).toBe(true);
    // It holds this page's address with the merchant's parameters, and no sign-in leftovers.
    expect(await qr.locator('path').getAttribute('d')).toBe(qrCodePath(`${suite.server.baseUrl}/?order=42`).d);
    expect(api.requestsTo('POST', '/api/sessions')).toHaveLength(0);
    await saveScreenshot(page, 'outcome-open-in-alipay');
  });

  it('rate limited: the form says how many minutes to wait, from Retry-After, with the inputs kept', async () => {
    const api = await open({ createError: { status: 429, body: { error: { code: 'RATE_LIMITED', message: 'slow down' } }, retryAfter: '3333' } });
    await fillAndSubmit(page, { certName: CERT_NAME, certNo: CERT_NO, consent: true });
    await page.locator('#form-error').getByText('操作太频繁，请 56 分钟后再试。').waitFor();
    await expectFormKept();
    expect(initializes(api)).toBe(1);
    await saveScreenshot(page, 'outcome-rate-limited');
  });

  it('rate limited in English: "Try again in 1 minute" for a Retry-After under a minute', async () => {
    page = await suite.openPage({ locale: 'en-US', userAgent: alipayUserAgent(SUPPORTED_ALIPAY_VERSION) });
    await installFakeBridge(page, { present: true });
    await routeFakeApi(page, suite.server.baseUrl, {
      certNo: CERT_NO,
      createError: { status: 429, body: { error: { code: 'RATE_LIMITED', message: 'slow down' } }, retryAfter: '20' },
    });
    await page.goto(`${suite.server.baseUrl}/`);
    await page.getByLabel('Name', { exact: true }).fill(CERT_NAME);
    await page.getByLabel('ID number', { exact: true }).fill(CERT_NO);
    await page.locator('#consent').check();
    await page.getByRole('button', { name: 'Start verification' }).click();
    await page.locator('#form-error').getByText('Too many attempts. Try again in 1 minute.').waitFor();
  });
});
