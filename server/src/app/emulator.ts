/**
 * The embedded emulator, under `/emulator` on the app's own port: what `npm start` runs when
 * ALIPAY_MODE=emulator and no EMULATOR_URL names an emulator in its own process. It shares the
 * app's clock, sleeper and random source, so a test moves both sides at once.
 */
import { join } from 'node:path';
import fp from 'fastify-plugin';
import { ServerConfig } from '../config';
import { CertificationStore } from '../emulator/certification-store';
import { FaultInjector, FaultSettings, NO_FAULTS } from '../emulator/faults';
import { EmulatorKeys } from '../emulator/keys';
import { emulatorPlugin } from '../emulator/plugin';
import { EmulatorSettings } from '../emulator/settings';

export interface EmbeddedEmulatorOptions {
  config: ServerConfig;
  keys: EmulatorKeys;
  /** The fault knobs at start (EMULATOR_*). Default none. */
  faults?: FaultSettings;
  /** How app-dependent answers look at start. Default what a new app gets. */
  settings?: EmulatorSettings;
  /** Its store. Default SQLite at `<DATA_DIR>/emulator.sqlite`. Closed with the app. */
  store?: CertificationStore;
}

/** Mounts the emulator's routes under `/emulator`. Needs `dependencies`. */
export const embeddedEmulator = fp<EmbeddedEmulatorOptions>(
  async (app, options) => {
    const store = options.store ?? new CertificationStore(join(options.config.dataDir, 'emulator.sqlite'));
    app.addHook('onClose', async () => store.close());
    await app.register(emulatorPlugin, {
      prefix: '/emulator',
      keys: options.keys,
      store,
      faults: new FaultInjector(options.faults ?? NO_FAULTS, app.random),
      clock: app.clock,
      sleep: app.sleep,
      redirectOrigins: [new URL(options.config.publicUrl).origin],
      settings: options.settings,
    });
  },
  { name: 'embedded-emulator', dependencies: ['dependencies'] },
);
