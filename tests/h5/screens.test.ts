/** h5/src/screens.ts and copy.ts: every outcome has a next step, every screen its words, both locales complete. */
import { CertifyOutcome } from '../../utils/certify-outcome';
import { VerificationStatus } from '../../utils/api-contract';
import { describeScreen, routeCertifyOutcome, Screen } from '../../h5/src/screens';
import { ERROR_MESSAGES_EN_US, ERROR_MESSAGES_ZH_CN, getCopy, PAGE_COPY_EN_US, PAGE_COPY_ZH_CN, pickLocale } from '../../h5/src/copy';
import { chooseCertifyRoute, detectEnvironment } from '../../h5/src/environment';

const ZH = getCopy('zh-CN');
const MASKED = '110***********002X';

describe('routeCertifyOutcome', () => {
  const cases: Array<[CertifyOutcome, ReturnType<typeof routeCertifyOutcome>]> = [
    [{ status: 'passed' }, { step: 'confirm-with-server', whilePending: 'poll' }],
    [{ status: 'unknown', resultStatus: '8000' }, { step: 'confirm-with-server', whilePending: 'poll' }],
    [{ status: 'failed', errorCode: 'SYSTEM_ERROR', known: true }, { step: 'confirm-with-server', whilePending: 'fail-if-pending' }],
    [{ status: 'cancelled' }, { step: 'back-to-form' }],
    [{ status: 'network' }, { step: 'retry-network' }],
    [{ status: 'bridge-error', error: 1, errorMessage: 'x' }, { step: 'show-error', code: 'BRIDGE_ERROR' }],
    [{ status: 'unsupported', reason: 'version-too-old', version: '10.1.2' }, { step: 'upgrade' }],
  ];
  it.each(cases)('routes %j to %j', (outcome, step) => {
    expect(routeCertifyOutcome(outcome)).toEqual(step);
  });
});

describe('describeScreen', () => {
  const statusCases: Array<[VerificationStatus, string, string]> = [
    ['PASSED', 'passed', PAGE_COPY_ZH_CN.passedTitle],
    ['FAILED', 'failed', PAGE_COPY_ZH_CN.failedTitle],
    ['EXPIRED', 'expired', PAGE_COPY_ZH_CN.expiredTitle],
    ['PENDING', 'not-finished', PAGE_COPY_ZH_CN.notFinishedTitle],
  ];
  it.each(statusCases)('words a %s verification as the %s screen, with the masked number', (status, name, title) => {
    const model = describeScreen({ kind: 'verification', view: { verificationId: 'v', status, certNoMasked: MASKED, updatedAt: '' } }, ZH);
    expect(model).toMatchObject({ name, title, certNoMasked: MASKED });
  });

  it('offers only a refresh while Alipay is still deciding', () => {
    const screen: Screen = { kind: 'verification', view: { verificationId: 'v', status: 'PENDING', certNoMasked: MASKED, updatedAt: '' }, pending: 'still-processing' };
    expect(describeScreen(screen, ZH)).toMatchObject({ name: 'still-processing', actions: ['refresh'] });
  });

  it('offers no way to start over once verified', () => {
    const screen: Screen = { kind: 'verification', view: { verificationId: 'v', status: 'PASSED', certNoMasked: MASKED, updatedAt: '' } };
    expect(describeScreen(screen, ZH).actions).toEqual([]);
  });

  it('shows an error’s code and message, and starts over only when this verification is over', () => {
    expect(describeScreen({ kind: 'error', code: 'UPSTREAM_TIMEOUT' }, ZH)).toMatchObject({
      errorCode: 'UPSTREAM_TIMEOUT',
      message: ERROR_MESSAGES_ZH_CN.UPSTREAM_TIMEOUT,
      actions: ['reload'],
    });
    expect(describeScreen({ kind: 'error', code: 'CERTIFY_FAILED' }, ZH).actions).toEqual(['start-over']);
  });
});

describe('the 6002 retry screen', () => {
  it('offers the retry and a way out, and says why when the last retry did not open', () => {
    expect(describeScreen({ kind: 'network-retry' }, ZH)).toMatchObject({
      name: 'network',
      message: PAGE_COPY_ZH_CN.networkMessage,
      errorCode: undefined,
      actions: ['retry-certify', 'start-over'],
    });
    expect(describeScreen({ kind: 'network-retry', code: 'NETWORK_ERROR' }, ZH)).toMatchObject({
      name: 'network',
      title: PAGE_COPY_ZH_CN.networkTitle,
      message: ERROR_MESSAGES_ZH_CN.NETWORK_ERROR,
      errorCode: 'NETWORK_ERROR',
      actions: ['retry-certify', 'start-over'],
    });
  });

  it('starts over after VERIFICATION_CLOSED, should it ever be shown as an error', () => {
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
  ])('picks a locale for %j: %s', (preferred, locale) => {
    expect(pickLocale(preferred)).toBe(locale);
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
