/**
 * An AlipayGateway that times and counts every call of the one it wraps, by Alipay method and
 * outcome, and counts every initialize sent (each may be billed). Wrapping the gateway, not the
 * routes, covers every caller: client polls, the reconciler, retries inside a service.
 * @see https://opendocs.alipay.com/apis/api_2/alipay.system.oauth.token
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.initialize
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.query
 */
import { performance } from 'node:perf_hooks';
import { AlipayGateway } from '../alipay/alipay-client';
import { METHOD_CERTIFY_INITIALIZE, METHOD_CERTIFY_QUERY, METHOD_OAUTH_TOKEN } from '../alipay/protocol';
import { UpstreamError } from '../alipay/upstream-error';
import { AlipayCallOutcome, Metrics } from './metrics';

function outcomeOf(error: unknown): AlipayCallOutcome {
  return error instanceof UpstreamError ? error.kind : 'error';
}

/** `inner`, with each network call observed in `metrics`; buildCertifyUrl is local and not counted. */
export function instrumentAlipayGateway(inner: AlipayGateway, metrics: Metrics): AlipayGateway {
  async function observe<T>(method: string, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let outcome: AlipayCallOutcome = 'success';
    try {
      return await call();
    } catch (error) {
      outcome = outcomeOf(error);
      throw error;
    } finally {
      metrics.alipayCallDuration.observe({ method, outcome }, (performance.now() - started) / 1000);
    }
  }
  return {
    exchangeAuthCode: (authCode) => observe(METHOD_OAUTH_TOKEN, () => inner.exchangeAuthCode(authCode)),
    initializeCertify: (input) => {
      // Counted before the answer: a call that times out may still have been billed.
      metrics.paidInitializeCalls.inc();
      return observe(METHOD_CERTIFY_INITIALIZE, () => inner.initializeCertify(input));
    },
    buildCertifyUrl: (certifyId) => inner.buildCertifyUrl(certifyId),
    queryCertify: (certifyId) => observe(METHOD_CERTIFY_QUERY, () => inner.queryCertify(certifyId)),
  };
}
