/**
 * A fake Alipay mini-program runtime, in the style of functional-mini's setupAlipayEnv
 * and antd-mini's tests: fresh `my`, `App`, `Page`, `getApp` and `getCurrentPages` per
 * test, the options objects passed to App()/Page() captured, and page instances whose
 * setData merges into `data` and is recorded on one timeline with every `my.*` call,
 * so a test asserts the sequence a user would see.
 *
 * Callbacks fire on a later microtask, as the real bridge answers asynchronously.
 * Modules load fresh per boot (jest.isolateModules), so module state never leaks.
 */
import { FakeAnswer, FakeBackend, RecordedRequest } from './fake-backend';

export type TimelineEntry =
  | { kind: 'my'; api: string; arg: unknown }
  | { kind: 'setData'; page: string; update: Record<string, unknown> };

/** What the fake open-certify answers: a raw result, or a bridge `fail`. */
export type CertifyScript = { answer: unknown } | { fail: { error: number; errorMessage: string } } | { hang: true };

export interface EnvOptions {
  /** my.getSystemInfo `version`; default 10.5.36. */
  version?: string;
  /** my.getSystemInfo `language` (`zh-Hans`, `en`, …); default zh-Hans. */
  language?: string;
  /** Whether my.startAPVerify exists and canIUse('startAPVerify') says so; default false. */
  startAPVerify?: boolean;
  /** Whether my.call exists; default true. */
  myCall?: boolean;
  /** my.getSystemInfo calls `fail`. */
  systemInfoFails?: boolean;
  /** my.getAuthCode calls `fail`. */
  authCodeFails?: boolean;
}

type Callbacks = { success?: (value: unknown) => void; fail?: (value: unknown) => void };
type Handler = (this: PageInstance, ...args: unknown[]) => unknown;

export interface PageInstance {
  route: string;
  data: Record<string, unknown>;
  setData(update: Record<string, unknown>): void;
  [member: string]: unknown;
}

export interface MiniEnv {
  backend: FakeBackend;
  timeline: TimelineEntry[];
  storage: Record<string, unknown>;
  /** Answers for open-certify, used in order; when empty the call hangs. */
  certifyScripts: CertifyScript[];
  /** Stack depth getCurrentPages() reports, when pageStack is not set. */
  pageStackDepth: number;
  /** Routes of the pages getCurrentPages() reports, bottom first (e.g. `pages/home/index`); overrides pageStackDepth. */
  pageStack: string[] | null;
  appOptions: Record<string, unknown> | null;
  pageOptions: Record<string, Record<string, unknown>>;
  /** Names of my.* calls, in order, optionally only those listed. */
  myCalls(only?: string[]): string[];
  /** Arguments of every my.<api> call, in order. */
  argsOf(api: string): unknown[];
  setDataCalls(page?: string): Record<string, unknown>[];
  /** Forgets the timeline so a test looks only at what follows. */
  clearTimeline(): void;
  /**
   * Loads app.ts (optional) and page modules in one fresh module registry; `config` replaces
   * exports of config/index.ts for them (e.g. a DONE_PAGE).
   */
  boot(modules: { app?: boolean; pages: string[]; config?: Record<string, unknown> }): void;
  launch(): Promise<void>;
  mount(page: string, query?: Record<string, string>): Promise<PageInstance>;
  /** Restores the globals this env replaced. */
  restore(): void;
}

const GLOBALS = ['my', 'App', 'Page', 'getApp', 'getCurrentPages'] as const;

/**
 * Loads a module (path from the repository root, e.g. `platform/request`) in a fresh
 * module registry, so its module-level state starts empty. Call after setupAlipayEnv().
 */
export function loadFresh<T extends object>(pathFromRoot: string): T {
  let loaded: T | undefined;
  jest.isolateModules(() => {
    loaded = jest.requireActual<T>(`../../${pathFromRoot}`);
  });
  return loaded as T;
}

/** Lets every pending callback and promise continuation run (microtasks only, no timers). */
/** Calls a page's handler as the framework does, with the page as `this`. */
export function call(page: PageInstance, handler: string, ...args: unknown[]): unknown {
  return (page[handler] as (...rest: unknown[]) => unknown).apply(page, args);
}

export async function settle(): Promise<void> {
  for (let round = 0; round < 50; round += 1) await Promise.resolve();
}

/** Splits `/pages/x/index?a=1&b=2` into its query. */
export function queryOf(url: string): Record<string, string> {
  const query: Record<string, string> = {};
  const index = url.indexOf('?');
  if (index < 0) return query;
  url
    .slice(index + 1)
    .split('&')
    .forEach((pair) => {
      const [key, value] = pair.split('=');
      query[decodeURIComponent(key)] = decodeURIComponent(value || '');
    });
  return query;
}

function later(run: () => void): void {
  void Promise.resolve().then(run);
}

export function setupAlipayEnv(options: EnvOptions = {}): MiniEnv {
  const holder = globalThis as unknown as Record<string, unknown>;
  const saved: Record<string, unknown> = {};
  GLOBALS.forEach((name) => {
    saved[name] = holder[name];
  });

  const backend = new FakeBackend();
  const timeline: TimelineEntry[] = [];
  const storage: Record<string, unknown> = {};
  const record = (api: string, arg: unknown): void => {
    timeline.push({ kind: 'my', api, arg });
  };

  const env: MiniEnv = {
    backend,
    timeline,
    storage,
    certifyScripts: [],
    pageStackDepth: 1,
    pageStack: null,
    appOptions: null,
    pageOptions: {},
    myCalls(only) {
      return timeline
        .filter((entry): entry is Extract<TimelineEntry, { kind: 'my' }> => entry.kind === 'my')
        .map((entry) => entry.api)
        .filter((api) => !only || only.indexOf(api) >= 0);
    },
    argsOf(api) {
      return timeline
        .filter((entry): entry is Extract<TimelineEntry, { kind: 'my' }> => entry.kind === 'my' && entry.api === api)
        .map((entry) => entry.arg);
    },
    setDataCalls(page) {
      return timeline
        .filter((entry): entry is Extract<TimelineEntry, { kind: 'setData' }> => entry.kind === 'setData' && (!page || entry.page === page))
        .map((entry) => entry.update);
    },
    clearTimeline() {
      timeline.length = 0;
    },
    boot(modules) {
      const overrides = modules.config;
      if (overrides) jest.doMock('../../config/index', () => ({ ...jest.requireActual<object>('../../config/index'), ...overrides }));
      try {
        jest.isolateModules(() => {
          if (modules.app) jest.requireActual('../../app');
          modules.pages.forEach((page) => {
            currentPath = page;
            jest.requireActual(`../../${page}`);
          });
        });
      } finally {
        if (overrides) jest.dontMock('../../config/index');
      }
    },
    async launch() {
      const onLaunch = env.appOptions && (env.appOptions.onLaunch as ((launchOptions: unknown) => void) | undefined);
      if (!onLaunch) throw new Error('boot({app: true}) first');
      onLaunch.call(env.appOptions, { query: {}, path: 'pages/verify/index' });
      await settle();
    },
    async mount(page, query = {}) {
      const pageOptions = env.pageOptions[page];
      if (!pageOptions) throw new Error(`${page} was not booted`);
      const initial = typeof pageOptions.data === 'function' ? (pageOptions.data as () => Record<string, unknown>)() : pageOptions.data;
      const instance: PageInstance = {
        ...pageOptions,
        route: page,
        data: JSON.parse(JSON.stringify(initial || {})),
        setData(update) {
          timeline.push({ kind: 'setData', page, update: JSON.parse(JSON.stringify(update)) });
          instance.data = { ...instance.data, ...update };
        },
      };
      const onLoad = pageOptions.onLoad as Handler | undefined;
      if (onLoad) onLoad.call(instance, query);
      await settle();
      return instance;
    },
    restore() {
      GLOBALS.forEach((name) => {
        if (saved[name] === undefined) delete holder[name];
        else holder[name] = saved[name];
      });
    },
  };

  let currentPath = '';

  const respond = (arg: Record<string, unknown>, answer: FakeAnswer): void => {
    const callbacks = arg as Callbacks;
    if ('hang' in answer) return;
    later(() => {
      if ('fail' in answer) {
        if (callbacks.fail) callbacks.fail(answer.fail);
        return;
      }
      const text = 'text' in answer ? answer.text : JSON.stringify(answer.body);
      const headers = answer.headers || {};
      const response = { status: answer.status, statusCode: answer.status, data: text, headers, header: headers };
      if (answer.status >= 200 && answer.status < 300) {
        if (callbacks.success) callbacks.success(response);
      } else if (callbacks.fail) {
        // What newer clients do: error 19 for a non-2xx, with the answer attached.
        callbacks.fail({ error: 19, errorMessage: 'http status error', ...response });
      }
    });
  };

  const nextCertify = (): CertifyScript => env.certifyScripts.shift() || { hang: true };

  const fakeMy: Record<string, unknown> = {
    request(arg: Record<string, unknown>) {
      record('request', arg);
      const url = String(arg.url);
      const path = url.replace(/^https?:\/\/[^/]+/, '');
      const recorded: RecordedRequest = {
        method: String(arg.method || 'GET'),
        path,
        headers: { ...(arg.headers as Record<string, string>) },
        body: typeof arg.data === 'string' ? JSON.parse(arg.data) : arg.data,
      };
      respond(arg, backend.handle(recorded));
      return { abort() {} };
    },
    call(name: string, opt: Record<string, unknown>, callback: (answer: unknown) => void) {
      record('call', { name, opt });
      const script = nextCertify();
      if ('hang' in script) return;
      later(() => callback('fail' in script ? script.fail : script.answer));
    },
    canIUse(name: string) {
      record('canIUse', name);
      return name === 'startAPVerify' ? options.startAPVerify === true : true;
    },
    getSystemInfo(arg: Callbacks) {
      record('getSystemInfo', undefined);
      later(() => {
        if (options.systemInfoFails) {
          if (arg.fail) arg.fail({ error: 3, errorMessage: 'unknown' });
        } else if (arg.success) arg.success({ version: options.version || '10.5.36', platform: 'Android', language: options.language || 'zh-Hans' });
      });
    },
    getAuthCode(arg: Callbacks & { scopes?: unknown }) {
      record('getAuthCode', { scopes: arg.scopes });
      later(() => {
        if (options.authCodeFails) {
          if (arg.fail) arg.fail({ error: 11, errorMessage: 'user cancelled' });
        } else if (arg.success) arg.success({ authCode: 'auth-code-for-test', authSuccessScopes: ['auth_base'], authErrorScopes: {} });
      });
    },
    setStorageSync(arg: { key: string; data: unknown }) {
      record('setStorageSync', arg);
      storage[arg.key] = arg.data;
    },
    getStorageSync(arg: { key: string }) {
      record('getStorageSync', arg);
      return { data: Object.prototype.hasOwnProperty.call(storage, arg.key) ? storage[arg.key] : null };
    },
    removeStorageSync(arg: { key: string }) {
      record('removeStorageSync', arg);
      delete storage[arg.key];
    },
    navigateTo(arg: { url: string }) {
      record('navigateTo', arg);
    },
    navigateBack(arg: unknown) {
      record('navigateBack', arg);
    },
    redirectTo(arg: { url: string }) {
      record('redirectTo', arg);
    },
    reLaunch(arg: { url: string }) {
      record('reLaunch', arg);
    },
  };
  if (options.myCall === false) delete fakeMy.call;
  if (options.startAPVerify) {
    fakeMy.startAPVerify = (arg: Record<string, unknown> & Callbacks) => {
      record('startAPVerify', { certifyId: arg.certifyId, url: arg.url });
      const script = nextCertify();
      if ('hang' in script) return;
      later(() => {
        if ('fail' in script) {
          if (arg.fail) arg.fail(script.fail);
        } else if (arg.success) arg.success(script.answer);
      });
    };
  }

  const appInstance = { globalData: {} };
  holder.my = fakeMy;
  holder.App = (appOptions: Record<string, unknown>) => {
    env.appOptions = appOptions;
    Object.assign(appInstance, appOptions);
  };
  holder.Page = (pageOptions: Record<string, unknown>) => {
    env.pageOptions[currentPath] = pageOptions;
  };
  holder.getApp = () => appInstance;
  holder.getCurrentPages = () => (env.pageStack ? env.pageStack.map((route) => ({ route })) : new Array(env.pageStackDepth).fill({ route: '' }));
  return env;
}

/** One answer from the fake open-certify. */
export function certifyAnswer(resultStatus: string, result: unknown = null): CertifyScript {
  return { answer: { resultStatus, result } };
}
