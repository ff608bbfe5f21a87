import { newOuterOrderNo } from '../../src/services/verification-service';

describe('newOuterOrderNo', () => {
  it('is 32 alphanumerics starting with the Beijing time, and never repeats', () => {
    const now = Date.UTC(2026, 0, 15, 20, 30, 0);
    const numbers = new Set<string>();
    for (let index = 0; index < 1000; index += 1) {
      const outerOrderNo = newOuterOrderNo(now);
      expect(outerOrderNo).toMatch(/^IV20260116043000[0-9a-f]{16}$/);
      numbers.add(outerOrderNo);
    }
    expect(numbers.size).toBe(1000);
  });
});
