/**
 * The one caller of the Serverless cloud functions (config/index.ts BACKEND = 'serverless'):
 * the space's client authorizes the Alipay user once (auth_base, as the cloud functions read
 * the caller from it), then each call runs one function and answers what it returned. A call
 * that gets no usable answer fails with the client policy's ApiError, as my.request does in
 * platform/request.ts, so services/ and the pages handle both backends alike.
 *
 * The client is the merchant's `@alicloud/mpserverless-sdk` MPServerless instance, put on the
 * App as `mpserverless`, as Alipay's Serverless guides do (docs/serverless.md, step 6). It is not
 * bundled here: the SDK alone is twice the upload budget of the merchant-backend build.
 *
 * @see https://help.aliyun.com/document_detail/435813.html (calling a cloud function from the client: function.invoke)
 * @see https://help.aliyun.com/document_detail/435816.html (the user the function sees)
 */
import { REQUEST_TIMEOUT_MS } from '../config/index';
import { ApiError } from '../utils/client-policy';
import { startTimer, stopTimer } from './timers';

/** What the mini-program needs of the space's client (MPServerless fits). */
export interface CloudFunctionClient {
  /** Authorizes the Alipay user (my.getAuthCode auth_base underneath). */
  init(): Promise<unknown>;
  function: {
    /** Runs one cloud function: `{success: true, result}` with what it returned. */
    invoke(name: string, args?: object): Promise<unknown>;
  };
}

function isClient(value: unknown): value is CloudFunctionClient {
  if (value === null || typeof value !== 'object') return false;
  const client = value as { init?: unknown; function?: { invoke?: unknown } };
  return typeof client.init === 'function' && client.function !== null && typeof client.function === 'object' && typeof client.function.invoke === 'function';
}

function readClient(): CloudFunctionClient {
  const app = getApp() as { mpserverless?: unknown } | undefined;
  const client = app ? app.mpserverless : undefined;
  if (!isClient(client)) {
    // A build set to 'serverless' without the App's client (docs/serverless.md, step 6).
    throw new ApiError('NETWORK_ERROR', { message: 'no App().mpserverless' });
  }
  return client;
}

let authorized: Promise<unknown> | null = null;

/**
 * Authorizes the user with the space once per launch; concurrent callers share one attempt,
 * and a failure is not kept, so the next call asks again.
 * @throws ApiError AUTH_CODE_UNAVAILABLE when the user could not be authorized
 */
export function authorizeCloudUser(): Promise<void> {
  let client: CloudFunctionClient;
  try {
    client = readClient();
  } catch (error) {
    return Promise.reject(error);
  }
  if (!authorized) {
    authorized = client.init().then(undefined, (cause: unknown) => {
      authorized = null;
      throw new ApiError('AUTH_CODE_UNAVAILABLE', { cause });
    });
  }
  return authorized.then(() => undefined);
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = startTimer(() => reject(new ApiError('REQUEST_TIMEOUT')), timeoutMs);
    promise.then(
      (value) => {
        stopTimer(timer);
        resolve(value);
      },
      (error: unknown) => {
        stopTimer(timer);
        reject(error);
      },
    );
  });
}

/**
 * Runs cloud function `name` with `args` and answers what it returned (the functions answer
 * their `{error: {code, message}}` too; reading it is services/serverless.ts's job).
 * @throws ApiError NETWORK_ERROR when the call itself failed, REQUEST_TIMEOUT after
 *   REQUEST_TIMEOUT_MS, AUTH_CODE_UNAVAILABLE when the user could not be authorized
 * @see https://help.aliyun.com/document_detail/435813.html
 */
export function invokeCloudFunction(name: string, args: object): Promise<unknown> {
  return authorizeCloudUser()
    .then(() =>
      withTimeout(
        readClient().function.invoke(name, args).then(undefined, (cause: unknown) => {
          throw new ApiError('NETWORK_ERROR', { cause });
        }),
        REQUEST_TIMEOUT_MS,
      ),
    )
    .then((answer) => {
      const call = answer as { success?: unknown; result?: unknown } | null;
      if (call === null || typeof call !== 'object' || call.success !== true) {
        throw new ApiError('NETWORK_ERROR');
      }
      return call.result;
    });
}
