import { signRsa2, verifyRsa2 } from '../../src/alipay/gateway-signature';
import { testKeys } from '../support/harness';

describe('signRsa2 / verifyRsa2', () => {
  it('verifies what was signed and nothing else, and never throws on a malformed signature', () => {
    const { alipayPrivateKey, alipayPublicKey } = testKeys();
    const sign = signRsa2('content', alipayPrivateKey);
    expect(verifyRsa2('content', sign, alipayPublicKey)).toBe(true);
    expect(verifyRsa2('content ', sign, alipayPublicKey)).toBe(false);
    expect(verifyRsa2('content', 'not base64 at all!', alipayPublicKey)).toBe(false);
    expect(verifyRsa2('content', sign, 'not a key')).toBe(false);
  });
});
