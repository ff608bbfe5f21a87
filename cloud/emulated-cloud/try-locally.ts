/**
 * `npm run cloud:try`: the two cloud functions, run in the emulated cloud against the emulator
 * of a running `npm start` (or `node server/dist/emulator.js`), as the mini-program would call
 * them. It asks for a name and an ID number (use the test data in the README, never a real
 * person's), starts a verification, prints the certify URL to open in a browser, where the
 * emulator's page lets you pass, fail or cancel, and reads the status each time you press Enter.
 *
 * Env: EMULATOR_URL (default http://127.0.0.1:3000), DATA_DIR (default ./data: the keys and the
 * ID pepper `npm start` generated, so the signatures and HMACs match the server's).
 */
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { ensureEmulatorKeys, ensureIdHmacPepper } from '../../server/src/emulator/keys';
import { DEVELOPMENT_BRANDING, consentNoticeFor } from '../../utils/consent-notice';
import { createIdentificationStart } from '../functions/identification-start/start';
import { createIdentificationStatus } from '../functions/identification-status/status';
import { createEmulatedCloud } from './emulated-cloud';

const CALLER = { oAuthUserId: '2088000000000001' };

async function main(): Promise<void> {
  const base = (process.env.EMULATOR_URL || 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const dataDir = resolve(process.env.DATA_DIR || join(process.cwd(), 'data'));
  const keys = ensureEmulatorKeys(dataDir);
  const cloud = createEmulatedCloud({
    gateway: `${base}/emulator/gateway.do`,
    appId: keys.appId,
    appPrivateKey: keys.appPrivateKey,
    alipayPublicKey: keys.alipayPublicKey,
    clock: () => Date.now(),
  });
  // The functions' environment as a deployment would set it, with the development branding.
  const env = {
    ID_HMAC_PEPPER: ensureIdHmacPepper(dataDir),
    ALIPAY_RETURN_URL: `${base}/`,
    MERCHANT_NAME: DEVELOPMENT_BRANDING.merchantName,
    DATA_CONTROLLER: DEVELOPMENT_BRANDING.dataController,
    MERCHANT_CONTACT: DEVELOPMENT_BRANDING.contact,
    RETENTION_DAYS: String(DEVELOPMENT_BRANDING.retentionDays),
  };
  const log = (entry: object): void => {
    process.stderr.write(`  log: ${JSON.stringify(entry)}\n`);
  };
  const start = createIdentificationStart({ env, log });
  const status = createIdentificationStatus({ env, log });

  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    process.stdout.write(`Emulated cloud over ${base}/emulator/gateway.do (keys from ${dataDir})\n`);
    const certName = (await prompt.question('certName (test data only): ')).trim();
    const certNo = (await prompt.question('certNo (test data only): ')).trim();
    const notice = consentNoticeFor('zh-CN', DEVELOPMENT_BRANDING);
    process.stdout.write(`\n${notice.summary}\n`);
    if ((await prompt.question('Agree to this notice? [y/N] ')).trim().toLowerCase() !== 'y') return;
    const started = await cloud.invoke(start, CALLER, { certName, certNo, consentVersion: notice.version });
    process.stdout.write(`identification-start: ${JSON.stringify(started, null, 2)}\n`);
    if ('error' in started) return;
    process.stdout.write('Open the url in a browser and choose an outcome on the emulator\'s page.\n');
    for (;;) {
      const answer = (await prompt.question('Enter: read the status; r: a new certify URL; q: quit ')).trim().toLowerCase();
      if (answer === 'q') return;
      const args = { verificationId: started.verificationId };
      if (answer === 'r') {
        process.stdout.write(`${JSON.stringify(await cloud.invoke(start, CALLER, args), null, 2)}\n`);
        continue;
      }
      const view = await cloud.invoke(status, CALLER, args);
      process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
      if (!('error' in view) && view.status !== 'PENDING') return;
    }
  } finally {
    prompt.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
