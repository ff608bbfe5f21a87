/**
 * The API reference at /docs (Swagger UI, server/src/app/openapi.ts) in Chromium, under the
 * Content-Security-Policy the server sends with it (not bypassed): the UI renders the
 * OpenAPI document and the browser reports no CSP violation. (Under the H5 page's own policy
 * it reports Swagger UI's run-time inline styles: DOCS_CONTENT_SECURITY_POLICY allows those.)
 */
import { useBrowserSuite } from './support/browser-suite';

jest.setTimeout(30_000);

const suite = useBrowserSuite();

it('renders the API reference with every script and style allowed by its CSP', async () => {
  const page = await suite.openPage();
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  const response = await page.goto(`${suite.server.baseUrl}/docs`);
  expect(response?.headers()['content-security-policy']).toContain("script-src 'self';");
  await page.locator('.swagger-ui .info .title').waitFor();
  expect(await page.locator('.swagger-ui .info .title').innerText()).toContain('Alipay identity verification');
  await page.locator('.opblock-summary-path[data-path="/api/verifications"]').first().waitFor();
  expect(violations).toEqual([]);
});
