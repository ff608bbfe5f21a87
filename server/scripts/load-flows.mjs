// Load test of whole verification flows against the server as `npm start` runs it (the
// emulator embedded in the same process, reached over HTTP through the gateway transport):
// LOAD_CONCURRENCY clients (default 200), each running flows back to back for
// LOAD_DURATION_S seconds (default 30). One flow is what a person's visit costs:
//   POST /api/sessions → POST /api/verifications → the emulator's outcome endpoint (PASSED,
//   as the certify page's button does) → GET /api/verifications/:id until PASSED.
// Not a jest test: it takes half a minute of both cores. Prints the flows, the server's CPU
// per flow, the errors by step and status (the target is 0), and flow and step latencies.
//
//   npm run build && node server/scripts/load-flows.mjs
//
// Settings (environment): LOAD_CONCURRENCY, LOAD_DURATION_S, LOAD_URL (a server already
// running in emulator mode with raised rate limits; default: start server/dist/server.js
// on a free port with a fresh DATA_DIR and stop it after). The started server gets the
// `npm start` defaults (LOG_LEVEL info included, to server.log in its DATA_DIR) except the
// rate limits, raised as bench/run.mjs raises them: one load client is one IP, and
// RATE_LIMIT_PER_IP_PER_MINUTE would refuse it, not the server.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createIdentitySequence, loadTestIdentities } from '../../bench/identities.mjs';
import { findFreePort, readProcessCpuMs, readProductionNodeFlags, startNodeProcess, stopNodeProcess } from '../../bench/processes.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

function readSetting(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number`);
  return value;
}

const concurrency = readSetting('LOAD_CONCURRENCY', 200);
const durationMs = readSetting('LOAD_DURATION_S', 30) * 1000;
/** A poll answered PENDING is retried after this long, at most POLL_TRIES times. */
const POLL_INTERVAL_MS = 200;
const POLL_TRIES = 25;

const RAISED_RATE_LIMITS = {
  RATE_LIMIT_PER_USER: '1000000000',
  RATE_LIMIT_PER_CERT_NO: '1000000000',
  RATE_LIMIT_PER_IP_PER_MINUTE: '0',
};

const log = (line) => process.stderr.write(`${line}\n`);

async function startServer(dataDir) {
  const port = await findFreePort();
  const server = await startNodeProcess({
    name: 'server',
    script: join(root, 'server/dist/server.js'),
    env: { ALIPAY_MODE: 'emulator', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, ...RAISED_RATE_LIMITS },
    logPath: join(dataDir, 'server.log'),
    readyUrl: `http://127.0.0.1:${port}/healthz`,
    nodeArgs: readProductionNodeFlags(join(root, 'package.json')),
  });
  return { server, baseUrl: `http://127.0.0.1:${port}` };
}

/** Every error seen, as `step status-or-error` → count. */
const errors = new Map();
const stepLatencies = new Map();
const flowLatencies = [];

function countError(step, what) {
  const key = `${step} ${what}`;
  errors.set(key, (errors.get(key) ?? 0) + 1);
}

/** One request; resolves with the status and JSON body, or records the failure and resolves undefined. */
async function call(baseUrl, step, expected, { method = 'GET', path, token, body }) {
  const started = performance.now();
  let response;
  let json;
  try {
    response = await fetch(new URL(path, baseUrl), {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    json = await response.json();
  } catch (error) {
    countError(step, error.cause?.code ?? error.code ?? error.name);
    return undefined;
  }
  const latencies = stepLatencies.get(step) ?? [];
  latencies.push(performance.now() - started);
  stepLatencies.set(step, latencies);
  if (response.status !== expected) {
    countError(step, `${response.status} ${json?.error?.code ?? ''}`.trim());
    return undefined;
  }
  return json;
}

async function runFlow(baseUrl, nextIdentity, consentVersion) {
  const started = performance.now();
  const session = await call(baseUrl, 'session', 201, { method: 'POST', path: '/api/sessions', body: { authCode: `load-${randomUUID()}` } });
  if (!session) return;
  const created = await call(baseUrl, 'create', 201, {
    method: 'POST',
    path: '/api/verifications',
    token: session.token,
    body: { ...nextIdentity(), consentVersion },
  });
  if (!created) return;
  const outcome = await call(baseUrl, 'outcome', 200, {
    method: 'POST',
    path: `/emulator/certifications/${created.certifyId}/outcome`,
    body: { outcome: 'PASSED' },
  });
  if (!outcome) return;
  for (let tries = 0; tries < POLL_TRIES; tries += 1) {
    const view = await call(baseUrl, 'poll', 200, { path: `/api/verifications/${created.verificationId}`, token: session.token });
    if (!view) return;
    if (view.status === 'PASSED') {
      flowLatencies.push(performance.now() - started);
      return;
    }
    await delay(POLL_INTERVAL_MS);
  }
  countError('poll', 'still PENDING');
}

function percentile(values, share) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))];
}

const ms = (value) => `${Math.round(value)} ms`;

async function main() {
  const identities = await loadTestIdentities();
  const nextIdentity = createIdentitySequence(identities, 3_000_000);
  let dataDir;
  let started;
  let baseUrl = process.env.LOAD_URL;
  if (!baseUrl) {
    dataDir = mkdtempSync(join(tmpdir(), 'load-flows-'));
    ({ server: started, baseUrl } = await startServer(dataDir));
  }
  try {
    const notice = await (await fetch(new URL('/api/consent-notice?lang=zh-CN', baseUrl))).json();
    log(`${concurrency} clients, ${durationMs / 1000} s, against ${baseUrl}`);
    const deadline = performance.now() + durationMs;
    const client = async () => {
      while (performance.now() < deadline) await runFlow(baseUrl, nextIdentity, notice.version);
    };
    const runStarted = performance.now();
    const cpuBefore = started ? readProcessCpuMs(started.pid) : undefined;
    await Promise.all(Array.from({ length: concurrency }, client));
    const seconds = (performance.now() - runStarted) / 1000;
    // The server's own CPU per flow (emulator included, it runs in the same process): unlike
    // flows per second, it does not move when other processes share the machine.
    const cpuPerFlow = cpuBefore === undefined ? undefined : (readProcessCpuMs(started.pid) - cpuBefore) / Math.max(1, flowLatencies.length);
    const errorCount = [...errors.values()].reduce((sum, count) => sum + count, 0);
    const lines = [
      `flows completed: ${flowLatencies.length} (${(flowLatencies.length / seconds).toFixed(1)}/s over ${seconds.toFixed(1)} s)`,
      ...(cpuPerFlow === undefined ? [] : [`server CPU: ${cpuPerFlow.toFixed(1)} ms per completed flow`]),
      `errors: ${errorCount}${errorCount ? ` (${[...errors].map(([key, count]) => `${key}: ${count}`).join(', ')})` : ''}`,
      `flow latency: p50 ${ms(percentile(flowLatencies, 0.5))}, p95 ${ms(percentile(flowLatencies, 0.95))}, p99 ${ms(percentile(flowLatencies, 0.99))}, max ${ms(Math.max(...flowLatencies))}`,
      ...[...stepLatencies].map(
        ([step, values]) => `  ${step}: ${values.length} requests, p50 ${ms(percentile(values, 0.5))}, p99 ${ms(percentile(values, 0.99))}, max ${ms(Math.max(...values))}`,
      ),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    process.exitCode = errorCount === 0 ? 0 : 1;
  } finally {
    await stopNodeProcess(started);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  log(error.stack ?? String(error));
  process.exit(1);
});
