import { RateLimiter } from '../../src/plugins/rate-limiter';

describe('RateLimiter', () => {
  it('counts nothing when any rule is full, so one full limit does not drain the others', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    const rules = (user: string) => [
      { key: `user:${user}`, limit: 5, windowMs: 1000 },
      { key: 'cert:x', limit: 2, windowMs: 1000 },
    ];
    expect(limiter.consume(rules('a'))).toBeUndefined();
    expect(limiter.consume(rules('a'))).toBeUndefined();
    now = 250;
    expect(limiter.consume(rules('a'))).toBe(1);
    expect(limiter.consume([{ key: 'user:a', limit: 3, windowMs: 1000 }])).toBeUndefined();
    expect(limiter.consume([{ key: 'user:a', limit: 3, windowMs: 1000 }])).toBe(1);
    now = 1000;
    expect(limiter.consume(rules('a'))).toBeUndefined();
  });

  it('rounds Retry-After up to whole seconds', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    const rule = [{ key: 'k', limit: 1, windowMs: 10_500 }];
    limiter.consume(rule);
    now = 1;
    expect(limiter.consume(rule)).toBe(11);
  });
});
