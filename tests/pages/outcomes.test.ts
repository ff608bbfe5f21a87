/**
 * Every outcome of issue 9, walked on the mini-program from the form through the shared client
 * policy (utils/client-policy.ts): where the person ends up (the form, or the result page and
 * its screen), the main action offered there, and which requests reached the backend, above
 * all that no retry pays for a second initialize (`POST /api/verifications`). The table in the
 * closing note of issue 9 is this file.
 */
import { MiniEnv, PageInstance, call, certifyAnswer, queryOf, settle, setupAlipayEnv } from '../support/mini-env';
import { TEST_NAMES, makeCertNo, makeCertNoBornOn } from '../support/identities';
import { VERIFY_COPY_ZH_CN } from '../../pages/verify/copy';
import { ERROR_MESSAGES_ZH_CN } from '../../utils/error-messages';
import { consentVersion } from '../../utils/consent-notice';

const VERIFY = 'pages/verify/index';
const RESULT = 'pages/result/index';
const NAME = TEST_NAMES[3];
const CERT_NO = makeCertNo(314);

let env: MiniEnv;

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  env.restore();
  jest.useRealTimers();
});

/** The requests after the launch and the config, as `METHOD /path`, ids kept. */
function requests(): string[] {
  return env.backend.requests
    .map((request) => `${request.method} ${request.path}`)
    .filter((line) => line !== 'POST /api/sessions' && line !== 'GET /api/client-config');
}

/** Fills the form and taps 开始验证 with `answers` scripted for the face check. */
async function submit(answers: ReturnType<typeof certifyAnswer>[], options: Parameters<typeof setupAlipayEnv>[0] = {}, certNo = CERT_NO): Promise<PageInstance> {
  env = setupAlipayEnv(options);
  env.boot({ app: true, pages: [VERIFY, RESULT] });
  await env.launch();
  const form = await env.mount(VERIFY);
  call(form, 'onCertNameInput', { detail: { value: NAME } });
  call(form, 'onCertNoInput', { detail: { value: certNo } });
  call(form, 'onConsentChange', { detail: { value: true } });
  env.certifyScripts.push(...answers);
  call(form, 'onSubmitTap');
  await settle();
  return form;
}

/** The result page the form navigated to, mounted on top of it. */
async function resultPage(): Promise<PageInstance> {
  const navigations = env.argsOf('navigateTo') as Array<{ url: string }>;
  env.pageStack = [VERIFY, RESULT];
  return env.mount(RESULT, queryOf(navigations[navigations.length - 1].url));
}

describe('every outcome on the mini-program: screen, main action, requests', () => {
  it('9000 + server PASSED → "身份验证已通过", main action 完成', async () => {
    await submit([certifyAnswer('9000')]);
    env.backend.statusScript['ver-2'] = ['PASSED'];
    const page = await resultPage();
    expect(page.data).toMatchObject({ screen: 'passed', actions: ['done'] });
    expect(requests()).toEqual(['POST /api/verifications', 'GET /api/verifications/ver-2']);
  });

  it('9000 + PENDING after the 15 s window → "结果确认中" (nothing is lost), main action 刷新, which asks again', async () => {
    await submit([certifyAnswer('9000')]);
    const page = await resultPage();
    await jest.advanceTimersByTimeAsync(15000);
    expect(page.data).toMatchObject({ screen: 'still-processing', actions: ['refresh', 'back-to-form'] });
    expect(requests().filter((line) => line === 'GET /api/verifications/ver-2')).toHaveLength(6);
    call(page, 'onRefreshTap');
    await settle();
    expect(requests().filter((line) => line === 'GET /api/verifications/ver-2')).toHaveLength(7);
    expect(requests().filter((line) => line === 'POST /api/verifications')).toHaveLength(1);
  });

  it('4000 (failed face check) → "本次人脸验证未通过", main action 再次验证: a fresh URL for the same certifyId, no paid initialize', async () => {
    await submit([certifyAnswer('4000', { errorCode: 'SYSTEM_ERROR' })]);
    const page = await resultPage();
    expect(page.data).toMatchObject({ screen: 'face-check-failed', actions: ['retry-certify', 'back-to-form'] });
    env.certifyScripts.push(certifyAnswer('9000'));
    env.backend.statusScript['ver-2'] = ['PASSED'];
    await call(page, 'onRetryCertifyTap');
    await settle();
    expect(page.data.screen).toBe('passed');
    expect(requests()).toEqual([
      'POST /api/verifications',
      'GET /api/verifications/ver-2',
      'POST /api/verifications/ver-2/certify-url',
      'GET /api/verifications/ver-2',
    ]);
  });

  it('再次验证 refused again by Alipay → "原来的验证已无法继续", main action 发起新的验证: a new POST /api/verifications that replaces the refused one, said to be new', async () => {
    const form = await submit([certifyAnswer('4000', { errorCode: 'SYSTEM_ERROR' })]);
    const page = await resultPage();
    env.certifyScripts.push(certifyAnswer('4000', { errorCode: 'SYSTEM_ERROR' }));
    await call(page, 'onRetryCertifyTap');
    await settle();
    expect(page.data).toMatchObject({ screen: 'certify-refused', actions: ['new-verification', 'back-to-form'] });
    call(page, 'onNewVerificationTap');
    env.certifyScripts.push(certifyAnswer('9000'));
    call(form, 'onShow');
    await settle();
    expect(requests()).toEqual([
      'POST /api/verifications',
      'GET /api/verifications/ver-2',
      'POST /api/verifications/ver-2/certify-url',
      'GET /api/verifications/ver-2',
      'POST /api/verifications',
    ]);
    // It names the refused verification, so the server starts a new one instead of handing it back as a reuse.
    const posts = env.backend.requestsTo('POST', '/api/verifications');
    expect(posts[0].body).not.toHaveProperty('replaces');
    expect(posts[1].body).toMatchObject({ certName: NAME, certNo: CERT_NO, replaces: 'ver-2' });
  });

  it('4000 USER_IS_NOT_CERTIFY → the form says how to finish real-name verification in Alipay; inputs kept', async () => {
    const form = await submit([certifyAnswer('4000', { errorCode: 'USER_IS_NOT_CERTIFY' })]);
    expect(form.data).toMatchObject({ notice: VERIFY_COPY_ZH_CN.notCertified, certName: NAME, certNo: CERT_NO, canSubmit: true });
    expect(env.argsOf('navigateTo')).toEqual([]);
    expect(requests()).toEqual(['POST /api/verifications']);
  });

  it('6001 (cancelled) → back on the form with the inputs kept, main action 开始验证', async () => {
    const form = await submit([certifyAnswer('6001')]);
    expect(form.data).toMatchObject({ notice: VERIFY_COPY_ZH_CN.cancelled, certName: NAME, certNo: CERT_NO, consent: true, canSubmit: true });
    expect(requests()).toEqual(['POST /api/verifications']);
  });

  it('6002 (network) → "网络异常，验证未完成", main action 再次验证 with a URL signed now', async () => {
    await submit([certifyAnswer('6002')]);
    const page = await resultPage();
    expect(page.data).toMatchObject({ screen: 'network', actions: ['retry-certify', 'back-to-form'] });
    env.certifyScripts.push(certifyAnswer('6001'));
    await call(page, 'onRetryCertifyTap');
    expect(requests()).toEqual(['POST /api/verifications', 'GET /api/verifications/ver-2', 'POST /api/verifications/ver-2/certify-url']);
  });

  it('an Alipay too old for the face check → the upgrade message on the form at load, before anything is typed; no request', async () => {
    const form = await submit([], { version: '10.1.30' });
    expect(form.data.upgradeMessage).toContain('10.1.32');
    expect(form.data.canSubmit).toBe(false);
    expect(requests()).toEqual([]);
  });

  it('reuse (200, reused: true) → the face check opens on the live verification, "继续您尚未完成的验证"', async () => {
    const form = await submit([certifyAnswer('6001')]);
    env.backend.reuseVerificationId = 'ver-2';
    await jest.advanceTimersByTimeAsync(1000);
    call(form, 'onSubmitTap');
    await settle();
    expect(form.data).toMatchObject({ reused: true, submitting: true });
    expect(requests()).toEqual(['POST /api/verifications', 'POST /api/verifications']);
    expect(env.backend.requestsTo('POST', '/api/verifications/ver-2/certify-url')).toHaveLength(0);
  });

  it('429 RATE_LIMITED → the form says how many minutes (Retry-After), inputs kept', async () => {
    env = setupAlipayEnv();
    env.boot({ app: true, pages: [VERIFY, RESULT] });
    await env.launch();
    const form = await env.mount(VERIFY);
    call(form, 'onCertNameInput', { detail: { value: NAME } });
    call(form, 'onCertNoInput', { detail: { value: CERT_NO } });
    call(form, 'onConsentChange', { detail: { value: true } });
    env.backend.scripted.push({ status: 429, body: { error: { code: 'RATE_LIMITED', message: 'x' } }, headers: { 'retry-after': '600' } });
    call(form, 'onSubmitTap');
    await settle();
    expect(form.data).toMatchObject({ notice: VERIFY_COPY_ZH_CN.rateLimitedFor.replace('{minutes}', '10'), certNo: CERT_NO, canSubmit: true });
  });

  it('409 CONSENT_OUTDATED → the server\'s new notice above an unticked box; inputs kept, nothing spent', async () => {
    const newText = '新的说明';
    env = setupAlipayEnv();
    env.boot({ app: true, pages: [VERIFY, RESULT] });
    await env.launch();
    const form = await env.mount(VERIFY);
    env.backend.consentNotice = { version: consentVersion(newText), text: newText };
    env.backend.otherLanguageVersions = [];
    call(form, 'onCertNameInput', { detail: { value: NAME } });
    call(form, 'onCertNoInput', { detail: { value: CERT_NO } });
    call(form, 'onConsentChange', { detail: { value: true } });
    call(form, 'onSubmitTap');
    await settle();
    expect(form.data).toMatchObject({ consentUpdate: newText, consent: false, canSubmit: false, notice: ERROR_MESSAGES_ZH_CN.CONSENT_OUTDATED, certNo: CERT_NO });
    expect(requests()).toEqual(['POST /api/verifications', 'GET /api/consent-notice?lang=zh-CN']);
  });

  it('a holder under 14 → guardian-consent: the guardian\'s own box before submit; refuse: CERT_NO_MINOR at the number, no request', async () => {
    jest.setSystemTime(new Date(Date.UTC(2026, 2, 1, 16)));
    const minor = makeCertNoBornOn(new Date(Date.UTC(2016, 0, 1)));
    let form = await submit([], {}, minor);
    expect(form.data).toMatchObject({ guardianRequired: true, canSubmit: false });
    expect(requests()).toEqual([]);
    env.restore();

    env = setupAlipayEnv();
    env.boot({ app: true, pages: [VERIFY] });
    await env.launch();
    env.backend.clientConfig = { ...env.backend.clientConfig, minorPolicy: 'refuse' };
    form = await env.mount(VERIFY);
    call(form, 'onCertNoInput', { detail: { value: minor } });
    expect(form.data).toMatchObject({ certNoError: ERROR_MESSAGES_ZH_CN.CERT_NO_MINOR, canSubmit: false });
  });
});
