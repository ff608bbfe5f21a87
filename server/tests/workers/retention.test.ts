/**
 * Retention: records are deleted RETENTION_DAYS after their creation, with their webhook
 * events, and not a day before.
 */
import { openSqliteRepository } from '../../src/store/sqlite-repository';
import { verificationEvent } from '../../src/webhooks/events';
import { purgeExpiredVerifications } from '../../src/workers/retention';
import { pendingVerification } from '../support/records';

const DAY = 24 * 60 * 60 * 1000;

it('deletes verifications older than the retention period with their webhook events, and keeps younger ones', async () => {
  const repository = await openSqliteRepository(':memory:');
  try {
    const created = Date.UTC(2026, 0, 1);
    const old = pendingVerification('old', { createdAt: created, updatedAt: created, expiresAt: created + DAY });
    await repository.insertVerification(old);
    const event = verificationEvent(old, 'PASSED', created + 1000);
    await repository.completeVerification({ id: 'old', to: 'PASSED', updatedAt: created + 1000, alipayTraceId: null, event });
    await repository.insertVerification(pendingVerification('young', { createdAt: created + DAY, updatedAt: created + DAY, expiresAt: created + 2 * DAY }));

    expect(await purgeExpiredVerifications(repository, created + 180 * DAY, 180)).toEqual({ verifications: 0, webhookEvents: 0, attempts: 0 });
    expect(await purgeExpiredVerifications(repository, created + 180 * DAY + 1, 180)).toEqual({ verifications: 1, webhookEvents: 1, attempts: 0 });
    expect(await repository.findVerification('old')).toBeUndefined();
    expect(await repository.findWebhookEvent(event.id)).toBeUndefined();
    expect(await repository.findVerification('young')).toBeDefined();
  } finally {
    await repository.close();
  }
});
