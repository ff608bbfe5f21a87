/**
 * RFC 4122 version 4 identifiers for `Idempotency-Key`. The key must be unique per
 * submission, not secret (the server scopes it to the session), and the mini-program
 * has no Web Crypto, so Math.random is enough here.
 */

function hex(value: number, width: number): string {
  let text = value.toString(16);
  while (text.length < width) text = `0${text}`;
  return text;
}

/** A random uuid v4, lowercase (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`). */
export function createUuidV4(random: () => number = Math.random): string {
  const bytes: number[] = [];
  for (let index = 0; index < 16; index += 1) bytes.push(Math.floor(random() * 256) & 0xff);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const text = bytes.map((byte) => hex(byte, 2)).join('');
  return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
}
