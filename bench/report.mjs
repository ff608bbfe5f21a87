// Turns the measured runs into medians, the peer comparison, the targets, tables for
// people and the one-line summary printed last.

/** The targets of issue 13: each a ratio, or a figure that does not depend on the host's speed. */
export const TARGETS = {
  minThroughputOverPeer: 3,
  maxCpuRatioAtSaturation: 1.5,
  maxCpuRatioAtHalfLoad: 2.0,
  maxP99AtHalfLoadMs: 15,
  minLatencyScenarioShare: 0.8,
  maxPeakRssBytes: 110 * 1024 * 1024,
};

const mib = (bytes) => bytes / (1024 * 1024);
const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** The median of finite values (the mean of the middle two for an even count); NaN if none. */
export function median(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * The median of each figure over one system's rounds, taken figure by figure. Saturation's
 * flows/s is the best closed-loop ramp step; its CPU per flow comes from the open-loop phase
 * at 100% of that rate, which runs longer than a ramp step and so measures CPU more steadily.
 */
export function summarizeSystem(runs) {
  const of = (pick) => median(runs.map(pick));
  const summary = {
    rounds: runs.length,
    saturationClients: of((run) => run.saturation.connections),
    saturationFlowsPerSecond: of((run) => run.saturation.flowsPerSecond),
    saturationServerCpuMsPerFlow: of((run) => run.fullLoad.serverCpuMsPerFlow),
    saturationCpuRatio: of((run) => run.fullLoad.cpuRatio),
    saturationMachineCpuBusyPercent: of((run) => run.fullLoad.machineCpuBusyPercent),
    halfLoadServerCpuMsPerFlow: of((run) => run.halfLoad.serverCpuMsPerFlow),
    halfLoadCpuRatio: of((run) => run.halfLoad.cpuRatio),
    halfLoadP50Ms: of((run) => run.halfLoad.latencyMs.p50),
    halfLoadP99Ms: of((run) => run.halfLoad.latencyMs.p99),
    halfLoadMachineCpuBusyPercent: of((run) => run.halfLoad.machineCpuBusyPercent),
    peakRssBytes: of((run) => run.peakRssBytes),
    failures: runs.reduce((sum, run) => sum + run.phases.reduce((total, phase) => total + phase.failures, 0), 0),
  };
  if (runs.every((run) => run.latencyPhase)) {
    summary.latencyScenarioFlowsPerSecond = of((run) => run.latencyPhase.flowsPerSecond);
    summary.latencyScenarioP99Ms = of((run) => run.latencyPhase.latencyMs.p99);
  }
  return summary;
}

/** Ours over a peer, from the medians: above 1 is better for throughput, below 1 for CPU and latency. */
export function compareWithPeer(ours, peer) {
  return {
    throughputRatio: ours.saturationFlowsPerSecond / peer.saturationFlowsPerSecond,
    saturationServerCpuPerFlowRatio: ours.saturationServerCpuMsPerFlow / peer.saturationServerCpuMsPerFlow,
    halfLoadServerCpuPerFlowRatio: ours.halfLoadServerCpuMsPerFlow / peer.halfLoadServerCpuMsPerFlow,
    halfLoadP99Ratio: ours.halfLoadP99Ms / peer.halfLoadP99Ms,
    peakRssRatio: ours.peakRssBytes / peer.peakRssBytes,
  };
}

/**
 * Evaluates the targets on the medians. The latency scenario is held to min(the crypto
 * ceiling on libuv's thread pool, concurrency / latency): the thread-pool figure is what the
 * machine's usable cores sign and verify together, measured rather than multiplied. Without a
 * peer (`--store postgres`, `--workers N`) the throughput target is not evaluated: `met` is null.
 * @param {{ crypto: object, ours: object, peer?: object, latencyClients: number, latencyMs: number }} input
 */
export function evaluateTargets({ crypto, ours, peer, latencyClients, latencyMs }) {
  const throughputRatio = peer ? ours.saturationFlowsPerSecond / peer.saturationFlowsPerSecond : Number.NaN;
  const gatewayBound = latencyClients / (latencyMs / 1000);
  const expectedFlowsPerSecond = Math.min(crypto.threadPoolFlowsPerSecond, gatewayBound);
  const latencyShare = ours.latencyScenarioFlowsPerSecond / expectedFlowsPerSecond;
  return [
    {
      name: 'throughput / the peer with storage',
      target: `>= ${TARGETS.minThroughputOverPeer}x`,
      measured: peer ? `${fixed(ours.saturationFlowsPerSecond, 0)} / ${fixed(peer.saturationFlowsPerSecond, 0)} = ${fixed(throughputRatio, 2)}x` : 'no peer in this mode',
      value: peer ? throughputRatio : null,
      unit: 'ratio',
      met: peer ? throughputRatio >= TARGETS.minThroughputOverPeer : null,
    },
    {
      name: 'server CPU per flow / crypto, at saturation',
      target: `<= ${TARGETS.maxCpuRatioAtSaturation}x`,
      measured: `${fixed(ours.saturationCpuRatio, 2)}x`,
      value: ours.saturationCpuRatio,
      unit: 'ratio',
      met: ours.saturationCpuRatio <= TARGETS.maxCpuRatioAtSaturation,
    },
    {
      name: 'server CPU per flow / crypto, at 50% load',
      target: `<= ${TARGETS.maxCpuRatioAtHalfLoad}x`,
      measured: `${fixed(ours.halfLoadCpuRatio, 2)}x`,
      value: ours.halfLoadCpuRatio,
      unit: 'ratio',
      met: ours.halfLoadCpuRatio <= TARGETS.maxCpuRatioAtHalfLoad,
    },
    {
      name: 'p99 latency at 50% load',
      target: `<= ${TARGETS.maxP99AtHalfLoadMs} ms`,
      measured: `${fixed(ours.halfLoadP99Ms, 1)} ms`,
      value: ours.halfLoadP99Ms,
      unit: 'ms',
      met: ours.halfLoadP99Ms <= TARGETS.maxP99AtHalfLoadMs,
    },
    {
      name: `${latencyMs} ms gateway, ${latencyClients} concurrent: flows/s / min(thread-pool crypto limit, concurrency/latency)`,
      target: `>= ${TARGETS.minLatencyScenarioShare * 100}%`,
      measured: `${fixed(ours.latencyScenarioFlowsPerSecond, 0)} / min(${fixed(crypto.threadPoolFlowsPerSecond, 0)}, ${fixed(gatewayBound, 0)}) = ${fixed(latencyShare * 100, 0)}%`,
      value: latencyShare,
      unit: 'share',
      met: latencyShare >= TARGETS.minLatencyScenarioShare,
    },
    {
      name: 'server peak RSS',
      target: `<= ${mib(TARGETS.maxPeakRssBytes)} MiB`,
      measured: `${fixed(mib(ours.peakRssBytes), 1)} MiB`,
      value: ours.peakRssBytes,
      unit: 'bytes',
      met: ours.peakRssBytes <= TARGETS.maxPeakRssBytes,
    },
  ];
}

function renderTable(header, rows) {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => String(row[column]).length)));
  const line = (cells) => `| ${cells.map((cell, column) => String(cell).padEnd(widths[column])).join(' | ')} |`;
  return [line(header), `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

/**
 * Every phase of every run as a Markdown table. The database columns appear when the run
 * measured them (`--store postgres`).
 */
export function renderPhaseTable(phases) {
  const withDatabases = phases.some((phase) => phase.postgresCpuMsPerFlow !== undefined);
  return renderTable(
    [
      'phase', 'clients', 'offered/s', 'flows/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'server CPU ms/flow', 'x crypto',
      'emulator CPU ms/flow', 'machine CPU busy %', ...(withDatabases ? ['postgres CPU ms/flow', 'redis CPU ms/flow'] : []),
    ],
    phases.map((phase) => [
      phase.name,
      phase.connections,
      phase.offeredFlowsPerSecond === null ? 'closed loop' : fixed(phase.offeredFlowsPerSecond, 0),
      fixed(phase.flowsPerSecond, 0),
      fixed(phase.latencyMs.p50, 1),
      fixed(phase.latencyMs.p99, 1),
      fixed(phase.latencyMs.max, 1),
      phase.failures,
      fixed(phase.serverCpuMsPerFlow, 2),
      fixed(phase.cpuRatio, 2),
      fixed(phase.emulatorCpuMsPerFlow, 2),
      fixed(phase.machineCpuBusyPercent, 0),
      ...(withDatabases ? [fixed(phase.postgresCpuMsPerFlow, 2), fixed(phase.redisCpuMsPerFlow, 2)] : []),
    ]),
  );
}

/** The crypto baseline as a Markdown table. */
export function renderCryptoTable(crypto) {
  return renderTable(
    [
      'RSA2 keys (app / gateway)', 'sign µs CPU', 'verify µs CPU', 'crypto µs CPU/flow (2 sign + 1 verify)', 'limit, 1 thread (flows/s)',
      `limit, thread pool of ${crypto.threadPoolSize} (flows/s)`, 'thread pool µs CPU/flow',
    ],
    [[
      `${crypto.appKeyBits} / ${crypto.gatewayKeyBits} bit`,
      fixed(crypto.signCpuUs, 0),
      fixed(crypto.verifyCpuUs, 0),
      fixed(crypto.cpuUsPerFlow, 0),
      fixed(crypto.singleThreadFlowsPerSecond, 0),
      fixed(crypto.threadPoolFlowsPerSecond, 0),
      fixed(crypto.threadPoolCpuUsPerFlow, 0),
    ]],
  );
}

/**
 * The peer comparison (the table): the medians of each system, then ours over each
 * peer. `systems` is [{ label, summary }], ours first.
 */
export function renderComparisonTable(systems) {
  const [ours, ...peers] = systems;
  const rows = systems.map(({ label, summary }) => [
    label,
    fixed(summary.saturationFlowsPerSecond, 0),
    `${fixed(summary.saturationServerCpuMsPerFlow, 2)} (${fixed(summary.halfLoadServerCpuMsPerFlow, 2)})`,
    `${fixed(summary.saturationCpuRatio, 2)}x (${fixed(summary.halfLoadCpuRatio, 2)}x)`,
    fixed(summary.halfLoadP99Ms, 1),
    fixed(mib(summary.peakRssBytes), 1),
    `${fixed(summary.saturationMachineCpuBusyPercent, 0)} (${fixed(summary.halfLoadMachineCpuBusyPercent, 0)})`,
  ]);
  for (const peer of peers) {
    const ratio = compareWithPeer(ours.summary, peer.summary);
    rows.push([
      `ours / ${peer.label}`,
      `${fixed(ratio.throughputRatio, 2)}x`,
      `${fixed(ratio.saturationServerCpuPerFlowRatio, 2)}x (${fixed(ratio.halfLoadServerCpuPerFlowRatio, 2)}x)`,
      '',
      `${fixed(ratio.halfLoadP99Ratio, 2)}x`,
      `${fixed(ratio.peakRssRatio, 2)}x`,
      '',
    ]);
  }
  return renderTable(
    ['system', 'saturation flows/s', 'server CPU ms/flow at saturation (at 50% load)', '÷ crypto', 'p99 ms at 50% load', 'peak RSS MiB', 'machine CPU busy % at saturation (at 50%)'],
    rows,
  );
}

/** The targets as a Markdown table. */
export function renderTargetTable(targets) {
  return renderTable(
    ['target', 'goal', 'measured', 'result'],
    targets.map((target) => [target.name, target.target, target.measured, target.met === null ? 'not evaluated' : target.met ? 'met' : 'MISSED']),
  );
}

/**
 * How the gateway-latency scenario compares with saturation without latency. Near 100%
 * means the server keeps its CPU busy while 200 flows wait on the gateway, i.e. nothing
 * blocks on the gateway; far below means something serializes the waiting flows.
 */
export function describeGatewayOverlap({ ours, latencyClients, latencyMs }) {
  const share = ours.latencyScenarioFlowsPerSecond / ours.saturationFlowsPerSecond;
  return {
    share,
    line:
      `With ${latencyMs} ms of gateway latency and ${latencyClients} concurrent flows the server ran ` +
      `${fixed(ours.latencyScenarioFlowsPerSecond, 0)} flows/s, ${fixed(share * 100, 0)}% of its saturation rate without latency ` +
      `(${fixed(ours.saturationFlowsPerSecond, 0)} flows/s; medians).`,
  };
}

/** The targets line: each target's result in a few words, then how many were met. */
export function renderTargetsLine(targets) {
  const evaluated = targets.filter((target) => target.met !== null);
  const met = evaluated.filter((target) => target.met).length;
  const parts = targets.map((target) => `${target.name.split(':')[0]} ${target.measured} (${target.target}) ${target.met === null ? 'not evaluated' : target.met ? 'met' : 'MISSED'}`);
  return `targets ${met}/${evaluated.length} met: ${parts.join('; ')}`;
}

/** The one line printed last; `failedFlows` counts every system's failed flows. */
export function summarize({ crypto, ours, comparison, targets, failedFlows }) {
  const evaluated = targets.filter((target) => target.met !== null);
  return [
    `bench: saturation ${fixed(ours.saturationFlowsPerSecond, 0)} flows/s at ${fixed(ours.saturationClients, 0)} clients (median of ${ours.rounds})`,
    comparison ? `${fixed(comparison.throughputRatio, 2)}x the peer with storage` : 'no peer in this mode',
    `RSA sign ${fixed(crypto.signCpuUs, 0)} µs, crypto ${fixed(crypto.cpuUsPerFlow / 1000, 2)} ms/flow (limit ${fixed(crypto.singleThreadFlowsPerSecond, 0)}/s per thread, ${fixed(crypto.threadPoolFlowsPerSecond, 0)}/s on the thread pool)`,
    `server CPU/flow ${fixed(ours.saturationServerCpuMsPerFlow, 2)} ms @100% = ${fixed(ours.saturationCpuRatio, 2)}x crypto, ${fixed(ours.halfLoadServerCpuMsPerFlow, 2)} ms @50% = ${fixed(ours.halfLoadCpuRatio, 2)}x`,
    `p99 @50% ${fixed(ours.halfLoadP99Ms, 1)} ms`,
    `gateway latency: ${fixed(ours.latencyScenarioFlowsPerSecond, 0)} flows/s`,
    `peak RSS ${fixed(mib(ours.peakRssBytes), 0)} MiB`,
    ...(failedFlows > 0 ? [`${failedFlows} FAILED flows (errors column of the phase table)`] : []),
    `targets ${evaluated.filter((target) => target.met).length}/${evaluated.length} met`,
  ].join(' | ');
}
