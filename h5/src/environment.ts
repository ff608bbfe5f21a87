/**
 * Where the page runs, from the user agent alone, and therefore how it starts the
 * face check: through the Alipay bridge, by opening the emulator's page, or not at all.
 *
 * @see https://help.aliyun.com/document_detail/145726.html (reading `AliApp(AP/x.y.z)`; 10.1.32+ required)
 */
import { ClientConfig } from '../../utils/api-contract';
import { parseAlipayVersionFromUserAgent, supportsOpenCertify } from '../../utils/alipay-version';

export type ClientEnvironment =
  /** Inside the Alipay app; `supported` is false below 10.1.32. */
  | { kind: 'alipay'; version: string; supported: boolean }
  /** Any other browser or web view. */
  | { kind: 'browser' };

/** Reads the environment from a user agent. */
export function detectEnvironment(userAgent: string): ClientEnvironment {
  const version = parseAlipayVersionFromUserAgent(userAgent);
  if (version === null) return { kind: 'browser' };
  return { kind: 'alipay', version, supported: supportsOpenCertify(version) };
}

export type CertifyRoute =
  /** AlipayJSBridge.call('startBizService', {name: 'open-certify'}). */
  | 'bridge'
  /** Navigate to the certify URL: the emulator's verification page, which returns through return_url. */
  | 'redirect'
  /** An Alipay too old for open-certify: ask for an upgrade. */
  | 'upgrade'
  /** Real Alipay credentials but a plain browser: only the Alipay app can verify a face. */
  | 'open-in-alipay';

/** How this page starts verification, given where it runs and the backend's mode. */
export function chooseCertifyRoute(environment: ClientEnvironment, mode: ClientConfig['mode']): CertifyRoute {
  if (environment.kind === 'alipay') return environment.supported ? 'bridge' : 'upgrade';
  return mode === 'emulator' ? 'redirect' : 'open-in-alipay';
}
