/**
 * The whole flow a person follows in a plain phone browser against the real backend on
 * its embedded emulator, exactly as `npm start` runs it: auth_base sign-in, the form,
 * the emulator's verification page (pass, fail or cancel), and back through return_url
 * to the result the server reports.
 */
import { Page } from 'playwright-core';
import { makeCertNo, TEST_NAMES } from '../support/identities';
import { maskCertNo } from '../../utils/identity';
import { alipayUserAgent, saveScreenshot, SUPPORTED_ALIPAY_VERSION } from './support/browser';
import { answerBridgeCall, installFakeBridge, waitForBridgeCalls } from './support/fake-bridge';
import { answer9000AndRunOutBackoff, COPY, fillAndSubmit, outcomeScreen, readWebStorage } from './support/h5-page';
import { useBrowserSuite } from './support/browser-suite';

jest.setTimeout(30_000);

// A person spends more than the server's 1 s status cache (QUERY_CACHE_MS) between two trips to
// the certify page; these tests make them back to back, so the cache is off here.
const suite = useBrowserSuite({ QUERY_CACHE_MS: '0' });
let page: Page;

/** Opens the page (signing in through the emulator's auth_base page), submits, and lands on the emulator's verification page. */
async function submitAndReachCertifyPage(certName: string, certNo: string): Promise<void> {
  await page.goto(`${suite.server.baseUrl}/`);
  await fillAndSubmit(page, { certName, certNo, consent: true });
  await page.locator('[data-outcome="PASSED"]').waitFor();
  expect(page.url()).not.toContain(certNo);
}

/** Picks an outcome on the emulator's page and waits to be back on the H5 page. */
async function chooseOutcome(outcome: 'PASSED' | 'FAILED' | 'CANCELLED'): Promise<void> {
  await Promise.all([page.waitForURL(`${suite.server.baseUrl}/`), page.locator(`[data-outcome="${outcome}"]`).click()]);
}

describe('H5 page against the emulator (npm start)', () => {
  beforeEach(async () => {
    page = await suite.openPage();
  });

  it('shows the verified result after "pass" on the emulated page, masked, with nothing personal stored', async () => {
    const certNo = makeCertNo(4301);
    const certName = TEST_NAMES[2];
    await submitAndReachCertifyPage(certName, certNo);
    await chooseOutcome('PASSED');

    const screen = outcomeScreen(page, 'passed');
    await screen.waitFor();
    expect(await screen.getByRole('heading').textContent()).toBe(COPY.passedTitle);
    expect(await screen.textContent()).toContain(maskCertNo(certNo));
    const html = await page.content();
    expect(html).not.toContain(certNo);
    expect(html).not.toContain(certName);
    const storage = await readWebStorage(page);
    expect(storage).not.toContain(certNo);
    expect(storage).not.toContain(certName);
    await saveScreenshot(page, 'h5-flow-passed');
  });

  it('never shows "verified" after "fail" on the emulated page: the server keeps it not passed, and the user can start over', async () => {
    const certNo = makeCertNo(4302);
    await submitAndReachCertifyPage(TEST_NAMES[3], certNo);
    await chooseOutcome('FAILED');

    // Alipay's query only says "not passed" (passed=F) until the certifyId expires, so the
    // server answers PENDING and the page says "not verified yet", never "verified".
    const screen = outcomeScreen(page, 'not-finished');
    await screen.waitFor();
    expect(await screen.getByRole('heading').textContent()).toBe(COPY.notFinishedTitle);
    await screen.getByRole('button', { name: COPY.actionRefresh }).click();
    await outcomeScreen(page, 'not-finished').waitFor();
    expect(await outcomeScreen(page, 'passed').count()).toBe(0);

    await page.getByRole('button', { name: COPY.actionStartOver }).click();
    await page.locator('#identity-form').waitFor();
    expect(await page.getByLabel(COPY.certNoLabel, { exact: true }).inputValue()).toBe('');
    expect(await page.evaluate(() => window.sessionStorage.getItem('identity-verify.pending-verification'))).toBeNull();
  });

  it('shows "not verified yet" after "cancel" on the emulated page, then starting over can still pass', async () => {
    const certNo = makeCertNo(4303);
    await submitAndReachCertifyPage(TEST_NAMES[4], certNo);
    await chooseOutcome('CANCELLED');

    const screen = outcomeScreen(page, 'not-finished');
    await screen.waitFor();
    expect(await screen.getByRole('heading').textContent()).toBe(COPY.notFinishedTitle);
    expect(await screen.textContent()).toContain(maskCertNo(certNo));
    await saveScreenshot(page, 'h5-flow-cancelled');

    await screen.getByRole('button', { name: COPY.actionStartOver }).click();
    await fillAndSubmit(page, { certName: TEST_NAMES[4], certNo, consent: true });
    await page.locator('[data-outcome="PASSED"]').waitFor();
    await chooseOutcome('PASSED');
    await outcomeScreen(page, 'passed').waitFor();
  });

  it('after "fail" on the emulated page, 再次验证 reopens the same certifyId with a newly signed URL: no new initialize, and it can pass', async () => {
    const certNo = makeCertNo(4307);
    await submitAndReachCertifyPage(TEST_NAMES[2], certNo);
    const certifyIdOf = (address: string): unknown => JSON.parse(new URL(address).searchParams.get('biz_content') ?? '{}').certify_id;
    const firstCertifyId = certifyIdOf(page.url());
    await chooseOutcome('FAILED');

    const screen = outcomeScreen(page, 'not-finished');
    await screen.waitFor();
    const main = screen.getByRole('button').first();
    expect(await main.textContent()).toBe(COPY.actionRetryCertify);
    const posts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname.startsWith('/api/verifications')) posts.push(new URL(request.url()).pathname);
    });
    await main.click();
    await page.locator('[data-outcome="PASSED"]').waitFor();
    expect(firstCertifyId).toEqual(expect.any(String));
    expect(certifyIdOf(page.url())).toBe(firstCertifyId);
    // Only a renewal of the URL: no POST /api/verifications, so no paid initialize.
    expect(posts).toEqual([expect.stringMatching(/^\/api\/verifications\/[^/]+\/certify-url$/)]);

    await chooseOutcome('PASSED');
    await outcomeScreen(page, 'passed').waitFor();
  });

  it('asks the server again when the user comes back with the Back button instead of choosing', async () => {
    const certNo = makeCertNo(4305);
    await submitAndReachCertifyPage(TEST_NAMES[1], certNo);
    await page.goBack();

    const screen = outcomeScreen(page, 'not-finished');
    await screen.waitFor();
    expect(await screen.textContent()).toContain(maskCertNo(certNo));
  });

  it('keeps the signed-in session across the trip to the emulated page (one auth_base sign-in only)', async () => {
    const authorizeRequests: string[] = [];
    page.on('request', (request) => {
      if (request.url().indexOf('publicAppAuthorize.htm') >= 0) authorizeRequests.push(request.url());
    });
    await submitAndReachCertifyPage(TEST_NAMES[0], makeCertNo(4304));
    await chooseOutcome('PASSED');
    await outcomeScreen(page, 'passed').waitFor();

    expect(authorizeRequests).toHaveLength(1);
    const authorize = new URL(authorizeRequests[0]);
    expect(authorize.searchParams.get('scope')).toBe('auth_base');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${suite.server.baseUrl}/`);
    expect(authorize.searchParams.get('state')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('H5 page inside Alipay (fake bridge) against the real server and emulator', () => {
  it('opens the certifyId and url the server issued, and shows PASSED once Alipay\'s record says so', async () => {
    page = await suite.openPage({ userAgent: alipayUserAgent(SUPPORTED_ALIPAY_VERSION) });
    await installFakeBridge(page, { present: true });
    const certNo = makeCertNo(4306);
    await page.goto(`${suite.server.baseUrl}/`);
    await fillAndSubmit(page, { certName: TEST_NAMES[0], certNo, consent: true });

    const [call] = await waitForBridgeCalls(page, 1);
    const param = JSON.parse(call.options.param as string) as { certifyId: string; url: string };
    expect(new URL(param.url).searchParams.get('method')).toBe('alipay.user.certify.open.certify');
    expect(param.url).not.toContain(certNo);
    // The person passes the face check in Alipay: the emulator records it, as Alipay's record would.
    const recorded = await fetch(`${suite.server.baseUrl}/emulator/certifications/${param.certifyId}/outcome`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ outcome: 'PASSED' }),
    });
    expect(recorded.status).toBe(200);
    await answerBridgeCall(page, 0, { resultStatus: '9000', result: { certifyId: param.certifyId } });

    const screen = outcomeScreen(page, 'passed');
    await screen.waitFor();
    expect(await screen.textContent()).toContain(maskCertNo(certNo));
  });

  it('retries a 6002 with a URL the server signs for the same certifyId, which opens the emulated page', async () => {
    page = await suite.openPage({ userAgent: alipayUserAgent(SUPPORTED_ALIPAY_VERSION) });
    await installFakeBridge(page, { present: true });
    await page.goto(`${suite.server.baseUrl}/`);
    await fillAndSubmit(page, { certName: TEST_NAMES[2], certNo: makeCertNo(4308), consent: true });
    const [first] = await waitForBridgeCalls(page, 1);
    const issued = JSON.parse(first.options.param as string) as { certifyId: string; url: string };
    await answerBridgeCall(page, 0, { resultStatus: '6002', result: {} });

    const retry = outcomeScreen(page, 'network').getByRole('button', { name: COPY.actionRetryCertify });
    const [renewal] = await Promise.all([
      page.waitForResponse((response) => new URL(response.url()).pathname.endsWith('/certify-url')),
      retry.click(),
    ]);
    expect(renewal.status()).toBe(200);
    expect(new URL(renewal.url()).pathname).toMatch(/^\/api\/verifications\/[0-9a-f-]{36}\/certify-url$/);
    const calls = await waitForBridgeCalls(page, 2);
    const reopened = JSON.parse(calls[1].options.param as string) as { certifyId: string; url: string };
    expect(reopened.certifyId).toBe(issued.certifyId);
    expect(reopened.url).toBe(((await renewal.json()) as { url: string }).url);
    // Same-second signatures may be byte-identical; server/tests/certify-url.test.ts proves a new one on a moved clock.
    const certifyPage = await fetch(reopened.url);
    expect(certifyPage.status).toBe(200);
    expect(await certifyPage.text()).toContain('data-outcome="PASSED"');
  });

  it('does not show PASSED for a client-side 9000 the server has no pass for', async () => {
    page = await suite.openPage({ userAgent: alipayUserAgent(SUPPORTED_ALIPAY_VERSION) });
    await installFakeBridge(page, { present: true });
    await page.goto(`${suite.server.baseUrl}/`);
    await fillAndSubmit(page, { certName: TEST_NAMES[1], certNo: makeCertNo(4307), consent: true });
    await waitForBridgeCalls(page, 1);
    // A forged or premature 9000: Alipay's record (the emulator) still says not passed.
    const screen = await answer9000AndRunOutBackoff(page);
    expect(await screen.getAttribute('data-screen')).toBe('still-processing');
    expect(await screen.getByRole('heading').textContent()).toBe(COPY.stillProcessingTitle);
    expect(await outcomeScreen(page, 'passed').count()).toBe(0);
  });
});
