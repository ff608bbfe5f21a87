/**
 * The emulated gateway's request checks and method handlers, as plain functions over the
 * gateway parameters. They answer in Alipay's shape so a client written for Alipay (ours, or alipay-sdk) runs against them unchanged:
 * `{"<method>_response": {...}, "sign": "..."}` or `error_response` where Alipay uses it.
 * Sub-codes the real gateway documents are used as is; the few the emulator invents for
 * business failures are upper-case and listed in the README.
 *
 * @see https://opendocs.alipay.com/common/02km9f (gateway result codes)
 */
import { createHash, randomBytes } from 'node:crypto';
import { maskCertNo } from '../../../utils/identity';
import { parseBeijingTimestamp } from '../alipay/beijing-time';
import { buildRequestSignContent, responseKeyOf, verifyRsa2 } from '../alipay/gateway-signature';
import {
  METHOD_CERTIFY,
  METHOD_CERTIFY_INITIALIZE,
  METHOD_CERTIFY_QUERY,
  METHOD_OAUTH_TOKEN,
} from '../alipay/alipay-client';
import { CertificationStore } from './certification-store';
import { EmulatorKeys } from './keys';

/** One answer: the node goes under `responseKey`, then gets signed (unless a fault says otherwise). */
export interface GatewayAnswer {
  responseKey: string;
  node: Record<string, unknown>;
}

export type GatewayParams = Readonly<Record<string, string>>;

/** Methods the emulator serves through POST; certify is a page, served through GET. */
export const EXEC_METHODS = [METHOD_OAUTH_TOKEN, METHOD_CERTIFY_INITIALIZE, METHOD_CERTIFY_QUERY];

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
  const methodKey = method ? responseKeyOf(method) : 'error_response';
  if (!params.app_id) return { responseKey: 'error_response', node: missing('isv.missing-app-id', '缺少AppID参数') };
  if (params.app_id !== keys.appId) return { responseKey: 'error_response', node: invalid('isv.invalid-app-id', '无效的AppID参数') };
  if (!method) return { responseKey: 'error_response', node: missing('isv.missing-method', '缺少方法名参数') };
  if (allowedMethods.indexOf(method) < 0) {
    return { responseKey: 'error_response', node: invalid('isv.invalid-method', '不存在的方法名') };
  }
  if (!params.sign) return { responseKey: methodKey, node: missing('isv.missing-signature', '缺少签名参数') };
  if (params.sign_type !== 'RSA2') return { responseKey: methodKey, node: invalid('isv.invalid-signature-type', '无效的签名类型') };
  const sentAt = parseBeijingTimestamp(params.timestamp ?? '');
  if (!Number.isFinite(sentAt) || sentAt - now > TIMESTAMP_TOLERANCE_MS || now - sentAt > maxAgeMs) {
    return { responseKey: methodKey, node: invalid('isv.invalid-timestamp', '非法的时间戳参数') };
  }
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

function handleOauthToken(params: GatewayParams, now: number): Record<string, unknown> {
  if (params.grant_type !== 'authorization_code') return invalid('isv.grant-type-invalid', '不支持的grantType');
  if (!params.code) return invalid('isv.code-invalid', '授权码code无效');
  const userId = userIdForAuthCode(params.code);
  return {
    code: '10000',
    msg: 'Success',
    user_id: userId,
    open_id: createHash('sha256').update(`open:${userId}`).digest('base64url').slice(0, 40),
    access_token: `authbseB${randomBytes(16).toString('hex')}`,
    expires_in: 1296000,
    refresh_token: `authbseB${randomBytes(16).toString('hex')}`,
    re_expires_in: 2592000,
    auth_start: new Date(now).toISOString().replace('T', ' ').slice(0, 19),
  };
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
  return { code: '10000', msg: 'Success', certify_id: certifyId };
}

function handleQuery(params: GatewayParams, store: CertificationStore): Record<string, unknown> {
  const biz = parseBizContent(params);
  const certifyId = biz?.certify_id;
  if (!nonEmptyString(certifyId)) return business('INVALID_PARAMETER', 'certify_id 不能为空');
  const certification = store.find(certifyId);
  if (!certification) return business('CERTIFY_ID_NOT_EXIST', 'certify_id 不存在');
  const node: Record<string, unknown> = {
    code: '10000',
    msg: 'Success',
    passed: certification.outcome === 'PASSED' ? 'T' : 'F',
    identity_info: '{}',
    material_info: '{}',
  };
  if (certification.outcome === 'FAILED') node.fail_reason = 'EMULATED_FAILURE';
  return node;
}

/** Runs one exec method whose common parameters passed checkCommonParams. */
export function handleExecMethod(params: GatewayParams, store: CertificationStore, now: number): GatewayAnswer {
  const method = params.method;
  const responseKey = responseKeyOf(method);
  switch (method) {
    case METHOD_OAUTH_TOKEN:
      return { responseKey, node: handleOauthToken(params, now) };
    case METHOD_CERTIFY_INITIALIZE:
      return { responseKey, node: handleInitialize(params, store, now) };
    case METHOD_CERTIFY_QUERY:
      return { responseKey, node: handleQuery(params, store) };
    default:
      return { responseKey: 'error_response', node: invalid('isv.invalid-method', '不存在的方法名') };
  }
}

/** The certify page's methods: the only one Alipay serves as a page through GET. */
export const PAGE_METHODS = [METHOD_CERTIFY];
