/**
 * The H5 page's only contact with the Alipay app: waiting for `AlipayJSBridge` and
 * starting Alipay's face verification through `startBizService('open-certify')`.
 *
 * @see https://help.aliyun.com/document_detail/145726.html (in-app H5: AlipayJSBridgeReady, startBizService, resultStatus)
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify (the url passed in `param`)
 */
import { CertifyOutcome, mapBridgeFailure, mapCertifyResult } from '../../utils/certify-outcome';

/** The part of Alipay's injected JS bridge this page uses. */
export interface AlipayJSBridge {
  call(name: string, options: Record<string, unknown>, callback: (result: unknown) => void): void;
}

/** Where the bridge shows up: the window it is injected into and the document it announces itself on. */
export interface BridgeHost {
  AlipayJSBridge?: unknown;
  document: Pick<Document, 'addEventListener' | 'removeEventListener'>;
  setTimeout(handler: () => void, timeoutMs: number): number;
  clearTimeout(handle: number): void;
}

/** The event Alipay dispatches on `document` once `window.AlipayJSBridge` exists. */
export const BRIDGE_READY_EVENT = 'AlipayJSBridgeReady';

/** How long to wait for a late bridge before telling the user the app cannot verify. */
export const BRIDGE_WAIT_TIMEOUT_MS = 10_000;

function asBridge(candidate: unknown): AlipayJSBridge | null {
  if (candidate === null || typeof candidate !== 'object') return null;
  return typeof (candidate as { call?: unknown }).call === 'function' ? (candidate as AlipayJSBridge) : null;
}

/**
 * Resolves with the bridge as soon as it exists: at once when it is already injected,
 * otherwise on the `AlipayJSBridgeReady` event. Resolves with null after `timeoutMs`
 * without one, so a page opened in a stripped-down web view does not hang forever.
 */
export function waitForAlipayBridge(host: BridgeHost, timeoutMs: number = BRIDGE_WAIT_TIMEOUT_MS): Promise<AlipayJSBridge | null> {
  const ready = asBridge(host.AlipayJSBridge);
  if (ready) return Promise.resolve(ready);
  return new Promise((resolve) => {
    const onReady = (): void => {
      const bridge = asBridge(host.AlipayJSBridge);
      if (!bridge) return;
      host.clearTimeout(timer);
      host.document.removeEventListener(BRIDGE_READY_EVENT, onReady, false);
      resolve(bridge);
    };
    const timer = host.setTimeout(() => {
      host.document.removeEventListener(BRIDGE_READY_EVENT, onReady, false);
      resolve(null);
    }, timeoutMs);
    host.document.addEventListener(BRIDGE_READY_EVENT, onReady, false);
  });
}

/** What the backend's `POST /api/verifications` returned for the client to open. */
export interface CertifyTarget {
  certifyId: string;
  url: string;
}

/**
 * True when the bridge answered with its own failure (`{error, errorMessage}`, e.g. an
 * unknown JSAPI) rather than with Alipay's `{resultStatus, result}`.
 */
function isBridgeFailure(raw: unknown): boolean {
  if (raw === null || typeof raw !== 'object') return false;
  const answer = raw as { resultStatus?: unknown; error?: unknown };
  return answer.resultStatus === undefined && answer.error !== undefined;
}

/**
 * Opens Alipay's face verification for `target` and resolves with what the client was
 * told. The outcome is a hint for the page, never proof: only the backend's
 * alipay.user.certify.open.query decides whether the person passed.
 */
export function startOpenCertify(bridge: AlipayJSBridge, target: CertifyTarget): Promise<CertifyOutcome> {
  return new Promise((resolve) => {
    bridge.call(
      'startBizService',
      { name: 'open-certify', param: JSON.stringify({ certifyId: target.certifyId, url: target.url }) },
      (raw) => resolve(isBridgeFailure(raw) ? mapBridgeFailure(raw) : mapCertifyResult(raw)),
    );
  });
}
