/**
 * The process entry (`npm start`): load the config, build the app, listen, print where
 * things are, and close gracefully on SIGINT/SIGTERM (plugins/graceful-close.ts: in-flight
 * requests finish, background workers stop; every verification was committed to SQLite
 * before its 201, so nothing pending is lost).
 */
import { resolve } from 'node:path';
import { buildApp } from './app';
import { AlipayModeConfig, ConfigError, ServerConfig } from './config';
import { exitGracefully } from './plugins/graceful-close';
import { isFirstProcess, superviseWorkers } from './scale/cluster';
import { prepareStartUp } from './start-up';
import { StoreError } from './store/store-error';

/** The banner's mode line: app, gateway host and proxy host (never the proxy's URL, which may carry credentials). */
function describeAlipayMode(alipay: AlipayModeConfig): string {
  const proxy = alipay.proxyUrl ? `, through the proxy at ${new URL(alipay.proxyUrl).host}` : '';
  return `Alipay (app ${alipay.appId} at ${new URL(alipay.gateway).host}${proxy})`;
}

/** Where /metrics is, and how to read it (operations/plugin.ts decides; this only says so). */
function describeMetrics(config: ServerConfig): string {
  if (config.metricsToken !== undefined) return `${config.publicUrl}/metrics (Bearer METRICS_TOKEN)`;
  return config.alipay.mode === 'alipay' ? 'off (set METRICS_TOKEN)' : `${config.publicUrl}/metrics`;
}

async function main(): Promise<void> {
  const { config, emulatorFaults, emulatorSettings } = prepareStartUp(process.env, resolve(__dirname, '..', '..'));
  // WORKERS > 1: this process only forks and supervises the workers that run the code below.
  if (superviseWorkers(config.scale.workers, (line) => process.stdout.write(`${line}\n`))) return;
  const app = await buildApp({ config, emulatorFaults, emulatorSettings });
  exitGracefully(app);

  await app.listen({ port: config.port, host: config.host });
  if (!isFirstProcess()) return;
  const mode = config.alipay.mode === 'alipay' ? describeAlipayMode(config.alipay) : `emulator (${config.alipay.emulatorUrl ?? `${config.publicUrl}/emulator`})`;
  process.stdout.write(
    [
      `H5 page: ${config.publicUrl}/`,
      `API base: ${config.publicUrl}/api`,
      `API reference: ${config.publicUrl}/docs (OpenAPI: ${config.publicUrl}/openapi.json)`,
      `Mode: ${mode}`,
      `Probes: ${config.publicUrl}/healthz, ${config.publicUrl}/readyz; metrics: ${describeMetrics(config)}`,
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError || error instanceof StoreError ? error.message : error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
