/**
 * app.ts: the silent login at launch (so the verify tap costs one request) and the
 * resume of a verification left open when the app was closed.
 */
import { MiniEnv, settle, setupAlipayEnv } from './support/mini-env';
import { TEST_NAMES, makeCertNo } from './support/identities';
import { ERROR_MESSAGES_ZH_CN } from '../utils/error-messages';
import { PENDING_VERIFICATION_KEY } from '../platform/pending-verification';

const VERIFY = 'pages/verify/index';

let env: MiniEnv;

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  env.restore();
  jest.useRealTimers();
});

describe('launch', () => {
  it('logs in with an auth_base code, then POST /api/sessions', async () => {
    env = setupAlipayEnv();
    env.boot({ app: true, pages: [] });
    await env.launch();
    expect(env.myCalls(['getAuthCode', 'request'])).toEqual(['getAuthCode', 'request']);
    expect(env.argsOf('getAuthCode')).toEqual([{ scopes: 'auth_base' }]);
    const [session] = env.backend.requestsTo('POST', '/api/sessions');
    expect(session.body).toEqual({ authCode: 'auth-code-for-test' });
    expect(session.headers.authorization).toBeUndefined();
  });

  it('survives a refused auth code at launch, and logs in on the first tap instead', async () => {
    env = setupAlipayEnv({ authCodeFails: true });
    env.boot({ app: true, pages: [VERIFY] });
    await env.launch();
    expect(env.myCalls(['request'])).toEqual([]);
    const page = await env.mount(VERIFY);
    const call = (handler: string, value: unknown): void => (page[handler] as (event: unknown) => void).call(page, { detail: { value } });
    call('onCertNameInput', TEST_NAMES[2]);
    call('onCertNoInput', makeCertNo(9));
    call('onConsentChange', true);
    (page.onSubmitTap as () => void).call(page);
    await settle();
    expect(env.myCalls(['getAuthCode'])).toEqual(['getAuthCode', 'getAuthCode']);
    expect(page.data.notice).toBe(ERROR_MESSAGES_ZH_CN.AUTH_CODE_UNAVAILABLE);
    // Only the unauthenticated client config went out: no verification, no face check.
    expect(env.backend.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['GET /api/client-config']);
    expect(env.myCalls(['call'])).toEqual([]);
  });
});

describe('resume', () => {
  it('opens the result page for a verification left pending when the app was closed', async () => {
    env = setupAlipayEnv();
    env.storage[PENDING_VERIFICATION_KEY] = 'ver-left-open';
    env.boot({ app: true, pages: [VERIFY] });
    await env.launch();
    await env.mount(VERIFY);
    expect(env.argsOf('navigateTo')).toEqual([{ url: '/pages/result/index?verificationId=ver-left-open' }]);
  });

  it('resumes once: a second form in the same run stays put', async () => {
    env = setupAlipayEnv();
    env.storage[PENDING_VERIFICATION_KEY] = 'ver-left-open';
    env.boot({ app: true, pages: [VERIFY] });
    await env.launch();
    await env.mount(VERIFY);
    await env.mount(VERIFY);
    expect(env.argsOf('navigateTo')).toHaveLength(1);
  });

  it('opens the form as usual when nothing is pending', async () => {
    env = setupAlipayEnv();
    env.boot({ app: true, pages: [VERIFY] });
    await env.launch();
    await env.mount(VERIFY);
    expect(env.myCalls(['navigateTo'])).toEqual([]);
  });

  it('keeps the id stored while Alipay is open, so a kill during the face check resumes', async () => {
    env = setupAlipayEnv();
    env.boot({ app: true, pages: [VERIFY] });
    await env.launch();
    const page = await env.mount(VERIFY);
    const call = (handler: string, value: unknown): void => (page[handler] as (event: unknown) => void).call(page, { detail: { value } });
    call('onCertNameInput', TEST_NAMES[3]);
    call('onCertNoInput', makeCertNo(10));
    call('onConsentChange', true);
    env.certifyScripts.push({ hang: true });
    (page.onSubmitTap as () => void).call(page);
    await settle();
    expect(env.myCalls(['call'])).toEqual(['call']);
    expect(env.storage).toEqual({ [PENDING_VERIFICATION_KEY]: 'ver-2' });
  });
});
