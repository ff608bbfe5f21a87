/**
 * `log_lines_dropped_total` follows the process-wide count of log lines the bounded stdout
 * destination dropped (app/log-destination.ts), and each registry reports every drop once.
 */
let dropped = 0;
jest.mock('../../src/app/log-destination', () => ({ droppedStdoutLogLines: () => dropped }));

import { createMetrics } from '../../src/operations/metrics';

async function droppedLinesIn(metrics: ReturnType<typeof createMetrics>): Promise<number> {
  const metric = await metrics.registry.getSingleMetric('log_lines_dropped_total')?.get();
  return metric?.values[0]?.value ?? Number.NaN;
}

describe('log_lines_dropped_total', () => {
  it('adds what the destination dropped since the last scrape, for every registry alike', async () => {
    dropped = 0;
    const first = createMetrics({ processMetrics: false });
    expect(await droppedLinesIn(first)).toBe(0);
    dropped = 5;
    expect(await droppedLinesIn(first)).toBe(5);
    dropped = 7;
    expect(await droppedLinesIn(first)).toBe(7);
    // A registry made later counts from the process's total too, never negative or twice.
    const second = createMetrics({ processMetrics: false });
    expect(await droppedLinesIn(second)).toBe(7);
    expect(await droppedLinesIn(first)).toBe(7);
  });
});
