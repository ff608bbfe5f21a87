import { withRetries } from '../../src/alipay/retry';
import { UpstreamError } from '../../src/alipay/upstream-error';

function policy(sleeps: number[], retries = 3) {
  return { retries, baseDelayMs: 100, sleep: async (ms: number) => void sleeps.push(ms), random: () => 0.99 };
}

describe('withRetries', () => {
  it('backs off exponentially with jitter below the cap, on the injected sleeper', async () => {
    const sleeps: number[] = [];
    const attempts: number[] = [];
    const result = await withRetries(policy(sleeps), async (attempt) => {
      attempts.push(attempt);
      if (attempt < 3) throw new UpstreamError('unavailable', '20000');
      return 'done';
    });
    expect(result).toBe('done');
    expect(attempts).toEqual([0, 1, 2, 3]);
    expect(sleeps).toEqual([99, 198, 396]);
  });

  it.each(['timeout', 'rejected', 'unverified'] as const)('never repeats a %s', async (kind) => {
    const sleeps: number[] = [];
    let calls = 0;
    const failing = withRetries(policy(sleeps), async () => {
      calls += 1;
      throw new UpstreamError(kind, kind);
    });
    await expect(failing).rejects.toMatchObject({ kind });
    expect(calls).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('gives up after the last retry with the last error', async () => {
    let calls = 0;
    const failing = withRetries(policy([], 2), async () => {
      calls += 1;
      throw new UpstreamError('unavailable', `attempt ${calls}`);
    });
    await expect(failing).rejects.toMatchObject({ kind: 'unavailable', message: 'attempt 3' });
  });
});
