/**
 * The merchant's Alipay client: the gateway calls this product makes, every answer read by
 * the gateway's own rules (protocol.ts) and every failure classified as an UpstreamError.
 * Routes and services see only the AlipayGateway interface.
 *
 * How an answer is trusted:
 * - it is taken apart by protocol.ts, which refuses a text that could be read two ways;
 * - a signed answer must verify (falling back to the `\/`-unescaped text) before any field
 *   counts, and its fields are read from the text that verified;
 * - an unsigned answer can only ever deny: an unsigned error keeps its meaning (the gateway
 *   sends some errors unsigned), an unsigned success is `unverified`;
 * - in cert mode the answer's `alipay_cert_sn` picks the key; an unknown SN is downloaded
 *   once, checked to chain to the configured root, cached, then used.
 *
 * Keys and certificates are read once by key-material.ts; calls are signed here and sent by
 * gateway-transport.ts, the certify page URL is signed by page-url.ts. Every RSA sign and
 * verify runs on libuv's thread pool, off the event loop. The official alipay-sdk is not
 * loaded at run time: the tests hold our keys, SNs and certify URL equal to its own.
 *
 * @see https://opendocs.alipay.com/apis/api_2/alipay.system.oauth.token
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.initialize
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.query
 * @see https://opendocs.alipay.com/apis/api_9/alipay.open.app.alipaycert.download
 */
import { KeyObject } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidIdentity } from '../../../utils/identity';
import { Clock } from '../clock';
import { alipayCertSnOf, checkCertChain } from './alipay-cert';
import { formatBeijingTimestamp } from './beijing-time';
import { signRsa2Async, verifyRsa2Async } from './gateway-signature';
import { createGatewayTransport, GatewayAnswer } from './gateway-transport';
import { CertModeFiles, CertModeMaterial, KeyMaterialError, KeyType, readAlipayPublicKey, readAppPrivateKey, readCertModeMaterial } from './key-material';
import { buildSignedPageUrl } from './page-url';
import {
  AnswerEnvelope,
  buildRequestSignContent,
  classifyNode,
  METHOD_CERT_DOWNLOAD,
  METHOD_CERTIFY,
  METHOD_CERTIFY_INITIALIZE,
  METHOD_CERTIFY_QUERY,
  METHOD_OAUTH_TOKEN,
  readAnswerEnvelope,
  signedContentCandidates,
  UNAVAILABLE_CODE,
} from './protocol';
import { UpstreamError } from './upstream-error';

/**
 * Who Alipay says the user is. Apps created since 2023–24 get only `open_id` (unique per app);
 * older ones get `user_id` (2088…, unique across Alipay), and some get both.
 * @see https://opendocs.alipay.com/mini/0ai2i6 (open_id)
 */
export interface AuthCodeExchange {
  userId?: string;
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
  /** True only for a verified success whose `passed` is 'T' (or ['T']). */
  passed: boolean;
  /** Alipay's fail_reason: an extension field, not returned unless enabled for the app. */
  failReason?: string;
  traceId?: string;
}

/** Everything the backend asks of Alipay. The real client and test doubles implement it. */
export interface AlipayGateway {
  exchangeAuthCode(authCode: string): Promise<AuthCodeExchange>;
  initializeCertify(input: CertifyInitializeInput): Promise<CertifyInitializeResult>;
  /** Signs the GET certify URL locally (on the thread pool); no network call. */
  buildCertifyUrl(certifyId: string): Promise<string>;
  queryCertify(certifyId: string): Promise<CertifyQueryResult>;
}

export type { KeyType } from './key-material';

/** Who the client signs as and where it sends: the merchant's app, or the emulator's. */
export interface AlipayCredentials {
  appId: string;
  /** PEM or bare base64 of the app private key. */
  privateKey: string;
  keyType: KeyType;
  /** Key mode: Alipay's public key. Absent in cert mode. */
  alipayPublicKey?: string;
  /** Cert mode: the three certificates' PEM contents. */
  certs?: CertModeFiles;
  /** ISV mode: the merchant's app_auth_token, sent with every call. */
  appAuthToken?: string;
  gateway: string;
}

/** The real client: a gateway that keeps connections to Alipay open until close(). */
export interface AlipayClient extends AlipayGateway {
  close(): void;
}

/** Where the client reports what an operator must know (a pino logger fits). */
export interface AlipayClientLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface AlipayClientOptions extends AlipayCredentials {
  /** Per gateway call, in ms. */
  timeoutMs: number;
  clock: Clock;
  /** An HTTP(S) proxy for every gateway call, for servers that reach the internet only through one. */
  proxyUrl?: string;
  /** Connections kept to the gateway (gateway-transport.ts). Default GATEWAY_CONNECTIONS. */
  gatewayConnections?: number;
  /** Cert mode: where downloaded Alipay certificates are kept across restarts (created when missing). */
  certCacheDir?: string;
  log?: AlipayClientLog;
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

/**
 * Who we are, to the gateway: the transport's user agent, and the `alipay_sdk` parameter of a
 * page URL (alipay-sdk sends its own name there; the gateway signs over it like any parameter).
 */
export const CLIENT_AGENT = 'alipay-identity-verify-server/1';

/** Alipay's cert SNs are MD5 hex; anything else in an answer is refused before it names a file. */
const CERT_SN_PATTERN = /^[0-9a-f]{32}$/;
/** An SN whose download failed is not asked for again this soon, so a hostile answer cannot make us loop. */
const CERT_REFUSAL_MEMORY_MS = 5 * 60 * 1000;

const SILENT_LOG: AlipayClientLog = { info: () => undefined, warn: () => undefined };

function readString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** `passed` arrives as 'T'/'F' or, from some gateways, as a one-element array. */
function isPassed(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 1 && value[0] === 'T';
  return value === 'T';
}

function unverified(reason: string, traceId: string | undefined): UpstreamError {
  return new UpstreamError('unverified', `Alipay's answer could not be trusted: ${reason}`, { traceId, reason });
}

function parseNode(text: string): AnswerFields | undefined {
  try {
    const node: unknown = JSON.parse(text);
    return node !== null && typeof node === 'object' && !Array.isArray(node) ? (node as AnswerFields) : undefined;
  } catch {
    return undefined;
  }
}

/** The node text that `sign` verifies under `key`, trying the `\/`-unescaped text second; undefined if none. */
async function verifiedNodeText(envelope: AnswerEnvelope, sign: string, key: KeyObject): Promise<string | undefined> {
  for (const text of signedContentCandidates(envelope.nodeText)) {
    if (await verifyRsa2Async(text, sign, key)) return text;
  }
  return undefined;
}

/** Cert mode's keys: Alipay's certificate SN → its public key, growing as Alipay rotates. */
interface CertKeyRing {
  rootPem: string;
  /** The SN of the certificate the merchant configured. */
  configuredSn: string;
  keys: Map<string, KeyObject>;
  downloads: Map<string, Promise<KeyObject | undefined>>;
  refusedAt: Map<string, number>;
  cacheDir?: string;
}

/**
 * Creates the client. In key mode Alipay's public key is required; in cert mode it is taken
 * from the Alipay public certificate. Without either the constructor throws, because an
 * unverifiable answer must never count as a pass.
 */
export function createAlipayClient(options: AlipayClientOptions): AlipayClient {
  const log = options.log ?? SILENT_LOG;
  const appPrivateKey = readAppPrivateKey(options.privateKey, options.keyType);
  const certMaterial = options.certs ? readCertModeMaterial(options.certs) : undefined;
  let alipayPublicKey: KeyObject;
  if (certMaterial) alipayPublicKey = certMaterial.alipayPublicKey;
  else if (options.alipayPublicKey) alipayPublicKey = readAlipayPublicKey(options.alipayPublicKey);
  else throw new KeyMaterialError('ERR_ALIPAY_PUBLIC_KEY_REQUIRED', 'Alipay\'s public key (or cert) is required to verify answers');
  const certRing = options.certs && certMaterial ? createCertKeyRing(options.certs.alipayRootCert, certMaterial, options.certCacheDir) : undefined;

  const transport = createGatewayTransport({
    gateway: options.gateway,
    timeoutMs: options.timeoutMs,
    userAgent: CLIENT_AGENT,
    proxyUrl: options.proxyUrl,
    connections: options.gatewayConnections,
  });

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
    if (certMaterial) {
      params.app_cert_sn = certMaterial.appCertSn;
      params.alipay_root_cert_sn = certMaterial.alipayRootCertSn;
    }
    return params;
  }

  /** Signs and sends one call; the answer is not read yet. */
  async function send(method: string, params: Record<string, string>): Promise<GatewayAnswer> {
    const signed = { ...commonRequestParams(method), ...params };
    signed.sign = await signRsa2Async(buildRequestSignContent(signed), appPrivateKey);
    const query: Record<string, string> = {};
    const form: Record<string, string> = {};
    for (const key of Object.keys(signed)) {
      if (URL_PARAMETERS.has(key)) query[key] = signed[key];
      else form[key] = signed[key];
    }
    return transport.post(query, form);
  }

  /** The key that must have signed this answer; undefined when none can be trusted. */
  async function verificationKeyFor(envelope: AnswerEnvelope): Promise<KeyObject | undefined> {
    if (!certRing) return alipayPublicKey;
    const sn = envelope.alipayCertSn ?? certRing.configuredSn;
    return certRing.keys.get(sn) ?? (await downloadCertOnce(sn));
  }

  /**
   * Reads an answer the way the gateway writes it (see the module comment). Returns the
   * node of a trusted success; throws UpstreamError for everything else.
   */
  async function readAnswer(method: string, answer: GatewayAnswer): Promise<AnswerFields> {
    const { traceId } = answer;
    if (answer.status !== 200) throw new UpstreamError('unavailable', 'Alipay answered with a non-200 HTTP status', { traceId });
    const reading = readAnswerEnvelope(answer.body, method);
    if (!reading.ok) throw unverified(reading.reason, traceId);
    const { envelope } = reading;
    let nodeText = envelope.nodeText;
    const signed = envelope.sign !== undefined;
    if (envelope.sign !== undefined) {
      const key = await verificationKeyFor(envelope);
      const verified = key && (await verifiedNodeText(envelope, envelope.sign, key));
      if (!verified) throw unverified('the signature does not verify', traceId);
      nodeText = verified;
    }
    const node = parseNode(nodeText);
    if (!node) throw unverified('the response node is not an object', traceId);
    const outcome = classifyNode(envelope.responseKey, node);
    if (outcome.kind === 'error') {
      const detail = { alipayCode: outcome.code, subCode: outcome.subCode, traceId, signed };
      if (!signed) log.info({ method, alipayCode: outcome.code, subCode: outcome.subCode, traceId }, 'Alipay sent an unsigned error answer');
      if (outcome.code === UNAVAILABLE_CODE) throw new UpstreamError('unavailable', `Alipay answered ${UNAVAILABLE_CODE} (service unavailable)`, detail);
      throw new UpstreamError('rejected', `Alipay answered ${outcome.code}`, detail);
    }
    if (!signed) throw unverified('a success must be signed', traceId);
    if (certRing && envelope.alipayCertSn === undefined) throw unverified('a success in cert mode must name alipay_cert_sn', traceId);
    return node;
  }

  async function call(method: string, params: Record<string, string>): Promise<{ result: AnswerFields; traceId?: string }> {
    const answer = await send(method, params);
    return { result: await readAnswer(method, answer), traceId: answer.traceId };
  }

  /** One download per SN at a time; a refused SN is not asked for again for a while. */
  function downloadCertOnce(sn: string): Promise<KeyObject | undefined> {
    const ring = certRing as CertKeyRing;
    if (!CERT_SN_PATTERN.test(sn)) return Promise.resolve(undefined);
    const refusedAt = ring.refusedAt.get(sn);
    if (refusedAt !== undefined && options.clock() - refusedAt < CERT_REFUSAL_MEMORY_MS) return Promise.resolve(undefined);
    let download = ring.downloads.get(sn);
    if (!download) {
      download = downloadCert(ring, sn).finally(() => ring.downloads.delete(sn));
      ring.downloads.set(sn, download);
    }
    return download;
  }

  /**
   * Fetches the Alipay certificate `sn` and trusts it only if it chains to the configured root
   * and really has that SN, as the Java SDK's DefaultAlipayClient does. The download's own
   * answer may be unsigned (Alipay signs it with the certificate being fetched); the chain is
   * what makes it trustworthy, and a signature that is present must still verify.
   */
  async function downloadCert(ring: CertKeyRing, sn: string): Promise<KeyObject | undefined> {
    const refuse = (reason: string, error?: unknown): undefined => {
      ring.refusedAt.set(sn, options.clock());
      log.warn({ alipayCertSn: sn, reason, err: error }, 'refused a rotated Alipay certificate');
      return undefined;
    };
    let answer: GatewayAnswer;
    try {
      answer = await send(METHOD_CERT_DOWNLOAD, { biz_content: JSON.stringify({ alipay_cert_sn: sn }) });
    } catch (error) {
      // Not remembered as refused: the network may be back on the next answer.
      log.warn({ alipayCertSn: sn, err: error }, 'could not download a rotated Alipay certificate');
      return undefined;
    }
    const reading = answer.status === 200 ? readAnswerEnvelope(answer.body, METHOD_CERT_DOWNLOAD) : undefined;
    if (!reading?.ok) return refuse('the download answer is malformed');
    const node = parseNode(reading.envelope.nodeText);
    if (!node || classifyNode(reading.envelope.responseKey, node).kind !== 'success') return refuse('the download was refused');
    const content = readString(node.alipay_cert_content);
    if (!content) return refuse('the download answer has no alipay_cert_content');
    const pem = Buffer.from(content, 'base64').toString('utf8');
    const chain = checkCertChain(pem, ring.rootPem, options.clock());
    if (!chain.trusted) return refuse(chain.reason);
    if (alipayCertSnOf(chain.leaf) !== sn) return refuse('the certificate has another SN');
    const key = chain.leaf.publicKey;
    const { sign, alipayCertSn } = reading.envelope;
    if (sign !== undefined) {
      const signer = alipayCertSn === undefined || alipayCertSn === sn ? key : ring.keys.get(alipayCertSn);
      if (!signer || !(await verifiedNodeText(reading.envelope, sign, signer))) return refuse('the download answer\'s signature does not verify');
    }
    ring.keys.set(sn, key);
    storeCert(ring, sn, pem);
    log.info({ alipayCertSn: sn }, 'trusting a rotated Alipay certificate');
    return key;
  }

  function storeCert(ring: CertKeyRing, sn: string, pem: string): void {
    if (!ring.cacheDir) return;
    try {
      mkdirSync(ring.cacheDir, { recursive: true, mode: 0o700 });
      writeFileSync(join(ring.cacheDir, `${sn}.crt`), pem, { mode: 0o600 });
    } catch (error) {
      log.warn({ alipayCertSn: sn, err: error }, 'could not cache a rotated Alipay certificate; it will be downloaded again after a restart');
    }
  }

  /**
   * The configured certificates, plus those downloaded before and cached in `cacheDir`,
   * each checked again against the root (a file there is no more trusted than a download).
   */
  function createCertKeyRing(rootPem: string, configured: CertModeMaterial, cacheDir?: string): CertKeyRing {
    const configuredSn = configured.alipayCertSn;
    const ring: CertKeyRing = {
      rootPem,
      configuredSn,
      keys: new Map([[configuredSn, configured.alipayPublicKey]]),
      downloads: new Map(),
      refusedAt: new Map(),
      cacheDir,
    };
    if (!cacheDir) return ring;
    let files: string[];
    try {
      files = readdirSync(cacheDir);
    } catch {
      return ring;
    }
    for (const file of files) {
      const sn = file.replace(/\.crt$/, '');
      if (!CERT_SN_PATTERN.test(sn) || file !== `${sn}.crt`) continue;
      const chain = checkCertChain(readFileSync(join(cacheDir, file), 'utf8'), ring.rootPem, options.clock());
      if (chain.trusted && alipayCertSnOf(chain.leaf) === sn) ring.keys.set(sn, chain.leaf.publicKey);
      else log.warn({ alipayCertSn: sn, reason: chain.trusted ? 'the certificate has another SN' : chain.reason }, 'ignored a cached Alipay certificate');
    }
    return ring;
  }

  return {
    async exchangeAuthCode(authCode) {
      // oauth.token takes grant_type and code as top-level parameters, not biz_content.
      const { result, traceId } = await call(METHOD_OAUTH_TOKEN, { grant_type: 'authorization_code', code: authCode });
      const userId = readString(result.user_id);
      const openId = readString(result.open_id);
      if (!userId && !openId) {
        throw new UpstreamError('rejected', 'Alipay returned neither user_id nor open_id', { traceId, subCode: 'missing-user-identity' });
      }
      return { userId, openId, traceId };
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
      return buildSignedPageUrl(
        options.gateway,
        { ...commonRequestParams(METHOD_CERTIFY), alipay_sdk: CLIENT_AGENT, biz_content: JSON.stringify({ certify_id: certifyId }) },
        appPrivateKey,
      );
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
