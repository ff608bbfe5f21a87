/** Random identifiers from Web Crypto, never Math.random. */

/** The part of Web Crypto a UUID needs. */
export type RandomSource = Pick<Crypto, 'getRandomValues'> & { randomUUID?: () => string };

/**
 * A random UUID v4, for `Idempotency-Key` headers and the OAuth `state`. Uses
 * crypto.randomUUID where the web view has it (secure contexts in newer engines) and
 * builds one from getRandomValues elsewhere.
 */
export function createUuidV4(random: RandomSource): string {
  if (typeof random.randomUUID === 'function') return random.randomUUID();
  const bytes = random.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex: string[] = [];
  for (let index = 0; index < bytes.length; index += 1) hex.push((bytes[index] + 0x100).toString(16).slice(1));
  return `${hex.slice(0, 4).join('')}-${hex.slice(4, 6).join('')}-${hex.slice(6, 8).join('')}-${hex.slice(8, 10).join('')}-${hex.slice(10).join('')}`;
}
