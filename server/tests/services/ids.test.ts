/**
 * ids.ts: UUIDv7 in RFC 9562's layout, in mint order within a process (same millisecond,
 * counter overflow, a clock that steps back), and outer_order_no; both draw random bytes from
 * blocks, each byte handed out once.
 */
type Ids = typeof import('../../src/services/ids');

/**
 * ids.ts loaded afresh (its buffer and last timestamp are module state, so no test sees
 * another's), over the real randomBytes or over `randomBytes`.
 */
function loadIds(randomBytes?: (size: number) => Buffer): Ids {
  let ids: Ids | undefined;
  jest.isolateModules(() => {
    if (randomBytes) jest.doMock('node:crypto', () => ({ ...jest.requireActual<object>('node:crypto'), randomBytes }));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ids = require('../../src/services/ids') as Ids;
  });
  jest.dontMock('node:crypto');
  return ids as Ids;
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The 48-bit Unix millisecond timestamp a UUIDv7 carries. */
function timestampOf(uuid: string): number {
  return parseInt(uuid.replace(/-/g, '').slice(0, 12), 16);
}

describe('newUuidV7', () => {
  let newUuidV7: Ids['newUuidV7'];
  beforeEach(() => {
    ({ newUuidV7 } = loadIds());
  });

  it('carries version 7, variant 10 and the millisecond it was minted in', () => {
    const now = Date.UTC(2026, 11, 3, 9, 30, 0, 123);
    const uuid = newUuidV7(now);
    expect(uuid).toMatch(UUID_V7);
    expect(timestampOf(uuid)).toBe(now);
  });

  it('uses the system clock by default', () => {
    const before = Date.now();
    const uuid = newUuidV7();
    expect(timestampOf(uuid)).toBeGreaterThanOrEqual(before);
    expect(timestampOf(uuid)).toBeLessThanOrEqual(Date.now());
  });

  it('keeps mint order within one millisecond, borrowing the next one when the counter runs out', () => {
    const now = Date.UTC(2027, 0, 1);
    const uuids = Array.from({ length: 10_000 }, () => newUuidV7(now));
    expect(uuids.filter((uuid) => !UUID_V7.test(uuid))).toEqual([]);
    expect([...uuids].sort()).toEqual(uuids);
    expect(new Set(uuids).size).toBe(uuids.length);
    // 10,000 ids need more than one 4096-step counter: later ones carry later milliseconds.
    expect(timestampOf(uuids[0])).toBe(now);
    expect(timestampOf(uuids[uuids.length - 1])).toBeGreaterThan(now);
  });

  it('keeps mint order when the clock steps back', () => {
    const now = Date.UTC(2027, 5, 1);
    const first = newUuidV7(now);
    const second = newUuidV7(now - 60_000);
    expect(second > first).toBe(true);
    expect(timestampOf(second)).toBe(now);
  });

  it('sorts by time across milliseconds', () => {
    const now = Date.UTC(2028, 0, 1);
    const uuids = Array.from({ length: 100 }, (_, index) => newUuidV7(now + index));
    expect([...uuids].sort()).toEqual(uuids);
    uuids.forEach((uuid, index) => expect(timestampOf(uuid)).toBe(now + index));
  });
});

describe('newOuterOrderNo', () => {
  it('is 32 alphanumerics starting with the Beijing time, and never repeats', () => {
    const now = Date.UTC(2026, 0, 15, 20, 30, 0);
    const { newOuterOrderNo } = loadIds();
    const numbers = new Set<string>();
    for (let index = 0; index < 1000; index += 1) {
      const outerOrderNo = newOuterOrderNo(now);
      expect(outerOrderNo).toMatch(/^IV20260116043000[0-9a-f]{16}$/);
      numbers.add(outerOrderNo);
    }
    expect(numbers.size).toBe(1000);
  });

  it('follows the clock from one second to the next', () => {
    const { newOuterOrderNo } = loadIds();
    const now = Date.UTC(2026, 0, 15, 20, 30, 0, 999);
    expect(newOuterOrderNo(now)).toMatch(/^IV20260116043000[0-9a-f]{16}$/);
    expect(newOuterOrderNo(now + 1)).toMatch(/^IV20260116043001[0-9a-f]{16}$/);
    expect(newOuterOrderNo(now - 60_000)).toMatch(/^IV20260116042900[0-9a-f]{16}$/);
  });
});

describe('the random buffer', () => {
  /** ids.ts over a randomBytes whose blocks hold consecutive 32-bit words, 0, 1, 2, … */
  function loadOverCountingRandom() {
    let word = 0;
    const randomBytes = jest.fn((size: number) => {
      const block = Buffer.alloc(size);
      for (let at = 0; at + 4 <= size; at += 4) block.writeUInt32BE(word++, at);
      return block;
    });
    return { ids: loadIds(randomBytes), randomBytes };
  }

  it('fetches a block per RANDOM_BLOCK_BYTES and hands each byte out once, in order', () => {
    const { ids, randomBytes } = loadOverCountingRandom();
    const perBlock = ids.RANDOM_BLOCK_BYTES / 8;
    const suffixes = Array.from({ length: perBlock * 3 }, () => ids.newOuterOrderNo(Date.UTC(2026, 0, 1)).slice(16));
    expect(randomBytes).toHaveBeenCalledTimes(3);
    for (const [size] of randomBytes.mock.calls) expect(size).toBe(ids.RANDOM_BLOCK_BYTES);
    // Each suffix is the next 8 bytes: words 2k and 2k+1.
    suffixes.forEach((suffix, index) => {
      const expected = Buffer.alloc(8);
      expected.writeUInt32BE(2 * index, 0);
      expected.writeUInt32BE(2 * index + 1, 4);
      expect(suffix).toBe(expected.toString('hex'));
    });
  });

  it('discards a tail too short for a request rather than reuse bytes', () => {
    const { ids, randomBytes } = loadOverCountingRandom();
    const now = Date.UTC(2026, 0, 1);
    // A UUIDv7 in a new millisecond takes 2 bytes (counter seed), then 8: 4096 is no multiple of
    // 10, so the 409th id of a block finds 6 bytes left, takes 2 and must fetch a block for its 8.
    const uuids = Array.from({ length: 1000 }, (_, index) => ids.newUuidV7(now + index));
    expect(new Set(uuids.map((uuid) => uuid.slice(19))).size).toBe(uuids.length);
    // 10,000 bytes in all, from 3 blocks: the discarded tails cost less than a block.
    expect(randomBytes).toHaveBeenCalledTimes(3);
  });
});
