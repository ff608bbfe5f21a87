/**
 * The Alipay client version: parsing, comparing, and the minimum open-certify needs.
 * Pure; the mini-program reads the version from my.getSystemInfo, the H5 page from
 * the user agent's `AliApp(AP/x.y.z)` token.
 *
 * @see https://opendocs.alipay.com/mini/api/system-info (my.getSystemInfo: `version`)
 */

/** startBizService('open-certify') needs Alipay 10.1.32 or later. */
export const MIN_ALIPAY_VERSION = '10.1.32';

function toParts(version: string): number[] {
  return version.split('.').map((part) => {
    const digits = /^\d+/.exec(part);
    return digits ? Number(digits[0]) : 0;
  });
}

/**
 * Compares dotted versions numerically, part by part (`10.1.32` > `10.1.4`).
 * Missing parts count as 0. Returns a negative number, 0 or a positive number.
 */
export function compareVersions(left: string, right: string): number {
  const a = toParts(left);
  const b = toParts(right);
  const length = Math.max(a.length, b.length);
  for (let index = 0; index < length; index += 1) {
    const difference = (a[index] || 0) - (b[index] || 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** True when `version` is a dotted number at or above MIN_ALIPAY_VERSION. */
export function supportsOpenCertify(version: string | undefined | null): boolean {
  if (typeof version !== 'string' || !/^\d+(\.\d+)*/.test(version)) return false;
  return compareVersions(version, MIN_ALIPAY_VERSION) >= 0;
}

/**
 * The Alipay version in a user agent (`... AliApp(AP/10.5.36.8000) ...`), or null
 * when the page is not inside the Alipay app.
 */
export function parseAlipayVersionFromUserAgent(userAgent: string): string | null {
  const match = /AliApp\(AP\/(\d+(?:\.\d+)*)\)/.exec(userAgent);
  return match ? match[1] : null;
}
