/**
 * How the tests drive the H5 page the way a person does: through labelled fields and
 * named buttons (so a lost <label for> fails a test), reading the copy from h5/src/copy.ts.
 */
import { Locator, Page } from 'playwright-core';
import { PAGE_COPY_ZH_CN } from '../../../h5/src/copy';
import { answerBridgeCall } from './fake-bridge';

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

/**
 * Moves the page's fake clock (page.clock.install) forward in steps until `target` shows,
 * taking a step only while no `/api/` request is in flight. Page time must never pass
 * while an answer is on its way: the page's own request timeout runs on that clock, so
 * advancing it under a slow answer would time the request out and test a different path
 * (the flake this guards against appeared only when the machine was loaded).
 */
async function advanceClockUntilVisible(page: Page, target: Locator, stepMs: number, maxSteps = 200): Promise<void> {
  let inFlight = 0;
  let onIdle: (() => void) | undefined;
  const isApi = (url: string): boolean => new URL(url).pathname.startsWith('/api/');
  const started = (request: { url(): string }): void => {
    if (isApi(request.url())) inFlight += 1;
  };
  const settled = (request: { url(): string }): void => {
    if (!isApi(request.url())) return;
    inFlight -= 1;
    if (inFlight === 0 && onIdle) onIdle();
  };
  page.on('request', started);
  page.on('requestfinished', settled);
  page.on('requestfailed', settled);
  try {
    for (let step = 0; step < maxSteps; step += 1) {
      // A round trip to the page first, so the request events of work the last step
      // started have arrived before inFlight is read.
      await page.evaluate(() => undefined);
      if (inFlight > 0) await new Promise<void>((resolve) => (onIdle = resolve));
      onIdle = undefined;
      if (await target.isVisible()) return;
      await page.clock.runFor(stepMs);
    }
    throw new Error(`${await target.evaluate((element) => element.id).catch(() => 'target')} not visible after ${maxSteps} clock steps`);
  } finally {
    page.off('request', started);
    page.off('requestfinished', settled);
    page.off('requestfailed', settled);
  }
}

/**
 * Answers the open bridge call with a 9000 and runs the page's whole polling backoff on a
 * paused fake clock, returning the screen it ends on. The clock is installed only now, after
 * the bridge was called: sign-in and submission ran on the real clock, as for a person, and a
 * page loaded under a stopped clock hung in about one run in three.
 */
export async function answer9000AndRunOutBackoff(page: Page): Promise<Locator> {
  await page.clock.install();
  await page.clock.pauseAt(Date.now());
  await answerBridgeCall(page, 0, { resultStatus: '9000', result: {} });
  const screen = outcomeScreen(page, 'still-processing');
  // Each step moves page time past the longest backoff, and only while no poll is in flight.
  await advanceClockUntilVisible(page, screen, 4_000);
  return screen;
}
