/**
 * pages/result: shows only what `GET /api/verifications/:id` says, polls PENDING with
 * backoff for about 15 s, retries a 6002 with a URL the server signs anew for the same
 * certifyId, and gives every final state a next step. Fake timers drive the backoff;
 * nothing sleeps.
 */
import { MiniEnv, PageInstance, call, certifyAnswer, queryOf, settle, setupAlipayEnv } from '../support/mini-env';
import { TEST_NAMES, makeCertNo } from '../support/identities';
import { ERROR_MESSAGES_EN_US, ERROR_MESSAGES_ZH_CN } from '../../utils/error-messages';
import { maskCertNo } from '../../utils/identity';
import { PENDING_VERIFICATION_KEY } from '../../platform/pending-verification';
import { RESULT_COPY_EN_US, RESULT_COPY_ZH_CN } from '../../pages/result/copy';
import { VERIFY_COPY_ZH_CN } from '../../pages/verify/copy';

const VERIFY = 'pages/verify/index';
const RESULT = 'pages/result/index';
const CERT_NO = makeCertNo(7);

let env: MiniEnv;

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  env.restore();
  jest.useRealTimers();
});

/** Logged-in app with both pages booted; nothing mounted yet. `config` replaces exports of config/index.ts. */
async function launch(config?: Record<string, unknown>): Promise<void> {
  env = setupAlipayEnv();
  env.boot({ app: true, pages: [VERIFY, RESULT], config });
  await env.launch();
}

/** Runs the form to the point where it navigates to the result page; answers that page's query. */
async function verifyUntilResultPage(
  answer: ReturnType<typeof certifyAnswer>,
  config?: Record<string, unknown>,
): Promise<{ form: PageInstance; query: Record<string, string>; firstParam: string }> {
  await launch(config);
  const form = await env.mount(VERIFY);
  call(form, 'onCertNameInput', { detail: { value: TEST_NAMES[1] } });
  call(form, 'onCertNoInput', { detail: { value: CERT_NO } });
  call(form, 'onConsentChange', { detail: { value: true } });
  env.certifyScripts.push(answer);
  call(form, 'onSubmitTap');
  await settle();
  const [navigation] = env.argsOf('navigateTo') as Array<{ url: string }>;
  const [bridge] = env.argsOf('call') as Array<{ opt: { param: string } }>;
  env.clearTimeline();
  env.pageStackDepth = 2;
  return { form, query: queryOf(navigation.url), firstParam: bridge.opt.param };
}

function getCount(verificationId: string): number {
  return env.backend.requestsTo('GET', `/api/verifications/${verificationId}`).length;
}

function screens(): unknown[] {
  return env
    .setDataCalls(RESULT)
    .filter((update) => 'screen' in update)
    .map((update) => update.screen);
}

describe('final states', () => {
  it('PASSED: shows the pass with the masked number, forgets the pending id, and offers Done', async () => {
    const { query } = await verifyUntilResultPage(certifyAnswer('9000'));
    env.backend.statusScript[query.verificationId] = ['PASSED'];
    expect(env.storage[PENDING_VERIFICATION_KEY]).toBe(query.verificationId);
    const page = await env.mount(RESULT, query);
    expect(screens()).toEqual(['loading', 'passed']);
    expect(page.data.actions).toEqual(['done']);
    expect(page.data.certNoMasked).toBe(maskCertNo(CERT_NO));
    expect(env.storage).toEqual({});
  });

  it('trusts the server over the client: a 9000 the server calls FAILED shows as failed', async () => {
    const { query } = await verifyUntilResultPage(certifyAnswer('9000'));
    env.backend.statusScript[query.verificationId] = ['FAILED'];
    const page = await env.mount(RESULT, query);
    expect(page.data.screen).toBe('failed');
  });

  it('FAILED: offers to verify again, back on the kept form', async () => {
    const { query } = await verifyUntilResultPage(certifyAnswer('4000', { errorCode: 'SYSTEM_ERROR' }));
    env.backend.statusScript[query.verificationId] = ['FAILED'];
    const page = await env.mount(RESULT, query);
    expect(page.data).toMatchObject({ screen: 'failed', actions: ['start-over'] });
    call(page, 'onBackToFormTap');
    expect(env.argsOf('navigateBack')).toEqual([{ delta: 1 }]);
  });

  it('EXPIRED: offers a new verification, from a fresh form when the result page was opened at launch', async () => {
    await launch();
    env.backend.statusScript['ver-resumed'] = ['EXPIRED'];
    const page = await env.mount(RESULT, { verificationId: 'ver-resumed' });
    expect(page.data).toMatchObject({ screen: 'expired', actions: ['start-over'] });
    call(page, 'onBackToFormTap');
    expect(env.argsOf('reLaunch')).toEqual([{ url: '/pages/verify/index' }]);
  });
});

describe('完成 after a pass', () => {
  const HOME = 'pages/home/index';

  /** Passes a verification whose form sits on `stack` (bottom first, the result page added on top). */
  async function passWith(stack: string[], config?: Record<string, unknown>): Promise<PageInstance> {
    const { query } = await verifyUntilResultPage(certifyAnswer('9000'), config);
    env.pageStack = [...stack, RESULT];
    env.backend.statusScript[query.verificationId] = ['PASSED'];
    const page = await env.mount(RESULT, query);
    expect(page.data).toMatchObject({ screen: 'passed', actions: ['done'] });
    env.clearTimeline();
    return page;
  }

  it('goes back to the merchant page that opened the verification, past the form, even with a page configured', async () => {
    const page = await passWith([HOME, VERIFY], { DONE_PAGE: '/pages/elsewhere/index' });
    call(page, 'onDoneTap');
    expect(env.myCalls(['navigateBack', 'redirectTo', 'reLaunch'])).toEqual(['navigateBack']);
    expect(env.argsOf('navigateBack')).toEqual([{ delta: 2 }]);
  });

  it('opens the configured page when the app was opened at the form, leaving no filled-in form behind it', async () => {
    const page = await passWith([VERIFY], { DONE_PAGE: `/${HOME}` });
    call(page, 'onDoneTap');
    expect(env.myCalls(['navigateBack', 'redirectTo', 'reLaunch'])).toEqual(['reLaunch']);
    expect(env.argsOf('reLaunch')).toEqual([{ url: `/${HOME}` }]);
  });

  it('opens the configured page after a resume at launch, when the result page is all there is', async () => {
    await launch({ DONE_PAGE: `/${HOME}` });
    env.pageStack = [RESULT];
    env.backend.statusScript['ver-resumed'] = ['PASSED'];
    const page = await env.mount(RESULT, { verificationId: 'ver-resumed' });
    call(page, 'onDoneTap');
    expect(env.argsOf('reLaunch')).toEqual([{ url: `/${HOME}` }]);
  });

  it('with nothing to go back to and no page configured, starts a new verification on a clear form', async () => {
    const page = await passWith([VERIFY]);
    call(page, 'onDoneTap');
    expect(env.myCalls(['navigateBack', 'redirectTo', 'reLaunch'])).toEqual(['reLaunch']);
    expect(env.argsOf('reLaunch')).toEqual([{ url: '/pages/verify/index' }]);
    expect(env.storage).toEqual({});
  });
});

describe('polling PENDING', () => {
  it('polls with backoff until the server answers', async () => {
    const { query } = await verifyUntilResultPage(certifyAnswer('9000'));
    env.backend.statusScript[query.verificationId] = ['PENDING', 'PENDING', 'PASSED'];
    const page = await env.mount(RESULT, query);
    expect(page.data.screen).toBe('pending');
    expect(getCount(query.verificationId)).toBe(1);
    await jest.advanceTimersByTimeAsync(999);
    expect(getCount(query.verificationId)).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(getCount(query.verificationId)).toBe(2);
    await jest.advanceTimersByTimeAsync(1500);
    expect(getCount(query.verificationId)).toBe(3);
    expect(screens()).toEqual(['loading', 'pending', 'pending', 'passed']);
  });

  it('stops within 15 s with "结果确认中" (nothing is lost) and Refresh as the main button, which asks again', async () => {
    const { query } = await verifyUntilResultPage(certifyAnswer('9000'));
    const page = await env.mount(RESULT, query);
    // The client policy's schedule: lookups at 0, 1, 2.5, 4.75, 8.125 and 12.125 s.
    await jest.advanceTimersByTimeAsync(12124);
    expect(getCount(query.verificationId)).toBe(5);
    await jest.advanceTimersByTimeAsync(1);
    expect(getCount(query.verificationId)).toBe(6);
    expect(page.data).toMatchObject({ screen: 'still-processing', actions: ['refresh', 'back-to-form'] });
    expect(RESULT_COPY_ZH_CN.stillProcessingTitle).toBe('结果确认中');
    expect(RESULT_COPY_ZH_CN.stillProcessingBody).toContain('不会丢失');
    await jest.advanceTimersByTimeAsync(60000);
    expect(getCount(query.verificationId)).toBe(6);
    expect(env.storage[PENDING_VERIFICATION_KEY]).toBe(query.verificationId);

    env.backend.statusScript[query.verificationId] = ['PASSED'];
    call(page, 'onRefreshTap');
    await settle();
    expect(getCount(query.verificationId)).toBe(7);
    expect(page.data).toMatchObject({ screen: 'passed', actions: ['done'] });
  });

  it('stops polling when the page is closed', async () => {
    const { query } = await verifyUntilResultPage(certifyAnswer('9000'));
    const page = await env.mount(RESULT, query);
    call(page, 'onUnload');
    await jest.advanceTimersByTimeAsync(60000);
    expect(getCount(query.verificationId)).toBe(1);
  });

  it('shows a lookup failure by code with Refresh, and keeps the pending id for later', async () => {
    const { query } = await verifyUntilResultPage(certifyAnswer('9000'));
    env.backend.scripted.push({ fail: { error: 12, errorMessage: 'network error' } });
    const page = await env.mount(RESULT, query);
    expect(page.data).toMatchObject({
      screen: 'error',
      message: ERROR_MESSAGES_ZH_CN.NETWORK_ERROR,
      errorKind: 'network',
      errorCode: 'NETWORK_ERROR',
      actions: ['refresh', 'back-to-form'],
    });
    expect(env.storage[PENDING_VERIFICATION_KEY]).toBe(query.verificationId);
    env.backend.statusScript[query.verificationId] = ['PASSED'];
    call(page, 'onRefreshTap');
    await settle();
    expect(page.data.screen).toBe('passed');
  });

  it('NOT_FOUND: says so and forgets the stored id', async () => {
    await launch();
    env.storage[PENDING_VERIFICATION_KEY] = 'ver-unknown';
    const page = await env.mount(RESULT, { verificationId: 'ver-unknown' });
    expect(page.data).toMatchObject({ screen: 'error', message: ERROR_MESSAGES_ZH_CN.NOT_FOUND });
    expect(env.storage).toEqual({});
  });

  it('a page opened without an id shows NOT_FOUND and calls nothing', async () => {
    await launch();
    env.clearTimeline();
    const page = await env.mount(RESULT, {});
    expect(page.data).toMatchObject({ screen: 'error', message: ERROR_MESSAGES_ZH_CN.NOT_FOUND });
    expect(env.myCalls(['request'])).toEqual([]);
  });
});

describe('after a failed face check (4000)', () => {
  function renewalsOf(verificationId: string): unknown[] {
    return env.backend.requestsTo('POST', `/api/verifications/${verificationId}/certify-url`);
  }

  it('asks the server once; PENDING is "本次人脸验证未通过" with 再次验证 as the main button', async () => {
    const { query } = await verifyUntilResultPage(certifyAnswer('4000', { errorCode: 'SYSTEM_ERROR' }));
    expect(query.mode).toBe('after-failure');
    const page = await env.mount(RESULT, query);
    await jest.advanceTimersByTimeAsync(60000);
    expect(getCount(query.verificationId)).toBe(1);
    expect(page.data).toMatchObject({ screen: 'face-check-failed', actions: ['retry-certify', 'back-to-form'] });
    expect(RESULT_COPY_ZH_CN.faceCheckFailedTitle).toBe('本次人脸验证未通过');
    expect(RESULT_COPY_ZH_CN.retry).toBe('再次验证');
    expect(env.storage[PENDING_VERIFICATION_KEY]).toBe(query.verificationId);
  });

  it('再次验证 reopens the same certifyId with a newly signed URL, with no new POST /api/verifications', async () => {
    const { query } = await verifyUntilResultPage(certifyAnswer('4000', { errorCode: 'SYSTEM_ERROR' }));
    const page = await env.mount(RESULT, query);
    env.clearTimeline();
    env.backend.statusScript[query.verificationId] = ['PENDING', 'PASSED'];
    env.certifyScripts.push(certifyAnswer('9000'));
    await call(page, 'onRetryCertifyTap');
    await settle();
    await jest.advanceTimersByTimeAsync(1000);
    expect(renewalsOf(query.verificationId)).toHaveLength(1);
    const [bridge] = env.argsOf('call') as Array<{ opt: { param: string } }>;
    expect(JSON.parse(bridge.opt.param)).toMatchObject({ certifyId: 'certify-2' });
    expect(env.backend.requestsTo('POST', '/api/verifications')).toHaveLength(1);
    expect(page.data).toMatchObject({ screen: 'passed', actions: ['done'] });
  });

  it('server PASSED wins over the 4000', async () => {
    const { query } = await verifyUntilResultPage(certifyAnswer('4000', { errorCode: 'SYSTEM_ERROR' }));
    env.backend.statusScript[query.verificationId] = ['PASSED'];
    const page = await env.mount(RESULT, query);
    expect(page.data).toMatchObject({ screen: 'passed', actions: ['done'] });
    expect(env.storage).toEqual({});
  });

  it('USER_IS_NOT_CERTIFY on the reopened check: says how to finish real-name verification in Alipay', async () => {
    const { query } = await verifyUntilResultPage(certifyAnswer('4000', { errorCode: 'SYSTEM_ERROR' }));
    const page = await env.mount(RESULT, query);
    env.certifyScripts.push(certifyAnswer('4000', { errorCode: 'USER_IS_NOT_CERTIFY' }));
    await call(page, 'onRetryCertifyTap');
    expect(page.data).toMatchObject({ screen: 'not-certified', actions: ['back-to-form'] });
    expect(env.storage).toEqual({});
    expect(RESULT_COPY_ZH_CN.notCertified).toContain('实名认证');
  });
});

describe('after 6002', () => {
  type BridgeCall = { opt: { param: string } };

  function renewalsOf(verificationId: string): Array<{ headers: Record<string, string>; body: unknown }> {
    return env.backend.requestsTo('POST', `/api/verifications/${verificationId}/certify-url`);
  }

  it('asks the server for a newly signed URL and opens the face check with it, with no new POST /api/verifications', async () => {
    const { query, firstParam } = await verifyUntilResultPage(certifyAnswer('6002'));
    expect(query.retry).toBe('1');
    const page = await env.mount(RESULT, query);
    expect(page.data).toMatchObject({ screen: 'network', actions: ['retry-certify', 'back-to-form'], message: '' });
    expect(env.backend.requestsTo('GET', `/api/verifications/${query.verificationId}`)).toHaveLength(1);
    env.clearTimeline();

    env.backend.statusScript[query.verificationId] = ['PENDING', 'PASSED'];
    env.certifyScripts.push(certifyAnswer('9000'));
    await call(page, 'onRetryCertifyTap');
    await settle();

    const [renewal] = renewalsOf(query.verificationId);
    expect(renewal.body).toEqual({});
    expect(renewal.headers.authorization).toMatch(/^Bearer token-/);
    const [bridge] = env.argsOf('call') as BridgeCall[];
    const param = JSON.parse(bridge.opt.param) as { certifyId: string; url: string };
    expect(param).toEqual({ certifyId: 'certify-2', url: expect.stringContaining('certify_id=certify-2&timestamp=renewal-') });
    expect(param.url).not.toBe((JSON.parse(firstParam) as { url: string }).url);
    expect(env.backend.requestsTo('POST', '/api/verifications')).toHaveLength(1);
    // One my.request for the URL, then the face check, then the status lookup.
    expect(env.myCalls(['call', 'request'])).toEqual(['request', 'call', 'request']);
    await jest.advanceTimersByTimeAsync(1000);
    expect(page.data.screen).toBe('passed');
  });

  it('asks for a new URL on every retry', async () => {
    const { query, firstParam } = await verifyUntilResultPage(certifyAnswer('6002'));
    const page = await env.mount(RESULT, query);
    env.certifyScripts.push(certifyAnswer('6002'), certifyAnswer('6002'));
    await call(page, 'onRetryCertifyTap');
    expect(page.data).toMatchObject({ screen: 'network', retrying: false, message: '' });
    await call(page, 'onRetryCertifyTap');
    const params = [firstParam, ...(env.argsOf('call') as BridgeCall[]).map((bridge) => bridge.opt.param)];
    const urls = params.map((param) => (JSON.parse(param) as { url: string }).url);
    expect(urls).toHaveLength(3);
    expect(new Set(urls).size).toBe(3);
    expect(renewalsOf(query.verificationId)).toHaveLength(2);
  });

  it('sends one request for a double tap', async () => {
    const { query } = await verifyUntilResultPage(certifyAnswer('6002'));
    const page = await env.mount(RESULT, query);
    // No script for the reopened check: it stays open, as while the user is in it.
    call(page, 'onRetryCertifyTap');
    call(page, 'onRetryCertifyTap');
    await settle();
    expect(page.data.retrying).toBe(true);
    expect(renewalsOf(query.verificationId)).toHaveLength(1);
    expect(env.argsOf('call')).toHaveLength(1);
  });

  it('shows the final answer instead of a retry when the server already has one', async () => {
    const { query } = await verifyUntilResultPage(certifyAnswer('6002'));
    env.backend.statusScript[query.verificationId] = ['PASSED'];
    const page = await env.mount(RESULT, query);
    expect(screens()).toEqual(['network', 'passed']);
    expect(page.data.screen).toBe('passed');
    expect(env.storage).toEqual({});
  });

  it('keeps the retry screen when the status lookup fails', async () => {
    const { query } = await verifyUntilResultPage(certifyAnswer('6002'));
    env.backend.scripted.push({ fail: { error: 12, errorMessage: 'network' } });
    const page = await env.mount(RESULT, query);
    expect(page.data).toMatchObject({ screen: 'network', message: '' });
  });

  it('goes back to the form with the inputs kept when the user cancels the retry', async () => {
    const { form, query } = await verifyUntilResultPage(certifyAnswer('6002'));
    const page = await env.mount(RESULT, query);
    env.certifyScripts.push(certifyAnswer('6001'));
    await call(page, 'onRetryCertifyTap');
    expect(env.argsOf('navigateBack')).toEqual([{ delta: 1 }]);
    expect(form.data).toMatchObject({ certName: TEST_NAMES[1], certNo: CERT_NO, consent: true });
    expect(env.storage).toEqual({});
  });

  it.each([
    ['EXPIRED', 'expired'],
    ['PASSED', 'passed'],
    ['FAILED', 'failed'],
  ] as const)('VERIFICATION_CLOSED: opens nothing and shows the server\'s %s status', async (status, screen) => {
    const { query } = await verifyUntilResultPage(certifyAnswer('6002'));
    const page = await env.mount(RESULT, query);
    env.backend.statusScript[query.verificationId] = [status];
    env.clearTimeline();
    await call(page, 'onRetryCertifyTap');
    await settle();
    expect(screens()).toEqual(['loading', screen]);
    expect(page.data).toMatchObject({ screen, retrying: false, certNoMasked: maskCertNo(CERT_NO) });
    expect(env.myCalls(['call', 'startAPVerify'])).toEqual([]);
    expect(env.storage).toEqual({});
  });

  it('stays on the retry screen with the reason when the new URL does not arrive, and a second tap opens the check', async () => {
    const { query } = await verifyUntilResultPage(certifyAnswer('6002'));
    const page = await env.mount(RESULT, query);
    env.backend.scripted.push({ fail: { error: 12, errorMessage: 'network' } });
    await call(page, 'onRetryCertifyTap');
    expect(page.data).toMatchObject({ screen: 'network', retrying: false, message: ERROR_MESSAGES_ZH_CN.NETWORK_ERROR });
    expect(env.argsOf('call')).toEqual([]);
    expect(env.storage[PENDING_VERIFICATION_KEY]).toBe(query.verificationId);

    env.certifyScripts.push(certifyAnswer('6002'));
    await call(page, 'onRetryCertifyTap');
    expect(env.argsOf('call')).toHaveLength(1);
    expect(page.data).toMatchObject({ screen: 'network', message: '' });
  });

  it('says so and forgets the stored id when the server does not know the verification', async () => {
    const { query } = await verifyUntilResultPage(certifyAnswer('6002'));
    const page = await env.mount(RESULT, query);
    env.backend.scripted.push({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'No such verification' } } });
    await call(page, 'onRetryCertifyTap');
    expect(page.data).toMatchObject({ screen: 'error', retrying: false, message: ERROR_MESSAGES_ZH_CN.NOT_FOUND });
    expect(env.argsOf('call')).toEqual([]);
    expect(env.storage).toEqual({});
  });

  it('retries after a restart too: the server signs the URL, so the app keeps none', async () => {
    await launch();
    env.backend.statusScript['ver-from-last-run'] = ['PENDING'];
    const page = await env.mount(RESULT, { verificationId: 'ver-from-last-run', retry: '1' });
    expect(page.data).toMatchObject({ screen: 'network', message: '' });
    env.certifyScripts.push(certifyAnswer('6002'));
    await call(page, 'onRetryCertifyTap');
    const [bridge] = env.argsOf('call') as BridgeCall[];
    expect(JSON.parse(bridge.opt.param)).toEqual({
      certifyId: 'certify-of-ver-from-last-run',
      url: expect.stringContaining('certify_id=certify-of-ver-from-last-run'),
    });
  });
});

describe('when Alipay refuses the reopened certifyId (a 4000 on 再次验证)', () => {
  async function refusedAgain(): Promise<{ form: PageInstance; page: PageInstance; verificationId: string }> {
    const { form, query } = await verifyUntilResultPage(certifyAnswer('4000', { errorCode: 'SYSTEM_ERROR' }));
    const page = await env.mount(RESULT, query);
    expect(page.data).toMatchObject({ screen: 'face-check-failed', actions: ['retry-certify', 'back-to-form'] });
    env.certifyScripts.push(certifyAnswer('4000', { errorCode: 'SYSTEM_ERROR' }));
    await call(page, 'onRetryCertifyTap');
    await settle();
    return { form, page, verificationId: query.verificationId };
  }

  it('says the old verification can no longer be used, with a new verification as the main button, and forgets it', async () => {
    const { page, verificationId } = await refusedAgain();
    expect(page.data).toMatchObject({ screen: 'certify-refused', actions: ['new-verification', 'back-to-form'], retrying: false });
    expect(RESULT_COPY_ZH_CN.certifyRefusedBody).toContain('新的验证');
    // The retry cost no initialize: one certify-url, one status lookup after it, still one POST /api/verifications.
    expect(env.backend.requestsTo('POST', `/api/verifications/${verificationId}/certify-url`)).toHaveLength(1);
    expect(env.backend.requestsTo('POST', '/api/verifications')).toHaveLength(1);
    expect(env.storage).toEqual({});
  });

  it('the new verification goes back to the form and sends its kept inputs as a new POST /api/verifications (a new initialize)', async () => {
    const { form, page } = await refusedAgain();
    env.clearTimeline();
    call(page, 'onNewVerificationTap');
    expect(env.argsOf('navigateBack')).toEqual([{ delta: 1 }]);
    env.certifyScripts.push(certifyAnswer('9000'));
    call(form, 'onShow');
    await settle();
    const creates = env.backend.requestsTo('POST', '/api/verifications');
    expect(creates).toHaveLength(2);
    expect(creates[1].body).toEqual({ ...(creates[0].body as object), replaces: 'ver-2' });
    expect(creates[1].headers['Idempotency-Key']).not.toBe(creates[0].headers['Idempotency-Key']);
    const [bridge] = env.argsOf('call') as Array<{ opt: { param: string } }>;
    expect(JSON.parse(bridge.opt.param)).toMatchObject({ certifyId: 'certify-4' });
    expect(env.argsOf('navigateTo')).toEqual([{ url: '/pages/result/index?verificationId=ver-4' }]);
  });

  it('after a restart the form is empty (inputs live only in memory): it asks for them again instead', async () => {
    await launch();
    env.pageStack = [RESULT];
    env.backend.statusScript['ver-old'] = ['PENDING'];
    const page = await env.mount(RESULT, { verificationId: 'ver-old', retry: '1' });
    env.certifyScripts.push(certifyAnswer('4000', { errorCode: 'SYSTEM_ERROR' }));
    await call(page, 'onRetryCertifyTap');
    await settle();
    expect(page.data.screen).toBe('certify-refused');
    call(page, 'onNewVerificationTap');
    expect(env.argsOf('reLaunch')).toEqual([{ url: '/pages/verify/index' }]);
    const form = await env.mount(VERIFY);
    call(form, 'onShow');
    expect(form.data.notice).toBe(VERIFY_COPY_ZH_CN.newVerificationNeedsForm);
    expect(env.backend.requestsTo('POST', '/api/verifications')).toHaveLength(0);
  });

  it('USER_IS_NOT_CERTIFY on the reopened check still says how to finish real-name verification', async () => {
    const { query } = await verifyUntilResultPage(certifyAnswer('4000', { errorCode: 'SYSTEM_ERROR' }));
    const page = await env.mount(RESULT, query);
    env.certifyScripts.push(certifyAnswer('4000', { errorCode: 'USER_IS_NOT_CERTIFY' }));
    await call(page, 'onRetryCertifyTap');
    expect(page.data).toMatchObject({ screen: 'not-certified', actions: ['back-to-form'] });
  });

  it('server PASSED still wins over the refusal', async () => {
    const { query } = await verifyUntilResultPage(certifyAnswer('4000', { errorCode: 'SYSTEM_ERROR' }));
    const page = await env.mount(RESULT, query);
    const renewed = { verificationId: query.verificationId, certifyId: 'certify-2', url: 'https://openapi.alipay.com/gateway.do?certify_id=certify-2&timestamp=t', expiresAt: '2099-01-01T00:00:00.000Z' };
    env.backend.scripted.push({ status: 200, body: renewed });
    env.backend.statusScript[query.verificationId] = ['PASSED'];
    env.certifyScripts.push(certifyAnswer('4000', { errorCode: 'SYSTEM_ERROR' }));
    await call(page, 'onRetryCertifyTap');
    await settle();
    expect(env.argsOf('call')).toHaveLength(1);
    expect(page.data).toMatchObject({ screen: 'passed', actions: ['done'] });
  });

  it('VERIFICATION_CLOSED while the record is still PENDING (the certifyId is past its lifetime): the same screen, opening nothing', async () => {
    const { query } = await verifyUntilResultPage(certifyAnswer('6002'));
    const page = await env.mount(RESULT, query);
    env.clearTimeline();
    env.backend.scripted.push({ status: 409, body: { error: { code: 'VERIFICATION_CLOSED', message: 'over' } } });
    await call(page, 'onRetryCertifyTap');
    await settle();
    expect(page.data).toMatchObject({ screen: 'certify-refused', actions: ['new-verification', 'back-to-form'] });
    expect(env.myCalls(['call', 'startAPVerify'])).toEqual([]);
  });
});

describe('inputs are kept until a pass', () => {
  it('重新发起验证 after FAILED goes back to the form with both fields', async () => {
    const { form, query } = await verifyUntilResultPage(certifyAnswer('9000'));
    env.backend.statusScript[query.verificationId] = ['FAILED'];
    const page = await env.mount(RESULT, query);
    call(page, 'onBackToFormTap');
    call(form, 'onShow');
    expect(form.data).toMatchObject({ certName: TEST_NAMES[1], certNo: CERT_NO, consent: true, canSubmit: true });
  });

  it('a PASSED clears them: going back to the form shows it empty', async () => {
    const { form, query } = await verifyUntilResultPage(certifyAnswer('9000'));
    env.backend.statusScript[query.verificationId] = ['PASSED'];
    await env.mount(RESULT, query);
    call(form, 'onShow');
    expect(form.data).toMatchObject({ certName: '', certNo: '', consent: false, canSubmit: false, notice: '' });
  });
});

describe('language', () => {
  it('speaks the form\'s language (lang=en-US), error messages included', async () => {
    await launch();
    const page = await env.mount(RESULT, { verificationId: 'ver-unknown', lang: 'en-US' });
    expect(page.data).toMatchObject({ copy: RESULT_COPY_EN_US, screen: 'error', message: ERROR_MESSAGES_EN_US.NOT_FOUND });
  });

  it('opened at launch without lang, it reads Alipay\'s language', async () => {
    env = setupAlipayEnv({ language: 'en' });
    env.boot({ app: true, pages: [VERIFY, RESULT] });
    await env.launch();
    env.backend.statusScript['ver-resumed'] = ['PASSED'];
    const page = await env.mount(RESULT, { verificationId: 'ver-resumed' });
    expect(page.data).toMatchObject({ copy: RESULT_COPY_EN_US, screen: 'passed' });
  });
});
