/**
 * The lifecycle every browser test file shares: the H5 bundle built once, one real backend
 * and one Chromium per file, and a fresh phone-sized context per test, closed after it.
 */
import { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { ensureBuilt } from './build';
import { launchChromium, newPhoneContext } from './browser';
import { RunningServer, startServer } from './server';

export interface BrowserSuite {
  /** The backend this file's tests talk to (emulator mode, throwaway DATA_DIR). */
  readonly server: RunningServer;
  /** A page in a fresh phone-sized context (own storage, cookies and globals). */
  openPage(options?: BrowserContextOptions): Promise<Page>;
}

/**
 * Registers the file's beforeAll/afterEach/afterAll hooks and returns the suite they manage.
 * @param serverEnv extra environment for this file's backend (e.g. a setting a test needs)
 */
export function useBrowserSuite(serverEnv: Record<string, string> = {}): BrowserSuite {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    [server, browser] = await Promise.all([startServer(serverEnv), launchChromium()]);
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  return {
    get server(): RunningServer {
      if (!server) throw new Error('the browser suite starts its server in beforeAll');
      return server;
    },
    async openPage(options: BrowserContextOptions = {}): Promise<Page> {
      if (!browser) throw new Error('the browser suite launches Chromium in beforeAll');
      const context = await newPhoneContext(browser, options);
      contexts.push(context);
      return context.newPage();
    },
  };
}
