/**
 * The background work, as `app.reconciler` and `app.webhookWorker` (null without WEBHOOK_URL):
 * the reconciler re-queries PENDING verifications through `app.verifications` (sharing its
 * single flight with client polls), the webhook worker delivers the outbox, and the retention
 * purge deletes records older than RETENTION_DAYS on the store's hourly purge schedule. They
 * start when the app is ready and stop, waiting for a pass under way, when it closes (before
 * the store closes: this piece is registered after it).
 */
import fp from 'fastify-plugin';
import { ServerConfig } from '../config';
import { WebhookWorker } from '../webhooks/delivery-worker';
import { Reconciler } from '../workers/reconciler';
import { purgeExpiredVerifications } from '../workers/retention';

declare module 'fastify' {
  interface FastifyInstance {
    reconciler: Reconciler;
    webhookWorker: WebhookWorker | null;
  }
}

/** How often records past RETENTION_DAYS are deleted (the store's purge interval). */
const RETENTION_INTERVAL_MS = 60 * 60 * 1000;

export interface WorkersOptions {
  config: ServerConfig;
  /** False in tests that drive `runOnce()` themselves on an injected clock. Default true. */
  start?: boolean;
}

/** Needs `dependencies`, `store` and `api`. */
export const workers = fp<WorkersOptions>(
  async (app, { config, start = true }) => {
    const { repository, clock, random } = app;
    const reconciler = new Reconciler({
      repository,
      verifications: app.verifications,
      clock,
      random,
      scheduleMs: config.reconcileScheduleMs,
      log: app.log.child({ component: 'reconciler' }),
      lag: app.metrics.reconcilerLag,
    });
    const webhookWorker = config.webhook
      ? new WebhookWorker({
          repository,
          target: config.webhook,
          clock,
          random,
          log: app.log.child({ component: 'webhooks' }),
          deliveries: app.metrics.webhookDeliveries,
        })
      : null;
    app.decorate('reconciler', reconciler);
    app.decorate('webhookWorker', webhookWorker);

    const retain = async (): Promise<void> => {
      const deleted = await purgeExpiredVerifications(repository, clock(), config.branding.retentionDays);
      if (deleted.verifications + deleted.attempts > 0) app.log.info({ deleted, retentionDays: config.branding.retentionDays }, 'deleted records past their retention');
    };
    await retain();
    if (!start) return;

    let retentionTimer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      reconciler.start();
      webhookWorker?.start();
      retentionTimer = setInterval(() => {
        retain().catch((error: unknown) => app.log.error({ err: error }, 'retention purge failed'));
      }, RETENTION_INTERVAL_MS);
      retentionTimer.unref();
    });
    app.addHook('onClose', async () => {
      clearInterval(retentionTimer);
      await Promise.all([reconciler.stop(), webhookWorker?.stop()]);
    });
  },
  { name: 'workers', dependencies: ['dependencies', 'store', 'api'] },
);
