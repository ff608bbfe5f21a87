/**
 * utils/certify-outcome.ts: the pure mapping from Alipay's raw open-certify answer
 * (my.call / AlipayJSBridge.call / my.startAPVerify) to a CertifyOutcome.
 */
import fc from 'fast-check';
import { KNOWN_CERTIFY_ERROR_CODES, mapBridgeFailure, mapCertifyResult } from '../../utils/certify-outcome';

describe('mapCertifyResult', () => {
  it('maps 9000 to passed', () => {
    expect(mapCertifyResult({ resultStatus: '9000', result: { certifyId: 'c1' } })).toEqual({ status: 'passed' });
  });

  it('maps 6001 to cancelled with a null result', () => {
    expect(mapCertifyResult({ resultStatus: '6001', result: null })).toEqual({ status: 'cancelled' });
  });

  it('maps 6002 to network with no result at all', () => {
    expect(mapCertifyResult({ resultStatus: '6002' })).toEqual({ status: 'network' });
  });

  it.each(KNOWN_CERTIFY_ERROR_CODES.map((code) => [code]))('maps 4000 with %s to a known failure', (errorCode) => {
    expect(mapCertifyResult({ resultStatus: '4000', result: { errorCode } })).toEqual({ status: 'failed', errorCode, known: true });
  });

  it('keeps an unknown 4000 errorCode verbatim and marks it unknown', () => {
    expect(mapCertifyResult({ resultStatus: '4000', result: { errorCode: 'Z1234_NEW' } })).toEqual({ status: 'failed', errorCode: 'Z1234_NEW', known: false });
  });

  it('treats a 4000 with a null or missing result as UNKNOWN_ERROR', () => {
    expect(mapCertifyResult({ resultStatus: '4000', result: null })).toEqual({ status: 'failed', errorCode: 'UNKNOWN_ERROR', known: true });
    expect(mapCertifyResult({ resultStatus: '4000' })).toEqual({ status: 'failed', errorCode: 'UNKNOWN_ERROR', known: true });
    expect(mapCertifyResult({ resultStatus: '4000', result: { errorCode: '' } })).toEqual({ status: 'failed', errorCode: 'UNKNOWN_ERROR', known: true });
  });

  it('accepts a numeric resultStatus as some clients send it', () => {
    expect(mapCertifyResult({ resultStatus: 9000 })).toEqual({ status: 'passed' });
  });

  it('keeps any other status verbatim as unknown', () => {
    expect(mapCertifyResult({ resultStatus: '8000' })).toEqual({ status: 'unknown', resultStatus: '8000' });
  });

  it('maps null, a string or an object without a status to unknown with an empty status', () => {
    expect(mapCertifyResult(null)).toEqual({ status: 'unknown', resultStatus: '' });
    expect(mapCertifyResult('9000')).toEqual({ status: 'unknown', resultStatus: '' });
    expect(mapCertifyResult({ resultStatus: Number.NaN })).toEqual({ status: 'unknown', resultStatus: '' });
  });

  it('never throws and always answers with a known status, whatever the bridge sends', () => {
    const statuses = ['passed', 'cancelled', 'network', 'failed', 'unknown'];
    fc.assert(
      fc.property(fc.anything(), (raw) => {
        expect(statuses).toContain(mapCertifyResult(raw).status);
        expect(mapCertifyResult({ resultStatus: '4000', result: raw }).status).toBe('failed');
      }),
    );
  });
});

describe('mapBridgeFailure', () => {
  it('carries the bridge error number and message', () => {
    expect(mapBridgeFailure({ error: 3, errorMessage: 'unknown error' })).toEqual({ status: 'bridge-error', error: 3, errorMessage: 'unknown error' });
  });

  it('parses a numeric string error and falls back to -1 and an empty message', () => {
    expect(mapBridgeFailure({ error: '11' })).toEqual({ status: 'bridge-error', error: 11, errorMessage: '' });
    expect(mapBridgeFailure(undefined)).toEqual({ status: 'bridge-error', error: -1, errorMessage: '' });
    expect(mapBridgeFailure({ error: 'oops', errorMessage: 42 })).toEqual({ status: 'bridge-error', error: -1, errorMessage: '' });
  });
});
