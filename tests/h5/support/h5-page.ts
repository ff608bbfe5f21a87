/**
 * How the tests drive the H5 page the way a person does: through labelled fields and
 * named buttons (so a lost <label for> fails a test), reading the copy from h5/src/copy.ts.
 */
import { Locator, Page } from 'playwright-core';
import { PAGE_COPY_ZH_CN } from '../../../h5/src/copy';

export const COPY = PAGE_COPY_ZH_CN;

export interface IdentityEntry {
  certName: string;
  certNo: string;
  consent: boolean;
}

/** Waits for the form, fills it and submits it. */
export async function fillAndSubmit(page: Page, entry: IdentityEntry): Promise<void> {
  await page.getByLabel(COPY.nameLabel, { exact: true }).fill(entry.certName);
  await page.getByLabel(COPY.certNoLabel, { exact: true }).fill(entry.certNo);
  await page.getByLabel(COPY.consentLabel).setChecked(entry.consent);
  await page.getByRole('button', { name: COPY.submit }).click();
}

/** The result card when it shows screen `name` (`passed`, `failed`, `not-finished`, …). */
export function outcomeScreen(page: Page, name: string): Locator {
  return page.locator(`#outcome[data-screen="${name}"]`);
}

/** Everything the page keeps in web storage, for privacy assertions. */
export function readWebStorage(page: Page): Promise<string> {
  return page.evaluate(() => JSON.stringify({ session: { ...window.sessionStorage }, local: { ...window.localStorage } }));
}
