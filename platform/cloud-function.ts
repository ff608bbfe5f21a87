/**
 * The one caller of the Serverless cloud functions (config/index.ts BACKEND = 'serverless'):
 * the space's client authorizes the Alipay user once (auth_base; the functions read the caller
 * from it), then each call runs one function and answers what it returned. A call with no usable
 * answer fails with the client policy's ApiError, as my.request's do in platform/request.ts, so
 * services/ and the pages handle both backends alike.
 *
 * The client is the merchant's `@alicloud/mpserverless-sdk` MPServerless instance, put on the
 * App as `mpserverless`, as Alipay's Serverless guides do (docs/serverless.md, step 6); its own
 * `timeout` option bounds each call. It is not bundled here: the SDK alone is twice the upload
 * budget of the merchant-backend build.
 *
 * @see https://help.aliyun.com/document_detail/435813.html (calling a cloud function from the client: function.invoke)
 * @see https://help.aliyun.com/document_detail/435816.html (the user the function sees)
 */
import { ApiError } from '../utils/client-policy';

/** What the mini-program needs of the space's client (MPServerless fits). */
export interface CloudFunctionClient {
  /** Authorizes the Alipay user (my.getAuthCode auth_base underneath). */
  init(): Promise<unknown>;
  function: {
    /** Runs one cloud function: `{success: true, result}` with what it returned. */
    invoke(name: string, args?: object): Promise<unknown>;
  };
}

let authorized: Promise<CloudFunctionClient> | null = null;

/**
 * The App's client once it has authorized the user: once per launch, concurrent callers sharing
 * one attempt; a failure is not kept, so the next call asks again.
 * @throws ApiError NETWORK_ERROR without a client on the App, AUTH_CODE_UNAVAILABLE when the user could not be authorized
 */
export function authorizeCloudUser(): Promise<CloudFunctionClient> {
  const client = (getApp() as { mpserverless?: CloudFunctionClient }).mpserverless;
  // A build set to 'serverless' without the App's client (docs/serverless.md, step 6).
  if (!client) return Promise.reject(new ApiError('NETWORK_ERROR', { message: 'no App().mpserverless' }));
  if (!authorized) {
    authorized = client.init().then(
      () => client,
      (cause: unknown) => {
        authorized = null;
        throw new ApiError('AUTH_CODE_UNAVAILABLE', { cause });
      },
    );
  }
  return authorized;
}

/**
 * Runs cloud function `name` with `args` and answers what it returned (the functions answer
 * their `{error: {code, message}}` too; reading it is services/serverless.ts's job).
 * @throws ApiError NETWORK_ERROR when the call failed or the function did not run, AUTH_CODE_UNAVAILABLE as authorizeCloudUser
 * @see https://help.aliyun.com/document_detail/435813.html
 */
export function invokeCloudFunction(name: string, args: object): Promise<unknown> {
  return authorizeCloudUser()
    .then((client) => client.function.invoke(name, args))
    .then(
      (answer) => {
        const call = answer as { success?: unknown; result?: unknown } | null;
        if (!call || call.success !== true) throw new ApiError('NETWORK_ERROR');
        return call.result;
      },
      (cause: unknown) => {
        throw cause instanceof ApiError ? cause : new ApiError('NETWORK_ERROR', { cause });
      },
    );
}
