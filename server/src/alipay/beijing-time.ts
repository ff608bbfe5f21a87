/**
 * Alipay's gateway checks the request `timestamp` ("yyyy-MM-dd HH:mm:ss") as Beijing time
 * (UTC+8, no daylight saving). alipay-sdk formats the host's local time, which is wrong on
 * any server not set to Asia/Shanghai, so we compute it from the injected clock instead.
 *
 * @see https://opendocs.alipay.com/common/02kf5q (common request parameters)
 */

const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;

function pad2(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

/** `epochMs` as Beijing wall-clock time, whatever the host's time zone. */
export function formatBeijingTimestamp(epochMs: number): string {
  const beijing = new Date(epochMs + BEIJING_OFFSET_MS);
  return (
    `${beijing.getUTCFullYear()}-${pad2(beijing.getUTCMonth() + 1)}-${pad2(beijing.getUTCDate())} ` +
    `${pad2(beijing.getUTCHours())}:${pad2(beijing.getUTCMinutes())}:${pad2(beijing.getUTCSeconds())}`
  );
}

/** The inverse of formatBeijingTimestamp; NaN when the text is not in that exact form. */
export function parseBeijingTimestamp(text: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!match) return Number.NaN;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  if (formatBeijingTimestamp(utc - BEIJING_OFFSET_MS) !== text) return Number.NaN;
  return utc - BEIJING_OFFSET_MS;
}
