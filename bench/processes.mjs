// The processes under measurement: the backend and the gateway emulator, each in its own
// process so the emulator's CPU never counts as the server's. Their CPU time and peak RSS
// are read from /proc (Linux): the issue asks for the server's process.cpuUsage() delta,
// which only the process itself can call; /proc/<pid>/stat utime+stime is the same
// counter (all threads, user + system) read from outside, at clock-tick resolution.
import { spawn, execFileSync } from 'node:child_process';
import { openSync, closeSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

const clockTicksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** Asks the kernel for a free TCP port on the loopback interface. */
export function findFreePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** One HTTP GET; resolves with the status code, rejects on a socket error. */
function getStatus(url) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode));
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', reject);
    req.end();
  });
}

/**
 * Starts `node <script>` with `env`, its output appended to `logPath`, and resolves once
 * `readyUrl` answers any HTTP status below 500. Rejects if the process exits first or
 * is not ready within `timeoutMs`.
 * @param {{ name: string, script: string, env: Record<string, string>, logPath: string,
 *   readyUrl: string, nodeArgs?: string[], timeoutMs?: number }} options
 */
export async function startNodeProcess({ name, script, env, logPath, readyUrl, nodeArgs = [], timeoutMs = 15_000 }) {
  const log = openSync(logPath, 'a');
  const child = spawn(process.execPath, [...nodeArgs, script], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  let exited = null;
  child.once('exit', (code, signal) => {
    exited = { code, signal };
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`${name} exited during start-up (code ${exited.code}, signal ${exited.signal}); see ${logPath}`);
    try {
      const status = await getStatus(readyUrl);
      if (status < 500) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not answer ${readyUrl} within ${timeoutMs} ms; see ${logPath}`);
    }
    await delay(50);
  }
  return { name, child, pid: child.pid, logPath, hasExited: () => exited !== null };
}

/**
 * Stops a started process: SIGTERM (graceful shutdown, which also lets `--cpu-prof`
 * write its profile), then SIGKILL after `graceMs`.
 */
export async function stopNodeProcess(started, graceMs = 5000) {
  if (!started || started.hasExited()) return;
  const exited = new Promise((resolve) => started.child.once('exit', resolve));
  started.child.kill('SIGTERM');
  const timer = setTimeout(() => started.child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * The Node flags `npm start` gives the server (package.json scripts.start runs
 * `[VAR=value ...] node [flags] server/dist/server.js`), so the bench measures the process
 * users run. The variables are not taken: the bench sets the server's environment itself.
 * Throws if the start script no longer has that shape, rather than measuring something else.
 */
export function readProductionNodeFlags(packageJsonPath) {
  const start = JSON.parse(readFileSync(packageJsonPath, 'utf8')).scripts?.start ?? '';
  const match = /(?:^|&&\s*)(?:[A-Za-z_]\w*=\S*\s+)*node((?:\s+--[\w-]+(?:=\S+)?)*)\s+server\/dist\/server\.js(?:\s|$)/.exec(start);
  if (!match) throw new Error(`package.json scripts.start must run "node [flags] server/dist/server.js"; it is "${start}"`);
  return match[1].trim().split(/\s+/).filter(Boolean);
}

/** CPU time (user + system, every thread) the process has used so far, in ms. */
export function readProcessCpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name (which may contain spaces);
  // utime and stime are fields 14 and 15 of the whole line.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / clockTicksPerSecond;
}

/** The process and its children (WORKERS > 1: node:cluster's workers), from /proc. */
export function readProcessTree(pid) {
  const children = readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
  );
  return [pid, ...children];
}

/** CPU time of the process and its children so far, in ms (a cluster's primary and workers together). */
export function readTreeCpuMs(pid) {
  return readProcessTree(pid).reduce((total, member) => total + readProcessCpuMs(member), 0);
}

/** Peak resident set size since the process started (VmHWM), in bytes. */
export function readPeakRssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/**
 * The whole machine's CPU counters so far, in clock ticks, from the first line of /proc/stat:
 * busy is everything but idle and iowait (steal included: a core taken by the host is not ours).
 */
export function readMachineCpuTicks() {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/);
  // user nice system idle iowait irq softirq steal (guest time is already counted in user).
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number);
  const busy = user + nice + system + irq + softirq + (steal || 0);
  return { busy, total: busy + idle + iowait };
}

/** The share of the machine's CPU that was busy between two readMachineCpuTicks(), in percent. */
export function machineCpuBusyPercent(before, after) {
  const total = after.total - before.total;
  return total > 0 ? ((after.busy - before.busy) / total) * 100 : Number.NaN;
}

/**
 * CPU time so far (ms) of every process whose /proc/<pid>/comm is one of `commands`
 * (`postgres`, `redis-server`), by pid. A process that exits between two readings takes its
 * CPU with it; the databases' backends live as long as the server's pooled connections.
 * @param {string[]} commands
 * @returns {Map<number, { command: string, cpuMs: number }>}
 */
export function readCpuMsByCommand(commands) {
  const found = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const command = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (commands.includes(command)) found.set(Number(entry), { command, cpuMs: readProcessCpuMs(Number(entry)) });
    } catch {
      // Gone between the listing and the read.
    }
  }
  return found;
}

/**
 * CPU used per command between two readCpuMsByCommand() readings, in ms; a process born in
 * between counts from zero.
 * @returns {Record<string, number>}
 */
export function cpuMsByCommandBetween(before, after) {
  const used = {};
  for (const [pid, { command, cpuMs }] of after) used[command] = (used[command] ?? 0) + cpuMs - (before.get(pid)?.cpuMs ?? 0);
  return used;
}
