/**
 * The language Alipay is set to, from my.getSystemInfo: `zh-Hans`, `en`, `zh-Hant` or
 * `zh-HK`. The pages show en-US copy for English and zh-CN for everything else (the client
 * policy's pickLanguage), and offer a switch either way.
 *
 * @see https://opendocs.alipay.com/mini/api/system-info (my.getSystemInfo `language`)
 */

/** Alipay's language setting, or undefined when the client does not say (then zh-CN is shown). */
export function readSystemLanguage(): Promise<string | undefined> {
  return new Promise<string | undefined>((resolve) => {
    my.getSystemInfo({
      success: (info) => resolve(info && typeof info.language === 'string' ? info.language : undefined),
      // Not knowing the language is no error: the page stays in zh-CN, with its switch.
      fail: () => resolve(undefined),
    });
  });
}
