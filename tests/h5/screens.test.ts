/** h5/src/screens.ts and copy.ts: every policy screen has words and labelled buttons, both locales complete. */
import { CONFIRM_MODES, OutcomeAction, pickLanguage, routeCertifyOutcome, routeMissingBridge, routeVerificationStatus } from '../../utils/client-policy';
import { CertifyOutcome } from '../../utils/certify-outcome';
import { VerificationStatus } from '../../utils/api-contract';
import { describeScreen, labelAction, OutcomeCard, Screen } from '../../h5/src/screens';
import { ERROR_MESSAGES_EN_US, ERROR_MESSAGES_ZH_CN, getCopy, PAGE_COPY_EN_US, PAGE_COPY_ZH_CN } from '../../h5/src/copy';
import { chooseCertifyRoute, detectEnvironment } from '../../h5/src/environment';

const ZH = getCopy('zh-CN');
const EN = getCopy('en-US');
const MASKED = '110***********002X';

function outcome(screen: OutcomeCard, actions: readonly OutcomeAction[], extra: Partial<Extract<Screen, { kind: 'outcome' }>> = {}): Extract<Screen, { kind: 'outcome' }> {
  return { kind: 'outcome', screen, actions, ...extra };
}

describe('describeScreen on every screen the client policy routes to', () => {
  const outcomes: CertifyOutcome[] = [
    { status: 'passed' },
    { status: 'cancelled' },
    { status: 'network' },
    { status: 'failed', errorCode: 'USER_IS_NOT_CERTIFY', known: true },
    { status: 'bridge-error', error: 1, errorMessage: 'x' },
    { status: 'unsupported', reason: 'version-too-old', version: '10.1.2' },
  ];
  const statuses: VerificationStatus[] = ['PASSED', 'FAILED', 'EXPIRED', 'PENDING'];
  const routes = [
    ...outcomes.map((answer) => routeCertifyOutcome(answer)),
    routeMissingBridge(),
    ...CONFIRM_MODES.flatMap((mode) => statuses.map((status) => routeVerificationStatus(status, mode, 99))),
  ];

  it.each(routes.filter((route) => route.next === 'show' && route.screen !== 'cancelled').map((route) => [route]))('words %j in both locales, each action labelled', (route) => {
    if (route.next !== 'show' || route.screen === 'cancelled') throw new Error('unreachable');
    [ZH, EN].forEach((copy) => {
      const model = describeScreen(outcome(route.screen as OutcomeCard, route.actions), copy);
      expect(model.name).toBe(route.screen);
      expect(model.title.length).toBeGreaterThan(0);
      expect(model.message.length).toBeGreaterThan(0);
      model.actions.forEach((action) => expect(labelAction(action, copy).length).toBeGreaterThan(0));
    });
  });

  it('shows the masked number of the record it read', () => {
    const view = { verificationId: 'v', status: 'FAILED' as const, certNoMasked: MASKED, updatedAt: 'now' };
    expect(describeScreen(outcome('failed', ['start-over'], { view }), ZH)).toMatchObject({ name: 'failed', title: PAGE_COPY_ZH_CN.failedTitle, certNoMasked: MASKED });
  });

  it('keeps the policy order, main action first, and offers 完成 on the verified screen', () => {
    expect(describeScreen(outcome('face-check-failed', ['retry-certify', 'back-to-form']), ZH).actions).toEqual(['retry-certify', 'back-to-form']);
    expect(describeScreen(outcome('passed', ['done']), ZH).actions).toEqual(['done']);
    expect(labelAction('done', ZH)).toBe('完成');
  });

  it('says 结果确认中 and that nothing is lost while Alipay is still deciding', () => {
    expect(describeScreen(outcome('still-processing', ['refresh', 'back-to-form']), ZH)).toMatchObject({ title: '结果确认中', actions: ['refresh', 'back-to-form'] });
    expect(PAGE_COPY_ZH_CN.stillProcessingMessage).toContain('不会丢失');
  });

  it('words a failed face check with 再次验证 as its main button', () => {
    const model = describeScreen(outcome('face-check-failed', ['retry-certify', 'back-to-form']), ZH);
    expect(model.title).toBe('本次人脸验证未通过');
    expect(labelAction(model.actions[0], ZH)).toBe('再次验证');
  });

  it('says how to finish real-name verification in Alipay for USER_IS_NOT_CERTIFY', () => {
    expect(describeScreen(outcome('not-certified', ['back-to-form']), ZH).message).toContain('实名认证');
  });

  it('shows the bridge failure with its support code', () => {
    expect(describeScreen(outcome('bridge-error', ['back-to-form']), ZH)).toMatchObject({ name: 'bridge-error', errorCode: 'BRIDGE_ERROR' });
  });

  it('says why the last retry did not open, with its code, on the screen that offered it', () => {
    expect(describeScreen(outcome('network', ['retry-certify', 'back-to-form']), ZH)).toMatchObject({ message: PAGE_COPY_ZH_CN.networkMessage, errorCode: undefined });
    expect(describeScreen(outcome('network', ['retry-certify', 'back-to-form'], { code: 'NETWORK_ERROR' }), ZH)).toMatchObject({
      name: 'network',
      title: PAGE_COPY_ZH_CN.networkTitle,
      message: ERROR_MESSAGES_ZH_CN.NETWORK_ERROR,
      errorCode: 'NETWORK_ERROR',
      actions: ['retry-certify', 'back-to-form'],
    });
  });

  it('shows the upgrade screen with the version it read', () => {
    expect(describeScreen(outcome('upgrade', [], { version: '10.1.2' }), ZH)).toMatchObject({ name: 'upgrade', alipayVersion: '10.1.2', actions: [] });
  });
});

describe('describeScreen on errors', () => {
  it.each([
    ['NETWORK_ERROR', PAGE_COPY_ZH_CN.errorTitleNetwork],
    ['AUTH_CODE_INVALID', PAGE_COPY_ZH_CN.errorTitleSignIn],
    ['RATE_LIMITED', PAGE_COPY_ZH_CN.errorTitleRateLimited],
    ['VERIFICATION_CLOSED', PAGE_COPY_ZH_CN.errorTitleVerificationOver],
    ['UPSTREAM_UNAVAILABLE', PAGE_COPY_ZH_CN.errorTitleAlipay],
    ['INTERNAL_ERROR', PAGE_COPY_ZH_CN.errorTitleService],
  ] as const)('titles %s by its kind of failure: %s, with the code as a support code', (code, title) => {
    expect(describeScreen({ kind: 'error', code }, ZH)).toMatchObject({ title, errorCode: code });
  });

  it('shows an error’s code and message, and starts over only when this verification is over', () => {
    expect(describeScreen({ kind: 'error', code: 'UPSTREAM_TIMEOUT' }, ZH)).toMatchObject({
      errorCode: 'UPSTREAM_TIMEOUT',
      message: ERROR_MESSAGES_ZH_CN.UPSTREAM_TIMEOUT,
      actions: ['reload'],
    });
    expect(describeScreen({ kind: 'error', code: 'NOT_FOUND' }, ZH).actions).toEqual(['start-over']);
    expect(describeScreen({ kind: 'error', code: 'VERIFICATION_CLOSED' }, ZH).actions).toEqual(['start-over']);
  });
});

describe('copy tables', () => {
  it('has the same keys and no empty text in zh-CN and en-US', () => {
    expect(Object.keys(PAGE_COPY_EN_US).sort()).toEqual(Object.keys(PAGE_COPY_ZH_CN).sort());
    expect(Object.keys(ERROR_MESSAGES_EN_US).sort()).toEqual(Object.keys(ERROR_MESSAGES_ZH_CN).sort());
    const texts = [PAGE_COPY_ZH_CN, PAGE_COPY_EN_US, ERROR_MESSAGES_ZH_CN, ERROR_MESSAGES_EN_US].flatMap((table) => Object.values(table));
    expect(texts.filter((text) => text.trim().length === 0)).toEqual([]);
  });

  it.each([
    [['zh-CN', 'en-US'], 'zh-CN'],
    [['en-GB', 'zh-CN'], 'en-US'],
    [['zh-Hant-TW'], 'zh-CN'],
    [['fr-FR', 'en'], 'en-US'],
    [['fr-FR'], 'zh-CN'],
    [[], 'zh-CN'],
  ])('picks a locale for %j with the client policy\'s pickLanguage: %s', (preferred, locale) => {
    expect(pickLanguage(preferred)).toBe(locale);
  });
});

describe('detectEnvironment and chooseCertifyRoute', () => {
  const ua = (token: string): string => `Mozilla/5.0 (Linux; Android 12) AppleWebKit/537.36 Nebula ${token} Language/zh-Hans`;

  it('uses the bridge inside Alipay 10.1.32 and later, whatever the backend mode', () => {
    const environment = detectEnvironment(ua('AliApp(AP/10.1.32)'));
    expect(environment).toEqual({ kind: 'alipay', version: '10.1.32', supported: true });
    expect(chooseCertifyRoute(environment, 'alipay')).toBe('bridge');
    expect(chooseCertifyRoute(environment, 'emulator')).toBe('bridge');
  });

  it('asks for an upgrade below 10.1.32', () => {
    expect(chooseCertifyRoute(detectEnvironment(ua('AliApp(AP/10.1.31.9999)')), 'alipay')).toBe('upgrade');
  });

  it('opens the emulator page in a plain browser, and sends real-mode users to Alipay', () => {
    const browser = detectEnvironment('Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36');
    expect(browser).toEqual({ kind: 'browser' });
    expect(chooseCertifyRoute(browser, 'emulator')).toBe('redirect');
    expect(chooseCertifyRoute(browser, 'alipay')).toBe('open-in-alipay');
  });
});
