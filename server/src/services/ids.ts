/**
 * Identifiers the server mints: primary keys (UUIDv7) and Alipay's `outer_order_no`.
 *
 * Primary keys are time-ordered (RFC 9562 version 7), so each insert lands at the right edge
 * of the primary-key B-tree instead of on a random page: fewer dirty pages per COMMIT, and a
 * hot, cached right edge instead of a random walk once the table outgrows the page cache.
 * Old rows keep their random version-4 ids: both are 36-character text, and nothing reads the
 * version.
 *
 * Randomness is drawn from a buffer filled by `randomBytes` in blocks, because one
 * `randomBytes` call per id cost more than formatting the id. The bytes come from the same
 * CSPRNG either way; each is handed out once and never again. The buffer is per process and
 * per worker thread (module state is not shared), and cluster workers are fresh processes, so
 * no two ever share a block.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9562#section-5.7 (UUID version 7)
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.initialize (outer_order_no)
 */
import { randomBytes } from 'node:crypto';
import { formatBeijingTimestamp } from '../alipay/beijing-time';

/** How many random bytes one `randomBytes` call fetches: 4 KiB is about 400 ids. */
export const RANDOM_BLOCK_BYTES = 4096;

let block = Buffer.alloc(0);
let offset = 0;

/**
 * The next `count` unused random bytes (at most RANDOM_BLOCK_BYTES). The view is only valid
 * until the next call: read it at once. A block's tail too short for a request is discarded,
 * never handed out twice.
 */
function takeRandomBytes(count: number): Buffer {
  if (offset + count > block.length) {
    block = randomBytes(RANDOM_BLOCK_BYTES);
    offset = 0;
  }
  const bytes = block.subarray(offset, offset + count);
  offset += count;
  return bytes;
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** Largest value of rand_a, the 12-bit field used as the counter within one millisecond. */
const MAX_COUNTER = 0xfff;

// Method 1 of RFC 9562 §6.2 (a fixed-length counter in rand_a): ids minted in one process
// sort in the order they were minted, even within one millisecond or if the clock steps back.
let lastMs = -1;
let counter = 0;
/** `lastMs` as the id's first 13 characters, `xxxxxxxx-xxxx-`: formatted once per millisecond. */
let timePrefix = '';

function formatTimePrefix(ms: number): string {
  // 48 bits exceed JavaScript's 32-bit bitwise operators: split into two 24-bit halves.
  const high = Math.floor(ms / 0x1000000);
  const low = ms % 0x1000000;
  return `${HEX[(high >>> 16) & 0xff]}${HEX[(high >>> 8) & 0xff]}${HEX[high & 0xff]}${HEX[low >>> 16]}-${HEX[(low >>> 8) & 0xff]}${HEX[low & 0xff]}-`;
}

/**
 * A new UUIDv7, lowercase: 48 bits of Unix milliseconds, version 7, a 12-bit counter, variant
 * 10 and 62 random bits. Within a millisecond the counter increments; a millisecond starts it
 * at a random value below 2048, so it has at least 2048 steps before it would overflow, and
 * then the timestamp borrows the next millisecond (§6.2 allows it). A clock that stepped back
 * keeps the last timestamp, so ids from one process never sort out of order.
 * @param now Unix epoch milliseconds (an integer); defaults to the system clock
 */
export function newUuidV7(now: number = Date.now()): string {
  if (now > lastMs) {
    const seed = takeRandomBytes(2);
    lastMs = now;
    counter = ((seed[0] << 8) | seed[1]) & 0x7ff;
    timePrefix = formatTimePrefix(lastMs);
  } else if (counter < MAX_COUNTER) {
    counter += 1;
  } else {
    lastMs += 1;
    counter = 0;
    timePrefix = formatTimePrefix(lastMs);
  }
  const random = takeRandomBytes(8);
  return (
    `${timePrefix}${HEX[0x70 | (counter >> 8)]}${HEX[counter & 0xff]}-` +
    `${HEX[0x80 | (random[0] & 0x3f)]}${HEX[random[1]]}-` +
    `${HEX[random[2]]}${HEX[random[3]]}${HEX[random[4]]}${HEX[random[5]]}${HEX[random[6]]}${HEX[random[7]]}`
  );
}

// "IV" and the Beijing time of the second last formatted: most calls fall in the same second.
let orderNoSecond = Number.NaN;
let orderNoPrefix = '';

/**
 * A fresh outer_order_no: "IV", the Beijing time to the second and 16 random hex characters,
 * 32 alphanumerics in all (Alipay allows at most 32), so it sorts by time and never repeats.
 */
export function newOuterOrderNo(now: number): string {
  const second = Math.floor(now / 1000);
  if (second !== orderNoSecond) {
    orderNoSecond = second;
    orderNoPrefix = `IV${formatBeijingTimestamp(now).replace(/\D/g, '')}`;
  }
  const random = takeRandomBytes(8);
  let suffix = '';
  for (let index = 0; index < 8; index += 1) suffix += HEX[random[index]];
  return `${orderNoPrefix}${suffix}`;
}
