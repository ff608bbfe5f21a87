/** h5/src/poll-verification.ts: backoff while PENDING, within a ~15 s budget. */
import { pollDelayMs, pollUntilSettled, POLL_BUDGET_MS } from '../../h5/src/poll-verification';
import { VerificationStatus, VerificationView } from '../../utils/api-contract';
import { ApiError } from '../../h5/src/api-client';

function viewOf(status: VerificationStatus): VerificationView {
  return { verificationId: 'v1', status, certNoMasked: '110***********002X', updatedAt: '2026-11-22T08:00:00.000Z' };
}

/** A fetchView answering the given statuses in turn (the last repeats), and a wait that only records. */
function scripted(statuses: VerificationStatus[]): { fetchView: () => Promise<VerificationView>; wait: (ms: number) => Promise<void>; waits: number[]; fetches: () => number } {
  let fetches = 0;
  const waits: number[] = [];
  return {
    fetchView: async () => viewOf(statuses[Math.min(fetches++, statuses.length - 1)]),
    wait: async (ms) => {
      waits.push(ms);
    },
    waits,
    fetches: () => fetches,
  };
}

describe('pollDelayMs', () => {
  it('backs off by half again each time, from 1 s up to a 4 s cap', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map(pollDelayMs)).toEqual([1000, 1500, 2250, 3375, 4000, 4000, 4000]);
  });
});

describe('pollUntilSettled', () => {
  it('does not wait at all when the first answer is final', async () => {
    const script = scripted(['PASSED']);
    await expect(pollUntilSettled(script)).resolves.toEqual(viewOf('PASSED'));
    expect(script.waits).toEqual([]);
  });

  it('keeps asking while PENDING and returns the first final answer', async () => {
    const script = scripted(['PENDING', 'PENDING', 'FAILED']);
    await expect(pollUntilSettled(script)).resolves.toEqual(viewOf('FAILED'));
    expect(script.waits).toEqual([1000, 1500]);
    expect(script.fetches()).toBe(3);
  });

  it('gives up with the PENDING answer once the next wait would pass the budget', async () => {
    const script = scripted(['PENDING']);
    await expect(pollUntilSettled(script)).resolves.toEqual(viewOf('PENDING'));
    const waited = script.waits.reduce((sum, ms) => sum + ms, 0);
    expect(waited).toBeLessThanOrEqual(POLL_BUDGET_MS);
    expect(waited + pollDelayMs(script.waits.length)).toBeGreaterThan(POLL_BUDGET_MS);
    expect(script.fetches()).toBe(script.waits.length + 1);
  });

  it('passes a failed fetch on with its code', async () => {
    const failing = { fetchView: () => Promise.reject(new ApiError('UNAUTHORIZED', 'expired', 401)), wait: async () => undefined };
    await expect(pollUntilSettled(failing)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
