import fc from 'fast-check';
import { formatBeijingTimestamp, parseBeijingTimestamp } from '../../src/alipay/beijing-time';

describe('formatBeijingTimestamp', () => {
  it.each(['UTC', 'America/New_York', 'Asia/Kolkata', 'Pacific/Kiritimati'])('formats UTC+8 whatever the host zone (%s)', (zone) => {
    const originalTz = process.env.TZ;
    process.env.TZ = zone;
    try {
      expect(formatBeijingTimestamp(Date.UTC(2025, 11, 31, 16, 0, 5))).toBe('2026-01-01 00:00:05');
    } finally {
      process.env.TZ = originalTz;
    }
  });

  it('round-trips through parseBeijingTimestamp to the second', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800 }), (seconds) => {
        expect(parseBeijingTimestamp(formatBeijingTimestamp(seconds * 1000))).toBe(seconds * 1000);
      }),
    );
  });

  it.each(['2026-02-30 10:00:00', '2026-1-01 10:00:00', '2026-01-01T10:00:00', '', '2026-01-01 24:00:00'])(
    'parses %p as NaN',
    (text) => {
      expect(parseBeijingTimestamp(text)).toBeNaN();
    },
  );
});
