/**
 * Success has a next step and survives a reload (issue 9, item 3), on the H5 page inside Alipay
 * (fake AlipayJSBridge, the backend's API answered by the test): 完成 goes to the merchant's
 * return URL (the server's H5_DONE_URL, served as the client config's doneUrl), else to a new
 * verification; a reload of a final result shows that result again, read from the server by
 * the verification id the page kept, without a new POST /api/verifications; starting over
 * forgets it. Web storage never holds the name or the ID number.
 */
import { Page } from 'playwright-core';
import { makeCertNo, TEST_NAMES } from '../support/identities';
import { maskCertNo } from '../../utils/identity';
import { ClientConfig, VerificationStatus } from '../../utils/api-contract';
import { alipayUserAgent, saveScreenshot, SUPPORTED_ALIPAY_VERSION } from './support/browser';
import { answerBridgeCall, installFakeBridge, waitForBridgeCalls } from './support/fake-bridge';
import { FakeApi, routeFakeApi } from './support/fake-api';
import { COPY, fillAndSubmit, outcomeScreen, readWebStorage } from './support/h5-page';
import { useBrowserSuite } from './support/browser-suite';

jest.setTimeout(30_000);

const DONE_URL = 'https://merchant.example/after-verify?order=42';
const CERT_NO = makeCertNo(4401);
const CERT_NAME = TEST_NAMES[3];
const SETTLED_KEY = 'identity-verify.settled-verification';

const suite = useBrowserSuite({ H5_DONE_URL: DONE_URL });
let page: Page;

/** Inside "Alipay": submits the form, answers the face check with 9000, and waits for the server's `status` screen. */
async function settleAs(status: VerificationStatus, screen: string, doneUrl?: string): Promise<FakeApi> {
  page = await suite.openPage({ userAgent: alipayUserAgent(SUPPORTED_ALIPAY_VERSION) });
  await installFakeBridge(page, { present: true });
  const api = await routeFakeApi(page, suite.server.baseUrl, { certNo: CERT_NO, statuses: [status], doneUrl });
  await page.route('https://merchant.example/**', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: '<!doctype html><title>merchant</title><h1>merchant</h1>' }),
  );
  await page.goto(`${suite.server.baseUrl}/`);
  await fillAndSubmit(page, { certName: CERT_NAME, certNo: CERT_NO, consent: true });
  await waitForBridgeCalls(page, 1);
  await answerBridgeCall(page, 0, { resultStatus: '9000', result: { certifyId: api.created.certifyId } });
  await outcomeScreen(page, screen).waitFor();
  return api;
}

async function expectNothingPersonalStored(): Promise<void> {
  const storage = await readWebStorage(page);
  expect(storage).not.toContain(CERT_NO);
  expect(storage).not.toContain(CERT_NAME);
}

describe('完成 on the verified screen', () => {
  it('is served from H5_DONE_URL by GET /api/client-config', async () => {
    const response = await fetch(`${suite.server.baseUrl}/api/client-config`);
    expect(((await response.json()) as ClientConfig).doneUrl).toBe(DONE_URL);
  });

  it('is the main button, and goes to the merchant\'s return URL', async () => {
    await settleAs('PASSED', 'passed', DONE_URL);
    const main = outcomeScreen(page, 'passed').getByRole('button').first();
    expect(await main.textContent()).toBe(COPY.actionDone);
    await saveScreenshot(page, 'h5-result-passed-done');
    await Promise.all([page.waitForURL(DONE_URL), main.click()]);
    expect(await page.getByRole('heading').textContent()).toBe('merchant');
  });

  it('starts a new verification on a clear form when no return URL is configured', async () => {
    const api = await settleAs('PASSED', 'passed');
    await outcomeScreen(page, 'passed').getByRole('button', { name: COPY.actionDone }).click();
    await page.locator('#identity-form').waitFor();
    expect(await page.getByLabel(COPY.certNoLabel, { exact: true }).inputValue()).toBe('');
    expect(await page.evaluate((key) => window.sessionStorage.getItem(key), SETTLED_KEY)).toBeNull();
    await page.reload();
    await page.locator('#identity-form').waitFor();
    expect(api.requestsTo('POST', '/api/verifications')).toHaveLength(1);
  });
});

describe('a reload of a final result', () => {
  it('shows PASSED again, with its next step, from the kept id: no new POST /api/verifications, nothing personal stored', async () => {
    const api = await settleAs('PASSED', 'passed', DONE_URL);
    expect(await page.evaluate((key) => window.sessionStorage.getItem(key), SETTLED_KEY)).toBe(api.created.verificationId);
    await expectNothingPersonalStored();
    const lookups = api.requestsTo('GET', `/api/verifications/${api.created.verificationId}`).length;

    await page.reload();
    const screen = outcomeScreen(page, 'passed');
    await screen.waitFor();
    expect(await screen.getByRole('heading').textContent()).toBe(COPY.passedTitle);
    expect(await screen.textContent()).toContain(maskCertNo(CERT_NO));
    expect(await screen.getByRole('button').first().textContent()).toBe(COPY.actionDone);
    expect(api.requestsTo('POST', '/api/verifications')).toHaveLength(1);
    expect(api.requestsTo('GET', `/api/verifications/${api.created.verificationId}`)).toHaveLength(lookups + 1);
    expect(await waitForBridgeCalls(page, 0)).toEqual([]);
    await expectNothingPersonalStored();
    expect(await page.content()).not.toContain(CERT_NO);
  });

  it.each([
    ['FAILED', 'failed'],
    ['EXPIRED', 'expired'],
  ] as const)('shows %s again with 重新发起验证, which forgets it: the next reload is a clear form', async (status, screen) => {
    const api = await settleAs(status, screen);
    await page.reload();
    const card = outcomeScreen(page, screen);
    await card.waitFor();
    expect(api.requestsTo('POST', '/api/verifications')).toHaveLength(1);
    await expectNothingPersonalStored();

    await card.getByRole('button', { name: COPY.actionStartOver }).click();
    await page.locator('#identity-form').waitFor();
    expect(await page.evaluate((key) => window.sessionStorage.getItem(key), SETTLED_KEY)).toBeNull();
    const lookups = api.requestsTo('GET', '/api/verifications/').length;
    await page.reload();
    await page.locator('#identity-form').waitFor();
    expect(await page.getByLabel(COPY.certNoLabel, { exact: true }).inputValue()).toBe('');
    expect(api.requestsTo('GET', '/api/verifications/')).toHaveLength(lookups);
  });
});
