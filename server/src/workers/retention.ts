/**
 * Retention (PIPL art. 19 and 47): verification records are kept RETENTION_DAYS after their
 * creation, the period the data notice states (the same setting), then deleted with their
 * status history, webhook events and initialize attempts.
 */
import { DeletedRecords, Repository } from '../store/repository';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Deletes what was created more than `retentionDays` before `now`. */
export function purgeExpiredVerifications(repository: Repository, now: number, retentionDays: number): Promise<DeletedRecords> {
  return repository.purgeVerificationsBefore(now - retentionDays * DAY_MS);
}
