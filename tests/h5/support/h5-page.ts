/**
 * How the tests drive the H5 page the way a person does: through labelled fields and
 * named buttons (so a lost <label for> fails a test), reading the copy from h5/src/copy.ts.
 */
import { Locator, Page, Request } from 'playwright-core';
import { PAGE_COPY_ZH_CN } from '../../../h5/src/copy';
import { answerBridgeCall } from './fake-bridge';

export const COPY = PAGE_COPY_ZH_CN;

/** Longer than the page's longest backoff delay (4 s), so each step fires at most one poll. */
const CLOCK_STEP_MS = 4_000;
/** Far more steps than the 15 s polling budget needs. */
const MAX_CLOCK_STEPS = 50;

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
 * Answers the open bridge call with a 9000 and runs the page's whole polling backoff on a
 * paused fake clock, returning the outcome screen it ends on (whichever it is, so a wrong
 * screen fails the test's assertion at once instead of timing it out).
 *
 * The clock is installed only now, after the bridge was called: sign-in and submission ran
 * on the real clock, as for a person, and a page loaded under a stopped clock hung in about
 * one run in three. Page time moves only while no `/api/` request is in flight: the page's
 * own request timeout runs on the same clock, so advancing it under a slow answer would
 * time the request out and test a different path. Requests are watched from before the
 * answer, so the first poll is seen too; a request is tracked as an object, not a count,
 * so one whose start was missed cannot drift the tally (both caused CI-only flakes).
 */
export async function answer9000AndRunOutBackoff(page: Page): Promise<Locator> {
  const inFlight = new Set<Request>();
  let onIdle: (() => void) | undefined;
  const started = (request: Request): void => {
    if (new URL(request.url()).pathname.startsWith('/api/')) inFlight.add(request);
  };
  const settled = (request: Request): void => {
    if (!inFlight.delete(request)) return;
    if (inFlight.size === 0 && onIdle) onIdle();
  };
  page.on('request', started);
  page.on('requestfinished', settled);
  page.on('requestfailed', settled);
  try {
    await page.clock.install();
    await page.clock.pauseAt(Date.now());
    await answerBridgeCall(page, 0, { resultStatus: '9000', result: {} });
    const outcome = page.locator('#outcome');
    for (let step = 0; step < MAX_CLOCK_STEPS; step += 1) {
      // A round trip to the page first, so the request events of work the last step
      // started have arrived before inFlight is read.
      await page.evaluate(() => undefined);
      if (inFlight.size > 0) await new Promise<void>((resolve) => (onIdle = resolve));
      onIdle = undefined;
      if (await outcome.isVisible()) {
        return outcomeScreen(page, (await outcome.getAttribute('data-screen')) ?? '');
      }
      // Each step moves page time past the longest backoff delay.
      await page.clock.runFor(CLOCK_STEP_MS);
    }
    throw new Error(`No outcome screen after ${MAX_CLOCK_STEPS} clock steps of ${CLOCK_STEP_MS} ms`);
  } finally {
    page.off('request', started);
    page.off('requestfinished', settled);
    page.off('requestfailed', settled);
  }
}
