/**
 * RFC 4122 version 4 identifiers, for `Idempotency-Key` and the H5 page's OAuth `state`. One
 * formatter for both surfaces; each brings its own random bytes: the H5 page Web Crypto
 * (h5/src/random-id.ts, the OAuth state must be unguessable), the mini-program Math.random,
 * since it has no Web Crypto and an Idempotency-Key must be unique per submission, not secret
 * (the server scopes it to the session).
 */

function hex(value: number, width: number): string {
  let text = value.toString(16);
  while (text.length < width) text = `0${text}`;
  return text;
}

/** 16 random bytes as a uuid v4, lowercase (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`): version and variant bits set here. */
export function formatUuidV4(randomBytes: ArrayLike<number>): string {
  const bytes: number[] = [];
  for (let index = 0; index < 16; index += 1) bytes.push(randomBytes[index] & 0xff);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const text = bytes.map((byte) => hex(byte, 2)).join('');
  return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
}

/** A random uuid v4 from `random` (values in [0, 1)), for the mini-program's Idempotency-Key. */
export function createUuidV4(random: () => number = Math.random): string {
  const bytes: number[] = [];
  for (let index = 0; index < 16; index += 1) bytes.push(Math.floor(random() * 256));
  return formatUuidV4(bytes);
}
