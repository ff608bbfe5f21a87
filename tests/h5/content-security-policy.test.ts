/**
 * The H5 page under the Content-Security-Policy the server sends with it: the whole flow (sign-in,
 * form, the emulator's pages, the result) works with no violation, and a violation, were the
 * page to cause one, would be caught. Violations are reported from every document the tab
 * loads through a binding, so one on a page that has since navigated away is still counted.
 */
import { Page } from 'playwright-core';
import { makeCertNo, TEST_NAMES } from '../support/identities';
import { DEVELOPMENT_BRANDING } from '../../utils/consent-notice';
import { routeFakeApi } from './support/fake-api';
import { COPY, fillAndSubmit, outcomeScreen } from './support/h5-page';
import { useBrowserSuite } from './support/browser-suite';

jest.setTimeout(30_000);

const suite = useBrowserSuite();

interface Violation {
  directive: string;
  blockedUri: string;
  documentUri: string;
}

/** Records every CSP violation and every console line about one, on every document of `page`. */
async function watchViolations(page: Page): Promise<{ violations: Violation[]; consoleReports: string[]; firstViolation: Promise<Violation> }> {
  const violations: Violation[] = [];
  const consoleReports: string[] = [];
  let onFirst: (violation: Violation) => void = () => undefined;
  const firstViolation = new Promise<Violation>((resolve) => (onFirst = resolve));
  await page.exposeFunction('__reportCspViolation', (violation: Violation) => {
    violations.push(violation);
    onFirst(violation);
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      const report = (window as unknown as { __reportCspViolation: (violation: Violation) => void }).__reportCspViolation;
      report({ directive: event.effectiveDirective, blockedUri: event.blockedURI, documentUri: event.documentURI });
    });
  });
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) consoleReports.push(message.text());
  });
  page.on('pageerror', (error) => {
    if (/Content Security Policy/i.test(error.message)) consoleReports.push(error.message);
  });
  return { violations, consoleReports, firstViolation };
}

describe('H5 page under its Content-Security-Policy', () => {
  it('signs in, takes the form, round-trips the emulated certify page and shows the result with no violation', async () => {
    const page = await suite.openPage();
    const { violations, consoleReports } = await watchViolations(page);
    const response = await page.goto(`${suite.server.baseUrl}/`);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'self'");

    // The script ran (it fills the copy in) and the stylesheet applied, both under the policy.
    await page.locator('#identity-form').waitFor();
    expect(await page.getByRole('button', { name: COPY.submit }).textContent()).toBe(COPY.submit);
    expect(await page.evaluate(() => getComputedStyle(document.body).fontSize)).toBe('16px');

    await fillAndSubmit(page, { certName: TEST_NAMES[2], certNo: makeCertNo(4401), consent: true });
    await page.locator('[data-outcome="PASSED"]').waitFor();
    await Promise.all([page.waitForURL(`${suite.server.baseUrl}/`), page.locator('[data-outcome="PASSED"]').click()]);
    await outcomeScreen(page, 'passed').waitFor();

    expect(violations).toEqual([]);
    expect(consoleReports).toEqual([]);
  });

  it('draws the open-in-Alipay QR code and a same-origin merchant logo with no violation', async () => {
    const page = await suite.openPage();
    const { violations, consoleReports } = await watchViolations(page);
    await page.route(`${suite.server.baseUrl}/merchant-logo.svg`, (route) =>
      route.fulfill({ status: 200, contentType: 'image/svg+xml', body: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1" height="1"/></svg>' }),
    );
    await routeFakeApi(page, suite.server.baseUrl, {
      certNo: makeCertNo(4402),
      mode: 'alipay',
      branding: { ...DEVELOPMENT_BRANDING, logoUrl: '/merchant-logo.svg' },
    });
    await page.goto(`${suite.server.baseUrl}/`);
    await page.getByRole('img', { name: COPY.openInAlipayQrLabel }).waitFor();
    await page.locator('#merchant-logo:not([hidden])').waitFor();
    expect(await page.locator('#merchant-logo').evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth > 0)).toBe(true);

    expect(violations).toEqual([]);
    expect(consoleReports).toEqual([]);
  });

  it('catches a violation: an inline script added to the page is blocked and reported', async () => {
    const page = await suite.openPage();
    const { firstViolation } = await watchViolations(page);
    await page.goto(`${suite.server.baseUrl}/`);
    await page.locator('#identity-form').waitFor();

    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__inlineScriptRan = true;';
      document.head.appendChild(script);
    });
    expect(await firstViolation).toMatchObject({ directive: 'script-src-elem', blockedUri: 'inline' });
    expect(await page.evaluate(() => (window as unknown as { __inlineScriptRan?: boolean }).__inlineScriptRan)).toBeUndefined();
  });
});
