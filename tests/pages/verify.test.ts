/**
 * pages/verify driven as a user would: type, consent, tap. Asserts the sequence of
 * setData and my.* calls, above all that the tap costs exactly one my.request before
 * Alipay's verification opens, and where each outcome leads.
 */
import { MiniEnv, PageInstance, call, certifyAnswer, queryOf, settle, setupAlipayEnv } from '../support/mini-env';
import { TEST_NAMES, makeCertNo, makeCertNoBornOn, makeCertNoEndingInX, withCheckCharacter } from '../support/identities';
import { UPGRADE_MESSAGES_EN_US, VERIFY_COPY_EN_US, VERIFY_COPY_ZH_CN } from '../../pages/verify/copy';
import { ERROR_MESSAGES_EN_US, ERROR_MESSAGES_ZH_CN } from '../../utils/error-messages';
import { IDENTITY_MESSAGES_ZH_CN, maskCertNo } from '../../utils/identity';
import { PENDING_VERIFICATION_KEY } from '../../platform/pending-verification';
import { Branding, consentVersion, DEVELOPMENT_BRANDING, consentNoticeFor } from '../../utils/consent-notice';

const VERIFY = 'pages/verify/index';
const CONSENT = 'pages/consent/index';
const NAME = TEST_NAMES[0];
const CERT_NO = makeCertNo(42);
/** The version of the zh-CN notice the form shows (utils/consent-notice.ts). */
const CONSENT_VERSION = consentVersion(consentNoticeFor('zh-CN', DEVELOPMENT_BRANDING).text);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let env: MiniEnv;

// Fake timers throughout: the debounce and request timers never outlive a test.
beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  env.restore();
  jest.useRealTimers();
});

/**
 * Boots app + verify page (+ the consent page), launches (silent login), mounts the form.
 * `configure` sets up the fake backend first (its client config, scripted answers).
 */
async function openForm(options: Parameters<typeof setupAlipayEnv>[0] = {}, configure?: (backend: MiniEnv['backend']) => void): Promise<PageInstance> {
  env = setupAlipayEnv(options);
  env.boot({ app: true, pages: [VERIFY, CONSENT] });
  await env.launch();
  if (configure) configure(env.backend);
  const page = await env.mount(VERIFY);
  env.clearTimeline();
  return page;
}

function fillForm(page: PageInstance, certName: string = NAME, certNo: string = CERT_NO): void {
  call(page, 'onCertNameInput', { detail: { value: certName } });
  call(page, 'onCertNoInput', { detail: { value: certNo } });
  call(page, 'onConsentChange', { detail: { value: true } });
}

async function tapSubmit(page: PageInstance): Promise<void> {
  call(page, 'onSubmitTap');
  await settle();
}

function requestArgs(): Array<{ url: string; method: string; headers: Record<string, string>; data: string }> {
  return env.argsOf('request') as Array<{ url: string; method: string; headers: Record<string, string>; data: string }>;
}

describe('the form', () => {
  it('enables the button only when both fields are valid and consent is given', async () => {
    const page = await openForm();
    expect(page.data.canSubmit).toBe(false);
    call(page, 'onCertNameInput', { detail: { value: NAME } });
    expect(page.data.canSubmit).toBe(false);
    call(page, 'onCertNoInput', { detail: { value: CERT_NO } });
    expect(page.data.canSubmit).toBe(false);
    call(page, 'onConsentChange', { detail: { value: true } });
    expect(page.data.canSubmit).toBe(true);
    call(page, 'onConsentChange', { detail: { value: false } });
    expect(page.data.canSubmit).toBe(false);
    expect(env.setDataCalls(VERIFY).map((update) => update.canSubmit)).toEqual([false, false, true, false]);
  });

  it('does nothing on a tap while the button is disabled', async () => {
    const page = await openForm();
    call(page, 'onCertNameInput', { detail: { value: NAME } });
    call(page, 'onCertNoInput', { detail: { value: CERT_NO } });
    await tapSubmit(page);
    expect(env.myCalls(['request', 'call'])).toEqual([]);
  });

  it('shows a field error on blur and clears it as soon as the input is fixed', async () => {
    const page = await openForm();
    const wrongCheck = CERT_NO.slice(0, 17) + (CERT_NO.charAt(17) === '1' ? '2' : '1');
    call(page, 'onCertNoInput', { detail: { value: wrongCheck } });
    expect(page.data.certNoError).toBe('');
    call(page, 'onCertNoBlur', { detail: { value: wrongCheck } });
    expect(page.data.certNoError).toBe(IDENTITY_MESSAGES_ZH_CN.CERT_NO_CHECKSUM);
    call(page, 'onCertNoInput', { detail: { value: CERT_NO } });
    expect(page.data.certNoError).toBe('');
  });

  it('re-validates a field on every keystroke once it was left: the message follows the input and goes when it is fixed', async () => {
    const page = await openForm();
    const wrongCheck = CERT_NO.slice(0, 17) + (CERT_NO.charAt(17) === '1' ? '2' : '1');
    call(page, 'onCertNoBlur', { detail: { value: wrongCheck } });
    expect(page.data.certNoError).toBe(IDENTITY_MESSAGES_ZH_CN.CERT_NO_CHECKSUM);
    call(page, 'onCertNoInput', { detail: { value: '110101800101001' } });
    expect(page.data.certNoError).toBe(IDENTITY_MESSAGES_ZH_CN.CERT_NO_LEGACY_15);
    call(page, 'onCertNoInput', { detail: { value: CERT_NO } });
    expect(page.data.certNoError).toBe('');

    call(page, 'onCertNameBlur', { detail: { value: '测试·' } });
    expect(page.data.certNameError).toBe(IDENTITY_MESSAGES_ZH_CN.CERT_NAME_DOT);
    call(page, 'onCertNameInput', { detail: { value: '测试·甲' } });
    expect(page.data.certNameError).toBe('');
  });

  it('a server refusal stays by its field until that field changes', async () => {
    const page = await openForm();
    fillForm(page);
    env.backend.scripted.push({ status: 422, body: { error: { code: 'CERT_NAME_CHARSET', message: 'x' } } });
    await tapSubmit(page);
    expect(page.data.certNameError).toBe(IDENTITY_MESSAGES_ZH_CN.CERT_NAME_CHARSET);
    call(page, 'onCertNoInput', { detail: { value: CERT_NO } });
    expect(page.data.certNameError).toBe(IDENTITY_MESSAGES_ZH_CN.CERT_NAME_CHARSET);
    call(page, 'onCertNameInput', { detail: { value: NAME } });
    expect(page.data.certNameError).toBe('');
  });

  it('accepts a Latin name only with a foreigner\'s permanent residence card, as the hint says', async () => {
    const page = await openForm();
    const foreigner = withCheckCharacter('91100019850615001');
    call(page, 'onCertNameInput', { detail: { value: "o'Brien-Smith, mary j." } });
    call(page, 'onCertNameBlur', { detail: { value: "o'Brien-Smith, mary j." } });
    // No card yet: nothing to refuse the name for.
    expect(page.data.certNameError).toBe('');
    call(page, 'onCertNoInput', { detail: { value: CERT_NO } });
    expect(page.data.certNameError).toBe(IDENTITY_MESSAGES_ZH_CN.CERT_NAME_CHARSET);
    expect(IDENTITY_MESSAGES_ZH_CN.CERT_NAME_CHARSET).toContain('外国人永久居留身份证');
    call(page, 'onCertNoInput', { detail: { value: foreigner } });
    expect(page.data.certNameError).toBe('');
    call(page, 'onConsentChange', { detail: { value: true } });
    expect(page.data.canSubmit).toBe(true);
    env.certifyScripts.push(certifyAnswer('9000'));
    await tapSubmit(page);
    expect(JSON.parse(requestArgs()[0].data)).toMatchObject({ certName: "O'BRIEN-SMITH, MARY J.", certNo: foreigner, certType: 'PERMANENT_RESIDENCE_FOREIGNER' });
  });

  it('explains a 15-digit legacy number on blur', async () => {
    const page = await openForm();
    call(page, 'onCertNoBlur', { detail: { value: '110101800101001' } });
    expect(page.data.certNoError).toBe(IDENTITY_MESSAGES_ZH_CN.CERT_NO_LEGACY_15);
  });

  it('accepts full-width digits and a lowercase x, and sends the normalized number', async () => {
    const page = await openForm();
    const certNo = makeCertNoEndingInX();
    const typed = certNo.toLowerCase().replace(/[0-9]/g, (digit) => String.fromCharCode(digit.charCodeAt(0) + 0xfee0));
    fillForm(page, ` ${NAME} `, typed);
    env.certifyScripts.push(certifyAnswer('9000'));
    await tapSubmit(page);
    expect(JSON.parse(requestArgs()[0].data)).toEqual({ certName: NAME, certNo, certType: 'IDENTITY_CARD', consentVersion: CONSENT_VERSION });
  });

  it('opens the full notice from the consent link', async () => {
    const page = await openForm();
    call(page, 'onConsentLinkTap');
    expect(env.argsOf('navigateTo')).toEqual([{ url: '/pages/consent/index' }]);
  });
});

describe('the client config (GET /api/client-config)', () => {
  const BANK: Branding = { merchantName: '示例银行', dataController: '示例银行股份有限公司', contact: '95500', retentionDays: 90, logoUrl: '/logo.svg' };

  function withBranding(branding: Branding): (backend: MiniEnv['backend']) => void {
    return (backend) => {
      backend.clientConfig = { ...backend.clientConfig, branding };
      backend.consentNotice = consentNoticeFor('zh-CN', branding);
    };
  }

  it('puts the merchant in the header and the notice, and sends the version of that notice', async () => {
    const page = await openForm({}, withBranding(BANK));
    const notice = consentNoticeFor('zh-CN', BANK);
    expect(page.data).toMatchObject({ configState: 'ready', merchantName: '示例银行', logoSrc: 'http://127.0.0.1:3000/logo.svg', consentSummary: notice.summary });
    expect(page.data.consentSummary).toContain('90 天后删除');
    fillForm(page);
    env.certifyScripts.push(certifyAnswer('9000'));
    await tapSubmit(page);
    expect(JSON.parse(requestArgs()[0].data)).toMatchObject({ consentVersion: notice.version });
    expect(notice.version).not.toBe(CONSENT_VERSION);
  });

  it('shows an https logo as given, and no logo when there is none', async () => {
    let page = await openForm({}, withBranding({ ...BANK, logoUrl: 'https://bank.example/logo.png' }));
    expect(page.data.logoSrc).toBe('https://bank.example/logo.png');
    env.restore();
    page = await openForm();
    expect(page.data).toMatchObject({ merchantName: DEVELOPMENT_BRANDING.merchantName, logoSrc: '' });
  });

  it('is fetched once per launch, unauthenticated, and the consent page shows the full notice from it', async () => {
    const page = await openForm({}, withBranding(BANK));
    call(page, 'onConsentLinkTap');
    const consent = await env.mount(CONSENT, queryOf((env.argsOf('navigateTo')[0] as { url: string }).url));
    const fetched = env.backend.requestsTo('GET', '/api/client-config');
    expect(fetched).toHaveLength(1);
    expect(fetched[0].headers.authorization).toBeUndefined();
    expect(consent.data).toMatchObject({ state: 'ready', copy: consentNoticeFor('zh-CN', BANK).notice });
    expect((consent.data.copy as { controller: string }).controller).toContain('示例银行股份有限公司');
  });

  it('cannot be fetched: says so with a retry, and the form cannot be sent until it arrives', async () => {
    const page = await openForm({}, (backend) => backend.scripted.push({ fail: { error: 12, errorMessage: 'network error' } }));
    expect(page.data).toMatchObject({ configState: 'failed', consentSummary: '', merchantName: '' });
    fillForm(page);
    expect(page.data.canSubmit).toBe(false);
    await tapSubmit(page);
    expect(env.backend.requestsTo('POST', '/api/verifications')).toHaveLength(0);

    call(page, 'onConfigRetryTap');
    expect(page.data.configState).toBe('loading');
    await settle();
    expect(page.data).toMatchObject({ configState: 'ready', merchantName: DEVELOPMENT_BRANDING.merchantName, canSubmit: false });
    expect(env.backend.requestsTo('GET', '/api/client-config')).toHaveLength(2);
    // The box is ticked again once the notice it refers to is on screen.
    call(page, 'onConsentChange', { detail: { value: true } });
    expect(page.data.canSubmit).toBe(true);
  });

  it('refuses an answer without branding as BAD_RESPONSE: no notice that names nobody', async () => {
    const page = await openForm({}, (backend) => backend.scripted.push({ status: 200, body: { mode: 'emulator', appId: 'a', oauthAuthorizeUrl: 'u', minorPolicy: 'refuse' } }));
    expect(page.data).toMatchObject({ configState: 'failed', consentSummary: '' });
  });

  it('the consent page offers a retry when the config cannot be fetched', async () => {
    env = setupAlipayEnv();
    env.boot({ pages: [CONSENT] });
    env.backend.scripted.push({ fail: { error: 12, errorMessage: 'network error' } });
    const consent = await env.mount(CONSENT);
    expect(consent.data.state).toBe('failed');
    call(consent, 'onRetryTap');
    await settle();
    expect(consent.data).toMatchObject({ state: 'ready', copy: consentNoticeFor('zh-CN', DEVELOPMENT_BRANDING).notice });
  });
});

describe('a holder under 14 (MINOR_POLICY, Beijing time)', () => {
  /** 2026-03-02 00:00 in Beijing (2026-03-01 16:00 UTC): TURNS_14 turns 14 at this instant. */
  const BEIJING_MIDNIGHT = new Date(Date.UTC(2026, 2, 1, 16, 0, 0));
  const TURNS_14 = makeCertNoBornOn(new Date(Date.UTC(2012, 2, 2)));
  const UNDER_14 = makeCertNoBornOn(new Date(Date.UTC(2016, 6, 1)));
  type Policy = 'guardian-consent' | 'refuse';

  async function formAt(now: Date, minorPolicy: Policy): Promise<PageInstance> {
    jest.setSystemTime(now);
    return openForm({}, (backend) => {
      backend.clientConfig = { ...backend.clientConfig, minorPolicy };
    });
  }

  function bodies(): Array<Record<string, unknown>> {
    return env.backend.requestsTo('POST', '/api/verifications').map((request) => request.body as Record<string, unknown>);
  }

  const cases: Array<[string, Date, string, boolean]> = [
    ['under 14', BEIJING_MIDNIGHT, UNDER_14, true],
    ['exactly 14 today', BEIJING_MIDNIGHT, TURNS_14, false],
    ['14 tomorrow (one millisecond before midnight in Beijing)', new Date(BEIJING_MIDNIGHT.getTime() - 1), TURNS_14, true],
  ];

  it.each(cases)('guardian-consent, %s: a separate guardian consent is asked and sent only for a minor', async (_, now, certNo, minor) => {
    const page = await formAt(now, 'guardian-consent');
    fillForm(page, NAME, certNo);
    expect(page.data).toMatchObject({ guardianRequired: minor, guardianConsent: false, certNoError: '', canSubmit: !minor });
    if (minor) {
      await tapSubmit(page);
      expect(bodies()).toEqual([]);
      call(page, 'onGuardianConsentChange', { detail: { value: true } });
      expect(page.data.canSubmit).toBe(true);
      await jest.advanceTimersByTimeAsync(1000);
    }
    env.certifyScripts.push(certifyAnswer('9000'));
    await tapSubmit(page);
    expect(bodies()).toHaveLength(1);
    expect(bodies()[0].guardianConsent).toBe(minor ? true : undefined);
  });

  it.each(cases)('refuse, %s: the number says CERT_NO_MINOR at once and blocks the submit only for a minor', async (_, now, certNo, minor) => {
    const page = await formAt(now, 'refuse');
    call(page, 'onCertNoInput', { detail: { value: certNo } });
    expect(page.data.certNoError).toBe(minor ? ERROR_MESSAGES_ZH_CN.CERT_NO_MINOR : '');
    fillForm(page, NAME, certNo);
    expect(page.data).toMatchObject({ guardianRequired: false, canSubmit: !minor });
    env.certifyScripts.push(certifyAnswer('9000'));
    await tapSubmit(page);
    expect(bodies()).toHaveLength(minor ? 0 : 1);
    if (!minor) expect(bodies()[0].guardianConsent).toBeUndefined();
  });

  it('the guardian box and its tick go when the number changes to an adult\'s', async () => {
    const page = await formAt(BEIJING_MIDNIGHT, 'guardian-consent');
    fillForm(page, NAME, UNDER_14);
    call(page, 'onGuardianConsentChange', { detail: { value: true } });
    call(page, 'onCertNoInput', { detail: { value: CERT_NO } });
    expect(page.data).toMatchObject({ guardianRequired: false, guardianConsent: false, canSubmit: true });
    call(page, 'onCertNoInput', { detail: { value: UNDER_14 } });
    expect(page.data).toMatchObject({ guardianRequired: true, guardianConsent: false, canSubmit: false });
  });

  it('a server refusal for a minor (its policy changed since the config was read) is shown by the number', async () => {
    const page = await formAt(BEIJING_MIDNIGHT, 'guardian-consent');
    fillForm(page, NAME, UNDER_14);
    call(page, 'onGuardianConsentChange', { detail: { value: true } });
    env.backend.scripted.push({ status: 400, body: { error: { code: 'CERT_NO_MINOR', message: 'x' } } });
    await tapSubmit(page);
    expect(page.data).toMatchObject({ certNoError: ERROR_MESSAGES_ZH_CN.CERT_NO_MINOR, notice: ERROR_MESSAGES_ZH_CN.CERT_NO_MINOR, certNo: UNDER_14 });
    expect(env.myCalls(['call'])).toEqual([]);
  });
});

describe('language', () => {
  const EN_NOTICE = consentNoticeFor('en-US', DEVELOPMENT_BRANDING);

  it('shows en-US when Alipay is set to English: copy, notice, field errors, and sends the English notice\'s version', async () => {
    const page = await openForm({ language: 'en' });
    expect(page.data).toMatchObject({ language: 'en-US', copy: VERIFY_COPY_EN_US, consentSummary: EN_NOTICE.summary });
    call(page, 'onCertNoBlur', { detail: { value: '110101800101001' } });
    expect(page.data.certNoError).toBe(ERROR_MESSAGES_EN_US.CERT_NO_LEGACY_15);
    fillForm(page);
    env.certifyScripts.push(certifyAnswer('7777'));
    await tapSubmit(page);
    expect(JSON.parse(requestArgs()[0].data)).toMatchObject({ consentVersion: EN_NOTICE.version });
    // The result page and the notice page follow the form's language.
    expect(env.argsOf('navigateTo')).toEqual([{ url: '/pages/result/index?verificationId=ver-2&lang=en-US' }]);
  });

  it('stays zh-CN for Chinese settings, with a visible switch to English and back; inputs and ticks stay', async () => {
    const page = await openForm({ language: 'zh-Hant' });
    expect(page.data).toMatchObject({ language: 'zh-CN', copy: VERIFY_COPY_ZH_CN });
    expect(VERIFY_COPY_ZH_CN.switchLanguage).toBe('English');
    fillForm(page);
    call(page, 'onLanguageSwitchTap');
    expect(page.data).toMatchObject({ language: 'en-US', copy: VERIFY_COPY_EN_US, consentSummary: EN_NOTICE.summary, certName: NAME, certNo: CERT_NO, consent: true });
    call(page, 'onConsentLinkTap');
    expect(env.argsOf('navigateTo')).toEqual([{ url: '/pages/consent/index?lang=en-US' }]);
    call(page, 'onLanguageSwitchTap');
    expect(page.data).toMatchObject({ language: 'zh-CN', copy: VERIFY_COPY_ZH_CN });
  });

  it('sends the version of the notice the person agreed to, even after switching language', async () => {
    const page = await openForm();
    fillForm(page);
    call(page, 'onLanguageSwitchTap');
    env.certifyScripts.push(certifyAnswer('9000'));
    await tapSubmit(page);
    expect(JSON.parse(requestArgs()[0].data)).toMatchObject({ consentVersion: CONSENT_VERSION });
  });

  it('redraws the upgrade message in the new language', async () => {
    const page = await openForm({ version: '10.1.30' });
    expect(page.data.upgradeMessage).toContain('请将支付宝升级到 10.1.32');
    call(page, 'onLanguageSwitchTap');
    expect(page.data.upgradeMessage).toBe(UPGRADE_MESSAGES_EN_US['version-too-old'].replace('{version}', '10.1.32'));
  });
});

describe('the verify tap', () => {
  it('costs exactly one my.request, then my.call with the certifyId and url as param JSON, then the result page', async () => {
    const page = await openForm();
    fillForm(page);
    env.certifyScripts.push(certifyAnswer('9000', { certifyId: 'certify-2' }));
    await tapSubmit(page);

    expect(env.myCalls(['request', 'setStorageSync', 'call', 'navigateTo'])).toEqual(['request', 'setStorageSync', 'call', 'navigateTo']);
    const [request] = requestArgs();
    expect(request.method).toBe('POST');
    expect(request.url).toMatch(/\/api\/verifications$/);
    expect(request.headers.authorization).toBe('Bearer token-1');
    expect(request.headers['Idempotency-Key']).toMatch(UUID);
    // consentVersion names the notice the page showed: the built-in zh-CN one.
    expect(JSON.parse(request.data)).toEqual({ certName: NAME, certNo: CERT_NO, certType: 'IDENTITY_CARD', consentVersion: CONSENT_VERSION });

    const [bridge] = env.argsOf('call') as Array<{ name: string; opt: { name: string; param: string } }>;
    expect(bridge.name).toBe('startBizService');
    expect(bridge.opt.name).toBe('open-certify');
    expect(JSON.parse(bridge.opt.param)).toEqual({
      certifyId: 'certify-2',
      url: 'https://openapi.alipay.com/gateway.do?method=alipay.user.certify.open.certify&certify_id=certify-2',
    });
    expect(env.argsOf('navigateTo')).toEqual([{ url: '/pages/result/index?verificationId=ver-2' }]);
  });

  it('shows the loading state with the masked number, then clears it', async () => {
    const page = await openForm();
    fillForm(page);
    env.clearTimeline();
    env.certifyScripts.push(certifyAnswer('9000'));
    await tapSubmit(page);
    const updates = env.setDataCalls(VERIFY);
    expect(updates[0]).toEqual({ submitting: true, notice: '', certNoMasked: maskCertNo(CERT_NO), reused: false });
    expect(updates[updates.length - 1]).toEqual({ submitting: false });
  });

  it('stores only the pending verificationId, and no name or number anywhere on the device or in URLs', async () => {
    const page = await openForm();
    fillForm(page);
    env.certifyScripts.push(certifyAnswer('9000'));
    await tapSubmit(page);
    expect(env.storage).toEqual({ [PENDING_VERIFICATION_KEY]: 'ver-2' });
    const visible = JSON.stringify([env.argsOf('setStorageSync'), env.argsOf('navigateTo')]);
    expect(visible).not.toContain(CERT_NO);
    expect(visible).not.toContain(NAME);
    expect(visible).not.toContain(CERT_NO.slice(3, 14));
  });

  it('sends the name and number in the one POST body and in no other my.* call', async () => {
    const page = await openForm({ startAPVerify: true });
    fillForm(page);
    env.certifyScripts.push(certifyAnswer('6002'));
    await tapSubmit(page);
    const others = env.timeline.filter(
      (entry) => !(entry.kind === 'my' && entry.api === 'request' && String((entry.arg as { url: string }).url).endsWith('/api/verifications')) && entry.kind === 'my',
    );
    expect(others.length).toBeGreaterThan(3);
    const text = JSON.stringify(others);
    [CERT_NO, CERT_NO.slice(6, 14), NAME].forEach((secret) => expect(text).not.toContain(secret));
  });

  it('opens one verification for a double tap', async () => {
    const page = await openForm();
    fillForm(page);
    env.certifyScripts.push(certifyAnswer('9000'));
    call(page, 'onSubmitTap');
    call(page, 'onSubmitTap');
    await settle();
    expect(env.myCalls(['request', 'call'])).toEqual(['request', 'call']);
  });

  it('debounces taps: a quick second tap after a fast failure is dropped, a later one goes through', async () => {
    const page = await openForm();
    fillForm(page);
    env.backend.scripted.push({ status: 503, body: { error: { code: 'UPSTREAM_UNAVAILABLE', message: 'down' } } });
    await tapSubmit(page);
    expect(page.data.submitting).toBe(false);
    await jest.advanceTimersByTimeAsync(300);
    await tapSubmit(page);
    expect(env.myCalls(['request'])).toEqual(['request']);
    await jest.advanceTimersByTimeAsync(1000);
    env.certifyScripts.push(certifyAnswer('9000'));
    await tapSubmit(page);
    expect(env.myCalls(['request', 'call'])).toEqual(['request', 'request', 'call']);
  });

  it('ignores a tap after the debounce window while the first verification is still open', async () => {
    const page = await openForm();
    fillForm(page);
    await tapSubmit(page);
    await jest.advanceTimersByTimeAsync(2000);
    await tapSubmit(page);
    expect(env.myCalls(['request', 'call'])).toEqual(['request', 'call']);
    expect(page.data.submitting).toBe(true);
  });

  it('uses my.startAPVerify with the same ticket where canIUse says it exists', async () => {
    const page = await openForm({ startAPVerify: true });
    fillForm(page);
    env.certifyScripts.push(certifyAnswer('9000'));
    await tapSubmit(page);
    expect(env.myCalls(['request', 'call', 'startAPVerify'])).toEqual(['request', 'startAPVerify']);
    expect(env.argsOf('startAPVerify')[0]).toEqual({ certifyId: 'certify-2', url: expect.stringContaining('certify_id=certify-2') });
  });
});

describe('where each outcome leads', () => {
  async function submitWith(answer: ReturnType<typeof certifyAnswer> | { fail: { error: number; errorMessage: string } }): Promise<PageInstance> {
    const page = await openForm();
    fillForm(page);
    env.certifyScripts.push(answer);
    await tapSubmit(page);
    return page;
  }

  it('6001 (cancelled): stays on the form with the inputs kept and says so', async () => {
    const page = await submitWith(certifyAnswer('6001'));
    expect(page.data).toMatchObject({ certName: NAME, certNo: CERT_NO, consent: true, canSubmit: true, submitting: false, notice: VERIFY_COPY_ZH_CN.cancelled });
    expect(env.myCalls(['navigateTo'])).toEqual([]);
    expect(env.storage).toEqual({});
  });

  it('6002 (network): opens the result page in retry mode', async () => {
    await submitWith(certifyAnswer('6002'));
    const [navigation] = env.argsOf('navigateTo') as Array<{ url: string }>;
    expect(queryOf(navigation.url)).toEqual({ verificationId: 'ver-2', retry: '1' });
  });

  it('4000 USER_IS_NOT_CERTIFY: stays on the form and says how to real-name verify', async () => {
    const page = await submitWith(certifyAnswer('4000', { errorCode: 'USER_IS_NOT_CERTIFY' }));
    expect(page.data.notice).toBe(VERIFY_COPY_ZH_CN.notCertified);
    expect(env.myCalls(['navigateTo'])).toEqual([]);
    expect(env.storage).toEqual({});
  });

  it('4000 SYSTEM_ERROR: lets the server decide on the result page, reading PENDING as a failed face check', async () => {
    await submitWith(certifyAnswer('4000', { errorCode: 'SYSTEM_ERROR' }));
    expect(env.argsOf('navigateTo')).toEqual([{ url: '/pages/result/index?verificationId=ver-2&mode=after-failure' }]);
  });

  it('an unknown status: lets the server decide on the result page', async () => {
    await submitWith(certifyAnswer('7777'));
    expect(env.argsOf('navigateTo')).toEqual([{ url: '/pages/result/index?verificationId=ver-2' }]);
  });

  it('a bridge failure: stays on the form with a retry message', async () => {
    const page = await submitWith({ fail: { error: 3, errorMessage: 'unknown error' } });
    expect(page.data.notice).toBe(VERIFY_COPY_ZH_CN.bridgeError);
    expect(page.data.submitting).toBe(false);
    expect(env.storage).toEqual({});
  });
});

describe('an old Alipay', () => {
  it('shows the upgrade message on load and never calls the backend', async () => {
    const page = await openForm({ version: '10.1.30' });
    expect(page.data.upgradeMessage).toContain('10.1.32');
    fillForm(page);
    expect(page.data.canSubmit).toBe(false);
    await tapSubmit(page);
    expect(env.myCalls(['request', 'call'])).toEqual([]);
  });
});

describe('backend failures', () => {
  it('puts a server identity refusal beside its field, by code', async () => {
    const page = await openForm();
    fillForm(page);
    env.backend.scripted.push({ status: 422, body: { error: { code: 'CERT_NO_REGION', message: 'anything' } } });
    await tapSubmit(page);
    expect(page.data.certNoError).toBe(IDENTITY_MESSAGES_ZH_CN.CERT_NO_REGION);
    expect(page.data.submitting).toBe(false);
    expect(env.myCalls(['call'])).toEqual([]);
  });

  it('429 RATE_LIMITED: says how many minutes to wait, from Retry-After, in either language, and keeps the inputs', async () => {
    const page = await openForm();
    fillForm(page);
    env.backend.scripted.push({ status: 429, body: { error: { code: 'RATE_LIMITED', message: 'slow down' } }, headers: { 'Retry-After': '3360' } });
    await tapSubmit(page);
    expect(page.data).toMatchObject({ notice: '验证次数过多，请 56 分钟后再试。已填写的信息会保留。', certName: NAME, certNo: CERT_NO, canSubmit: true });
    call(page, 'onLanguageSwitchTap');
    expect(page.data.notice).toBe('Too many verifications: try again in 56 min. Your details are kept.');
  });

  it('reuse (200, reused: true): opens the same person\'s unfinished verification with its fresh URL, and says it continues it', async () => {
    const page = await openForm();
    fillForm(page);
    env.certifyScripts.push(certifyAnswer('6001'));
    await tapSubmit(page);
    expect(page.data.notice).toBe(VERIFY_COPY_ZH_CN.cancelled);
    env.backend.reuseVerificationId = 'ver-2';
    await jest.advanceTimersByTimeAsync(1000);
    env.clearTimeline();
    await tapSubmit(page);
    expect(page.data).toMatchObject({ submitting: true, reused: true });
    expect(VERIFY_COPY_ZH_CN.continuingFor).toContain('继续');
    const [bridge] = env.argsOf('call') as Array<{ opt: { param: string } }>;
    const param = JSON.parse(bridge.opt.param) as { certifyId: string; url: string };
    expect(param.certifyId).toBe('certify-2');
    expect(param.url).toContain('timestamp=renewal-');
    expect(env.storage[PENDING_VERIFICATION_KEY]).toBe('ver-2');
  });

  it('maps the code, not the server message', async () => {
    const page = await openForm();
    fillForm(page);
    env.backend.scripted.push({ status: 503, body: { error: { code: 'UPSTREAM_UNAVAILABLE', message: 'upstream said: secret detail' } } });
    await tapSubmit(page);
    expect(page.data.notice).toBe(ERROR_MESSAGES_ZH_CN.UPSTREAM_UNAVAILABLE);
  });

  it('reuses the Idempotency-Key when the same submission is retried after a lost answer, and not after an edit', async () => {
    const page = await openForm();
    fillForm(page);
    env.backend.scripted.push({ fail: { error: 12, errorMessage: 'network error' } });
    await tapSubmit(page);
    expect(page.data.notice).toBe(ERROR_MESSAGES_ZH_CN.NETWORK_ERROR);

    await jest.advanceTimersByTimeAsync(1000);
    env.backend.scripted.push({ fail: { error: 13, errorMessage: 'timeout' } });
    await tapSubmit(page);
    expect(page.data.notice).toBe(ERROR_MESSAGES_ZH_CN.REQUEST_TIMEOUT);

    await jest.advanceTimersByTimeAsync(1000);
    call(page, 'onCertNoInput', { detail: { value: withCheckCharacter('31010419900101002') } });
    await tapSubmit(page);
    const keys = requestArgs().map((request) => request.headers['Idempotency-Key']);
    expect(keys).toHaveLength(3);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).not.toBe(keys[0]);
  });

  it('409 CONSENT_OUTDATED: shows the server\'s new notice, unticks consent, keeps the inputs, then sends the new version', async () => {
    const page = await openForm();
    fillForm(page);
    const newText = `${consentNoticeFor('zh-CN', DEVELOPMENT_BRANDING).text}\n\n联系我们\nprivacy@example.com`;
    env.backend.consentNotice = { version: consentVersion(newText), text: newText };
    await tapSubmit(page);

    const paths = requestArgs().map((request) => `${request.method} ${request.url.replace(/^https?:\/\/[^/]+/, '')}`);
    expect(paths).toEqual(['POST /api/verifications', 'GET /api/consent-notice?lang=zh-CN']);
    expect(page.data).toMatchObject({
      certName: NAME,
      certNo: CERT_NO,
      consent: false,
      canSubmit: false,
      submitting: false,
      consentUpdate: newText,
      notice: ERROR_MESSAGES_ZH_CN.CONSENT_OUTDATED,
    });
    expect(env.myCalls(['call'])).toEqual([]);

    await jest.advanceTimersByTimeAsync(1000);
    call(page, 'onConsentChange', { detail: { value: true } });
    env.certifyScripts.push(certifyAnswer('9000'));
    await tapSubmit(page);
    expect(JSON.parse(requestArgs()[2].data)).toMatchObject({ consentVersion: consentVersion(newText) });
    expect(env.myCalls(['call'])).toEqual(['call']);
  });

  it('re-logs in silently once when the session expired, then opens the verification', async () => {
    const page = await openForm();
    fillForm(page);
    env.backend.expireTokens();
    env.certifyScripts.push(certifyAnswer('9000'));
    await tapSubmit(page);
    const paths = requestArgs().map((request) => `${request.method} ${request.url.replace(/^https?:\/\/[^/]+/, '')}`);
    expect(paths).toEqual(['POST /api/verifications', 'POST /api/sessions', 'POST /api/verifications']);
    expect(env.myCalls(['getAuthCode', 'call'])).toEqual(['getAuthCode', 'call']);
    expect(requestArgs()[2].headers.authorization).toBe('Bearer token-2');
  });
});
