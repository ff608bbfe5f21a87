import { buildRequestSignContent, extractResponseNode, responseKeyOf, signRsa2, verifyRsa2 } from '../../src/alipay/gateway-signature';
import { testKeys } from '../support/harness';

describe('buildRequestSignContent', () => {
  it('sorts keys, drops sign and empty values, and does not URL-encode', () => {
    expect(buildRequestSignContent({ method: 'a.b', sign: 'xyz', app_id: '1', biz_content: '{"k":"v&w"}', empty: '', sign_type: 'RSA2' })).toBe(
      'app_id=1&biz_content={"k":"v&w"}&method=a.b&sign_type=RSA2',
    );
  });
});

describe('extractResponseNode', () => {
  it('returns the exact text of the node, braces and quotes inside strings included', () => {
    const node = '{"code":"10000","msg":"a } \\" { b","nested":{"x":[1,{"y":"}"}]}}';
    expect(extractResponseNode(`{"k_response":${node},"sign":"abc"}`, 'k_response')).toBe(node);
  });

  it('is undefined when the key is absent or the node is cut short', () => {
    expect(extractResponseNode('{"other":{}}', 'k_response')).toBeUndefined();
    expect(extractResponseNode('{"k_response":{"a":1', 'k_response')).toBeUndefined();
  });
});

describe('signRsa2 / verifyRsa2', () => {
  it('verifies what was signed and nothing else, and never throws on a malformed signature', () => {
    const { alipayPrivateKey, alipayPublicKey } = testKeys();
    const sign = signRsa2('content', alipayPrivateKey);
    expect(verifyRsa2('content', sign, alipayPublicKey)).toBe(true);
    expect(verifyRsa2('content ', sign, alipayPublicKey)).toBe(false);
    expect(verifyRsa2('content', 'not base64 at all!', alipayPublicKey)).toBe(false);
    expect(verifyRsa2('content', sign, 'not a key')).toBe(false);
  });

  it('names the answer node after the method', () => {
    expect(responseKeyOf('alipay.user.certify.open.query')).toBe('alipay_user_certify_open_query_response');
  });
});
