// The physical floor of one verification: the three RSA2 operations the backend cannot
// avoid (sign initialize, verify Alipay's response, sign the certify URL), timed with
// Node's crypto alone on keys of the server's sizes, parsed once (KeyObjects), as a
// well-built server holds them. Everything else the server spends is overhead.
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

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

/** Worker side of the two-core measurement: wait at the barrier so both cores start together. */
function runAsWorker() {
  const { seconds, keyBits, barrier } = workerData;
  const prepared = prepareFlows(seconds, keyBits);
  const arrived = new Int32Array(barrier);
  Atomics.add(arrived, 0, 1);
  Atomics.notify(arrived, 0);
  while (Atomics.load(arrived, 0) < 2) Atomics.wait(arrived, 0, Atomics.load(arrived, 0), 1000);
  parentPort.postMessage(timeFlows(prepared));
}

/**
 * Runs the flow loop on `cores` worker threads at once; returns the summed flows/s by the
 * wall clock (what the cores delivered together, so it drops if the machine is busy).
 */
async function measureParallelFlowsPerSecond(cores, seconds, keyBits) {
  const barrier = new SharedArrayBuffer(4);
  const results = await Promise.all(
    Array.from({ length: cores }, () =>
      new Promise((resolve, reject) => {
        const worker = new Worker(new URL(import.meta.url), { workerData: { seconds, keyBits, barrier } });
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.once('exit', (code) => {
          if (code !== 0) reject(new Error(`crypto baseline worker exited with code ${code}`));
        });
      }),
    ),
  );
  return results.reduce((sum, { flows, elapsedMs }) => sum + flows / (elapsedMs / 1000), 0);
}

/**
 * Measures one flow's pure crypto cost (2 RSA2 signs + 1 verify) on this machine.
 * @param {{ appKeyBits: number, gatewayKeyBits: number, seconds: number }} options
 *   key sizes in bits (the server's app key, the gateway's key); seconds to run each measurement
 * @returns {Promise<{ appKeyBits: number, gatewayKeyBits: number, usPerFlow: number, wallUsPerFlow: number,
 *   signUs: number, verifyUs: number, flowsMeasured: number, singleCoreFlowsPerSecond: number,
 *   twoCoreFlowsPerSecond: number }>} `usPerFlow`, `signUs` and `verifyUs` are CPU time;
 *   the single-core limit is 1 s of CPU divided by `usPerFlow`
 */
export async function measureCryptoBaseline({ appKeyBits, gatewayKeyBits, seconds }) {
  const keyBits = { appKeyBits, gatewayKeyBits };
  const prepared = prepareFlows(seconds, keyBits);
  const { flows, elapsedMs, cpuMs } = timeFlows(prepared);
  const perOperation = timeEachOperation(prepared, 200);
  const usPerFlow = (cpuMs * 1000) / flows;
  const twoCoreFlowsPerSecond = await measureParallelFlowsPerSecond(2, seconds / 2, keyBits);
  return {
    appKeyBits,
    gatewayKeyBits,
    usPerFlow,
    wallUsPerFlow: (elapsedMs * 1000) / flows,
    signUs: perOperation.signUs,
    verifyUs: perOperation.verifyUs,
    flowsMeasured: flows,
    singleCoreFlowsPerSecond: 1e6 / usPerFlow,
    twoCoreFlowsPerSecond,
  };
}

if (!isMainThread && workerData?.barrier) runAsWorker();
