/**
 * The SQLite repository: unique outer_order_no, terminal states that never move, the
 * idempotency key constraint, and the purge of expired sessions and idempotency records.
 */
import { Repository } from '../../src/store/repository';
import { openSqliteRepository } from '../../src/store/sqlite-repository';
import { pendingVerification } from '../support/records';

let repository: Repository;

beforeEach(async () => {
  repository = await openSqliteRepository(':memory:');
});

afterEach(async () => {
  await repository.close();
});

describe('sqlite repository', () => {
  it('refuses a second verification with the same outer_order_no', async () => {
    await repository.insertVerification(pendingVerification('1'));
    await expect(repository.insertVerification(pendingVerification('2', { outerOrderNo: pendingVerification('1').outerOrderNo }))).rejects.toMatchObject({
      code: 'SQLITE_CONSTRAINT_UNIQUE',
    });
  });

  it('completes a PENDING verification once and never moves it again', async () => {
    await repository.insertVerification(pendingVerification('3'));
    expect(await repository.completeVerification({ id: '3', to: 'PASSED', updatedAt: 1500, alipayTraceId: 't1' })).toBe(true);
    expect(await repository.completeVerification({ id: '3', to: 'EXPIRED', updatedAt: 1600, alipayTraceId: 't2' })).toBe(false);
    expect(await repository.findVerification('3')).toMatchObject({ status: 'PASSED', updatedAt: 1500, alipayTraceId: 't1' });
  });

  it('stores nothing when the idempotency key was taken meanwhile', async () => {
    const idempotency = { userId: 'u', key: 'k', bodyHash: 'h', statusCode: 201, responseJson: '{}', createdAt: 1000 };
    expect(await repository.insertVerification(pendingVerification('4'), idempotency)).toBe(true);
    expect(await repository.insertVerification(pendingVerification('5'), idempotency)).toBe(false);
    expect(await repository.findVerification('5')).toBeUndefined();
  });

  it('purges expired sessions and old idempotency records, and keeps verifications', async () => {
    await repository.insertSession({ tokenHash: 'old', userId: 'u', createdAt: 0, expiresAt: 100 });
    await repository.insertSession({ tokenHash: 'live', userId: 'u', createdAt: 0, expiresAt: 10_000 });
    await repository.insertVerification(pendingVerification('6'), { userId: 'u', key: 'k6', bodyHash: 'h', statusCode: 201, responseJson: '{}', createdAt: 1000 });
    expect(await repository.purgeExpired(5000, 1001)).toEqual({ sessions: 1, idempotencyRecords: 1 });
    expect(await repository.findSession('old')).toBeUndefined();
    expect(await repository.findSession('live')).toBeDefined();
    expect(await repository.findIdempotency('u', 'k6')).toBeUndefined();
    expect(await repository.findVerification('6')).toBeDefined();
  });
});
