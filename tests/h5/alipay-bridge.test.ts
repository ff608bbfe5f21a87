/** h5/src/alipay-bridge.ts: waiting for a late bridge, and the startBizService call and answer mapping. */
import { AlipayJSBridge, BRIDGE_READY_EVENT, BridgeHost, startOpenCertify, waitForAlipayBridge } from '../../h5/src/alipay-bridge';

interface FakeHost extends BridgeHost {
  document: EventTarget;
}

function fakeHost(bridge?: unknown): FakeHost {
  return {
    AlipayJSBridge: bridge,
    document: new EventTarget(),
    setTimeout: (handler, ms) => setTimeout(handler, ms) as unknown as number,
    clearTimeout: (handle) => clearTimeout(handle),
  };
}

function recordingBridge(answer: unknown): AlipayJSBridge & { calls: Array<[string, Record<string, unknown>]> } {
  const calls: Array<[string, Record<string, unknown>]> = [];
  return {
    calls,
    call(name, options, callback) {
      calls.push([name, options]);
      callback(answer);
    },
  };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('waitForAlipayBridge', () => {
  it('resolves at once when the bridge is already injected', async () => {
    const bridge = recordingBridge({});
    await expect(waitForAlipayBridge(fakeHost(bridge))).resolves.toBe(bridge);
  });

  it('resolves on AlipayJSBridgeReady when the bridge arrives late', async () => {
    const host = fakeHost();
    const waiting = waitForAlipayBridge(host, 10_000);
    jest.advanceTimersByTime(9_000);
    const bridge = recordingBridge({});
    host.AlipayJSBridge = bridge;
    host.document.dispatchEvent(new Event(BRIDGE_READY_EVENT));
    await expect(waiting).resolves.toBe(bridge);
  });

  it('ignores a ready event without a usable bridge and resolves null at the timeout', async () => {
    const host = fakeHost();
    const waiting = waitForAlipayBridge(host, 10_000);
    host.AlipayJSBridge = { call: 'not a function' };
    host.document.dispatchEvent(new Event(BRIDGE_READY_EVENT));
    jest.advanceTimersByTime(10_000);
    await expect(waiting).resolves.toBeNull();
  });
});

describe('startOpenCertify', () => {
  const target = { certifyId: 'cid-1', url: 'https://openapi.alipay.com/gateway.do?a=1&b=2' };

  it('calls startBizService with name open-certify and the target as param JSON', async () => {
    const bridge = recordingBridge({ resultStatus: '9000', result: { certifyId: 'cid-1' } });
    await expect(startOpenCertify(bridge, target)).resolves.toEqual({ status: 'passed' });
    expect(bridge.calls).toEqual([['startBizService', { name: 'open-certify', param: JSON.stringify(target) }]]);
  });

  it('maps Alipay answers with the shared mapCertifyResult', async () => {
    await expect(startOpenCertify(recordingBridge({ resultStatus: '6001' }), target)).resolves.toEqual({ status: 'cancelled' });
    await expect(startOpenCertify(recordingBridge({ resultStatus: 4000, result: { errorCode: 'SYSTEM_ERROR' } }), target)).resolves.toEqual({
      status: 'failed',
      errorCode: 'SYSTEM_ERROR',
      known: true,
    });
  });

  it('maps a bridge failure to bridge-error, never to an Alipay answer', async () => {
    await expect(startOpenCertify(recordingBridge({ error: 2, errorMessage: 'no such api' }), target)).resolves.toEqual({
      status: 'bridge-error',
      error: 2,
      errorMessage: 'no such api',
    });
  });
});
