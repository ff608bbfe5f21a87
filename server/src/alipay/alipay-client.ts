/**
 * The merchant's Alipay client: the four gateway calls this product makes, with every
 * answer's signature verified and every failure classified as an UpstreamError. Routes and
 * services see only the AlipayGateway interface.
 *
 * The official alipay-sdk 4.x reads the keys and certificates (bare base64 or PEM, cert SNs,
 * Alipay's key from its certificate) and signs the certify page URL. The three calls that
 * go over the network are signed here and sent by gateway-transport.ts, which costs a third
 * of the CPU of the SDK's exec() (see that module).
 *
 * @see https://opendocs.alipay.com/apis/api_2/alipay.system.oauth.token
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.initialize
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.query
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { AlipaySdk, AlipaySdkConfig } from 'alipay-sdk';
import { ValidIdentity } from '../../../utils/identity';
import { Clock } from '../clock';
import { formatBeijingTimestamp } from './beijing-time';
import { buildRequestSignContent, extractResponseNode, responseKeyOf, signRsa2, verifyRsa2 } from './gateway-signature';
import { createGatewayTransport, GatewayAnswer } from './gateway-transport';
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

/** The real client: a gateway that keeps connections to Alipay open until close(). */
export interface AlipayClient extends AlipayGateway {
  close(): void;
}

export interface AlipayClientOptions extends AlipayCredentials {
  /** Per gateway call, in ms. */
  timeoutMs: number;
  clock: Clock;
}

/** An answer node's fields, snake_case as Alipay sends them. */
type AnswerFields = Record<string, unknown>;

/**
 * The parameters the gateway reads from the URL; the rest (biz_content, grant_type, code)
 * go in the form body. The same split as alipay-sdk's formatUrl.
 */
const URL_PARAMETERS = new Set([
  'app_id', 'method', 'format', 'charset', 'sign_type', 'sign', 'timestamp', 'version',
  'notify_url', 'return_url', 'auth_token', 'app_auth_token', 'app_cert_sn', 'alipay_root_cert_sn',
]);

function readString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** `passed` arrives as 'T'/'F' or, from some gateways, as a one-element array. */
function isPassed(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 1 && value[0] === 'T';
  return value === 'T';
}

/** Maps a non-10000 answer (already signature-checked) to an UpstreamError. */
function rejectNonSuccess(result: AnswerFields, traceId: string | undefined): UpstreamError {
  const alipayCode = readString(result.code) ?? 'unknown';
  const subCode = readString(result.sub_code);
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
export function createAlipayClient(options: AlipayClientOptions): AlipayClient {
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
  // alipay-sdk keeps both keys as the PEM text formatKey() made (from PEM or bare base64, or
  // taken from the Alipay certificate), and node:crypto parses a PEM key on every sign and
  // verify (about 0.9 ms per RSA-2048 sign, more than the RSA itself). So the keys are parsed
  // once here, and the SDK's pageExecute signs with the parsed key too.
  const alipayPublicKey = createPublicKey(sdk.config.alipayPublicKey);
  const appPrivateKey = createPrivateKey(sdk.config.privateKey);
  sdk.config.privateKey = appPrivateKey as unknown as string;

  /**
   * alipay-sdk verifies `<method>_response` but cannot verify `error_response` (it looks for
   * the method's key), so a signed error answer would read as a bad signature. We verify that
   * node ourselves. (An unsigned one never gets here: the SDK fails on the missing sign first,
   * and it counts as unverified like any unsigned answer.)
   */
  const transport = createGatewayTransport({ gateway: options.gateway, timeoutMs: options.timeoutMs, userAgent: sdk.version });

  /** The common parameters of one call, snake_case as the gateway reads them. */
  function commonRequestParams(method: string): Record<string, string> {
    const params: Record<string, string> = {
      app_id: options.appId,
      method,
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: formatBeijingTimestamp(options.clock()),
      version: '1.0',
    };
    if (options.appAuthToken) params.app_auth_token = options.appAuthToken;
    if (sdk.config.appCertSn && sdk.config.alipayRootCertSn) {
      params.app_cert_sn = sdk.config.appCertSn;
      params.alipay_root_cert_sn = sdk.config.alipayRootCertSn;
    }
    return params;
  }

  /**
   * Reads a gateway answer the way Alipay signs it: the exact text of `<method>_response`
   * (or `error_response`) must verify against Alipay's public key before any field counts.
   * An unsigned or badly signed answer is `unverified` whatever it claims.
   */
  function readVerifiedAnswer(method: string, answer: GatewayAnswer): AnswerFields {
    const { traceId } = answer;
    if (answer.status !== 200) throw new UpstreamError('unavailable', 'Alipay answered with a non-200 HTTP status', { traceId });
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(answer.body) as Record<string, unknown>;
    } catch {
      throw new UpstreamError('unverified', 'Alipay\'s answer is not JSON', { traceId });
    }
    const responseKey = responseKeyOf(method);
    const key = typeof parsed[responseKey] === 'object' && parsed[responseKey] !== null ? responseKey : 'error_response';
    const node = typeof parsed[key] === 'object' && parsed[key] !== null ? extractResponseNode(answer.body, key) : undefined;
    const sign = readString(parsed.sign);
    if (node === undefined || sign === undefined || !verifyRsa2(node, sign, alipayPublicKey)) {
      throw new UpstreamError('unverified', 'Alipay answer failed signature verification', { traceId });
    }
    const result = parsed[key] as AnswerFields;
    if (key === 'error_response' && readString(result.code) === '10000') {
      throw new UpstreamError('unverified', 'Alipay error answer claimed success', { traceId });
    }
    if (readString(result.code) !== '10000') throw rejectNonSuccess(result, traceId);
    return result;
  }

  async function call(method: string, params: Record<string, string>): Promise<{ result: AnswerFields; traceId?: string }> {
    const signed = { ...commonRequestParams(method), ...params };
    signed.sign = signRsa2(buildRequestSignContent(signed), appPrivateKey);
    const query: Record<string, string> = {};
    const form: Record<string, string> = {};
    for (const key of Object.keys(signed)) {
      if (URL_PARAMETERS.has(key)) query[key] = signed[key];
      else form[key] = signed[key];
    }
    const answer = await transport.post(query, form);
    return { result: readVerifiedAnswer(method, answer), traceId: answer.traceId };
  }

  return {
    async exchangeAuthCode(authCode) {
      // oauth.token takes grant_type and code as top-level parameters, not biz_content.
      const { result, traceId } = await call(METHOD_OAUTH_TOKEN, { grant_type: 'authorization_code', code: authCode });
      const userId = readString(result.user_id);
      if (!userId) throw new UpstreamError('rejected', 'Alipay returned no user_id', { traceId, subCode: 'missing-user-id' });
      return { userId, openId: readString(result.open_id), traceId };
    },

    async initializeCertify(input) {
      const { result, traceId } = await call(METHOD_CERTIFY_INITIALIZE, {
        biz_content: JSON.stringify({
          outer_order_no: input.outerOrderNo,
          biz_code: input.bizCode,
          identity_param: {
            identity_type: 'CERT_INFO',
            cert_type: input.identity.certType,
            cert_name: input.identity.certName,
            cert_no: input.identity.certNo,
          },
          merchant_config: { return_url: input.returnUrl, face_reserve_strategy: 'never' },
        }),
      });
      const certifyId = readString(result.certify_id);
      if (!certifyId) throw new UpstreamError('rejected', 'Alipay returned no certify_id', { traceId, subCode: 'missing-certify-id' });
      return { certifyId, traceId };
    },

    buildCertifyUrl(certifyId) {
      const params: Record<string, string> = { timestamp: formatBeijingTimestamp(options.clock()) };
      if (options.appAuthToken) params.appAuthToken = options.appAuthToken;
      return sdk.pageExecute(METHOD_CERTIFY, 'GET', { ...params, bizContent: { certify_id: certifyId } });
    },

    async queryCertify(certifyId) {
      const { result, traceId } = await call(METHOD_CERTIFY_QUERY, { biz_content: JSON.stringify({ certify_id: certifyId }) });
      return { passed: isPassed(result.passed), failReason: readString(result.fail_reason), traceId };
    },

    close() {
      transport.close();
    },
  };
}
