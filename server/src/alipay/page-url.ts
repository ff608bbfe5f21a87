/**
 * The signed URL of a page method, which the user's browser or the Alipay App opens and the
 * gateway checks; nothing is sent from here. alipay-sdk calls this `pageExecute(method, 'GET')`:
 * every parameter, biz_content included, goes in the query, signed over the same sorted
 * `key=value&…` text as a gateway call.
 *
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify
 * @see https://opendocs.alipay.com/common/02kf5q (request signing)
 */
import { KeyObject } from 'node:crypto';
import { signRsa2Async } from './gateway-signature';
import { buildRequestSignContent } from './protocol';

/**
 * `gateway` with `params` and their `sign` in the query, signed on libuv's thread pool.
 * The query is form-encoded (a space is `+`), which the gateway decodes like alipay-sdk's
 * mix of form encoding and encodeURIComponent: the parameters it reads are the same.
 */
export async function buildSignedPageUrl(gateway: string, params: Readonly<Record<string, string>>, privateKey: KeyObject): Promise<string> {
  const sign = await signRsa2Async(buildRequestSignContent(params), privateKey);
  const url = new URL(gateway);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  url.searchParams.set('sign', sign);
  return url.href;
}
