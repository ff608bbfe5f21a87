/** Random identifiers from Web Crypto, never Math.random; formatted by utils/uuid.ts, as the mini-program's are. */
import { formatUuidV4 } from '../../utils/uuid';

/** The part of Web Crypto a UUID needs. */
export type RandomSource = Pick<Crypto, 'getRandomValues'> & { randomUUID?: () => string };

/**
 * A random UUID v4, for `Idempotency-Key` headers and the OAuth `state`. Uses
 * crypto.randomUUID where the web view has it (secure contexts in newer engines) and
 * builds one from getRandomValues elsewhere.
 */
export function createUuidV4(random: RandomSource): string {
  if (typeof random.randomUUID === 'function') return random.randomUUID();
  return formatUuidV4(random.getRandomValues(new Uint8Array(16)));
}
