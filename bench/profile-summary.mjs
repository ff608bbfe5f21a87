// Summarizes a V8 CPU profile (from BENCH_CPU_PROF=1 npm run bench) into where the
// server's CPU went: self time by package or area, then the hottest functions.
// Usage: node bench/profile-summary.mjs artifacts/bench/<file>.cpuprofile [top=25]
import { readFileSync } from 'node:fs';

/** The area a frame belongs to, from its script URL. */
function areaOf({ url, functionName }) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inPackage) return inPackage[1];
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').split('/').slice(0, 2).join('/');
  if (url.includes('/server/dist/')) return 'server (our code)';
  return url;
}

/**
 * Self time per area and per function, in ms.
 * @param {{ nodes: Array<{ id: number, callFrame: { functionName: string, url: string, lineNumber: number } }>,
 *   samples: number[], timeDeltas: number[] }} profile
 */
export function summarizeProfile(profile) {
  const nodesById = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map();
  profile.samples.forEach((id, index) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const byArea = new Map();
  const byFunction = new Map();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const { callFrame } = nodesById.get(id);
    totalUs += us;
    const area = areaOf(callFrame);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
    const name = `${callFrame.functionName || '(anonymous)'} ${callFrame.url ? `${callFrame.url.replace(/^.*\/(node_modules|server)\//, '$1/')}:${callFrame.lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  }
  const sorted = (map) => [...map].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: us / 1000 }));
  return { totalMs: totalUs / 1000, byArea: sorted(byArea), byFunction: sorted(byFunction) };
}

function main() {
  const [path, topArg] = process.argv.slice(2);
  if (!path) {
    process.stderr.write('usage: node bench/profile-summary.mjs <file.cpuprofile> [top]\n');
    process.exitCode = 2;
    return;
  }
  const top = Number(topArg ?? 25);
  const summary = summarizeProfile(JSON.parse(readFileSync(path, 'utf8')));
  const busyMs = summary.totalMs - (summary.byArea.find((area) => area.name === '(idle)')?.ms ?? 0);
  const share = (ms) => `${((ms / busyMs) * 100).toFixed(1).padStart(5)}%`;
  const lines = [`profile: ${summary.totalMs.toFixed(0)} ms sampled, ${busyMs.toFixed(0)} ms busy (shares below are of busy time)`, '', 'by area (top 15):'];
  for (const area of summary.byArea.filter((entry) => entry.name !== '(idle)').slice(0, 15)) lines.push(`  ${share(area.ms)}  ${area.ms.toFixed(0).padStart(7)} ms  ${area.name}`);
  lines.push('', `top ${top} functions (self time):`);
  for (const fn of summary.byFunction.filter((entry) => !entry.name.startsWith('(idle)')).slice(0, top)) {
    lines.push(`  ${share(fn.ms)}  ${fn.ms.toFixed(0).padStart(7)} ms  ${fn.name}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
