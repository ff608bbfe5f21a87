/**
 * Debian's Chromium through playwright-core (never a downloaded browser), plus what the
 * H5 tests share: the phone-sized viewport, the Alipay user agents and screenshots.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, BrowserContextOptions, chromium, Page } from 'playwright-core';
import { REPO_ROOT } from './build';

/** The narrowest common Android width: the page must be readable here. */
export const PHONE_VIEWPORT = { width: 360, height: 740 };

/** A real Android Alipay user agent shape, with the version token swapped in. */
export function alipayUserAgent(version: string): string {
  return (
    'Mozilla/5.0 (Linux; U; Android 12; zh-CN; V2049A Build/SP1A.210812.003) AppleWebKit/537.36 (KHTML, like Gecko) ' +
    'Version/4.0 Chrome/69.0.3497.100 UWS/3.22.2.43 Mobile Safari/537.36 NebulaSDK/1.8.100112 Nebula ' +
    `AlipayDefined(nt:WIFI,ws:360|0|3.0) AliApp(AP/${version}) AlipayClient/${version} Language/zh-Hans`
  );
}

/** An Alipay version that supports open-certify, and one that is too old. */
export const SUPPORTED_ALIPAY_VERSION = '10.5.36.8000';
export const OLD_ALIPAY_VERSION = '10.1.30.1000';

/** Launches /usr/bin/chromium headless; one browser per test file. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A fresh context per test (own storage, cookies and globals), phone-sized, zh-CN by default. */
export function newPhoneContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  return browser.newContext({ viewport: PHONE_VIEWPORT, locale: 'zh-CN', deviceScaleFactor: 1, isMobile: true, hasTouch: true, ...options });
}

/** Saves a full-page screenshot under artifacts/screenshots/ (gitignored) and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  const directory = join(REPO_ROOT, 'artifacts', 'screenshots');
  mkdirSync(directory, { recursive: true });
  const path = join(directory, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
