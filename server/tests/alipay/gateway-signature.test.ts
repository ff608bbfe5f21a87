import { signRsa2, signRsa2Async, verifyRsa2, verifyRsa2Async } from '../../src/alipay/gateway-signature';
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

describe('signRsa2Async / verifyRsa2Async (the thread-pool pair)', () => {
  it('makes the same signature as signRsa2 (PKCS#1 v1.5 is deterministic), over UTF-8 text', async () => {
    const { alipayPrivateKey } = testKeys();
    const content = 'biz_content={"cert_name":"张三"}&method=alipay.user.certify.open.query';
    await expect(signRsa2Async(content, alipayPrivateKey)).resolves.toBe(signRsa2(content, alipayPrivateKey));
  });

  it('verifies what was signed and nothing else, and resolves false (never rejects) on a malformed signature or key', async () => {
    const { alipayPrivateKey, alipayPublicKey, appPublicKey } = testKeys();
    const sign = signRsa2('content', alipayPrivateKey);
    await expect(verifyRsa2Async('content', sign, alipayPublicKey)).resolves.toBe(true);
    await expect(verifyRsa2Async('content ', sign, alipayPublicKey)).resolves.toBe(false);
    await expect(verifyRsa2Async('content', sign, appPublicKey)).resolves.toBe(false);
    await expect(verifyRsa2Async('content', 'not base64 at all!', alipayPublicKey)).resolves.toBe(false);
    await expect(verifyRsa2Async('content', sign, 'not a key')).resolves.toBe(false);
  });

  it('rejects with node:crypto\'s coded error when the private key does not parse', async () => {
    await expect(signRsa2Async('content', 'not a key')).rejects.toMatchObject({ code: expect.stringMatching(/^ERR_/) });
  });
});
