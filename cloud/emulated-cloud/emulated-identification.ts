/**
 * `ctx.cloud.member.identification` over our gateway emulator: what Alipay's cloud does for a
 * cloud function, done here with the merchant's app keys. Each call takes the documented
 * camelCase arguments (object form, SDK ≥ 1.0.0, or the positional form before it), makes the
 * same OpenAPI call underneath (alipay.user.certify.open.initialize / certify / query), signed
 * with RSA2 and read by the server's own protocol rules (server/src/alipay/protocol.ts: a
 * success must be signed and verify), and answers the node snake_case, as documented.
 *
 * Where the documentation leaves the real cloud's answer open, the emulated cloud can be told
 * which answer to give, so the functions are tested against each: `certify` puts the URL in
 * `url`, `body` or neither; `query` gives `passed` as `["T"]` (documented) or `"T"` (the OpenAPI
 * method's form).
 *
 * @see https://m.w3cschool.cn/aliminiapp/aliminiapp-qrys3ble.html (cloud.member.identification.init, a public copy of Alipay's page)
 * @see https://m.w3cschool.cn/aliminiapp/aliminiapp-bc763blg.html (cloud.member.identification.query)
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.initialize
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.query
 */
import { KeyObject } from 'node:crypto';
import { formatBeijingTimestamp } from '../../server/src/alipay/beijing-time';
import { signRsa2, verifyRsa2 } from '../../server/src/alipay/gateway-signature';
import {
  buildRequestSignContent,
  METHOD_CERTIFY,
  METHOD_CERTIFY_INITIALIZE,
  METHOD_CERTIFY_QUERY,
  readAnswerEnvelope,
  signedContentCandidates,
  SUCCESS_CODE,
} from '../../server/src/alipay/protocol';
import {
  IdentificationApi,
  IdentificationCertifyAnswer,
  IdentificationInitAnswer,
  IdentificationQueryAnswer,
} from '../types/serverless';

export type EmulatedCloudErrorCode =
  /** The call's arguments are neither form: the real SDK would fail before calling Alipay. */
  | 'CLOUD_BAD_ARGUMENTS'
  /** The gateway could not be reached or answered with a non-200 status. */
  | 'CLOUD_CALL_FAILED'
  /** The gateway's answer broke a protocol rule (unsigned success, bad signature, ambiguous text). */
  | 'CLOUD_ANSWER_UNVERIFIED';

/** A cloud call that rejects instead of answering a node, as the real cloud's call would. */
export class EmulatedCloudError extends Error {
  constructor(
    readonly code: EmulatedCloudErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EmulatedCloudError';
  }
}

/** Where the signed certify URL goes in certify's answer. */
export type CertifyUrlField = 'url' | 'body' | 'neither';

/** How query gives `passed`. */
export type PassedForm = 'array' | 'string';

/** The answers the documentation leaves open; change them between calls. */
export interface EmulatedAnswerShapes {
  /** Default `url`. */
  certifyUrlField: CertifyUrlField;
  /** Default `array`, as documented. */
  passedForm: PassedForm;
}

/** One call as made: which call, in which form, with or without an ISV token; never its arguments. */
export interface RecordedCall {
  call: 'init' | 'certify' | 'query';
  form: 'object' | 'positional';
  appAuthToken: boolean;
}

export interface EmulatedIdentificationOptions {
  /** The emulator's gateway, e.g. `http://127.0.0.1:3000/emulator/gateway.do`. */
  gateway: string;
  appId: string;
  appPrivateKey: string | KeyObject;
  alipayPublicKey: string | KeyObject;
  /** Milliseconds since the epoch, for the request timestamps (the emulator checks them). */
  clock: () => number;
}

export interface EmulatedIdentification {
  api: IdentificationApi;
  shapes: EmulatedAnswerShapes;
  /** Every call in order. */
  calls: RecordedCall[];
}

type Node = Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `outerOrderNo` → `outer_order_no`, through nested objects: the cloud's camelCase in, OpenAPI's snake_case under. */
function toSnakeCase(value: unknown): unknown {
  if (!isObject(value)) return value;
  const converted: Record<string, unknown> = {};
  for (const key of Object.keys(value)) converted[key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)] = toSnakeCase(value[key]);
  return converted;
}

/** The call's arguments in either form, as `{request, appAuthToken}`. */
function readCall(call: RecordedCall['call'], args: readonly unknown[], positionalNames: readonly string[]): { request: Node; appAuthToken?: string; form: RecordedCall['form'] } {
  if (isObject(args[0])) {
    const options = args[1];
    if (options !== undefined && !isObject(options)) throw new EmulatedCloudError('CLOUD_BAD_ARGUMENTS', `${call}: the second argument must be {appAuthToken}`);
    const token = options?.appAuthToken;
    if (token !== undefined && typeof token !== 'string') throw new EmulatedCloudError('CLOUD_BAD_ARGUMENTS', `${call}: appAuthToken must be a string`);
    return { request: args[0], appAuthToken: token, form: 'object' };
  }
  if (typeof args[0] === 'string') {
    const request: Node = {};
    positionalNames.forEach((name, index) => {
      request[name] = args[index];
    });
    return { request, form: 'positional' };
  }
  throw new EmulatedCloudError('CLOUD_BAD_ARGUMENTS', `${call}: pass an object (SDK >= 1.0.0) or the positional arguments`);
}

/**
 * Creates the emulated calls. The gateway must be our emulator (or anything that speaks the
 * OpenAPI protocol with the given keys).
 */
export function createEmulatedIdentification(options: EmulatedIdentificationOptions): EmulatedIdentification {
  const shapes: EmulatedAnswerShapes = { certifyUrlField: 'url', passedForm: 'array' };
  const calls: RecordedCall[] = [];

  function signedParams(method: string, bizContent: unknown, appAuthToken?: string): Record<string, string> {
    const params: Record<string, string> = {
      app_id: options.appId,
      method,
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: formatBeijingTimestamp(options.clock()),
      version: '1.0',
      biz_content: JSON.stringify(bizContent),
    };
    if (appAuthToken) params.app_auth_token = appAuthToken;
    params.sign = signRsa2(buildRequestSignContent(params), options.appPrivateKey);
    return params;
  }

  /** One signed POST to the gateway; the node of its verified answer, snake_case as sent. */
  async function execute(method: string, bizContent: unknown, appAuthToken?: string): Promise<Node> {
    const { biz_content: body, ...query } = signedParams(method, bizContent, appAuthToken);
    let raw: string;
    try {
      const response = await fetch(`${options.gateway}?${new URLSearchParams(query).toString()}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
        body: new URLSearchParams({ biz_content: body }).toString(),
      });
      raw = await response.text();
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
    } catch (error) {
      throw new EmulatedCloudError('CLOUD_CALL_FAILED', `${method}: the gateway did not answer`, { cause: error });
    }
    const reading = readAnswerEnvelope(raw, method);
    if (!reading.ok) throw new EmulatedCloudError('CLOUD_ANSWER_UNVERIFIED', `${method}: ${reading.reason}`);
    const { envelope } = reading;
    let nodeText = envelope.nodeText;
    if (envelope.sign !== undefined) {
      const sign = envelope.sign;
      const verified = signedContentCandidates(envelope.nodeText).find((text) => verifyRsa2(text, sign, options.alipayPublicKey));
      if (verified === undefined) throw new EmulatedCloudError('CLOUD_ANSWER_UNVERIFIED', `${method}: the signature does not verify`);
      nodeText = verified;
    }
    const node = JSON.parse(nodeText) as Node;
    // An unsigned answer can only deny, as the server's client reads it.
    if (envelope.sign === undefined && node.code === SUCCESS_CODE) {
      throw new EmulatedCloudError('CLOUD_ANSWER_UNVERIFIED', `${method}: a success must be signed`);
    }
    return node;
  }

  const api = {
    async init(...args: unknown[]): Promise<IdentificationInitAnswer> {
      const { request, appAuthToken, form } = readCall('init', args, ['outerOrderNo', 'bizCode', 'identityParam', 'merchantConfig']);
      calls.push({ call: 'init', form, appAuthToken: appAuthToken !== undefined });
      return (await execute(METHOD_CERTIFY_INITIALIZE, toSnakeCase(request), appAuthToken)) as unknown as IdentificationInitAnswer;
    },

    async certify(...args: unknown[]): Promise<IdentificationCertifyAnswer> {
      const { request, appAuthToken, form } = readCall('certify', args, ['certifyId']);
      calls.push({ call: 'certify', form, appAuthToken: appAuthToken !== undefined });
      if (typeof request.certifyId !== 'string' || request.certifyId === '') {
        return { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-parameter', sub_msg: 'certifyId 不能为空' };
      }
      // pageExecute GET: a URL signed locally, as alipay-sdk makes it; no gateway call.
      const url = `${options.gateway}?${new URLSearchParams(signedParams(METHOD_CERTIFY, toSnakeCase(request), appAuthToken)).toString()}`;
      const answer: IdentificationCertifyAnswer = { code: SUCCESS_CODE, msg: 'Success' };
      if (shapes.certifyUrlField === 'url') answer.url = url;
      if (shapes.certifyUrlField === 'body') answer.body = url;
      return answer;
    },

    async query(...args: unknown[]): Promise<IdentificationQueryAnswer> {
      const { request, appAuthToken, form } = readCall('query', args, ['certifyId']);
      calls.push({ call: 'query', form, appAuthToken: appAuthToken !== undefined });
      const node = await execute(METHOD_CERTIFY_QUERY, toSnakeCase(request), appAuthToken);
      if (shapes.passedForm === 'array' && typeof node.passed === 'string') node.passed = [node.passed];
      return node as unknown as IdentificationQueryAnswer;
    },
  };
  return { api: api as IdentificationApi, shapes, calls };
}
