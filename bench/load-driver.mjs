// A small HTTP load driver on node:http (keep-alive sockets, one request in flight per
// socket, like a client app). Two shapes:
// - closed loop: `connections` clients, each sending its next flow when the last answers
//   (finds saturation; the emulator-latency scenario's "200 concurrent flows");
// - open loop: flows start at a fixed rate on an even schedule, whatever the answers do,
//   and each latency is measured from the flow's scheduled start, so a stalled server
//   cannot hide its queue (no coordinated omission).
// Every phase opens its keep-alive sockets before the clock starts: a busy Node server
// accepts about one new connection per event-loop turn (libuv), so 200 sockets opened at
// t=0 against a loaded server would sit unaccepted for seconds and measure a connection
// storm instead of 200 concurrent flows.
// autocannon's `overallRate` instead releases each connection's per-second quota in a
// burst at the top of every second, which measures a 50% load as half a second of 100%;
// that is why the fixed-rate phases use this driver, and all phases share it so their
// latencies compare.
import { Agent, request } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

const requestTimeoutMs = 10_000;

/**
 * Sends one request and resolves when its answer has been read in full (never rejects).
 * @returns {Promise<{ status: number, body: string } | { socketError: string }>}
 */
function send(agent, target, { method, path, headers, body }) {
  return new Promise((resolve) => {
    const req = request(
      { agent, host: target.hostname, port: target.port, method, path, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.once('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
        res.once('error', (error) => resolve({ socketError: error.code ?? error.message }));
      },
    );
    req.setTimeout(requestTimeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.once('error', (error) => resolve({ socketError: error.code ?? error.message }));
    req.end(body);
  });
}

/** The `error.code` of a non-2xx answer, or the bare status when the body has none. */
function describeFailure(answer) {
  if ('socketError' in answer) return `socket:${answer.socketError}`;
  try {
    const code = JSON.parse(answer.body)?.error?.code;
    if (typeof code === 'string') return `${answer.status}:${code}`;
  } catch {
    // Not JSON: fall through to the status alone.
  }
  return String(answer.status);
}

/**
 * Nearest-rank percentile of ascending `sorted` values.
 * @param {Float64Array} sorted
 * @param {number} fraction 0 < fraction <= 1
 */
export function percentile(sorted, fraction) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[rank - 1];
}

/** Opens `connections` keep-alive sockets with cheap concurrent GETs of `path`. */
async function openSockets(agent, target, connections, path) {
  const answers = await Promise.all(
    Array.from({ length: connections }, () => send(agent, target, { method: 'GET', path, headers: {}, body: '' })),
  );
  const failed = answers.find((answer) => 'socketError' in answer || answer.status >= 500);
  if (failed) throw new Error(`could not open the load sockets: ${describeFailure(failed)}`);
}

/**
 * Drives load at `target` for `durationMs`, then waits for every flow in flight to
 * answer, so the flows counted are exactly the flows the server worked on.
 * @param {{ target: URL, connections: number, durationMs: number, ratePerSecond?: number,
 *   nextRequest: () => { method: string, path: string, headers: Record<string, string>, body: string },
 *   isSuccess: (answer: { status: number, body: string }) => boolean, socketOpeningPath: string,
 *   onClockStart?: () => void }} options
 *   `ratePerSecond` given: open loop at that rate; absent: closed loop. `socketOpeningPath`: a cheap
 *   GET used to open the sockets before the clock starts; `onClockStart` runs once they are open,
 *   right before the first flow (to take CPU readings over the flows alone).
 * @returns {Promise<{ flows: number, failures: number, failureCodes: Record<string, number>,
 *   elapsedMs: number, flowsPerSecond: number, latencyMs: { p50: number, p99: number, max: number },
 *   offeredPerSecond: number | null, connections: number }>}
 */
export async function driveLoad({ target, connections, durationMs, ratePerSecond, nextRequest, isSuccess, socketOpeningPath, onClockStart }) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  await openSockets(agent, target, connections, socketOpeningPath);
  onClockStart?.();
  const latencies = [];
  const failureCodes = {};
  let failures = 0;
  let started = 0;

  const runFlow = async (scheduledAt) => {
    started += 1;
    const answer = await send(agent, target, nextRequest());
    const latency = performance.now() - scheduledAt;
    if (!('socketError' in answer) && isSuccess(answer)) {
      latencies.push(latency);
      return;
    }
    failures += 1;
    const code = describeFailure(answer);
    failureCodes[code] = (failureCodes[code] ?? 0) + 1;
  };

  const startedAt = performance.now();
  const deadline = startedAt + durationMs;
  const inFlight = new Set();
  const track = (promise) => {
    inFlight.add(promise);
    promise.finally(() => inFlight.delete(promise));
  };

  if (ratePerSecond === undefined) {
    const client = async () => {
      while (performance.now() < deadline) await runFlow(performance.now());
    };
    for (let index = 0; index < connections; index += 1) track(client());
  } else {
    const intervalMs = 1000 / ratePerSecond;
    let scheduled = 0;
    for (let now = performance.now(); now < deadline; now = performance.now()) {
      // Start every flow whose slot has come; timers are coarse, so several may be due.
      while (startedAt + scheduled * intervalMs <= now) {
        track(runFlow(startedAt + scheduled * intervalMs));
        scheduled += 1;
      }
      await delay(Math.max(0, startedAt + scheduled * intervalMs - performance.now()));
    }
  }
  while (inFlight.size > 0) await Promise.all([...inFlight]);
  const elapsedMs = performance.now() - startedAt;
  agent.destroy();

  const sorted = Float64Array.from(latencies).sort();
  return {
    flows: latencies.length,
    started,
    failures,
    failureCodes,
    elapsedMs,
    flowsPerSecond: (latencies.length * 1000) / elapsedMs,
    latencyMs: { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.length ? sorted[sorted.length - 1] : Number.NaN },
    offeredPerSecond: ratePerSecond ?? null,
    connections,
  };
}
