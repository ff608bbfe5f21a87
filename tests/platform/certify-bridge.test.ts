/**
 * platform/certify-bridge.ts under a fake `my`: capability checks, both client APIs,
 * the single-flight guard, and the promise that never rejects on an Alipay outcome.
 */
import fc from 'fast-check';
import { EnvOptions, MiniEnv, certifyAnswer, loadFresh, setupAlipayEnv } from '../support/mini-env';

type Bridge = typeof import('../../platform/certify-bridge');

const TICKET = { certifyId: 'certify-1', url: 'https://openapi.alipay.com/gateway.do?certify_id=certify-1' };

let env: MiniEnv;

afterEach(() => env.restore());

function loadBridge(options: EnvOptions = {}): Bridge {
  env = setupAlipayEnv(options);
  return loadFresh<Bridge>('platform/certify-bridge');
}

describe('my.call path', () => {
  it('calls startBizService open-certify with the ticket as param JSON and maps 9000', async () => {
    const bridge = loadBridge();
    env.certifyScripts.push(certifyAnswer('9000', { certifyId: 'certify-1' }));
    await expect(bridge.startCertify(TICKET)).resolves.toEqual({ status: 'passed' });
    expect(env.argsOf('call')).toEqual([{ name: 'startBizService', opt: { name: 'open-certify', param: JSON.stringify(TICKET) } }]);
    expect(env.myCalls(['getSystemInfo', 'canIUse', 'call'])).toEqual(['getSystemInfo', 'canIUse', 'call']);
  });

  it.each([
    ['6001', null, { status: 'cancelled' }],
    ['6002', undefined, { status: 'network' }],
    ['4000', { errorCode: 'USER_IS_NOT_CERTIFY' }, { status: 'failed', errorCode: 'USER_IS_NOT_CERTIFY', known: true }],
    ['4000', { errorCode: 'NEW_CODE' }, { status: 'failed', errorCode: 'NEW_CODE', known: false }],
    ['1234', null, { status: 'unknown', resultStatus: '1234' }],
  ])('maps resultStatus %s (result %p)', async (status, result, expected) => {
    const bridge = loadBridge();
    env.certifyScripts.push(certifyAnswer(status, result));
    await expect(bridge.startCertify(TICKET)).resolves.toEqual(expected);
  });

  it('maps a bridge failure delivered through the callback to bridge-error', async () => {
    const bridge = loadBridge();
    env.certifyScripts.push({ fail: { error: 2, errorMessage: 'invalid parameter' } });
    await expect(bridge.startCertify(TICKET)).resolves.toEqual({ status: 'bridge-error', error: 2, errorMessage: 'invalid parameter' });
  });
});

describe('my.startAPVerify path', () => {
  it('is preferred where canIUse confirms it, with the same union', async () => {
    const bridge = loadBridge({ startAPVerify: true });
    env.certifyScripts.push(certifyAnswer('6001'));
    await expect(bridge.startCertify(TICKET)).resolves.toEqual({ status: 'cancelled' });
    expect(env.argsOf('startAPVerify')).toEqual([TICKET]);
    expect(env.myCalls(['call'])).toEqual([]);
  });

  it('maps its fail callback to bridge-error', async () => {
    const bridge = loadBridge({ startAPVerify: true });
    env.certifyScripts.push({ fail: { error: 11, errorMessage: 'user denied' } });
    await expect(bridge.startCertify(TICKET)).resolves.toEqual({ status: 'bridge-error', error: 11, errorMessage: 'user denied' });
  });
});

describe('capability', () => {
  it('answers unsupported/version-too-old below 10.1.32 without opening anything', async () => {
    const bridge = loadBridge({ version: '10.1.31' });
    await expect(bridge.startCertify(TICKET)).resolves.toEqual({ status: 'unsupported', reason: 'version-too-old', version: '10.1.31' });
    expect(env.myCalls(['call', 'startAPVerify'])).toEqual([]);
  });

  it('treats a failed getSystemInfo as too old', async () => {
    const bridge = loadBridge({ systemInfoFails: true });
    await expect(bridge.checkCertifySupport()).resolves.toEqual({
      supported: false,
      outcome: { status: 'unsupported', reason: 'version-too-old', version: undefined },
    });
  });

  it('answers unsupported/api-missing when neither API exists', async () => {
    const bridge = loadBridge({ myCall: false });
    await expect(bridge.startCertify(TICKET)).resolves.toEqual({ status: 'unsupported', reason: 'api-missing', version: '10.5.36' });
  });

  it('reports which API it will use', async () => {
    await expect(loadBridge().checkCertifySupport()).resolves.toEqual({ supported: true, via: 'startBizService', version: '10.5.36' });
    env.restore();
    await expect(loadBridge({ startAPVerify: true, version: '10.1.32' }).checkCertifySupport()).resolves.toEqual({
      supported: true,
      via: 'startAPVerify',
      version: '10.1.32',
    });
  });
});

describe('programmer errors', () => {
  it('refuses a second verification while one is open, with CERTIFY_IN_PROGRESS, and lets the first finish', async () => {
    const bridge = loadBridge();
    env.certifyScripts.push(certifyAnswer('9000'));
    const first = bridge.startCertify(TICKET);
    expect(bridge.isCertifyOpen()).toBe(true);
    await expect(bridge.startCertify(TICKET)).rejects.toMatchObject({ name: 'CertifyBridgeError', code: 'CERTIFY_IN_PROGRESS' });
    await expect(first).resolves.toEqual({ status: 'passed' });
    expect(env.myCalls(['call'])).toEqual(['call']);
    expect(bridge.isCertifyOpen()).toBe(false);
  });

  it('opens again once the previous verification answered', async () => {
    const bridge = loadBridge();
    env.certifyScripts.push(certifyAnswer('6001'), certifyAnswer('9000'));
    await expect(bridge.startCertify(TICKET)).resolves.toEqual({ status: 'cancelled' });
    expect(bridge.isCertifyOpen()).toBe(false);
    await expect(bridge.startCertify(TICKET)).resolves.toEqual({ status: 'passed' });
  });

  it('releases the guard after an unsupported answer too', async () => {
    const bridge = loadBridge({ version: '9.0.0' });
    await bridge.startCertify(TICKET);
    expect(bridge.isCertifyOpen()).toBe(false);
  });

  it('rejects an empty certifyId or url with CERTIFY_INVALID_ARGUMENT and opens nothing', async () => {
    const bridge = loadBridge();
    await expect(bridge.startCertify({ certifyId: '', url: TICKET.url })).rejects.toMatchObject({ code: 'CERTIFY_INVALID_ARGUMENT' });
    await expect(bridge.startCertify({ certifyId: TICKET.certifyId, url: '' })).rejects.toMatchObject({ code: 'CERTIFY_INVALID_ARGUMENT' });
    expect(env.myCalls(['getSystemInfo', 'call'])).toEqual([]);
  });
});

describe('never rejects on an Alipay outcome', () => {
  it('resolves for any answer the bridge may send', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything(), async (answer) => {
        const bridge = loadBridge();
        env.certifyScripts.push({ answer });
        const outcome = await bridge.startCertify(TICKET);
        expect(['passed', 'cancelled', 'network', 'failed', 'unknown', 'bridge-error']).toContain(outcome.status);
        env.restore();
      }),
      { numRuns: 100 },
    );
    env = setupAlipayEnv();
  });
});
