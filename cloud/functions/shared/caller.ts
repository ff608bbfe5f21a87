/**
 * Who called the function, from the cloud's own authentication of the mini-program user,
 * never from `ctx.args` (which the user's device writes and can forge).
 *
 * @see https://help.aliyun.com/document_detail/435816.html (ctx.mpserverless.user.getInfo in a cloud function)
 */
import { CloudFunctionContext } from '../../types/serverless';
import { CloudFunctionError } from './errors';

/**
 * The calling Alipay user's id.
 * @throws CloudFunctionError UNAUTHORIZED for an anonymous call (no Alipay user behind it)
 */
export async function readCallerId(ctx: CloudFunctionContext<unknown>): Promise<string> {
  const info = await ctx.mpserverless.user.getInfo();
  const userId = info?.result?.user?.oAuthUserId;
  if (typeof userId !== 'string' || userId === '') {
    throw new CloudFunctionError('UNAUTHORIZED', 'Sign in with Alipay first: this function verifies the calling Alipay user only');
  }
  return userId;
}
