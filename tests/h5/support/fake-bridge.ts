/**
 * A stand-in for the `AlipayJSBridge` the Alipay app injects, installed before any page
 * script runs. It records every call and lets the test answer each one, so a test sees
 * exactly what the page sent and chooses exactly what Alipay says back.
 */
import { Page } from 'playwright-core';

/** One recorded `AlipayJSBridge.call(name, options, callback)`. */
export interface RecordedBridgeCall {
  name: string;
  options: Record<string, unknown>;
}

interface FakeBridgeControl {
  calls(): RecordedBridgeCall[];
  answer(index: number, result: unknown): void;
  inject(): void;
}

type FakeBridgeWindow = Window & { __fakeBridge: FakeBridgeControl; AlipayJSBridge?: unknown };

/**
 * Runs in the page (serialised by playwright), so it may only use what it declares.
 * `present`: the bridge exists before the page's script runs; otherwise it appears only
 * when the test calls `injectLateBridge`, announced by `AlipayJSBridgeReady` as Alipay does.
 */
function fakeBridgeInitScript(present: boolean): void {
  const target = window as unknown as FakeBridgeWindow;
  const calls: Array<RecordedBridgeCall & { callback: (result: unknown) => void }> = [];
  const bridge = {
    call(name: string, options: Record<string, unknown>, callback: (result: unknown) => void): void {
      calls.push({ name, options, callback });
    },
  };
  target.__fakeBridge = {
    calls: () => calls.map((call) => ({ name: call.name, options: call.options })),
    answer: (index, result) => calls[index].callback(result),
    inject: () => {
      target.AlipayJSBridge = bridge;
      document.dispatchEvent(new Event('AlipayJSBridgeReady'));
    },
  };
  if (present) target.AlipayJSBridge = bridge;
}

/** Installs the fake bridge for every page load of `page`. */
export async function installFakeBridge(page: Page, options: { present: boolean }): Promise<void> {
  await page.addInitScript(fakeBridgeInitScript, options.present);
}

/** Waits until the page has made at least `count` bridge calls and returns all of them. */
export async function waitForBridgeCalls(page: Page, count: number): Promise<RecordedBridgeCall[]> {
  await page.waitForFunction((expected) => (window as unknown as FakeBridgeWindow).__fakeBridge.calls().length >= expected, count);
  return page.evaluate(() => (window as unknown as FakeBridgeWindow).__fakeBridge.calls());
}

/** Answers bridge call number `index` (0-based) the way Alipay would, e.g. `{resultStatus: '9000', result: {}}`. */
export function answerBridgeCall(page: Page, index: number, result: unknown): Promise<void> {
  return page.evaluate(([callIndex, answer]) => (window as unknown as FakeBridgeWindow).__fakeBridge.answer(callIndex as number, answer), [index, result] as const);
}

/** Makes a late bridge appear now and dispatches `AlipayJSBridgeReady`. */
export function injectLateBridge(page: Page): Promise<void> {
  return page.evaluate(() => (window as unknown as FakeBridgeWindow).__fakeBridge.inject());
}
