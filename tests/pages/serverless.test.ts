/**
 * The mini-program in `serverless` mode (config/index.ts BACKEND): the same pages, with
 * services/ calling the two cloud functions through the App's Serverless client instead of the
 * HTTP API. The client here plays each function over the same fake backend the merchant-mode
 * tests use (a function call becomes the HTTP call it stands for), so one scenario can run in
 * both modes and the screens compared step by step. The functions themselves are tested in
 * cloud/tests, and services/serverless.ts against them in tests/services/serverless.test.ts.
 */
import { FakeAnswer } from '../support/fake-backend';
import { MiniEnv, PageInstance, certifyAnswer, queryOf, settle, setupAlipayEnv, CertifyScript } from '../support/mini-env';
import { TEST_NAMES, makeCertNo } from '../support/identities';
import { DEVELOPMENT_BRANDING } from '../../utils/consent-notice';

const VERIFY = 'pages/verify/index';
const RESULT = 'pages/result/index';
const NAME = TEST_NAMES[2];
const CERT_NO = makeCertNo(2718);

type Mode = 'merchant' | 'serverless';

let env: MiniEnv;

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  env.restore();
  jest.useRealTimers();
});

function call(page: PageInstance, handler: string, ...args: unknown[]): unknown {
  return (page[handler] as (...rest: unknown[]) => unknown).apply(page, args);
}

/** A function's answer, as MPServerless.function.invoke gives it, from the fake backend's HTTP answer. */
function functionAnswer(answer: FakeAnswer): Promise<unknown> {
  if ('hang' in answer) return new Promise(() => undefined);
  if ('fail' in answer) return Promise.reject(new Error(answer.fail.errorMessage));
  const body = 'text' in answer ? answer.text : answer.body;
  if (answer.status >= 200 && answer.status < 300) return Promise.resolve({ success: true, result: body });
  const error = (body as { error: Record<string, unknown> }).error;
  const retryAfter = answer.headers && answer.headers['retry-after'];
  return Promise.resolve({ success: true, result: { error: retryAfter ? { ...error, retryAfterSeconds: Number(retryAfter) } : error } });
}

/**
 * The merchant's MPServerless client over the fake backend. Its calls go on the timeline as
 * `serverless.init` and `serverless.invoke`, beside the my.* calls.
 */
function serverlessClient(): object {
  let authorization = '';
  const send = (method: string, path: string, body: unknown): FakeAnswer => env.backend.handle({ method, path, headers: { authorization }, body });
  return {
    init() {
      env.timeline.push({ kind: 'my', api: 'serverless.init', arg: undefined });
      // The space authorizes the user; the fake backend wants a token for that user.
      const session = env.backend.handle({ method: 'POST', path: '/api/sessions', headers: {}, body: { authCode: 'serverless-auth' } });
      authorization = `Bearer ${(session as { body: { token: string } }).body.token}`;
      return Promise.resolve({ success: true });
    },
    function: {
      invoke(name: string, args: Record<string, unknown>) {
        env.timeline.push({ kind: 'my', api: 'serverless.invoke', arg: { name } });
        const id = encodeURIComponent(String(args.verificationId));
        if (name === 'identification-status') return functionAnswer(send('GET', `/api/verifications/${id}`, undefined));
        if (Object.keys(args).length === 1 && 'verificationId' in args) return functionAnswer(send('POST', `/api/verifications/${id}/certify-url`, {}));
        return functionAnswer(send('POST', '/api/verifications', args));
      },
    },
  };
}

/** Boots the app and both pages in `mode`; in serverless mode the App carries the Serverless client. */
async function launch(mode: Mode): Promise<void> {
  env = setupAlipayEnv();
  const config = mode === 'serverless' ? { BACKEND: 'serverless', SERVERLESS_CLIENT_CONFIG: { branding: DEVELOPMENT_BRANDING, minorPolicy: 'guardian-consent' } } : undefined;
  (getApp() as { mpserverless?: unknown }).mpserverless = mode === 'serverless' ? serverlessClient() : undefined;
  env.boot({ app: true, pages: [VERIFY, RESULT], config });
  await env.launch();
}

/** Fills the form and taps 开始验证 with `answers` scripted for the face check. */
async function submit(mode: Mode, answers: CertifyScript[]): Promise<PageInstance> {
  await launch(mode);
  const form = await env.mount(VERIFY);
  call(form, 'onCertNameInput', { detail: { value: NAME } });
  call(form, 'onCertNoInput', { detail: { value: CERT_NO } });
  call(form, 'onConsentChange', { detail: { value: true } });
  env.certifyScripts.push(...answers);
  call(form, 'onSubmitTap');
  await settle();
  return form;
}

async function resultPage(): Promise<PageInstance> {
  const navigations = env.argsOf('navigateTo') as Array<{ url: string }>;
  env.pageStack = [VERIFY, RESULT];
  return env.mount(RESULT, queryOf(navigations[navigations.length - 1].url));
}

/** What the person saw, in order: every setData of both pages, and every navigation. */
function screens(): unknown[] {
  return env.timeline
    .filter((entry) => entry.kind === 'setData' || (entry.kind === 'my' && ['navigateTo', 'redirectTo', 'reLaunch', 'navigateBack'].indexOf(entry.api) >= 0))
    .map((entry) => (entry.kind === 'setData' ? { page: entry.page, update: entry.update } : { api: entry.api, arg: entry.arg }));
}

const scenarios: Array<[string, (mode: Mode) => Promise<void>]> = [
  [
    '9000, then PASSED',
    async (mode) => {
      await submit(mode, [certifyAnswer('9000')]);
      env.backend.statusScript['ver-2'] = ['PASSED'];
      await resultPage();
    },
  ],
  [
    '6001 (cancelled): back on the form, inputs kept',
    async (mode) => {
      await submit(mode, [certifyAnswer('6001')]);
    },
  ],
  [
    '6002, then 再次验证 with a newly signed URL, then PASSED',
    async (mode) => {
      await submit(mode, [certifyAnswer('6002')]);
      const page = await resultPage();
      env.certifyScripts.push(certifyAnswer('9000'));
      env.backend.statusScript['ver-2'] = ['PASSED'];
      await call(page, 'onRetryCertifyTap');
      await settle();
    },
  ],
  [
    '9000, still PENDING after the polling window',
    async (mode) => {
      await submit(mode, [certifyAnswer('9000')]);
      await resultPage();
      await jest.advanceTimersByTimeAsync(15000);
    },
  ],
  [
    'RATE_LIMITED: the wait in minutes, inputs kept',
    async (mode) => {
      await launch(mode);
      const form = await env.mount(VERIFY);
      call(form, 'onCertNameInput', { detail: { value: NAME } });
      call(form, 'onCertNoInput', { detail: { value: CERT_NO } });
      call(form, 'onConsentChange', { detail: { value: true } });
      env.backend.scripted.push({ status: 429, body: { error: { code: 'RATE_LIMITED', message: 'x' } }, headers: { 'retry-after': '600' } });
      call(form, 'onSubmitTap');
      await settle();
    },
  ],
];

describe('serverless mode', () => {
  it('makes one function call (identification-start) before the face check opens, then asks identification-status; never my.request', async () => {
    await submit('serverless', [certifyAnswer('9000')]);
    env.backend.statusScript['ver-2'] = ['PASSED'];
    const page = await resultPage();
    expect(page.data).toMatchObject({ screen: 'passed' });
    expect(env.myCalls(['serverless.init', 'serverless.invoke', 'call', 'request'])).toEqual(['serverless.init', 'serverless.invoke', 'call', 'serverless.invoke']);
    expect(env.argsOf('serverless.invoke')).toEqual([{ name: 'identification-start' }, { name: 'identification-status' }]);
    const started = env.backend.requestsTo('POST', '/api/verifications');
    expect(started).toHaveLength(1);
    expect(started[0].body).toMatchObject({ certName: NAME, certNo: CERT_NO, consentVersion: expect.any(String) });
  });

  it.each(scenarios)('shows the same screens as merchant mode: %s', async (_name, scenario) => {
    await scenario('merchant');
    const merchant = screens();
    env.restore();
    await scenario('serverless');
    expect(screens()).toEqual(merchant);
    expect(env.myCalls(['request'])).toEqual([]);
  });
});
