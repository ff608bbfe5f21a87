/**
 * The three identification cloud calls, each checked the way the server checks the OpenAPI
 * answers underneath: only `code` 10000 is a success, 20000 means Alipay did nothing and may
 * be asked again, anything else is a refusal with its sub_code. The functions always use the
 * object form (SDK ≥ 1.0.0), and pass `{appAuthToken}` only for a third-party (ISV) deployment.
 *
 * @see https://m.w3cschool.cn/aliminiapp/aliminiapp-qrys3ble.html (cloud.member.identification.init, a public copy of Alipay's page)
 * @see https://m.w3cschool.cn/aliminiapp/aliminiapp-bc763blg.html (cloud.member.identification.query)
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.initialize
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.query
 */
import { ValidIdentity } from '../../../utils/identity';
import { CloudCallAnswer, IdentificationApi, IdentificationBizCode, IsvOptions } from '../../types/serverless';
import { CloudFunctionError } from './errors';

export type CloudCallName = 'init' | 'certify' | 'query';

/** `unavailable`: Alipay did nothing (20000, or the call itself failed); `rejected`: Alipay said no, or answered nonsense. */
export type CloudCallFailure = 'unavailable' | 'rejected';

/** What is known about a failed cloud call; never its arguments (they hold the name and number). */
export interface CloudCallErrorDetail {
  alipayCode?: string;
  subCode?: string;
  /** Which rule a success broke, e.g. `missing-certify-url`. */
  reason?: string;
}

/** A failed identification call, answered as UPSTREAM_UNAVAILABLE or UPSTREAM_REJECTED like the HTTP API. */
export class CloudCallError extends CloudFunctionError {
  constructor(
    readonly call: CloudCallName,
    readonly failure: CloudCallFailure,
    message: string,
    readonly detail: CloudCallErrorDetail = {},
    options?: { cause?: unknown },
  ) {
    super(failure === 'unavailable' ? 'UPSTREAM_UNAVAILABLE' : 'UPSTREAM_REJECTED', message, {}, options);
    this.name = 'CloudCallError';
  }
}

const SUCCESS_CODE = '10000';
const UNAVAILABLE_CODE = '20000';

function readText(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Runs one call; a rejected promise (the cloud could not reach Alipay) is `unavailable`, with its error as cause. */
async function callCloud<T extends CloudCallAnswer>(call: CloudCallName, run: () => Promise<T>): Promise<T> {
  let answer: unknown;
  try {
    answer = await run();
  } catch (error) {
    throw new CloudCallError(call, 'unavailable', 'Alipay is unavailable; try again later', { reason: 'call-failed' }, { cause: error });
  }
  if (answer === null || typeof answer !== 'object') {
    throw new CloudCallError(call, 'rejected', 'Alipay answered without a result', { reason: 'not-an-object' });
  }
  const { code, sub_code: subCode } = answer as CloudCallAnswer;
  if (code === SUCCESS_CODE && subCode === undefined) return answer as T;
  const detail = { alipayCode: readText(code), subCode: readText(subCode) };
  if (code === UNAVAILABLE_CODE) throw new CloudCallError(call, 'unavailable', 'Alipay is unavailable; try again later', detail);
  throw new CloudCallError(call, 'rejected', `Alipay rejected the request (sub_code: ${detail.subCode ?? detail.alipayCode ?? 'none'})`, detail);
}

export interface InitializeInput {
  outerOrderNo: string;
  bizCode: IdentificationBizCode;
  identity: ValidIdentity;
  returnUrl: string;
}

/**
 * `init`: a paid call that starts one verification of `identity`.
 * @returns its certifyId
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.initialize
 */
export async function initializeCertify(api: IdentificationApi, input: InitializeInput, isv?: IsvOptions): Promise<string> {
  const answer = await callCloud('init', () =>
    api.init(
      {
        outerOrderNo: input.outerOrderNo,
        bizCode: input.bizCode,
        identityParam: {
          identityType: 'CERT_INFO',
          certType: input.identity.certType,
          certName: input.identity.certName,
          certNo: input.identity.certNo,
        },
        merchantConfig: { returnUrl: input.returnUrl },
      },
      isv,
    ),
  );
  const certifyId = readText(answer.certify_id);
  if (!certifyId) throw new CloudCallError('init', 'rejected', 'Alipay answered init without a certify_id', { reason: 'missing-certify-id' });
  return certifyId;
}

/**
 * `certify`: the signed URL that opens Alipay's face check for `certifyId` (no new verification,
 * nothing paid). Its field is not documented: `url` is read, then `body` (the EasySDK's name).
 * @throws CloudCallError `rejected` with reason `missing-certify-url` when neither holds an http(s) URL
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify
 */
export async function signCertifyUrl(api: IdentificationApi, certifyId: string, isv?: IsvOptions): Promise<string> {
  const answer = await callCloud('certify', () => api.certify({ certifyId }, isv));
  const url = readText(answer.url) ?? readText(answer.body);
  if (!url || !/^https?:\/\//.test(url)) {
    throw new CloudCallError('certify', 'rejected', 'Alipay answered certify without a certify URL (neither url nor body holds one)', {
      reason: 'missing-certify-url',
    });
  }
  return url;
}

export interface QueryOutcome {
  /** True only for a success whose `passed` is `["T"]` or `"T"`. */
  passed: boolean;
  /** Alipay's fail_reason, an extension field most apps do not get. */
  failReason?: string;
}

/** `passed` is documented as `["T"]`; the OpenAPI method underneath sends `"T"`. Anything else is not a pass. */
function isPassed(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 1 && value[0] === 'T';
  return value === 'T';
}

/**
 * `query`: Alipay's own record of the verification, the only proof of a pass.
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.query
 */
export async function queryCertify(api: IdentificationApi, certifyId: string, isv?: IsvOptions): Promise<QueryOutcome> {
  const answer = await callCloud('query', () => api.query({ certifyId }, isv));
  return { passed: isPassed(answer.passed), failReason: readText(answer.fail_reason) };
}
