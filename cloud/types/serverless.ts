/**
 * Our own declarations of the parts of Alipay's mini-program Serverless that the two cloud
 * functions use: the function context (`ctx`), the identification cloud calls, the cloud
 * database and the current user. Written from the documentation, because the SDK that once
 * shipped them (`alipay-serverless-sdk`) is no longer on the npm registry; only what is
 * documented is declared, and what the documentation leaves open is marked as such (see
 * docs/serverless.md, "What needs a real Alipay cloud to confirm").
 *
 * @see https://m.w3cschool.cn/aliminiapp/aliminiapp-qrys3ble.html (a public copy of Alipay's 2020 Serverless page for cloud.member.identification.init)
 * @see https://m.w3cschool.cn/aliminiapp/aliminiapp-bc763blg.html (the same for cloud.member.identification.query)
 * @see https://help.aliyun.com/document_detail/435812.html (cloud functions: one `ctx` argument, `ctx.args`)
 * @see https://help.aliyun.com/document_detail/435815.html (`ctx.env`)
 * @see https://help.aliyun.com/document_detail/435816.html (`ctx.mpserverless`: db and user in a cloud function)
 */

/** `biz_code` values initialize accepts. */
export type IdentificationBizCode = 'FACE' | 'CERT_PHOTO' | 'CERT_PHOTO_FACE' | 'SMART_FACE';

/** `identityParam` of init, camelCase as the cloud call takes it. */
export interface IdentityParam {
  identityType: 'CERT_INFO';
  certType: string;
  certName: string;
  certNo: string;
}

/** `merchantConfig` of init. */
export interface MerchantConfig {
  returnUrl: string;
}

/** The object form of init (SDK ≥ 1.0.0). */
export interface IdentificationInitRequest {
  /** ≤ 32 alphanumeric characters, unique per call. */
  outerOrderNo: string;
  bizCode: IdentificationBizCode;
  identityParam: IdentityParam;
  merchantConfig: MerchantConfig;
}

/** The object form of certify and query. */
export interface CertifyIdRequest {
  certifyId: string;
}

/** Third-party (ISV) calls, in a cloud function only: the merchant's app_auth_token. */
export interface IsvOptions {
  appAuthToken: string;
}

/**
 * What every identification call answers: the OpenAPI node, snake_case. `code` is `10000` on
 * success; any other code is a failure with its `sub_code` (as the gateway sends it).
 */
export interface CloudCallAnswer {
  code: string;
  msg: string;
  sub_code?: string;
  sub_msg?: string;
}

/** init: `{code, msg, certify_id}`. */
export interface IdentificationInitAnswer extends CloudCallAnswer {
  certify_id?: string;
}

/**
 * certify: documented as `{code, msg}` only. The signed certify URL's field is not documented;
 * the EasySDK equivalent returns it as `body`, so both `url` and `body` are read.
 */
export interface IdentificationCertifyAnswer extends CloudCallAnswer {
  url?: string;
  body?: string;
}

/**
 * query: `passed` is documented as `["T"]`, and seen as `"T"`/`"F"` from the OpenAPI method
 * underneath; `identity_info` and `material_info` are JSON texts.
 */
export interface IdentificationQueryAnswer extends CloudCallAnswer {
  passed?: string | string[];
  identity_info?: string;
  material_info?: string;
  fail_reason?: string;
}

/**
 * `ctx.cloud.member.identification`: the same verification as the OpenAPI methods
 * alipay.user.certify.open.initialize / certify / query, called by Alipay's cloud as the
 * mini-program's app. Both call forms are declared: the object form (SDK ≥ 1.0.0), which our
 * functions use, and the positional form of earlier SDKs.
 *
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.initialize
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.query
 */
export interface IdentificationApi {
  init(request: IdentificationInitRequest, options?: IsvOptions): Promise<IdentificationInitAnswer>;
  init(outerOrderNo: string, bizCode: IdentificationBizCode, identityParam: IdentityParam, merchantConfig: MerchantConfig): Promise<IdentificationInitAnswer>;
  certify(request: CertifyIdRequest, options?: IsvOptions): Promise<IdentificationCertifyAnswer>;
  certify(certifyId: string): Promise<IdentificationCertifyAnswer>;
  query(request: CertifyIdRequest, options?: IsvOptions): Promise<IdentificationQueryAnswer>;
  query(certifyId: string): Promise<IdentificationQueryAnswer>;
}

/** `ctx.cloud`: the cloud calls. Only `member.identification` is declared. */
export interface CloudCalls {
  member: { identification: IdentificationApi };
}

/** A MongoDB-style filter: equality on a field, or the comparison operators we use. */
export type DbFilter = Readonly<Record<string, DbValue | DbComparison>>;

export type DbValue = string | number | boolean | null;

export interface DbComparison {
  $gte?: number;
  $gt?: number;
  $lt?: number;
  $in?: readonly DbValue[];
}

/** What a database call answers (the SDK's ResultJSONObject): `result`, and how many documents a write touched. */
export interface DbResult<T> {
  result: T;
  affectedDocs?: number;
}

/**
 * One collection of the cloud database (MongoDB 3.4 syntax). Only the calls the functions
 * make are declared; the documents are flat JSON.
 * @see https://help.aliyun.com/document_detail/435816.html
 */
export interface DbCollection {
  insertOne(document: Readonly<Record<string, DbValue>>): Promise<DbResult<unknown>>;
  findOne(filter: DbFilter): Promise<DbResult<Record<string, DbValue> | null>>;
  updateOne(filter: DbFilter, update: { $set: Readonly<Record<string, DbValue>> }): Promise<DbResult<unknown>>;
  count(filter: DbFilter): Promise<DbResult<number>>;
  deleteMany(filter: DbFilter): Promise<DbResult<unknown>>;
}

export interface CloudDatabase {
  collection(name: string): DbCollection;
}

/**
 * `ctx.mpserverless.user.getInfo()`: the user who called the function, as the cloud
 * authenticated them (the mini-program's authorize step). Its exact shape is not in the
 * public documentation; `result.user.oAuthUserId` (the Alipay user) is what is read, and an
 * anonymous call has none.
 */
export interface UserInfoAnswer {
  success?: boolean;
  result?: { user?: { userId?: string; oAuthUserId?: string } };
}

export interface CloudUserService {
  getInfo(): Promise<UserInfoAnswer>;
}

/** `ctx.mpserverless`: the space's services as seen from a cloud function. */
export interface MpServerless {
  db: CloudDatabase;
  user: CloudUserService;
}

/** `ctx.env`: the documented `MP_*` entries. */
export interface CloudEnv {
  MP_SPACE_ID?: string;
  /** Who started the call: server, function, client, http or timing (a timer trigger). */
  MP_SOURCE?: string;
  MP_APP_ID?: string;
}

/** The one argument of a cloud function. `TArgs` is what the caller passed. */
export interface CloudFunctionContext<TArgs> {
  /** The caller's arguments: untrusted input from the user's device. */
  args: TArgs;
  env: CloudEnv;
  cloud: CloudCalls;
  mpserverless: MpServerless;
}

/** A cloud function as deployed: `module.exports = async function (ctx) { … }`. */
export type CloudFunction<TArgs, TResult> = (ctx: CloudFunctionContext<TArgs>) => Promise<TResult>;
