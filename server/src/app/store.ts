/**
 * The verification store as `app.repository`: PostgreSQL when DATABASE_URL is set (migrated
 * beforehand by `npm run migrate`), else SQLite at `<DATA_DIR>/verifications.sqlite` (opened
 * and migrated before the app answers anything), unless one is passed in; expired
 * sessions and idempotency records purged hourly, and closed with the app.
 */
import { join } from 'node:path';
import fp from 'fastify-plugin';
import { CERTIFY_ID_LIFETIME_MS } from '../../../utils/api-contract';
import { ServerConfig } from '../config';
import { openPostgresRepository } from '../store/postgres-repository';
import { Repository } from '../store/repository';
import { openSqliteRepository } from '../store/sqlite-repository';

declare module 'fastify' {
  interface FastifyInstance {
    repository: Repository;
  }
}

/** How often expired sessions and idempotency records are deleted. */
const PURGE_INTERVAL_MS = 60 * 60 * 1000;

export interface StoreOptions {
  config: ServerConfig;
  /** Default: SQLite in DATA_DIR. Closed with the app either way. */
  repository?: Repository;
}

/** Opens the store, purges once, and keeps purging until close. Needs `dependencies`. */
export const store = fp<StoreOptions>(
  async (app, options) => {
    const { databaseUrl, databasePoolSize } = options.config.scale;
    // PostgreSQL when DATABASE_URL names one (it must be migrated already: StoreError DATABASE_NOT_MIGRATED otherwise).
    const repository =
      options.repository ??
      (databaseUrl !== undefined
        ? await openPostgresRepository({
            url: databaseUrl,
            poolSize: databasePoolSize,
            onPoolError: (error) => app.log.warn({ err: error }, 'a pooled PostgreSQL connection broke; the pool replaces it'),
          })
        : await openSqliteRepository(join(options.config.dataDir, 'verifications.sqlite')));
    app.decorate('repository', repository);
    app.metrics.readAttemptsFrom(() => repository.countAttempts());
    const purge = async (): Promise<void> => {
      const now = app.clock();
      const purged = await repository.purgeExpired(now, now - CERTIFY_ID_LIFETIME_MS);
      if (purged.sessions + purged.idempotencyRecords > 0) app.log.info({ purged }, 'purged expired sessions and idempotency records');
    };
    await purge();
    const purgeTimer = setInterval(() => {
      purge().catch((error: unknown) => app.log.error({ err: error }, 'purge failed'));
    }, PURGE_INTERVAL_MS);
    purgeTimer.unref();
    app.addHook('onClose', async () => {
      clearInterval(purgeTimer);
      await repository.close();
    });
  },
  { name: 'store', dependencies: ['dependencies'] },
);
