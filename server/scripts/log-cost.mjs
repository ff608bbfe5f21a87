// CPU cost of one request log line on each way of writing it: pino's serialization alone (a
// stream that discards), synchronous writes (process.stdout, as the server wrote until issue
// 13) and the asynchronous bounded destination (server/src/app/log-destination.ts) at a few
// minLength/maxWrite settings. Each setting runs in its own process, writing LOG_COST_LINES
// lines (default 100 000) shaped like plugins/request-log.ts's line, LOG_COST_BURST per turn
// of the event loop (default 8: a few requests answered per turn at load), to stdout, which
// the caller points at /dev/null, a file or a pipe:
//
//   node server/scripts/log-cost.mjs > /dev/null          # write(2) costs least
//   node server/scripts/log-cost.mjs > /tmp/cost.log      # a file, as bench/run.mjs's server.log
//   node server/scripts/log-cost.mjs | cat > /dev/null    # a pipe, as under Docker or systemd
//
// Prints to stderr, per setting, the median of LOG_COST_ROUNDS rounds (default 3, alternating
// order): CPU µs per line (user + system, every thread of the process, so the thread pool's
// writes count), the main thread's share (what the event loop pays), wall µs per line, and
// the lines dropped in each round (a pipe read slower than the lines come fills the 1 MiB
// buffer: that is the bound at work).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pino = require('pino');

const LINES = Number(process.env.LOG_COST_LINES ?? 100_000);
const ROUNDS = Number(process.env.LOG_COST_ROUNDS ?? 3);
const BURST = Number(process.env.LOG_COST_BURST ?? 8);
const MAX_LENGTH = 1024 * 1024;

/** Every setting measured: name → the stream pino writes to, made in the measuring process. */
const SETTINGS = {
  'serialize only (no write)': () => ({ write() {} }),
  'process.stdout (before)': () => process.stdout,
  // What server/src/app/log-destination.ts opens.
  'async 2048/4096 (chosen)': () => pino.destination({ dest: 1, sync: false, minLength: 2048, maxWrite: 4096, maxLength: MAX_LENGTH }),
  'async 1024/4096': () => pino.destination({ dest: 1, sync: false, minLength: 1024, maxWrite: 4096, maxLength: MAX_LENGTH }),
  // sonic-boom's default maxWrite.
  'async 2048/16384': () => pino.destination({ dest: 1, sync: false, minLength: 2048, maxWrite: 16384, maxLength: MAX_LENGTH }),
};

/** CPU time of the main thread so far, in µs (Linux: /proc's scheduler statistics, in ns). */
function mainThreadCpuUs() {
  return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
}

async function measure(name) {
  const stream = SETTINGS[name]();
  let dropped = 0;
  if (typeof stream.on === 'function') stream.on('drop', () => (dropped += 1));
  const logger = pino({ level: 'info', redact: { paths: ['req.headers.authorization', '*.certNo', 'body', '*.body'], censor: '[REDACTED]' } }, stream);
  const routes = ['/api/sessions', '/api/verifications', '/api/verifications/:verificationId'];
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  // Warm-up: the JIT and the first writes, not counted.
  for (let index = 0; index < 2_000; index += 1) logger.child({ reqId: `req-${index.toString(36)}` }).info({ method: 'POST', route: routes[index % 3], statusCode: 201, responseTimeMs: 12.3 }, 'request');
  await turn();
  const cpuBefore = process.cpuUsage();
  const mainBefore = mainThreadCpuUs();
  const wallBefore = process.hrtime.bigint();
  for (let index = 0; index < LINES; index += 1) {
    logger.child({ reqId: `req-${index.toString(36)}` }).info({ method: 'POST', route: routes[index % 3], statusCode: 201, responseTimeMs: (index % 500) / 10 }, 'request');
    if (index % BURST === BURST - 1) await turn();
  }
  if (typeof stream.flush === 'function' && stream.minLength > 0) await new Promise((resolve) => stream.flush(resolve));
  else if (stream.writableLength > 0 || stream._writing) await new Promise((resolve) => stream.once('drain', resolve));
  const cpu = process.cpuUsage(cpuBefore);
  const mainUs = mainThreadCpuUs() - mainBefore;
  const wallUs = Number(process.hrtime.bigint() - wallBefore) / 1000;
  process.send({ name, cpuUsPerLine: (cpu.user + cpu.system) / LINES, mainUsPerLine: mainUs / LINES, wallUsPerLine: wallUs / LINES, dropped });
}

if (process.argv[2] === '--measure') {
  await measure(process.argv[3]);
} else {
  const self = fileURLToPath(import.meta.url);
  process.stderr.write(`${LINES} lines, ${BURST} per event-loop turn, median of ${ROUNDS} alternating rounds, node ${process.version}\n`);
  const results = new Map(Object.keys(SETTINGS).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    const names = Object.keys(SETTINGS);
    for (const name of round % 2 === 0 ? names : names.reverse()) {
      // One process per setting and round, with this process's stdout, so no setting warms another up.
      const child = spawn(process.execPath, [self, '--measure', name], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const [result] = await once(child, 'message');
      const [code] = await once(child, 'exit');
      if (code !== 0) throw new Error(`${name}: exit ${code}`);
      results.get(name).push(result);
    }
  }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  for (const [name, rounds] of results) {
    const figure = (key) => median(rounds.map((result) => result[key])).toFixed(2).padStart(6);
    process.stderr.write(`${name.padEnd(27)} CPU ${figure('cpuUsPerLine')} µs/line (main thread ${figure('mainUsPerLine')}), wall ${figure('wallUsPerLine')} µs/line, dropped ${rounds.map((result) => result.dropped).join('/')}\n`);
  }
}
