// `npm run bench`: how close the backend comes to the RSA2 limit of one verification,
// measured in one run on this machine (issue 5). Starts the gateway emulator and the
// backend as two processes with production settings, times the pure crypto of a flow,
// drives POST /api/verifications (closed loop to find saturation, then open loop at 50%
// and 100% of it, then 200 clients against a gateway that answers in 100 ms), and writes
// bench/results.json. Everything it starts is stopped on exit, failure or Ctrl-C.
//
// Settings (environment): BENCH_DURATION_S (each fixed phase, default 10), BENCH_RAMP_STEP_S
// (each saturation step, default 3), BENCH_CRYPTO_S (crypto timing, default 2),
// BENCH_LATENCY_MS (default 100), BENCH_LATENCY_CLIENTS (default 200), BENCH_SESSIONS
// (default 256), BENCH_CPU_PROF=1 (write a V8 CPU profile of the server to
// artifacts/bench/), BENCH_KEEP_DATA=1 (keep the temporary DATA_DIR and logs).
//
// Store and processes (issue 11): `npm run bench -- --store postgres` runs the server on a
// fresh, migrated database of the local PostgreSQL with REDIS_URL on the local Redis (both
// from scripts/services.sh), as a scale-out deployment runs; `--workers N` starts it with
// WORKERS=N (PostgreSQL only). Server CPU is then the primary's and its workers' together.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureCryptoBaseline } from './crypto-baseline.mjs';
import { createIdentitySequence, loadTestIdentities } from './identities.mjs';
import { readServerKeySizes } from './key-sizes.mjs';
import { driveLoad } from './load-driver.mjs';
import { findFreePort, readPeakRssBytes, readProcessCpuMs, readProcessTree, readProductionNodeFlags, readTreeCpuMs, startNodeProcess, stopNodeProcess } from './processes.mjs';
import { describeGatewayOverlap, evaluateTargets, renderCryptoTable, renderPhaseTable, renderTargetTable, summarize } from './report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

function readSetting(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number`);
  return value;
}

/** `--store sqlite|postgres` and `--workers N` from the command line. */
function readArguments(argv) {
  const options = { store: 'sqlite', workers: 1 };
  for (let index = 0; index < argv.length; index += 1) {
    const [flag, inline] = argv[index].split('=', 2);
    const value = inline ?? argv[(index += 1)];
    if (flag === '--store' && (value === 'sqlite' || value === 'postgres')) options.store = value;
    else if (flag === '--workers' && /^[1-9]\d*$/.test(value ?? '')) options.workers = Number(value);
    else throw new RangeError(`usage: npm run bench -- [--store sqlite|postgres] [--workers N]; got ${argv.join(' ')}`);
  }
  if (options.workers > 1 && options.store !== 'postgres') throw new RangeError('--workers N > 1 needs --store postgres (as WORKERS needs DATABASE_URL)');
  return options;
}

const settings = {
  ...readArguments(process.argv.slice(2)),
  phaseSeconds: readSetting('BENCH_DURATION_S', 10),
  rampStepSeconds: readSetting('BENCH_RAMP_STEP_S', 3),
  cryptoSeconds: readSetting('BENCH_CRYPTO_S', 2),
  emulatorLatencyMs: readSetting('BENCH_LATENCY_MS', 100),
  latencyClients: readSetting('BENCH_LATENCY_CLIENTS', 200),
  sessions: readSetting('BENCH_SESSIONS', 256),
  cpuProfile: process.env.BENCH_CPU_PROF === '1',
  keepData: process.env.BENCH_KEEP_DATA === '1',
};

/** Closed-loop client counts tried while looking for saturation. */
const RAMP_CLIENTS = [1, 2, 4, 8, 16, 32, 64];
/** A step must beat the best rate so far by this factor for the ramp to go on. */
const RAMP_MIN_GAIN = 1.05;

/** A cheap unauthenticated GET (utils/api-contract.ts ClientConfig), to open sockets before a phase. */
const SOCKET_OPENING_PATH = '/api/client-config';

const log = (line) => process.stderr.write(`${line}\n`);

/** Every limit raised out of the way: the bench measures throughput, not the limiter. */
const RAISED_RATE_LIMITS = {
  RATE_LIMIT_PER_USER: '1000000000',
  RATE_LIMIT_PER_CERT_NO: '1000000000',
  RATE_LIMIT_PER_IP_PER_MINUTE: '0',
};

/**
 * A fresh database on the local PostgreSQL, migrated by `npm run migrate`, and the local Redis
 * (scripts/services.sh starts both if needed).
 */
function prepareScaleOutStores() {
  const output = execFileSync(join(root, 'scripts/services.sh'), ['start'], { encoding: 'utf8' });
  const urls = Object.fromEntries(output.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  const name = `bench_${randomBytes(4).toString('hex')}`;
  const databaseUrl = new URL(urls.DATABASE_URL);
  execFileSync('psql', [urls.DATABASE_URL, '-qc', `create database ${name}`]);
  databaseUrl.pathname = `/${name}`;
  execFileSync('npm', ['run', '--silent', 'migrate'], { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl.href }, stdio: 'ignore' });
  return { DATABASE_URL: databaseUrl.href, REDIS_URL: urls.REDIS_URL };
}

/**
 * Starts the emulator, then the backend. Each process is pushed to `running` as soon as it
 * is up, so a failure or Ctrl-C halfway still stops what was started.
 */
async function startStack(dataDir, running) {
  const emulatorPort = await findFreePort();
  const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
  const emulator = await startNodeProcess({
    name: 'emulator',
    script: join(root, 'server/dist/emulator.js'),
    env: { EMULATOR_PORT: String(emulatorPort), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    logPath: join(dataDir, 'emulator.log'),
    readyUrl: `${emulatorUrl}/emulator/faults`,
  });
  running.push(emulator);
  const serverPort = await findFreePort();
  const serverUrl = new URL(`http://127.0.0.1:${serverPort}`);
  const profileDir = join(root, 'artifacts/bench');
  if (settings.cpuProfile) mkdirSync(profileDir, { recursive: true });
  const server = await startNodeProcess({
    name: 'server',
    script: join(root, 'server/dist/server.js'),
    env: {
      // The external emulator stands in for Alipay; the server refuses emulator mode with
      // NODE_ENV=production, which nothing in it reads otherwise.
      ALIPAY_MODE: 'emulator',
      PORT: String(serverPort),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      EMULATOR_URL: emulatorUrl,
      ...RAISED_RATE_LIMITS,
      ...(settings.store === 'postgres' ? prepareScaleOutStores() : {}),
      WORKERS: String(settings.workers),
    },
    logPath: join(dataDir, 'server.log'),
    readyUrl: new URL('/api/client-config', serverUrl).href,
    nodeArgs: [...readProductionNodeFlags(join(root, 'package.json')), ...(settings.cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
  });
  running.push(server);
  return { emulator, emulatorUrl, server, serverUrl, profileDir };
}

/** Sets the emulator's answer delay at run time (its fault-injection endpoint). */
async function setEmulatorLatency(emulatorUrl, latencyMs) {
  const response = await fetch(`${emulatorUrl}/emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ latencyMs }),
  });
  if (!response.ok) throw new Error(`the emulator refused latencyMs=${latencyMs}: HTTP ${response.status}`);
}

/** One session per simulated user (distinct auth codes are distinct Alipay users), made before any measurement. */
async function createSessions(serverUrl, count) {
  const runId = randomUUID().slice(0, 8);
  const tokens = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      const response = await fetch(new URL('/api/sessions', serverUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ authCode: `bench-${runId}-${index}` }),
      });
      const body = await response.json();
      if (response.status !== 201 || typeof body.token !== 'string') {
        throw new Error(`POST /api/sessions answered ${response.status} ${body?.error?.code ?? ''}`);
      }
      tokens[index] = body.token;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return tokens;
}

/** A 201 whose body is a CreateVerificationResponse (utils/api-contract.ts). */
function isCreatedVerification(answer) {
  if (answer.status !== 201) return false;
  try {
    const body = JSON.parse(answer.body);
    return typeof body.verificationId === 'string' && typeof body.certifyId === 'string' && typeof body.url === 'string';
  } catch {
    return false;
  }
}

/** The version of the server's zh-CN data notice, which every verification request consents to, as a client's does. */
async function readConsentVersion(serverUrl) {
  const response = await fetch(new URL('/api/consent-notice?lang=zh-CN', serverUrl));
  const body = await response.json();
  if (response.status !== 200 || typeof body.version !== 'string') {
    throw new Error(`GET /api/consent-notice answered ${response.status} ${body?.error?.code ?? ''}`);
  }
  return body.version;
}

function createRequestFactory(tokens, nextIdentity, consentVersion) {
  let turn = 0;
  return () => {
    const token = tokens[turn % tokens.length];
    turn += 1;
    return {
      method: 'POST',
      path: '/api/verifications',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() },
      body: JSON.stringify({ ...nextIdentity(), consentVersion }),
    };
  };
}

/** Peak RSS of the server: of its process, or its workers' summed (the primary only forks). */
function readServerPeakRss(pid) {
  return readProcessTree(pid).reduce((total, member) => total + readPeakRssBytes(member), 0);
}

/** Runs one phase and charges the server's and the emulator's CPU over it to its flows. */
async function measurePhase(name, stack, crypto, load) {
  let serverCpuBefore;
  let emulatorCpuBefore;
  let benchCpuBefore;
  const result = await driveLoad({
    target: stack.serverUrl,
    isSuccess: isCreatedVerification,
    socketOpeningPath: SOCKET_OPENING_PATH,
    onClockStart: () => {
      serverCpuBefore = readTreeCpuMs(stack.server.pid);
      emulatorCpuBefore = readProcessCpuMs(stack.emulator.pid);
      benchCpuBefore = process.cpuUsage();
    },
    ...load,
  });
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const serverCpuMs = readTreeCpuMs(stack.server.pid) - serverCpuBefore;
  const emulatorCpuMs = readProcessCpuMs(stack.emulator.pid) - emulatorCpuBefore;
  const serverCpuMsPerFlow = serverCpuMs / result.flows;
  const phase = {
    name,
    ...result,
    serverCpuMs,
    serverCpuMsPerFlow,
    cpuRatio: serverCpuMsPerFlow / (crypto.usPerFlow / 1000),
    emulatorCpuMsPerFlow: emulatorCpuMs / result.flows,
    loadDriverCpuMsPerFlow: (benchCpu.user + benchCpu.system) / 1000 / result.flows,
    serverPeakRssBytes: readServerPeakRss(stack.server.pid),
  };
  const failures = phase.failures > 0 ? `, failures ${JSON.stringify(phase.failureCodes)}` : '';
  log(
    `  ${name}: ${phase.flowsPerSecond.toFixed(0)} flows/s, p99 ${phase.latencyMs.p99.toFixed(1)} ms, ` +
      `server ${serverCpuMsPerFlow.toFixed(2)} ms CPU/flow (${phase.cpuRatio.toFixed(2)}x crypto)${failures}`,
  );
  return phase;
}

/**
 * Doubles the closed-loop clients until flows/s stops growing (two steps in a row without a
 * 5% gain, so one noisy step does not end the ramp); the best step is saturation.
 */
async function findSaturation(stack, crypto, nextRequest) {
  const steps = [];
  let best;
  let stepsWithoutGain = 0;
  for (const connections of RAMP_CLIENTS) {
    const step = await measurePhase(`ramp ${connections}`, stack, crypto, {
      connections,
      durationMs: settings.rampStepSeconds * 1000,
      nextRequest,
    });
    steps.push(step);
    const gained = !best || step.flowsPerSecond >= best.flowsPerSecond * RAMP_MIN_GAIN;
    if (!best || step.flowsPerSecond > best.flowsPerSecond) best = step;
    stepsWithoutGain = gained ? 0 : stepsWithoutGain + 1;
    if (stepsWithoutGain === 2) break;
  }
  return { steps, saturation: best };
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-'));
  const running = [];
  let stack;
  let stopping;
  let interrupted = false;
  // Once only, whoever asks first (the end of the run, a failure or a signal).
  const stopEverything = () => {
    stopping ??= (async () => {
      // The server first: it may still be waiting on the emulator.
      for (const started of running.reverse()) await stopNodeProcess(started);
      if (!settings.keepData) rmSync(dataDir, { recursive: true, force: true });
    })();
    return stopping;
  };
  const onSignal = (signal) => {
    interrupted = true;
    log(`bench: ${signal}, stopping the server and the emulator`);
    stopEverything().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    log(`bench: starting the emulator and the server (DATA_DIR ${dataDir})`);
    stack = await startStack(dataDir, running);

    const keySizes = readServerKeySizes(dataDir);
    log(`bench: timing the crypto of one flow (RSA ${keySizes.appKeyBits}/${keySizes.gatewayKeyBits} bit)`);
    const crypto = await measureCryptoBaseline({ ...keySizes, seconds: settings.cryptoSeconds });

    log(`bench: creating ${settings.sessions} sessions`);
    const tokens = await createSessions(stack.serverUrl, Math.max(settings.sessions, 1));
    const nextIdentity = createIdentitySequence(await loadTestIdentities());
    const nextRequest = createRequestFactory(tokens, nextIdentity, await readConsentVersion(stack.serverUrl));

    log('bench: warming up');
    await driveLoad({
      target: stack.serverUrl,
      connections: 4,
      durationMs: 3000,
      nextRequest,
      isSuccess: isCreatedVerification,
      socketOpeningPath: SOCKET_OPENING_PATH,
    });

    log('bench: finding saturation');
    const { steps, saturation } = await findSaturation(stack, crypto, nextRequest);

    const phaseMs = settings.phaseSeconds * 1000;
    // Enough sockets that a scheduled flow never waits for one unless the server is behind.
    const openLoopClients = Math.max(2 * saturation.connections, 16);
    log(`bench: fixed-rate phases, ${settings.phaseSeconds} s each`);
    const halfLoad = await measurePhase('50% of saturation', stack, crypto, {
      connections: openLoopClients,
      durationMs: phaseMs,
      ratePerSecond: saturation.flowsPerSecond * 0.5,
      nextRequest,
    });
    const fullLoad = await measurePhase('100% of saturation', stack, crypto, {
      connections: openLoopClients,
      durationMs: phaseMs,
      ratePerSecond: saturation.flowsPerSecond,
      nextRequest,
    });

    log(`bench: gateway latency ${settings.emulatorLatencyMs} ms, ${settings.latencyClients} concurrent clients`);
    await setEmulatorLatency(stack.emulatorUrl, settings.emulatorLatencyMs);
    // Unmeasured first pass: the server opens its gateway connections as concurrency grows,
    // and the measured pass should see 200 flows in flight, not that ramp.
    await driveLoad({
      target: stack.serverUrl,
      connections: settings.latencyClients,
      durationMs: 2000,
      nextRequest,
      isSuccess: isCreatedVerification,
      socketOpeningPath: SOCKET_OPENING_PATH,
    });
    const latencyPhase = await measurePhase(`${settings.emulatorLatencyMs} ms gateway`, stack, crypto, {
      connections: settings.latencyClients,
      durationMs: phaseMs,
      nextRequest,
    });
    await setEmulatorLatency(stack.emulatorUrl, 0);
    const latencyScenario = { ...latencyPhase, emulatorLatencyMs: settings.emulatorLatencyMs };

    const peakRssBytes = readServerPeakRss(stack.server.pid);
    const allPhases = [...steps, halfLoad, fullLoad, latencyPhase];
    const targets = evaluateTargets({ crypto, halfLoad, fullLoad, latencyScenario, allPhases, peakRssBytes });
    const gatewayOverlap = describeGatewayOverlap({ saturation, latencyScenario });
    const summary = summarize({ crypto, saturation, halfLoad, fullLoad, latencyScenario, targets, peakRssBytes });

    const results = {
      generatedAt: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version },
      settings,
      crypto,
      saturation: { connections: saturation.connections, flowsPerSecond: saturation.flowsPerSecond },
      phases: allPhases.map(({ name, connections, offeredPerSecond, flows, failures, failureCodes, elapsedMs, flowsPerSecond, latencyMs, serverCpuMs, serverCpuMsPerFlow, cpuRatio, emulatorCpuMsPerFlow, loadDriverCpuMsPerFlow, serverPeakRssBytes }) => ({
        name, connections, offeredPerSecond, flows, failures, failureCodes, elapsedMs, flowsPerSecond, latencyMs,
        serverCpuMs, serverCpuMsPerFlow, cpuRatio, emulatorCpuMsPerFlow, loadDriverCpuMsPerFlow, serverPeakRssBytes,
      })),
      serverPeakRssBytes: peakRssBytes,
      latencyScenarioShareOfSaturation: gatewayOverlap.share,
      targets,
      summary,
    };
    writeFileSync(join(root, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);

    const out = [
      '',
      'Crypto baseline (Node crypto, keys parsed once; the 2-core limit is by the wall clock):',
      renderCryptoTable(crypto),
      '',
      'POST /api/verifications (server CPU from /proc/<pid>/stat; ratio = server CPU per flow / crypto per flow):',
      renderPhaseTable(allPhases),
      '',
      'Targets:',
      renderTargetTable(targets),
      '',
      gatewayOverlap.line,
      'Written to bench/results.json.',
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    await stopEverything();
    if (settings.cpuProfile) log(`bench: server CPU profile written to ${stack.profileDir}`);
    process.stdout.write(`${summary}\n`);
  } catch (error) {
    // After Ctrl-C the requests in flight fail on purpose; that is not a finding.
    if (interrupted) return;
    log(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
    for (const name of ['server.log', 'emulator.log']) {
      const path = join(dataDir, name);
      if (existsSync(path)) log(`--- last lines of ${name} ---\n${readFileSync(path, 'utf8').split('\n').slice(-15).join('\n')}`);
    }
    await stopEverything();
    process.exitCode = 1;
  }
}

await main();
