// `npm run bench`: how close the backend comes to the RSA2 limit of one verification, and how
// it compares with the peer a user would otherwise write (bench/peer/server.mjs: Express + the
// official alipay-sdk + a durable SQLite insert), measured in one run on this machine (issues 5
// and 13). Starts the gateway emulator once, times the pure crypto of a flow (on one thread and
// on libuv's thread pool), then runs rounds. In each round every system (ours, then the peer;
// the order alternates round by round) is started alone as a fresh process with production
// Node flags, gets its sessions, the same warm-up and the same phases, and is stopped before
// the next one starts, so never two are loaded at once. The phases drive POST
// /api/verifications: closed loop to find saturation, then open loop at 50% and 100% of it,
// and for ours 200 clients against a gateway that answers in 100 ms. Every figure is the
// median of the rounds. Prints the phases, the peer comparison and the targets, and
// writes bench/results.json (every figure with its unit in its name, or a `unit` field).
// Everything it starts is stopped on exit, failure or Ctrl-C.
//
// Settings (environment), with the defaults that keep a run near 6 minutes on the 2-core
// machine: BENCH_ROUNDS (default 3), BENCH_WARMUP_S (each system's warm-up per round, default
// 3), BENCH_DURATION_S (each fixed phase, default 10), BENCH_RAMP_STEP_S (each saturation
// step, default 3), BENCH_CRYPTO_S (each crypto timing, default 2), BENCH_LATENCY_MS (default
// 100), BENCH_LATENCY_CLIENTS (default 200), BENCH_SESSIONS (default 256),
// BENCH_PEER_WITHOUT_STORAGE=1 (also run the peer without its insert, the optional
// row: about 2.5 more minutes), BENCH_CPU_PROF=1 (write a V8 CPU profile of our server per round
// to artifacts/bench/), BENCH_KEEP_DATA=1 (keep the temporary DATA_DIR and logs).
// A smoke run: BENCH_DURATION_S=3 BENCH_RAMP_STEP_S=2 BENCH_CRYPTO_S=1 BENCH_WARMUP_S=1.
//
// Store and processes (issue 11): `npm run bench -- --store postgres` runs the server on a
// fresh, migrated database of the local PostgreSQL with REDIS_URL on the local Redis (both
// from scripts/services.sh), as a scale-out deployment runs; `--workers N` starts it with
// WORKERS=N (PostgreSQL only). Server CPU is then the primary's and its workers' together, and
// each phase also records the CPU per flow of the postgres and redis-server processes (every
// process of those names on the machine: run it while nothing else uses the databases). The
// peer, which keeps its rows in SQLite on one process, is not run in those modes (the output
// says so) and the throughput target is not evaluated.
//
// Each phase records the whole machine's CPU busy share (/proc/stat), so a reader sees whether
// the server, the emulator, the load driver or the databases ran out of cores.
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
import {
  cpuMsByCommandBetween,
  findFreePort,
  machineCpuBusyPercent,
  readCpuMsByCommand,
  readMachineCpuTicks,
  readPeakRssBytes,
  readProcessCpuMs,
  readProcessTree,
  readProductionNodeFlags,
  readTreeCpuMs,
  startNodeProcess,
  stopNodeProcess,
} from './processes.mjs';
import {
  compareWithPeer,
  describeGatewayOverlap,
  evaluateTargets,
  renderComparisonTable,
  renderCryptoTable,
  renderPhaseTable,
  renderTargetTable,
  renderTargetsLine,
  summarize,
  summarizeSystem,
} from './report.mjs';

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
  rounds: Math.round(readSetting('BENCH_ROUNDS', 3)),
  warmUpSeconds: readSetting('BENCH_WARMUP_S', 3),
  phaseSeconds: readSetting('BENCH_DURATION_S', 10),
  rampStepSeconds: readSetting('BENCH_RAMP_STEP_S', 3),
  cryptoSeconds: readSetting('BENCH_CRYPTO_S', 2),
  emulatorLatencyMs: readSetting('BENCH_LATENCY_MS', 100),
  latencyClients: readSetting('BENCH_LATENCY_CLIENTS', 200),
  sessions: readSetting('BENCH_SESSIONS', 256),
  peerWithoutStorage: process.env.BENCH_PEER_WITHOUT_STORAGE === '1',
  cpuProfile: process.env.BENCH_CPU_PROF === '1',
  keepData: process.env.BENCH_KEEP_DATA === '1',
};
/** The peer keeps its rows in SQLite in one process: it only compares with ours on that footing. */
const peerSkipped = settings.store !== 'sqlite' || settings.workers > 1;

/** Closed-loop client counts tried while looking for saturation. */
const RAMP_CLIENTS = [1, 2, 4, 8, 16, 32, 64];
/** A step must beat the best rate so far by this factor for the ramp to go on. */
const RAMP_MIN_GAIN = 1.05;
/** Clients of the warm-up, the same for every system. */
const WARM_UP_CLIENTS = 4;
/** The unmeasured pass before the gateway-latency phase, while the server opens its gateway connections. */
const LATENCY_WARM_UP_MS = 2000;

/** A cheap unauthenticated GET (utils/api-contract.ts ClientConfig; the peer answers it too), to open sockets before a phase. */
const SOCKET_OPENING_PATH = '/api/client-config';

/** The processes whose CPU a phase charges to its flows besides the server's, in `--store postgres`. */
const DATABASE_COMMANDS = ['postgres', 'redis-server'];

const log = (line) => process.stderr.write(`${line}\n`);

/** What the endings of results.json's keys mean, so every figure carries its unit. */
const UNITS_BY_KEY_ENDING = {
  Ms: 'milliseconds',
  Us: 'microseconds',
  MsPerFlow: 'milliseconds of CPU (user + system, every thread) per successful flow',
  UsPerFlow: 'microseconds of CPU per flow',
  PerSecond: 'flows per second (successful 201s by the wall clock)',
  Bytes: 'bytes',
  Percent: 'percent (0-100)',
  Ratio: 'dimensionless ratio (cpuRatio: server CPU per flow / crypto CPU per flow)',
  Seconds: 'seconds',
  Bits: 'bits',
  'latencyMs.p50/p99/max': 'milliseconds from the flow\'s start (open loop: its scheduled start)',
  'flows, failures, started, connections, rounds': 'counts',
};

/** Every limit raised out of the way: the bench measures throughput, not the limiter. */
const RAISED_RATE_LIMITS = {
  RATE_LIMIT_PER_USER: '1000000000',
  RATE_LIMIT_PER_CERT_NO: '1000000000',
  RATE_LIMIT_PER_IP_PER_MINUTE: '0',
};

/**
 * The reconciler's first re-query moved past the run. It re-queries a PENDING verification
 * nobody polled 20 s after creation (RECONCILE_SCHEDULE); in production a client polls after
 * its face check and the verification settles first, but no bench client ever finishes one, so
 * every flow of a phase would come back as a query (an RSA sign and verify, a write)
 * during the next phases, charged to their flows and their latency, and the peer has no
 * reconciler. The bench measures the creation path; the re-queries are the reconciler's own cost.
 */
const RECONCILER_PAST_THE_RUN = { RECONCILE_SCHEDULE: '6h' };

/**
 * A fresh database on the local PostgreSQL, migrated by `npm run migrate`, and the local Redis
 * (scripts/services.sh starts both if needed). `drop()` removes the database once the server
 * that used it has stopped.
 */
function prepareScaleOutStores() {
  const output = execFileSync(join(root, 'scripts/services.sh'), ['start'], { encoding: 'utf8' });
  const urls = Object.fromEntries(output.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  const name = `bench_${randomBytes(4).toString('hex')}`;
  const databaseUrl = new URL(urls.DATABASE_URL);
  execFileSync('psql', [urls.DATABASE_URL, '-qc', `create database ${name}`]);
  databaseUrl.pathname = `/${name}`;
  execFileSync('npm', ['run', '--silent', 'migrate'], { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl.href }, stdio: 'ignore' });
  return {
    env: { DATABASE_URL: databaseUrl.href, REDIS_URL: urls.REDIS_URL },
    drop: () => execFileSync('psql', [urls.DATABASE_URL, '-qc', `drop database if exists ${name}`]),
  };
}

/** Starts the emulator every system talks to; it generates the shared keys into DATA_DIR. */
async function startEmulator(dataDir) {
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const started = await startNodeProcess({
    name: 'emulator',
    script: join(root, 'server/dist/emulator.js'),
    env: { EMULATOR_PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    logPath: join(dataDir, 'emulator.log'),
    readyUrl: `${url}/emulator/faults`,
  });
  return { ...started, url };
}

/**
 * The systems under measurement. Each starts as one process (ours with WORKERS=N: a primary
 * and its workers) with the Node flags of `npm start`, against the same emulator and DATA_DIR.
 */
function defineSystems({ dataDir, emulator, storeEnv, profileDir }) {
  const nodeArgs = readProductionNodeFlags(join(root, 'package.json'));
  const startOurs = async (logPath) => {
    const port = await findFreePort();
    const url = new URL(`http://127.0.0.1:${port}`);
    const started = await startNodeProcess({
      name: 'server',
      script: join(root, 'server/dist/server.js'),
      env: {
        // The external emulator stands in for Alipay; the server refuses emulator mode with
        // NODE_ENV=production, which nothing in it reads otherwise.
        ALIPAY_MODE: 'emulator',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'info',
        EMULATOR_URL: emulator.url,
        ...RAISED_RATE_LIMITS,
        ...RECONCILER_PAST_THE_RUN,
        ...storeEnv,
        WORKERS: String(settings.workers),
      },
      logPath,
      readyUrl: new URL(SOCKET_OPENING_PATH, url).href,
      nodeArgs: [...nodeArgs, ...(settings.cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
    });
    return { ...started, url };
  };
  const startPeer = (storage) => async (logPath) => {
    const port = await findFreePort();
    const url = new URL(`http://127.0.0.1:${port}`);
    const started = await startNodeProcess({
      name: 'peer',
      script: join(root, 'bench/peer/server.mjs'),
      // alipay-sdk stamps requests in local time and the gateway reads Beijing time.
      env: { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, EMULATOR_URL: emulator.url, PEER_STORAGE: storage, TZ: 'Asia/Shanghai' },
      logPath,
      readyUrl: new URL(SOCKET_OPENING_PATH, url).href,
      nodeArgs,
    });
    return { ...started, url };
  };
  const systems = [{ key: 'ours', label: 'ours, with Idempotency-Key', start: startOurs, latencyScenario: true }];
  if (!peerSkipped) {
    systems.push({ key: 'peer', label: 'peer: Express + alipay-sdk + durable SQLite insert', start: startPeer('sqlite'), latencyScenario: false });
    if (settings.peerWithoutStorage) {
      systems.push({ key: 'peerWithoutStorage', label: 'peer without storage', start: startPeer('none'), latencyScenario: false });
    }
  }
  return systems;
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

/** The same request bytes for every system: the peer ignores what it does not read. */
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

/** Peak RSS of a system: of its process, or its workers' summed (a cluster's primary only forks). */
function readSystemPeakRss(pid) {
  return readProcessTree(pid).reduce((total, member) => total + readPeakRssBytes(member), 0);
}

/**
 * Runs one phase and charges to its flows the CPU the system, the emulator and (with
 * `--store postgres`) the databases used over it; records the machine's busy share too.
 */
async function measurePhase(name, { system, emulator }, crypto, load) {
  const withDatabases = settings.store === 'postgres';
  let before;
  const result = await driveLoad({
    target: system.url,
    isSuccess: isCreatedVerification,
    socketOpeningPath: SOCKET_OPENING_PATH,
    onClockStart: () => {
      before = {
        serverCpuMs: readTreeCpuMs(system.pid),
        emulatorCpuMs: readProcessCpuMs(emulator.pid),
        benchCpu: process.cpuUsage(),
        machine: readMachineCpuTicks(),
        databases: withDatabases ? readCpuMsByCommand(DATABASE_COMMANDS) : undefined,
      };
    },
    ...load,
  });
  const machine = readMachineCpuTicks();
  const benchCpu = process.cpuUsage(before.benchCpu);
  const serverCpuMs = readTreeCpuMs(system.pid) - before.serverCpuMs;
  const emulatorCpuMs = readProcessCpuMs(emulator.pid) - before.emulatorCpuMs;
  const serverCpuMsPerFlow = serverCpuMs / result.flows;
  const { latencyMs, offeredPerSecond, ...counts } = result;
  const phase = {
    name,
    ...counts,
    offeredFlowsPerSecond: offeredPerSecond,
    latencyMs,
    serverCpuMs,
    serverCpuMsPerFlow,
    cpuRatio: serverCpuMsPerFlow / (crypto.cpuUsPerFlow / 1000),
    emulatorCpuMsPerFlow: emulatorCpuMs / result.flows,
    loadDriverCpuMsPerFlow: (benchCpu.user + benchCpu.system) / 1000 / result.flows,
    machineCpuBusyPercent: machineCpuBusyPercent(before.machine, machine),
    serverPeakRssBytes: readSystemPeakRss(system.pid),
  };
  if (withDatabases) {
    const used = cpuMsByCommandBetween(before.databases, readCpuMsByCommand(DATABASE_COMMANDS));
    phase.postgresCpuMsPerFlow = (used.postgres ?? 0) / result.flows;
    phase.redisCpuMsPerFlow = (used['redis-server'] ?? 0) / result.flows;
  }
  const failures = phase.failures > 0 ? `, failures ${JSON.stringify(phase.failureCodes)}` : '';
  const databases = withDatabases ? `, postgres ${phase.postgresCpuMsPerFlow.toFixed(2)} + redis ${phase.redisCpuMsPerFlow.toFixed(2)} ms CPU/flow` : '';
  log(
    `  ${name}: ${phase.flowsPerSecond.toFixed(0)} flows/s, p99 ${phase.latencyMs.p99.toFixed(1)} ms, ` +
      `server ${serverCpuMsPerFlow.toFixed(2)} ms CPU/flow (${phase.cpuRatio.toFixed(2)}x crypto), machine ${phase.machineCpuBusyPercent.toFixed(0)}% busy${databases}${failures}`,
  );
  return phase;
}

/**
 * Doubles the closed-loop clients until flows/s stops growing (two steps in a row without a
 * 5% gain, so one noisy step does not end the ramp); the best step is saturation.
 */
async function findSaturation(target, crypto, nextRequest, prefix) {
  const steps = [];
  let best;
  let stepsWithoutGain = 0;
  for (const connections of RAMP_CLIENTS) {
    const step = await measurePhase(`${prefix} ramp ${connections}`, target, crypto, {
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

/**
 * One system's turn in one round: a fresh process, its sessions, the warm-up, saturation, 50%
 * and 100% of it, and (ours) the gateway-latency scenario; the process is stopped before
 * returning. `state` carries what the rounds share (the identity sequence, so no two flows of
 * the run share an ID number, and the consent version, which ours publishes).
 */
async function runSystem(system, round, { emulator, crypto, dataDir, running, state }) {
  const prefix = `${system.key} r${round}`;
  const logPath = join(dataDir, `${system.key}-r${round}.log`);
  state.logPaths.push(logPath);
  log(`bench: round ${round}, ${system.label}`);
  const started = await system.start(logPath);
  running.push(started);
  try {
    if (system.key === 'ours') state.consentVersion = await readConsentVersion(started.url);
    if (state.consentVersion === undefined) throw new Error('the first system of the run must be ours, which publishes the consent version');
    const tokens = await createSessions(started.url, Math.max(settings.sessions, 1));
    const nextRequest = createRequestFactory(tokens, state.nextIdentity, state.consentVersion);
    const target = { system: started, emulator };

    await driveLoad({
      target: started.url,
      connections: WARM_UP_CLIENTS,
      durationMs: settings.warmUpSeconds * 1000,
      nextRequest,
      isSuccess: isCreatedVerification,
      socketOpeningPath: SOCKET_OPENING_PATH,
    });
    const { steps, saturation } = await findSaturation(target, crypto, nextRequest, prefix);
    if (!(saturation.flowsPerSecond > 0)) {
      throw new Error(`${system.label} completed no flow (${JSON.stringify(saturation.failureCodes)}); see ${logPath}`);
    }

    const phaseMs = settings.phaseSeconds * 1000;
    // Enough sockets that a scheduled flow never waits for one unless the server is behind.
    const openLoopClients = Math.max(2 * saturation.connections, 16);
    const halfLoad = await measurePhase(`${prefix} 50% of saturation`, target, crypto, {
      connections: openLoopClients,
      durationMs: phaseMs,
      ratePerSecond: saturation.flowsPerSecond * 0.5,
      nextRequest,
    });
    const fullLoad = await measurePhase(`${prefix} 100% of saturation`, target, crypto, {
      connections: openLoopClients,
      durationMs: phaseMs,
      ratePerSecond: saturation.flowsPerSecond,
      nextRequest,
    });

    let latencyPhase;
    if (system.latencyScenario) {
      await setEmulatorLatency(emulator.url, settings.emulatorLatencyMs);
      // Unmeasured first pass: the server opens its gateway connections as concurrency grows,
      // and the measured pass should see 200 flows in flight, not that ramp.
      await driveLoad({
        target: started.url,
        connections: settings.latencyClients,
        durationMs: LATENCY_WARM_UP_MS,
        nextRequest,
        isSuccess: isCreatedVerification,
        socketOpeningPath: SOCKET_OPENING_PATH,
      });
      latencyPhase = await measurePhase(`${prefix} ${settings.emulatorLatencyMs} ms gateway`, target, crypto, {
        connections: settings.latencyClients,
        durationMs: phaseMs,
        nextRequest,
      });
      await setEmulatorLatency(emulator.url, 0);
    }
    const peakRssBytes = readSystemPeakRss(started.pid);
    const phases = [...steps, halfLoad, fullLoad, ...(latencyPhase ? [latencyPhase] : [])];
    return { round, saturation: { connections: saturation.connections, flowsPerSecond: saturation.flowsPerSecond }, halfLoad, fullLoad, latencyPhase, peakRssBytes, phases };
  } finally {
    await stopNodeProcess(started);
    running.splice(running.indexOf(started), 1);
  }
}

/** The order of the systems in a round: as defined in odd rounds, reversed in even ones. */
function orderOfRound(systems, round) {
  return round % 2 === 1 ? systems : [...systems].reverse();
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-'));
  const profileDir = join(root, 'artifacts/bench');
  const running = [];
  const state = { logPaths: [join(dataDir, 'emulator.log')], consentVersion: undefined, nextIdentity: undefined };
  let scaleOutStores;
  let stopping;
  let interrupted = false;
  // Once only, whoever asks first (the end of the run, a failure or a signal).
  const stopEverything = () => {
    stopping ??= (async () => {
      // The systems first: they may still be waiting on the emulator.
      for (const started of [...running].reverse()) await stopNodeProcess(started);
      try {
        scaleOutStores?.drop();
      } catch (error) {
        log(`bench: could not drop the bench database: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (!settings.keepData) rmSync(dataDir, { recursive: true, force: true });
    })();
    return stopping;
  };
  const onSignal = (signal) => {
    interrupted = true;
    log(`bench: ${signal}, stopping what it started`);
    stopEverything().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    if (settings.cpuProfile) mkdirSync(profileDir, { recursive: true });
    log(`bench: starting the emulator (DATA_DIR ${dataDir})`);
    const emulator = await startEmulator(dataDir);
    running.push(emulator);
    if (settings.store === 'postgres') scaleOutStores = prepareScaleOutStores();
    const systems = defineSystems({ dataDir, emulator, storeEnv: scaleOutStores?.env ?? {}, profileDir });
    if (peerSkipped) log(`bench: the peer is not run with --store ${settings.store} --workers ${settings.workers} (it keeps its rows in SQLite in one process); ours alone`);

    const keySizes = readServerKeySizes(dataDir);
    log(`bench: timing the crypto of one flow (RSA ${keySizes.appKeyBits}/${keySizes.gatewayKeyBits} bit), on one thread and on the thread pool`);
    const crypto = await measureCryptoBaseline({ ...keySizes, seconds: settings.cryptoSeconds });
    state.nextIdentity = createIdentitySequence(await loadTestIdentities());

    const runs = Object.fromEntries(systems.map((system) => [system.key, []]));
    for (let round = 1; round <= settings.rounds; round += 1) {
      for (const system of orderOfRound(systems, round)) {
        runs[system.key].push(await runSystem(system, round, { emulator, crypto, dataDir, running, state }));
      }
    }

    const summaries = Object.fromEntries(systems.map((system) => [system.key, summarizeSystem(runs[system.key])]));
    const ours = summaries.ours;
    const peer = summaries.peer;
    const comparison = peer ? compareWithPeer(ours, peer) : undefined;
    const latency = { latencyClients: settings.latencyClients, latencyMs: settings.emulatorLatencyMs };
    const targets = evaluateTargets({ crypto, ours, peer, ...latency });
    const gatewayOverlap = describeGatewayOverlap({ ours, ...latency });
    const failedFlows = Object.values(summaries).reduce((sum, system) => sum + system.failures, 0);
    const summary = summarize({ crypto, ours, comparison, targets, failedFlows });
    const allPhases = systems.flatMap((system) => runs[system.key].flatMap((run) => run.phases));

    const results = {
      generatedAt: new Date().toISOString(),
      unitsByKeyEnding: UNITS_BY_KEY_ENDING,
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version },
      settings: { ...settings, peerSkipped },
      hostRsaSignCpuUs: crypto.signCpuUs,
      crypto,
      systems: Object.fromEntries(
        systems.map((system) => [
          system.key,
          {
            label: system.label,
            median: summaries[system.key],
            rounds: runs[system.key].map(({ round, saturation, peakRssBytes, phases }) => ({ round, saturation, peakRssBytes, phases })),
          },
        ]),
      ),
      roundOrder: Array.from({ length: settings.rounds }, (unused, index) => orderOfRound(systems, index + 1).map((system) => system.key)),
      oursOverPeer: comparison ?? null,
      ...(summaries.peerWithoutStorage ? { oursOverPeerWithoutStorage: compareWithPeer(ours, summaries.peerWithoutStorage) } : {}),
      latencyScenarioOverSaturationRatio: gatewayOverlap.share,
      targets,
      summary,
    };
    writeFileSync(join(root, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);

    const out = [
      '',
      'Crypto baseline (Node crypto, keys parsed once; the thread-pool limit is by the wall clock):',
      renderCryptoTable(crypto),
      '',
      'POST /api/verifications, every phase (server CPU from /proc/<pid>/stat; x crypto = server CPU per flow / crypto per flow):',
      renderPhaseTable(allPhases),
      '',
      `Peer comparison (medians of ${settings.rounds} round${settings.rounds === 1 ? '' : 's'}, each system alone, order alternating; CPU at saturation from the 100% phase):`,
      ...(peerSkipped ? [`(peer not run with --store ${settings.store} --workers ${settings.workers}: it keeps its rows in SQLite in one process)`] : []),
      renderComparisonTable(systems.map((system) => ({ label: system.label, summary: summaries[system.key] }))),
      '',
      'Targets (issue 13):',
      renderTargetTable(targets),
      renderTargetsLine(targets),
      '',
      gatewayOverlap.line,
      'Written to bench/results.json.',
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    await stopEverything();
    if (settings.cpuProfile) log(`bench: server CPU profiles written to ${profileDir}`);
    process.stdout.write(`${summary}\n`);
  } catch (error) {
    // After Ctrl-C the requests in flight fail on purpose; that is not a finding.
    if (interrupted) return;
    log(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
    for (const path of state.logPaths) {
      if (existsSync(path)) log(`--- last lines of ${path.slice(dataDir.length + 1)} ---\n${readFileSync(path, 'utf8').split('\n').slice(-15).join('\n')}`);
    }
    await stopEverything();
    process.exitCode = 1;
  }
}

await main();
