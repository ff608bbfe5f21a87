/**
 * A typed promise wrapper over my.getAuthCode for the silent `auth_base` scope: it
 * identifies the Alipay user to our backend without asking for any profile data.
 *
 * @see https://opendocs.alipay.com/mini/api/openapi-authorize (my.getAuthCode)
 * @see https://opendocs.alipay.com/apis/api_9/alipay.system.oauth.token (the server's exchange)
 */
import { ApiError } from '../utils/client-policy';

/**
 * Answers a one-time auth code for `auth_base`.
 * @throws ApiError `AUTH_CODE_UNAVAILABLE` when the client gives no code
 */
export function getAuthBaseCode(): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    my.getAuthCode({
      scopes: 'auth_base',
      success: (answer) => {
        if (answer && typeof answer.authCode === 'string' && answer.authCode.length > 0) resolve(answer.authCode);
        else reject(new ApiError('AUTH_CODE_UNAVAILABLE'));
      },
      fail: (failure) => reject(new ApiError('AUTH_CODE_UNAVAILABLE', { cause: failure })),
    });
  });
}
