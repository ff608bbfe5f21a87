/**
 * The backend as one Fastify plugin, composed of small pieces in the order they need each
 * other (as fastify/demo does): each piece lives in app/ (or operations/) and hands what it
 * makes to the later ones as a decorator (`app.clock`, `app.metrics`, `app.repository`,
 * `app.alipay`, `app.verifications`, …), so a piece reads its dependencies from the instance
 * and a test swaps one in a single place.
 *
 * A piece that starts background work (a reconciler, a webhook worker) stops it in an
 * `app.addHook('onClose', …)` hook it adds itself, next to the code that starts it: every close
 * runs those hooks, whether a test closes the app or server.ts does on SIGTERM
 * (plugins/graceful-close.ts, through close-with-grace), and a piece registered after the
 * store has its onClose hook run before the store closes.
 *
 * server.ts only loads the config, builds, listens and shuts down. Tests build the same app
 * and call `app.inject()` (or listen on an ephemeral port when real sockets are the point).
 * @see https://github.com/fastify/demo
 * @see https://fastify.dev/docs/latest/Reference/Plugins/
 */
import { resolve } from 'node:path';
import Fastify, { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { AlipayGateway } from './alipay/alipay-client';
import { alipay } from './app/alipay';
import { api } from './app/api';
import { dependencies } from './app/dependencies';
import { embeddedEmulator } from './app/emulator';
import { h5 } from './app/h5';
import { merchant } from './app/merchant';
import { openapi } from './app/openapi';
import { serverOptions } from './app/server-options';
import { store } from './app/store';
import { workers } from './app/workers';
import { Clock, RandomSource, Sleeper } from './clock';
import { ServerConfig } from './config';
import { CertificationStore } from './emulator/certification-store';
import { FaultSettings } from './emulator/faults';
import { EmulatorKeys, ensureEmulatorKeys } from './emulator/keys';
import { EmulatorSettings } from './emulator/settings';
import { operations } from './operations/plugin';
import { ConnectionLimits } from './plugins/connection-limits';
import { installErrorHandler } from './plugins/error-handler';
import { refuseRequestsWhileClosing } from './plugins/graceful-close';
import { installRequestLog } from './plugins/request-log';
import { installSecurityHeaders } from './plugins/security-headers';
import { Repository } from './store/repository';

/** What the process entry passes: everything comes from the environment (start-up.ts). */
export interface AppOptions {
  config: ServerConfig;
  /** Embedded emulator: the fault knobs at start (EMULATOR_*). */
  emulatorFaults?: FaultSettings;
  /** Embedded emulator: how app-dependent answers look at start (default: what a new app gets). */
  emulatorSettings?: EmulatorSettings;
}

/**
 * What only tests pass, kept out of AppOptions so production code cannot reach for them (and
 * a reader of server.ts sees every knob production has). Each replaces something the app
 * would otherwise make from the config.
 */
export interface TestOverrides {
  clock?: Clock;
  /** Retry backoff: tests record the delays instead of waiting them out. */
  sleep?: Sleeper;
  random?: RandomSource;
  /** Replaces the Alipay client (a double, or the real one wrapped to record calls). */
  alipay?: AlipayGateway;
  /** Default: SQLite at `<DATA_DIR>/verifications.sqlite`. Closed with the app either way. */
  repository?: Repository;
  /** Where pino writes. Default: stdout. */
  logStream?: NodeJS.WritableStream;
  /** Emulator mode: keys to use instead of reading or generating them in DATA_DIR (RSA generation takes seconds). */
  emulatorKeys?: EmulatorKeys;
  /** Embedded emulator: its store. Default: SQLite at `<DATA_DIR>/emulator.sqlite`. */
  emulatorStore?: CertificationStore;
  /** Where h5/public and h5/dist are looked for. Default: the repository this file is built in. */
  repoRoot?: string;
  /** How long clients may take (tests shorten them). Default: connectionLimitsFor(config). */
  connectionLimits?: ConnectionLimits;
  /**
   * Whether the reconciler and the webhook worker run passes on their own timers. Default true;
   * tests pass false and call `app.reconciler.runOnce()` on their injected clock.
   */
  startWorkers?: boolean;
}

/** The repository root as seen from this file (src/ in tests, dist/ when built). */
const REPO_ROOT = resolve(__dirname, '..', '..');

/** The whole backend as a plugin; register it on an instance made with `serverOptions(config)`. */
export const verificationApp: FastifyPluginAsync<AppOptions & { overrides?: TestOverrides }> = async (app, options) => {
  const { config, overrides = {} } = options;
  // Only JSON is accepted by the API; text/plain would otherwise reach the schema as a string.
  app.removeContentTypeParser('text/plain');
  installErrorHandler(app);
  installRequestLog(app);
  installSecurityHeaders(app, { publicUrl: config.publicUrl });
  refuseRequestsWhileClosing(app);

  const emulatorMode = config.alipay.mode === 'emulator';
  const emulatorKeys = emulatorMode ? (overrides.emulatorKeys ?? ensureEmulatorKeys(config.dataDir)) : undefined;

  await app.register(dependencies, { clock: overrides.clock, sleep: overrides.sleep, random: overrides.random });
  await app.register(store, { config, repository: overrides.repository });
  await app.register(alipay, { config, emulatorKeys, alipay: overrides.alipay });
  await app.register(openapi);
  await app.register(operations, { metricsToken: config.metricsToken, metricsOpen: emulatorMode });
  await app.register(api, { config });
  await app.register(merchant);
  await app.register(workers, { config, start: overrides.startWorkers ?? true });
  if (emulatorKeys && config.alipay.mode === 'emulator' && !config.alipay.emulatorUrl) {
    await app.register(embeddedEmulator, {
      config,
      keys: emulatorKeys,
      faults: options.emulatorFaults,
      settings: options.emulatorSettings,
      store: overrides.emulatorStore,
    });
  }
  // NODE_ENV is how a deploy says "production" to Node tooling; the build writes maps either way.
  await app.register(h5, { repoRoot: overrides.repoRoot ?? REPO_ROOT, serveSourceMaps: process.env.NODE_ENV !== 'production', logoUrl: config.branding.logoUrl });
};

/**
 * Builds the app; the caller listens (server.ts) or injects (tests), then closes it.
 * @param overrides only tests pass these
 */
export async function buildApp(options: AppOptions, overrides: TestOverrides = {}): Promise<FastifyInstance> {
  const app = Fastify(serverOptions(options.config, { logStream: overrides.logStream, connectionLimits: overrides.connectionLimits }));
  // fp: the error handler, hooks and decorators the app installs apply to the root instance.
  await app.register(fp(verificationApp, { name: 'verification-app' }), { ...options, overrides });
  return app;
}
