/**
 * The emulated gateway's request checks and method handlers, as plain functions over the
 * gateway parameters. They answer in Alipay's shape so a client written for Alipay (ours, or alipay-sdk) runs against them unchanged:
 * `{"<method>_response": {...}, "sign": "..."}` or `error_response` where Alipay uses it.
 * Sub-codes the real gateway documents are used as is; the few the emulator invents for
 * business failures are upper-case and listed in docs/emulator.md.
 *
 * @see https://opendocs.alipay.com/common/02km9f (gateway result codes)
 */
import { createHash, randomBytes } from 'node:crypto';
import { maskCertNo } from '../../../utils/identity';
import { formatBeijingTimestamp, parseBeijingTimestamp } from '../alipay/beijing-time';
import { verifyRsa2 } from '../alipay/gateway-signature';
import {
  buildRequestSignContent,
  ERROR_RESPONSE_KEY,
  METHOD_CERT_DOWNLOAD,
  METHOD_CERTIFY,
  METHOD_CERTIFY_INITIALIZE,
  METHOD_CERTIFY_QUERY,
  METHOD_OAUTH_TOKEN,
  responseKeyOf,
  SUCCESS_CODE,
} from '../alipay/protocol';
import { EmulatorCertRing } from './alipay-certs';
import { CertificationStore } from './certification-store';
import { EmulatorKeys } from './keys';
import { EmulatorSettings } from './settings';

/**
 * One answer: the node goes under `responseKey`, then gets signed, unless the real gateway
 * sends this answer unsigned (it rejects an unknown app id before it knows whose answer it
 * is) or a fault says otherwise.
 */
export interface GatewayAnswer {
  responseKey: string;
  node: Record<string, unknown>;
  unsigned?: true;
}

export type GatewayParams = Readonly<Record<string, string>>;

/** Methods the emulator serves through POST; certify is a page, served through GET. */
export const EXEC_METHODS = [METHOD_OAUTH_TOKEN, METHOD_CERTIFY_INITIALIZE, METHOD_CERTIFY_QUERY, METHOD_CERT_DOWNLOAD];

/** How far a request timestamp may be from the emulator's clock, as Alipay tolerates clock skew. */
export const TIMESTAMP_TOLERANCE_MS = 15 * 60 * 1000;

const BIZ_CODES = ['FACE', 'CERT_PHOTO', 'CERT_PHOTO_FACE', 'SMART_FACE'];
const CERT_TYPES = ['IDENTITY_CARD', 'HOME_VISIT_PERMIT_HK_MC', 'HOME_VISIT_PERMIT_TAIWAN', 'RESIDENCE_PERMIT_HK_MC', 'RESIDENCE_PERMIT_TAIWAN', 'PERMANENT_RESIDENCE_FOREIGNER'];

function failure(code: string, msg: string, subCode: string, subMsg: string): Record<string, unknown> {
  return { code, msg, sub_code: subCode, sub_msg: subMsg };
}

/** 20000, the answer the fault knob returns. */
export function unavailableNode(): Record<string, unknown> {
  return failure('20000', 'Service Currently Unavailable', 'isp.unknow-error', '系统繁忙');
}

function missing(subCode: string, subMsg: string): Record<string, unknown> {
  return failure('40001', 'Missing Required Arguments', subCode, subMsg);
}

function invalid(subCode: string, subMsg: string): Record<string, unknown> {
  return failure('40002', 'Invalid Arguments', subCode, subMsg);
}

function business(subCode: string, subMsg: string): Record<string, unknown> {
  return failure('40004', 'Business Failed', subCode, subMsg);
}

/**
 * The common checks, in the gateway's order: app id, method, signature presence and type,
 * timestamp, then the RSA2 signature itself. Undefined when the request may proceed.
 * @param allowedMethods the methods valid on this HTTP verb
 * @param maxAgeMs how old a timestamp may be; the certify link is opened long after it is
 *   signed (its certifyId lives 23 hours), so the page passes a longer age than API calls
 */
export function checkCommonParams(
  params: GatewayParams,
  keys: EmulatorKeys,
  now: number,
  allowedMethods: readonly string[],
  maxAgeMs: number = TIMESTAMP_TOLERANCE_MS,
): GatewayAnswer | undefined {
  const method = params.method ?? '';
  // The gateway answers under the method's key whenever the request names one, even for
  // errors found before the method is routed (isv.invalid-app-id is seen that way).
  const methodKey = method ? responseKeyOf(method) : ERROR_RESPONSE_KEY;
  if (!params.app_id) return { responseKey: methodKey, node: missing('isv.missing-app-id', '缺少AppID参数'), unsigned: true };
  if (params.app_id !== keys.appId) return { responseKey: methodKey, node: invalid('isv.invalid-app-id', '无效的AppID参数'), unsigned: true };
  if (!method) return { responseKey: ERROR_RESPONSE_KEY, node: missing('isv.missing-method', '缺少方法名参数') };
  if (allowedMethods.indexOf(method) < 0) {
    return { responseKey: ERROR_RESPONSE_KEY, node: invalid('isv.invalid-method', '不存在的方法名') };
  }
  if (!params.sign) return { responseKey: methodKey, node: missing('isv.missing-signature', '缺少签名参数') };
  if (params.sign_type !== 'RSA2') return { responseKey: methodKey, node: invalid('isv.invalid-signature-type', '无效的签名类型') };
  const sentAt = parseBeijingTimestamp(params.timestamp ?? '');
  if (!Number.isFinite(sentAt) || sentAt - now > TIMESTAMP_TOLERANCE_MS || now - sentAt > maxAgeMs) {
    return { responseKey: methodKey, node: invalid('isv.invalid-timestamp', '非法的时间戳参数') };
  }
  // Signed, unlike a bad app id: alipay-sdk's exec() documents this answer as signed (see
  // server/tests/fixtures/alipay-answers/README.md). The real sub_msg also echoes the
  // gateway's sign string, auth code included; the emulator leaves that out.
  if (!verifyRsa2(buildRequestSignContent(params), params.sign, keys.appPublicKey)) {
    return { responseKey: methodKey, node: invalid('isv.invalid-signature', '验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配') };
  }
  return undefined;
}

function parseBizContent(params: GatewayParams): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(params.biz_content ?? '');
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/**
 * Any auth code maps to the same user every time, and two codes to two users, so scripts can
 * make as many distinct users as they need. The id has Alipay's 2088 prefix and 16 digits.
 */
export function userIdForAuthCode(authCode: string): string {
  const digest = createHash('sha256').update(`user:${authCode}`).digest();
  return `2088${(digest.readBigUInt64BE(0) % 10n ** 12n).toString().padStart(12, '0')}`;
}

/** The open_id the same auth code maps to: like Alipay's, a `0` and 45 letters and digits, stable per user. */
export function openIdForAuthCode(authCode: string): string {
  const digest = createHash('sha256').update(`open:${userIdForAuthCode(authCode)}`).digest('base64url');
  return `0${digest.replace(/[-_]/g, '0').slice(0, 42)}`.padEnd(46, '0');
}

/**
 * Success as the real gateway sends it (server/tests/fixtures/alipay-answers/): no code and no
 * msg, in the captures' key order, and open_id only by default (what an app created since
 * 2023–24 gets). Where a capture shows user_id, it ends the node; open_id ends a new app's.
 */
function handleOauthToken(params: GatewayParams, now: number, settings: EmulatorSettings): Record<string, unknown> {
  if (params.grant_type !== 'authorization_code') return invalid('isv.grant-type-invalid', '不支持的grantType');
  if (!params.code) return invalid('isv.code-invalid', '授权码code无效');
  const node: Record<string, unknown> = {
    access_token: `authbseB${randomBytes(16).toString('hex')}`,
    auth_start: formatBeijingTimestamp(now),
    expires_in: 1296000,
    re_expires_in: 2592000,
    refresh_token: `authbseB${randomBytes(16).toString('hex')}`,
  };
  if (settings.oauthIdentity !== 'open_id') node.user_id = userIdForAuthCode(params.code);
  if (settings.oauthIdentity !== 'user_id') node.open_id = openIdForAuthCode(params.code);
  return node;
}

function handleInitialize(params: GatewayParams, store: CertificationStore, now: number): Record<string, unknown> {
  const biz = parseBizContent(params);
  if (!biz) return invalid('isv.invalid-parameter', 'biz_content 不是合法的 JSON 对象');
  const outerOrderNo = biz.outer_order_no;
  if (typeof outerOrderNo !== 'string' || !/^[A-Za-z0-9]{1,32}$/.test(outerOrderNo)) {
    return business('INVALID_PARAMETER', 'outer_order_no 必须是 1 至 32 位字母数字');
  }
  if (typeof biz.biz_code !== 'string' || BIZ_CODES.indexOf(biz.biz_code) < 0) return business('INVALID_PARAMETER', 'biz_code 无效');
  const identity = biz.identity_param;
  if (
    !isObject(identity) ||
    identity.identity_type !== 'CERT_INFO' ||
    typeof identity.cert_type !== 'string' ||
    CERT_TYPES.indexOf(identity.cert_type) < 0 ||
    !nonEmptyString(identity.cert_name) ||
    !nonEmptyString(identity.cert_no)
  ) {
    return business('INVALID_PARAMETER', 'identity_param 必须是包含 identity_type、cert_type、cert_name、cert_no 的 JSON 对象');
  }
  const merchant = biz.merchant_config;
  if (!isObject(merchant) || !nonEmptyString(merchant.return_url)) {
    return business('INVALID_PARAMETER', 'merchant_config 必须是包含 return_url 的 JSON 对象');
  }
  const certifyId = randomBytes(16).toString('hex');
  const inserted = store.insert({
    certifyId,
    outerOrderNo,
    bizCode: biz.biz_code,
    certNoMasked: maskCertNo(identity.cert_no),
    returnUrl: merchant.return_url,
    outcome: null,
    createdAt: now,
  });
  if (!inserted) return business('OUTER_ORDER_NO_DUPLICATED', 'outer_order_no 重复');
  return { code: SUCCESS_CODE, msg: 'Success', certify_id: certifyId };
}

/**
 * `fail_reason` is an extension field Alipay does not return by default, so a failed face
 * check and an untried certifyId both answer passed F unless the knob turns it on.
 */
function handleQuery(params: GatewayParams, store: CertificationStore, settings: EmulatorSettings): Record<string, unknown> {
  const biz = parseBizContent(params);
  const certifyId = biz?.certify_id;
  if (!nonEmptyString(certifyId)) return business('INVALID_PARAMETER', 'certify_id 不能为空');
  const certification = store.find(certifyId);
  if (!certification) return business('CERTIFY_ID_NOT_EXIST', 'certify_id 不存在');
  const node: Record<string, unknown> = {
    code: SUCCESS_CODE,
    msg: 'Success',
    passed: certification.outcome === 'PASSED' ? 'T' : 'F',
    identity_info: '{}',
    material_info: '{}',
  };
  if (certification.outcome === 'FAILED' && settings.failReason) node.fail_reason = 'EMULATED_FAILURE';
  return node;
}

/** Cert mode: the certificate (PEM, base64) with the SN asked for; the emulator invents the sub_code. */
function handleCertDownload(params: GatewayParams, certs: EmulatorCertRing | undefined): Record<string, unknown> {
  const sn = parseBizContent(params)?.alipay_cert_sn;
  const certificate = certs && nonEmptyString(sn) ? certs.find(sn) : undefined;
  if (!certificate) return business('CERT_NOT_EXIST', '证书不存在');
  return { code: SUCCESS_CODE, msg: 'Success', alipay_cert_content: Buffer.from(certificate.certPem, 'utf8').toString('base64') };
}

/** What a method handler may read besides its parameters. */
export interface ExecContext {
  store: CertificationStore;
  now: number;
  settings: EmulatorSettings;
  /** Cert mode only. */
  certs?: EmulatorCertRing;
}

/** Runs one exec method whose common parameters passed checkCommonParams. */
export function handleExecMethod(params: GatewayParams, context: ExecContext): GatewayAnswer {
  const method = params.method;
  const responseKey = responseKeyOf(method);
  switch (method) {
    case METHOD_OAUTH_TOKEN:
      return { responseKey, node: handleOauthToken(params, context.now, context.settings) };
    case METHOD_CERTIFY_INITIALIZE:
      return { responseKey, node: handleInitialize(params, context.store, context.now) };
    case METHOD_CERTIFY_QUERY:
      return { responseKey, node: handleQuery(params, context.store, context.settings) };
    case METHOD_CERT_DOWNLOAD:
      return { responseKey, node: handleCertDownload(params, context.certs) };
    default:
      return { responseKey: ERROR_RESPONSE_KEY, node: invalid('isv.invalid-method', '不存在的方法名') };
  }
}

/** The certify page's methods: the only one Alipay serves as a page through GET. */
export const PAGE_METHODS = [METHOD_CERTIFY];
