// The physical floor of one verification: the three RSA2 operations the backend cannot
// avoid (sign initialize, verify Alipay's response, sign the certify URL), timed with
// Node's crypto alone on keys of the server's sizes, parsed once (KeyObjects), as a
// well-built server holds them. Everything else the server spends is overhead.
// Timed twice: on one thread (the CPU per flow every ratio divides by) and on libuv's
// thread pool with many flows in flight (the multi-core ceiling of one process, issue 13).
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { promisify } from 'node:util';

/**
 * Sign strings the size of the real ones: alipay-sdk signs the sorted `key=value&...`
 * request parameters and verifies the JSON `*_response` object.
 * @see https://opendocs.alipay.com/common/02kf5q (RSA2 request and response signing)
 */
function buildFlowPayloads() {
  const common = 'app_id=2021000000000000&charset=utf-8&format=JSON&sign_type=RSA2&timestamp=2026-01-01 12:00:00&version=1.0';
  const initialize = Buffer.from(
    `${common}&method=alipay.user.certify.open.initialize&biz_content=${JSON.stringify({
      outer_order_no: 'V20260101120000000000000000000001',
      biz_code: 'FACE',
      identity_param: { identity_type: 'CERT_INFO', cert_type: 'IDENTITY_CARD', cert_name: '测试甲', cert_no: '110101196001010003' },
      merchant_config: { return_url: 'https://merchant.example.com/h5/?verificationId=01JD0000000000000000000000' },
    })}`,
  );
  const initializeResponse = Buffer.from(
    JSON.stringify({ code: '10000', msg: 'Success', certify_id: 'f1b8a7c0e3d94b1a9c2e5d6f7a8b9c0d' }),
  );
  const certify = Buffer.from(
    `${common}&method=alipay.user.certify.open.certify&biz_content=${JSON.stringify({ certify_id: 'f1b8a7c0e3d94b1a9c2e5d6f7a8b9c0d' })}`,
  );
  return { initialize, initializeResponse, certify };
}

/** Generates an app key pair and a gateway key pair of the given RSA modulus sizes. */
function generateFlowKeys({ appKeyBits, gatewayKeyBits }) {
  const app = generateKeyPairSync('rsa', { modulusLength: appKeyBits });
  const gateway = generateKeyPairSync('rsa', { modulusLength: gatewayKeyBits });
  return { appPrivateKey: app.privateKey, gatewayPrivateKey: gateway.privateKey, gatewayPublicKey: gateway.publicKey };
}

/** Generates the keys, signs the canned response once and warms the flow up; `seconds` rides along for timeFlows. */
function prepareFlows(seconds, { appKeyBits, gatewayKeyBits }) {
  const keys = generateFlowKeys({ appKeyBits, gatewayKeyBits });
  const payloads = buildFlowPayloads();
  const responseSignature = sign('sha256', payloads.initializeResponse, keys.gatewayPrivateKey);
  const runFlow = () => {
    sign('sha256', payloads.initialize, keys.appPrivateKey);
    if (!verify('sha256', payloads.initializeResponse, keys.gatewayPublicKey, responseSignature)) {
      throw new Error('crypto baseline: the response signature did not verify');
    }
    sign('sha256', payloads.certify, keys.appPrivateKey);
  };
  for (let warmUp = 0; warmUp < 50; warmUp += 1) runFlow();
  return { keys, payloads, responseSignature, runFlow, seconds };
}

/**
 * Runs flows for `seconds` and returns how many ran, the wall time and the CPU time they took.
 * CPU time is what the ratio divides by: the server's side is CPU time too, and CPU time does
 * not grow when other processes on the machine take the core away for a while.
 */
function timeFlows({ runFlow, seconds }) {
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  let flows = 0;
  let now = started;
  while (now < deadline) {
    // Check the clock every 10 flows: cheap next to ~1.5 ms of RSA per flow.
    for (let batch = 0; batch < 10; batch += 1) runFlow();
    flows += 10;
    now = process.hrtime.bigint();
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { flows, elapsedMs: Number(now - started) / 1e6, cpuMs: (cpu.user + cpu.system) / 1000 };
}

function timeEachOperation({ keys, payloads, responseSignature }, iterations) {
  const time = (operation) => {
    const before = process.cpuUsage();
    for (let index = 0; index < iterations; index += 1) operation();
    const cpu = process.cpuUsage(before);
    return (cpu.user + cpu.system) / iterations;
  };
  return {
    signUs: time(() => sign('sha256', payloads.initialize, keys.appPrivateKey)),
    verifyUs: time(() => verify('sha256', payloads.initializeResponse, keys.gatewayPublicKey, responseSignature)),
  };
}

/** The thread pool's size in this process (libuv reads UV_THREADPOOL_SIZE once, default 4). */
const threadPoolSize = Number(process.env.UV_THREADPOOL_SIZE) || 4;

/**
 * The multi-core ceiling as a server reaches it: every RSA operation handed to libuv's thread
 * pool (crypto.sign/verify with a callback) with many flows in flight, so all the pool's
 * threads sign at once. Returns flows/s by the wall clock (what the cores delivered together,
 * so it drops if the machine is busy) and the CPU per flow of every thread, which shows what
 * the hand-off costs over signing in place.
 */
async function measureThreadPoolFlows({ keys, payloads, responseSignature, seconds }, inFlight) {
  const signOnPool = promisify(sign);
  const verifyOnPool = promisify(verify);
  const runFlow = async () => {
    await signOnPool('sha256', payloads.initialize, keys.appPrivateKey);
    if (!(await verifyOnPool('sha256', payloads.initializeResponse, keys.gatewayPublicKey, responseSignature))) {
      throw new Error('crypto baseline: the response signature did not verify on the thread pool');
    }
    await signOnPool('sha256', payloads.certify, keys.appPrivateKey);
  };
  await Promise.all(Array.from({ length: inFlight }, runFlow));
  let flows = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const cpuBefore = process.cpuUsage();
  const lane = async () => {
    while (performance.now() < deadline) {
      await runFlow();
      flows += 1;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  const cpu = process.cpuUsage(cpuBefore);
  const elapsedMs = performance.now() - started;
  return { flowsPerSecond: (flows * 1000) / elapsedMs, cpuUsPerFlow: (cpu.user + cpu.system) / flows };
}

/**
 * Measures one flow's pure crypto cost (2 RSA2 signs + 1 verify) on this machine, on one
 * thread and on libuv's thread pool.
 * @param {{ appKeyBits: number, gatewayKeyBits: number, seconds: number }} options
 *   key sizes in bits (the server's app key, the gateway's key); seconds to run each measurement
 * @returns {Promise<{ appKeyBits: number, gatewayKeyBits: number, cpuUsPerFlow: number, wallUsPerFlow: number,
 *   signCpuUs: number, verifyCpuUs: number, flowsMeasured: number, singleThreadFlowsPerSecond: number,
 *   threadPoolFlowsPerSecond: number, threadPoolCpuUsPerFlow: number, threadPoolSize: number,
 *   threadPoolFlowsInFlight: number }>} `cpuUsPerFlow`, `signCpuUs` and `verifyCpuUs` are CPU time
 *   on one thread; the single-thread limit is 1 s of CPU divided by `cpuUsPerFlow`; the thread
 *   pool's is measured by the wall clock, and is the multi-core ceiling the targets use
 */
export async function measureCryptoBaseline({ appKeyBits, gatewayKeyBits, seconds }) {
  const prepared = prepareFlows(seconds, { appKeyBits, gatewayKeyBits });
  const { flows, elapsedMs, cpuMs } = timeFlows(prepared);
  const perOperation = timeEachOperation(prepared, 200);
  const cpuUsPerFlow = (cpuMs * 1000) / flows;
  // Four flows per pool thread keep every thread busy while the main thread queues the next.
  const threadPoolFlowsInFlight = 4 * threadPoolSize;
  const threadPool = await measureThreadPoolFlows(prepared, threadPoolFlowsInFlight);
  return {
    appKeyBits,
    gatewayKeyBits,
    cpuUsPerFlow,
    wallUsPerFlow: (elapsedMs * 1000) / flows,
    signCpuUs: perOperation.signUs,
    verifyCpuUs: perOperation.verifyUs,
    flowsMeasured: flows,
    singleThreadFlowsPerSecond: 1e6 / cpuUsPerFlow,
    threadPoolFlowsPerSecond: threadPool.flowsPerSecond,
    threadPoolCpuUsPerFlow: threadPool.cpuUsPerFlow,
    threadPoolSize,
    threadPoolFlowsInFlight,
  };
}
