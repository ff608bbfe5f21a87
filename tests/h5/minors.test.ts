/**
 * Minors on the H5 page (issue 9, item 6, client side): with the client config's minorPolicy,
 * a holder under 14 in Beijing time is told before submitting, as soon as the number is valid.
 * `guardian-consent` shows a second, separate consent for the guardian, which must be ticked
 * and is sent as `guardianConsent: true`; `refuse` says CERT_NO_MINOR at the number and sends
 * nothing. The page's clock is fixed at 00:30 in Beijing (16:30 UTC the day before), so
 * "exactly 14 today" is 14 only in Beijing time, and "14 tomorrow" is still 13.
 */
import { Page } from 'playwright-core';
import { makeCertNoBornOn, TEST_NAMES } from '../support/identities';
import { MinorPolicy } from '../../utils/api-contract';
import { ERROR_MESSAGES_ZH_CN } from '../../h5/src/copy';
import { saveScreenshot } from './support/browser';
import { FakeApi, routeFakeApi } from './support/fake-api';
import { COPY } from './support/h5-page';
import { useBrowserSuite } from './support/browser-suite';

jest.setTimeout(30_000);

/** 2026-06-16 00:30 in Beijing; still 2026-06-15 in UTC. */
const NOW = new Date('2026-06-15T16:30:00Z');
const CERT_NAME = TEST_NAMES[1];

const HOLDERS = {
  'under 14': makeCertNoBornOn(new Date(Date.UTC(2013, 0, 1)), 1),
  'exactly 14 today': makeCertNoBornOn(new Date(Date.UTC(2012, 5, 16)), 2),
  '14 tomorrow': makeCertNoBornOn(new Date(Date.UTC(2012, 5, 17)), 3),
} as const;

type Holder = keyof typeof HOLDERS;

const suite = useBrowserSuite();
let page: Page;

/** The form under `policy`, at NOW, with the name typed, the number typed and consent given. */
async function fillFor(holder: Holder, policy: MinorPolicy): Promise<FakeApi> {
  page = await suite.openPage();
  await page.clock.setFixedTime(NOW);
  const api = await routeFakeApi(page, suite.server.baseUrl, { certNo: HOLDERS[holder], minorPolicy: policy });
  await page.goto(`${suite.server.baseUrl}/`);
  await page.getByLabel(COPY.nameLabel, { exact: true }).fill(CERT_NAME);
  await page.getByLabel(COPY.certNoLabel, { exact: true }).fill(HOLDERS[holder]);
  await page.getByLabel(COPY.consentLabel).check();
  return api;
}

function created(api: FakeApi): unknown[] {
  return api.requestsTo('POST', '/api/verifications').filter((request) => request.path === '/api/verifications').map((request) => request.body);
}

async function submit(): Promise<void> {
  await page.getByRole('button', { name: COPY.submit }).click();
}

describe('minorPolicy guardian-consent', () => {
  it.each<Holder>(['under 14', '14 tomorrow'])('%s: a separate guardian consent appears, is required, and is sent as guardianConsent: true', async (holder) => {
    const api = await fillFor(holder, 'guardian-consent');
    const guardian = page.getByLabel(COPY.guardianLabel);
    await guardian.waitFor();
    // Its own box, apart from the person's consent, which stays as it was.
    expect(await page.getByRole('group', { name: COPY.guardianTitle }).isVisible()).toBe(true);
    expect(await guardian.isChecked()).toBe(false);
    expect(await page.getByLabel(COPY.consentLabel).isChecked()).toBe(true);

    await submit();
    await page.locator('#guardian-consent-error').getByText(COPY.guardianRequired).waitFor();
    expect(created(api)).toEqual([]);
    if (holder === 'under 14') await saveScreenshot(page, 'form-guardian-consent-required');

    await guardian.check();
    expect(await page.locator('#guardian-consent-error').textContent()).toBe('');
    await submit();
    await page.waitForURL(api.created.url);
    expect(created(api)).toEqual([expect.objectContaining({ certNo: HOLDERS[holder], guardianConsent: true })]);
  });

  it('exactly 14 today (Beijing time): no guardian consent, and none is sent', async () => {
    const api = await fillFor('exactly 14 today', 'guardian-consent');
    expect(await page.locator('#guardian').isHidden()).toBe(true);
    await submit();
    await page.waitForURL(api.created.url);
    const [body] = created(api) as Array<Record<string, unknown>>;
    expect(body.certNo).toBe(HOLDERS['exactly 14 today']);
    expect(body).not.toHaveProperty('guardianConsent');
  });

  it('hides and unticks the guardian consent when the number changes to an adult\'s', async () => {
    await fillFor('under 14', 'guardian-consent');
    await page.getByLabel(COPY.guardianLabel).check();
    await page.getByLabel(COPY.certNoLabel, { exact: true }).fill(HOLDERS['exactly 14 today']);
    expect(await page.locator('#guardian').isHidden()).toBe(true);
    await page.getByLabel(COPY.certNoLabel, { exact: true }).fill(HOLDERS['under 14']);
    expect(await page.getByLabel(COPY.guardianLabel).isChecked()).toBe(false);
  });
});

describe('minorPolicy refuse', () => {
  it.each<Holder>(['under 14', '14 tomorrow'])('%s: CERT_NO_MINOR at the number as soon as it is valid, and submit sends nothing', async (holder) => {
    const api = await fillFor(holder, 'refuse');
    // Said while typing, before any submit.
    await page.locator('#cert-no-error').getByText(ERROR_MESSAGES_ZH_CN.CERT_NO_MINOR).waitFor();
    expect(await page.getByLabel(COPY.certNoLabel, { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#guardian').isHidden()).toBe(true);
    await submit();
    expect(await page.locator('#cert-no-error').textContent()).toBe(ERROR_MESSAGES_ZH_CN.CERT_NO_MINOR);
    expect(created(api)).toEqual([]);
    if (holder === 'under 14') await saveScreenshot(page, 'form-minor-refused');
  });

  it('exactly 14 today (Beijing time): sent as usual', async () => {
    const api = await fillFor('exactly 14 today', 'refuse');
    expect(await page.locator('#cert-no-error').textContent()).toBe('');
    await submit();
    await page.waitForURL(api.created.url);
    expect(created(api)).toEqual([expect.objectContaining({ certNo: HOLDERS['exactly 14 today'] })]);
  });
});
