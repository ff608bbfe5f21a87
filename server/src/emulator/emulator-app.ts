/**
 * The emulator as its own Fastify app, for a separate process (emulator/main.ts, used by the
 * benchmark) and for tests that need it on a real port. Same plugin, same `/emulator` paths
 * as the copy embedded in the backend.
 */
import Fastify, { FastifyInstance } from 'fastify';
import { Clock, RandomSource, Sleeper, systemClock, systemRandom, systemSleeper } from '../clock';
import { installErrorHandler } from '../plugins/error-handler';
import { CertificationStore } from './certification-store';
import { FaultInjector, FaultSettings, NO_FAULTS } from './faults';
import { EmulatorCertRing } from './alipay-certs';
import { EmulatorKeys } from './keys';
import { emulatorPlugin } from './plugin';
import { EmulatorSettings } from './settings';

export interface BuildEmulatorAppOptions {
  keys: EmulatorKeys;
  /** A path or ':memory:'. */
  storeFile: string;
  faults?: FaultSettings;
  redirectOrigins: string[];
  clock?: Clock;
  sleep?: Sleeper;
  random?: RandomSource;
  /** pino level, or false for no logs. Default 'info'. */
  logLevel?: string | false;
  logStream?: NodeJS.WritableStream;
  /** The answers that depend on the merchant's app; default what a new app gets (settings.ts). */
  settings?: EmulatorSettings;
  /** Cert mode: the emulated Alipay's certificates (alipay-certs.ts). */
  alipayCerts?: EmulatorCertRing;
}

/** Builds the standalone emulator app; the caller listens and closes it. */
export async function buildEmulatorApp(options: BuildEmulatorAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: 64 * 1024,
    logger: options.logLevel === false ? false : { level: options.logLevel ?? 'info', stream: options.logStream ?? process.stdout },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
  });
  app.removeContentTypeParser('text/plain');
  installErrorHandler(app);
  const store = new CertificationStore(options.storeFile);
  app.addHook('onClose', async () => store.close());
  await app.register(emulatorPlugin, {
    prefix: '/emulator',
    keys: options.keys,
    store,
    faults: new FaultInjector(options.faults ?? NO_FAULTS, options.random ?? systemRandom),
    clock: options.clock ?? systemClock,
    sleep: options.sleep ?? systemSleeper,
    redirectOrigins: options.redirectOrigins,
    settings: options.settings,
    alipayCerts: options.alipayCerts,
  });
  return app;
}
