/**
 * The statement cache under Kysely: one compiled statement per SQL text, bounded, never handed
 * out while it is being iterated, closed with the database; and the repository through it.
 */
import Database from 'better-sqlite3';
import { openSqliteRepository } from '../../src/store/sqlite-repository';
import { pendingVerification } from '../support/records';
import { cacheStatements } from '../../src/store/statement-cache';
import { VerificationRecord } from '../../src/store/repository';

let database: Database.Database;

beforeEach(() => {
  database = new Database(':memory:');
  database.exec('create table items (id integer primary key)');
});

afterEach(() => {
  if (database.open) database.close();
});

describe('statement cache', () => {
  it('returns the same statement for the same SQL and another for different SQL', () => {
    const statements = cacheStatements(database);
    const selectAll = statements.prepare('select * from items');
    expect(statements.prepare('select * from items')).toBe(selectAll);
    expect(statements.prepare('select id from items')).not.toBe(selectAll);
  });

  it('keeps at most its capacity, evicting the least recently used', () => {
    const statements = cacheStatements(database, 2);
    const first = statements.prepare('select 1');
    const second = statements.prepare('select 2');
    expect(statements.prepare('select 1')).toBe(first);
    statements.prepare('select 3');
    expect(statements.prepare('select 1')).toBe(first);
    expect(statements.prepare('select 2')).not.toBe(second);
  });

  it('prepares a fresh statement while the cached one is being iterated', () => {
    const statements = cacheStatements(database);
    statements.prepare('insert into items (id) values (?)').run([1]);
    const select = statements.prepare('select * from items');
    const rows = select.iterate([]);
    rows.next();
    const concurrent = statements.prepare('select * from items');
    expect(concurrent).not.toBe(select);
    expect(concurrent.all([])).toEqual([{ id: 1 }]);
    rows.return?.();
    expect(statements.prepare('select * from items')).toBe(select);
  });

  it('reuses a statement after it failed', () => {
    const statements = cacheStatements(database);
    const insert = statements.prepare('insert into items (id) values (?)');
    insert.run([1]);
    expect(() => insert.run([1])).toThrow(expect.objectContaining({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' }));
    expect(statements.prepare('insert into items (id) values (?)').run([2]).changes).toBe(1);
  });

  it('closes the database on close()', () => {
    const statements = cacheStatements(database);
    statements.prepare('select * from items');
    statements.close();
    expect(database.open).toBe(false);
  });
});

describe('sqlite repository through the statement cache', () => {
  const verification = (id: string, overrides: Partial<VerificationRecord> = {}): VerificationRecord =>
    pendingVerification(id, { userId: 'u', alipayTraceId: 'trace', ...overrides });
  const idempotency = (key: string) => ({ userId: 'u', key, bodyHash: 'h', statusCode: 201, responseJson: '{}', createdAt: 1000 });

  it('prepares each query once, however often it runs', async () => {
    const prepare = jest.spyOn(Database.prototype, 'prepare');
    const repository = await openSqliteRepository(':memory:');
    try {
      await repository.insertSession({ tokenHash: 't', userId: 'u', createdAt: 0, expiresAt: 10_000 });
      const createVerification = async (id: string) => {
        expect(await repository.findSession('t')).toEqual({ tokenHash: 't', userId: 'u', createdAt: 0, expiresAt: 10_000 });
        expect(await repository.findIdempotency('u', `k${id}`)).toBeUndefined();
        expect(await repository.insertVerification(verification(id), idempotency(`k${id}`))).toBe(true);
      };
      await createVerification('1');
      const preparedForOne = prepare.mock.calls.length;
      for (const id of ['2', '3', '4']) await createVerification(id);
      expect(prepare.mock.calls.length).toBe(preparedForOne);
    } finally {
      prepare.mockRestore();
      await repository.close();
    }
  });

  it('answers false for a taken idempotency key, rolls back, and then inserts again', async () => {
    const repository = await openSqliteRepository(':memory:');
    try {
      expect(await repository.insertVerification(verification('1'), idempotency('k'))).toBe(true);
      expect(await repository.insertVerification(verification('2'), idempotency('k'))).toBe(false);
      expect(await repository.findVerification('2')).toBeUndefined();
      expect(await repository.insertVerification(verification('3'), idempotency('k3'))).toBe(true);
      expect(await repository.findVerification('3')).toEqual(verification('3'));
      expect(await repository.findIdempotency('u', 'k3')).toEqual(idempotency('k3'));
    } finally {
      await repository.close();
    }
  });

  it('stores an undefined column as NULL, as Kysely\'s values() does', async () => {
    const repository = await openSqliteRepository(':memory:');
    try {
      await repository.insertVerification(verification('1', { alipayTraceId: undefined as unknown as null }));
      expect(await repository.findVerification('1')).toMatchObject({ alipayTraceId: null });
    } finally {
      await repository.close();
    }
  });
});
