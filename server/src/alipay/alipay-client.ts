/**
 * The merchant's Alipay client: the four gateway calls this product makes, through the
 * official alipay-sdk 4.x, with every answer's signature verified and every failure
 * classified as an UpstreamError. Routes and services see only the AlipayGateway interface.
 *
 * @see https://opendocs.alipay.com/apis/api_2/alipay.system.oauth.token
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.initialize
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.query
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { AlipayRequestError, AlipaySdk, AlipaySdkConfig } from 'alipay-sdk';
import { ValidIdentity } from '../../../utils/identity';
import { Clock } from '../clock';
import { formatBeijingTimestamp } from './beijing-time';
import { extractResponseNode, verifyRsa2 } from './gateway-signature';
import { UpstreamError } from './upstream-error';

/** The gateway methods this product calls (also what the emulator serves). */
export const METHOD_OAUTH_TOKEN = 'alipay.system.oauth.token';
export const METHOD_CERTIFY_INITIALIZE = 'alipay.user.certify.open.initialize';
export const METHOD_CERTIFY = 'alipay.user.certify.open.certify';
export const METHOD_CERTIFY_QUERY = 'alipay.user.certify.open.query';

export interface AuthCodeExchange {
  /** Alipay's user id (2088...), the identity a session is bound to. */
  userId: string;
  openId?: string;
  traceId?: string;
}

export interface CertifyInitializeInput {
  /** ≤ 32 alphanumeric characters, unique per call (see services/outer-order-no.ts). */
  outerOrderNo: string;
  bizCode: string;
  identity: ValidIdentity;
  returnUrl: string;
}

export interface CertifyInitializeResult {
  certifyId: string;
  traceId?: string;
}

export interface CertifyQueryResult {
  /** True only for code 10000, `passed` 'T' (or ['T']) and a verified signature. */
  passed: boolean;
  /** Alipay's fail_reason, present when the person tried and failed. */
  failReason?: string;
  traceId?: string;
}

/** Everything the backend asks of Alipay. The real client and test doubles implement it. */
export interface AlipayGateway {
  exchangeAuthCode(authCode: string): Promise<AuthCodeExchange>;
  initializeCertify(input: CertifyInitializeInput): Promise<CertifyInitializeResult>;
  /** Signs the GET certify URL locally; no network call. */
  buildCertifyUrl(certifyId: string): string;
  queryCertify(certifyId: string): Promise<CertifyQueryResult>;
}

/** How the app private key is encoded. */
export type KeyType = 'PKCS1' | 'PKCS8';

/** Who the client signs as and where it sends: the merchant's app, or the emulator's. */
export interface AlipayCredentials {
  appId: string;
  /** PEM or bare base64 of the app private key. */
  privateKey: string;
  keyType: KeyType;
  /** Key mode: Alipay's public key. Absent in cert mode. */
  alipayPublicKey?: string;
  /** Cert mode: the three certificates' PEM contents. */
  certs?: { appCert: string; alipayPublicCert: string; alipayRootCert: string };
  /** ISV mode: the merchant's app_auth_token, sent with every call. */
  appAuthToken?: string;
  gateway: string;
}

export interface AlipayClientOptions extends AlipayCredentials {
  /** Per gateway call, in ms. */
  timeoutMs: number;
  clock: Clock;
}

type SdkResult = Record<string, unknown>;

function readString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** `passed` arrives as 'T'/'F' or, from some gateways, as a one-element array. */
function isPassed(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 1 && value[0] === 'T';
  return value === 'T';
}

function isTimeout(cause: unknown): boolean {
  const name = typeof cause === 'object' && cause !== null ? (cause as { name?: unknown }).name : undefined;
  return typeof name === 'string' && /Timeout/i.test(name);
}

/** Maps a non-10000 answer (already signature-checked) to an UpstreamError. */
function rejectNonSuccess(result: SdkResult, traceId: string | undefined): UpstreamError {
  const alipayCode = readString(result.code) ?? 'unknown';
  const subCode = readString(result.subCode) ?? readString(result.sub_code);
  if (alipayCode === '20000') {
    return new UpstreamError('unavailable', 'Alipay answered 20000 (service unavailable)', { alipayCode, subCode, traceId });
  }
  return new UpstreamError('rejected', `Alipay answered ${alipayCode}`, { alipayCode, subCode, traceId });
}

/**
 * Creates the client. In key mode Alipay's public key is required; in cert mode it is taken
 * from the Alipay public certificate. Without either the constructor throws, because an
 * unverifiable answer must never count as a pass.
 */
export function createAlipayClient(options: AlipayClientOptions): AlipayGateway {
  const config: AlipaySdkConfig = {
    appId: options.appId,
    privateKey: options.privateKey,
    keyType: options.keyType,
    signType: 'RSA2',
    gateway: options.gateway,
    timeout: options.timeoutMs,
  };
  if (options.certs) {
    config.appCertContent = options.certs.appCert;
    config.alipayPublicCertContent = options.certs.alipayPublicCert;
    config.alipayRootCertContent = options.certs.alipayRootCert;
  } else {
    config.alipayPublicKey = options.alipayPublicKey;
  }
  const sdk = new AlipaySdk(config);
  if (!sdk.config.alipayPublicKey) {
    throw Object.assign(new TypeError('Alipay\'s public key (or cert) is required to verify answers'), { code: 'ERR_ALIPAY_PUBLIC_KEY_REQUIRED' });
  }
  // alipay-sdk keeps both keys as the PEM text formatKey() made, and node:crypto parses a PEM
  // key on every sign and verify (about 0.9 ms per RSA-2048 sign, more than the RSA itself).
  // Every sign/verify call inside the SDK accepts a KeyObject, so the keys are parsed once here.
  const alipayPublicKey = createPublicKey(sdk.config.alipayPublicKey);
  sdk.config.privateKey = createPrivateKey(sdk.config.privateKey) as unknown as string;
  sdk.config.alipayPublicKey = alipayPublicKey as unknown as string;

  /** Common parameters we set ourselves: the Beijing timestamp and, in ISV mode, app_auth_token. */
  function commonParams(): Record<string, string> {
    const params: Record<string, string> = { timestamp: formatBeijingTimestamp(options.clock()) };
    if (options.appAuthToken) params.appAuthToken = options.appAuthToken;
    return params;
  }

  /**
   * alipay-sdk verifies `<method>_response` but cannot verify `error_response` (it looks for
   * the method's key), so a signed error answer would read as a bad signature. We verify that
   * node ourselves. (An unsigned one never gets here: the SDK fails on the missing sign first,
   * and it counts as unverified like any unsigned answer.)
   */
  function classifyErrorResponse(raw: string, traceId: string | undefined): UpstreamError | undefined {
    let parsed: { error_response?: SdkResult; sign?: unknown };
    try {
      parsed = JSON.parse(raw) as typeof parsed;
    } catch {
      return undefined;
    }
    if (!parsed.error_response || typeof parsed.error_response !== 'object') return undefined;
    const node = extractResponseNode(raw, 'error_response');
    const sign = readString(parsed.sign);
    if (sign === undefined || node === undefined || !verifyRsa2(node, sign, alipayPublicKey)) {
      return new UpstreamError('unverified', 'Alipay error answer failed signature verification', { traceId });
    }
    if (readString(parsed.error_response.code) === '10000') {
      return new UpstreamError('unverified', 'Alipay error answer claimed success', { traceId });
    }
    return rejectNonSuccess(parsed.error_response, traceId);
  }

  function classifyExecError(error: unknown): UpstreamError {
    if (error instanceof AlipayRequestError) {
      const traceId = error.traceId;
      const raw = error.responseDataRaw;
      // No answer at all: the request never completed.
      if (typeof raw !== 'string') {
        return isTimeout(error.cause)
          ? new UpstreamError('timeout', 'Alipay call timed out', { traceId })
          : new UpstreamError('unavailable', 'Alipay could not be reached', { traceId });
      }
      if (/^HTTP/.test(error.message)) return new UpstreamError('unavailable', 'Alipay answered with a non-200 HTTP status', { traceId });
      const fromErrorResponse = classifyErrorResponse(raw, traceId);
      if (fromErrorResponse) return fromErrorResponse;
      // A 200 answer that does not parse, lacks the method's node or fails verification: outcome unknown.
      return new UpstreamError('unverified', 'Alipay answer failed signature verification', { traceId });
    }
    // alipay-sdk hands an absent `sign` straight to crypto.verify, which throws ERR_INVALID_ARG_TYPE.
    // Matched by name, not instanceof: Node's errors may come from another realm (jest's vm).
    const nodeError = error as { name?: unknown; code?: unknown } | null;
    if (typeof nodeError === 'object' && nodeError?.name === 'TypeError' && nodeError.code === 'ERR_INVALID_ARG_TYPE') {
      return new UpstreamError('unverified', 'Alipay answer carried no signature');
    }
    throw error;
  }

  async function call(method: string, params: Record<string, unknown>): Promise<{ result: SdkResult; traceId?: string }> {
    let result: SdkResult;
    try {
      result = (await sdk.exec(method, { ...commonParams(), ...params }, { validateSign: true })) as SdkResult;
    } catch (error) {
      throw classifyExecError(error);
    }
    const traceId = readString(result.traceId);
    if (readString(result.code) !== '10000') throw rejectNonSuccess(result, traceId);
    return { result, traceId };
  }

  return {
    async exchangeAuthCode(authCode) {
      // oauth.token takes grant_type and code as top-level parameters, not biz_content.
      const { result, traceId } = await call(METHOD_OAUTH_TOKEN, { grantType: 'authorization_code', code: authCode });
      const userId = readString(result.userId);
      if (!userId) throw new UpstreamError('rejected', 'Alipay returned no user_id', { traceId, subCode: 'missing-user-id' });
      return { userId, openId: readString(result.openId), traceId };
    },

    async initializeCertify(input) {
      const { result, traceId } = await call(METHOD_CERTIFY_INITIALIZE, {
        bizContent: {
          outer_order_no: input.outerOrderNo,
          biz_code: input.bizCode,
          identity_param: {
            identity_type: 'CERT_INFO',
            cert_type: input.identity.certType,
            cert_name: input.identity.certName,
            cert_no: input.identity.certNo,
          },
          merchant_config: { return_url: input.returnUrl, face_reserve_strategy: 'never' },
        },
      });
      const certifyId = readString(result.certifyId);
      if (!certifyId) throw new UpstreamError('rejected', 'Alipay returned no certify_id', { traceId, subCode: 'missing-certify-id' });
      return { certifyId, traceId };
    },

    buildCertifyUrl(certifyId) {
      return sdk.pageExecute(METHOD_CERTIFY, 'GET', { ...commonParams(), bizContent: { certify_id: certifyId } });
    },

    async queryCertify(certifyId) {
      const { result, traceId } = await call(METHOD_CERTIFY_QUERY, { bizContent: { certify_id: certifyId } });
      return { passed: isPassed(result.passed), failReason: readString(result.failReason), traceId };
    },
  };
}
