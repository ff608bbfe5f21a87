/** utils/alipay-version.ts: the 10.1.32 gate for open-certify, from getSystemInfo or the user agent. */
import { MIN_ALIPAY_VERSION, compareVersions, parseAlipayVersionFromUserAgent, supportsOpenCertify } from '../../utils/alipay-version';

describe('compareVersions', () => {
  it('compares numerically part by part, not as text', () => {
    expect(compareVersions('10.1.32', '10.1.4')).toBeGreaterThan(0);
    expect(compareVersions('10.1.4', '10.1.32')).toBeLessThan(0);
    expect(compareVersions('9.9.9', '10.0.0')).toBeLessThan(0);
  });

  it('counts missing parts as zero', () => {
    expect(compareVersions('10.1', '10.1.0')).toBe(0);
    expect(compareVersions('10.1.32.8000', '10.1.32')).toBeGreaterThan(0);
  });
});

describe('supportsOpenCertify', () => {
  it('is true at and above the 10.1.32 minimum', () => {
    expect(MIN_ALIPAY_VERSION).toBe('10.1.32');
    expect(supportsOpenCertify('10.1.32')).toBe(true);
    expect(supportsOpenCertify('10.5.36.8000')).toBe(true);
    expect(supportsOpenCertify('11.0.0')).toBe(true);
  });

  it('is false below the minimum', () => {
    expect(supportsOpenCertify('10.1.31')).toBe(false);
    expect(supportsOpenCertify('10.0.99')).toBe(false);
  });

  it('is false for a missing or non-numeric version', () => {
    expect(supportsOpenCertify(undefined)).toBe(false);
    expect(supportsOpenCertify(null)).toBe(false);
    expect(supportsOpenCertify('')).toBe(false);
    expect(supportsOpenCertify('beta')).toBe(false);
  });
});

describe('parseAlipayVersionFromUserAgent', () => {
  it('reads the AliApp(AP/x.y.z) token', () => {
    const ua = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Nebula AliApp(AP/10.5.36.8000) AlipayClient/10.5.36.8000';
    expect(parseAlipayVersionFromUserAgent(ua)).toBe('10.5.36.8000');
  });

  it('answers null outside the Alipay app', () => {
    expect(parseAlipayVersionFromUserAgent('Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0')).toBeNull();
    expect(parseAlipayVersionFromUserAgent('AliApp(DingTalk/7.0.0)')).toBeNull();
  });
});
