/**
 * What the store's set-up refuses, with a code the start-up banner and `npm run migrate` show
 * and tests check. The driver's error, when there is one, is kept as `cause` for the log.
 */
export type StoreErrorCode = 'DATABASE_NOT_MIGRATED' | 'DATABASE_UNREACHABLE' | 'MIGRATION_FAILED';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}
