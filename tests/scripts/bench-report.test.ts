/**
 * bench/report.mjs: the medians of the rounds, ours over the peer, and issue 13's targets as
 * `npm run bench` evaluates them. The module is ESM, so each case runs in a child node that
 * imports it (as bench-node-flags.test.ts does) and prints its answer as JSON.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const REPORT_MODULE = pathToFileURL(join(__dirname, '..', '..', 'bench', 'report.mjs')).href;

/** Runs `expression` (with the module's exports as `m`) in a child node and returns its JSON value. */
function evaluate(expression: string): unknown {
  const script = `import(${JSON.stringify(REPORT_MODULE)}).then((m) => process.stdout.write(JSON.stringify(${expression})));`;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout);
}

/** One system's turn in one round, in the shape bench/run.mjs hands over. */
function run(round: number, flowsPerSecond: number, cpuMs: { full: number; half: number }, extra = ''): string {
  const phase = (name: string, serverCpuMsPerFlow: number, p99: number): string =>
    `{ name: '${name}', failures: 0, serverCpuMsPerFlow: ${serverCpuMsPerFlow}, cpuRatio: ${serverCpuMsPerFlow}, machineCpuBusyPercent: 90, latencyMs: { p50: 1, p99: ${p99}, max: 30 } }`;
  return `{ round: ${round}, saturation: { connections: 32, flowsPerSecond: ${flowsPerSecond} },
    fullLoad: ${phase('100%', cpuMs.full, 20)}, halfLoad: ${phase('50%', cpuMs.half, 10 + round)},
    peakRssBytes: ${100 + round} * 1048576, phases: [], ${extra} }`;
}

describe('median', () => {
  it('takes the middle value of an odd count and the mean of the middle two of an even one, skipping non-numbers', () => {
    expect(evaluate('[m.median([3, 1, 2]), m.median([4, 1, 3, 2]), m.median([NaN, 5]), m.median([])]')).toEqual([2, 2.5, 5, null]);
  });
});

describe('summarizeSystem', () => {
  it('takes each figure\'s median on its own, with saturation CPU from the 100% phase and flows/s from the ramp', () => {
    const runs = `[${run(1, 300, { full: 1.2, half: 2.0 })}, ${run(2, 280, { full: 1.4, half: 1.8 })}, ${run(3, 320, { full: 1.3, half: 2.2 })}]`;
    expect(evaluate(`m.summarizeSystem(${runs})`)).toMatchObject({
      rounds: 3,
      saturationFlowsPerSecond: 300,
      saturationServerCpuMsPerFlow: 1.3,
      halfLoadServerCpuMsPerFlow: 2.0,
      halfLoadP99Ms: 12,
      peakRssBytes: 102 * 1048576,
      failures: 0,
    });
  });

  it('reports the gateway-latency scenario only when every round ran it', () => {
    const latency = "latencyPhase: { flowsPerSecond: 900, latencyMs: { p99: 250 } }";
    expect(evaluate(`m.summarizeSystem([${run(1, 300, { full: 1, half: 1 }, latency)}])`)).toMatchObject({ latencyScenarioFlowsPerSecond: 900 });
    expect(evaluate(`'latencyScenarioFlowsPerSecond' in m.summarizeSystem([${run(1, 300, { full: 1, half: 1 })}])`)).toBe(false);
  });
});

describe('evaluateTargets', () => {
  const crypto = '{ threadPoolFlowsPerSecond: 1000 }';
  const ours = (overrides: string): string =>
    `{ saturationFlowsPerSecond: 900, saturationCpuRatio: 1.4, halfLoadCpuRatio: 1.9, halfLoadP99Ms: 14, latencyScenarioFlowsPerSecond: 820, peakRssBytes: 100 * 1048576, ${overrides} }`;

  it('meets every target at the issue\'s bounds, the latency scenario against the thread-pool crypto ceiling', () => {
    const targets = evaluate(
      `m.evaluateTargets({ crypto: ${crypto}, ours: ${ours('')}, peer: { saturationFlowsPerSecond: 300 }, latencyClients: 200, latencyMs: 100 })`,
    ) as Array<{ value: number; unit: string; met: boolean | null }>;
    expect(targets.map((target) => target.met)).toEqual([true, true, true, true, true, true]);
    expect(targets[0]).toMatchObject({ value: 3, unit: 'ratio' });
    expect(targets[4]).toMatchObject({ value: 0.82, unit: 'share' });
  });

  it('holds the latency scenario to concurrency / latency when that is below the crypto ceiling', () => {
    const targets = evaluate(
      `m.evaluateTargets({ crypto: ${crypto}, ours: ${ours('latencyScenarioFlowsPerSecond: 150')}, peer: { saturationFlowsPerSecond: 300 }, latencyClients: 20, latencyMs: 100 })`,
    ) as Array<{ value: number; met: boolean }>;
    expect(targets[4]).toMatchObject({ value: 0.75, met: false });
  });

  it('misses each target just past its bound', () => {
    const missed = ours('saturationCpuRatio: 1.51, halfLoadCpuRatio: 2.01, halfLoadP99Ms: 15.1, latencyScenarioFlowsPerSecond: 799, peakRssBytes: 110 * 1048576 + 1');
    const targets = evaluate(
      `m.evaluateTargets({ crypto: ${crypto}, ours: ${missed}, peer: { saturationFlowsPerSecond: 301 }, latencyClients: 200, latencyMs: 100 })`,
    ) as Array<{ met: boolean }>;
    expect(targets.map((target) => target.met)).toEqual([false, false, false, false, false, false]);
  });

  it('leaves the throughput target unevaluated without a peer (--store postgres, --workers N), and the targets line says so', () => {
    const line = evaluate(
      `m.renderTargetsLine(m.evaluateTargets({ crypto: ${crypto}, ours: ${ours('')}, latencyClients: 200, latencyMs: 100 }))`,
    ) as string;
    expect(line).toMatch(/^targets 5\/5 met: throughput \/ the peer with storage no peer in this mode \(>= 3x\) not evaluated;/);
  });
});

describe('compareWithPeer', () => {
  it('divides ours by the peer figure by figure', () => {
    const summary = (flows: number, cpu: number): string =>
      `{ saturationFlowsPerSecond: ${flows}, saturationServerCpuMsPerFlow: ${cpu}, halfLoadServerCpuMsPerFlow: ${cpu * 2}, halfLoadP99Ms: ${cpu * 10}, peakRssBytes: ${cpu * 100} }`;
    expect(evaluate(`m.compareWithPeer(${summary(900, 1)}, ${summary(300, 4)})`)).toEqual({
      throughputRatio: 3,
      saturationServerCpuPerFlowRatio: 0.25,
      halfLoadServerCpuPerFlowRatio: 0.25,
      halfLoadP99Ratio: 0.25,
      peakRssRatio: 0.25,
    });
  });
});
