/**
 * Group commit: writes queued in one turn share one transaction; a failing write rolls back
 * alone; a failing COMMIT rejects the whole batch and leaves nothing behind; a write's
 * promise settles only when another connection can read what it wrote.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createGroupCommitter, GroupCommitter } from '../../src/store/group-commit';
import { openSqliteRepository } from '../../src/store/sqlite-repository';
import { pendingVerification } from '../support/records';

let directory: string;
let database: Database.Database;
let committer: GroupCommitter;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'group-commit-'));
  database = new Database(join(directory, 'store.db'));
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.exec(`
    create table parents (id text primary key);
    create table items (id text primary key, parent text references parents(id) deferrable initially deferred);
  `);
  committer = createGroupCommitter(database);
});

afterEach(() => {
  committer.flush();
  database.close();
  rmSync(directory, { recursive: true, force: true });
});

const insertItem = (id: string, parent: string | null = null) => () =>
  database.prepare('insert into items (id, parent) values (?, ?)').run(id, parent).changes;
const itemIds = (reader: Database.Database = database) =>
  reader.prepare('select id from items order by id').pluck().all() as string[];

/** A write that first notes which items another connection can read at that moment. */
function insertNotingVisible(id: string, reader: Database.Database, seen: string[][]) {
  return () => {
    seen.push(itemIds(reader));
    return insertItem(id)();
  };
}

describe('group commit', () => {
  it('commits the writes queued in one turn of the event loop in one transaction', async () => {
    const reader = new Database(join(directory, 'store.db'));
    const seen: string[][] = [];
    const results = await Promise.all(['a', 'b', 'c'].map((id) => committer.run(insertNotingVisible(id, reader, seen))));
    expect(results).toEqual([1, 1, 1]);
    // Had each write committed alone, 'c' would have seen 'a' and 'b'.
    expect(seen).toEqual([[], [], []]);
    expect(itemIds(reader)).toEqual(['a', 'b', 'c']);
    reader.close();
  });

  it('starts a new batch for a write queued after a commit', async () => {
    const reader = new Database(join(directory, 'store.db'));
    const seen: string[][] = [];
    await committer.run(insertNotingVisible('a', reader, seen));
    await committer.run(insertNotingVisible('b', reader, seen));
    expect(seen).toEqual([[], ['a']]);
    reader.close();
  });

  it('rolls back only the write that threw, and gives its error to its caller alone', async () => {
    const failing = () => {
      insertItem('half-written')();
      throw Object.assign(new Error('refused'), { code: 'TEST_REFUSED' });
    };
    const [first, second, third] = await Promise.allSettled([
      committer.run(insertItem('a')),
      committer.run(failing),
      committer.run(insertItem('c')),
    ]);
    expect(first).toEqual({ status: 'fulfilled', value: 1 });
    expect(second).toMatchObject({ status: 'rejected', reason: { code: 'TEST_REFUSED' } });
    expect(third).toEqual({ status: 'fulfilled', value: 1 });
    expect(itemIds()).toEqual(['a', 'c']);
  });

  it('rejects every write of a batch whose COMMIT fails, and keeps none of them', async () => {
    // The dangling reference is only checked at COMMIT (a deferred foreign key).
    const outcomes = await Promise.allSettled([committer.run(insertItem('a')), committer.run(insertItem('b', 'no-such-parent'))]);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' } });
    }
    expect(database.inTransaction).toBe(false);
    expect(itemIds()).toEqual([]);
    await expect(committer.run(insertItem('after'))).resolves.toBe(1);
  });

  it('rolls back a lone write that threw (its own transaction, no savepoint), and gives its caller the error', async () => {
    const failing = () => {
      insertItem('half-written')();
      throw Object.assign(new Error('refused'), { code: 'TEST_REFUSED' });
    };
    await expect(committer.run(failing)).rejects.toMatchObject({ code: 'TEST_REFUSED' });
    expect(database.inTransaction).toBe(false);
    expect(itemIds()).toEqual([]);
    await expect(committer.run(insertItem('after'))).resolves.toBe(1);
  });

  it('rejects a lone write whose COMMIT fails, and keeps nothing of it', async () => {
    await expect(committer.run(insertItem('a', 'no-such-parent'))).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
    expect(database.inTransaction).toBe(false);
    expect(itemIds()).toEqual([]);
  });

  it('commits at once on flush, without waiting for the event loop', () => {
    const pending = committer.run(insertItem('a'));
    committer.flush();
    const reader = new Database(join(directory, 'store.db'));
    expect(itemIds(reader)).toEqual(['a']);
    reader.close();
    return expect(pending).resolves.toBe(1);
  });
});

describe('the repository on group commit', () => {
  it('keeps a verification written just before close, and answers each idempotent insert on its own', async () => {
    const file = join(directory, 'repository.db');
    const repository = await openSqliteRepository(file);
    const idempotency = { userId: 'u', key: 'k', bodyHash: 'h', statusCode: 201, responseJson: '{}', createdAt: 1000 };
    const [first, duplicate] = await Promise.all([
      repository.insertVerification(pendingVerification('1'), idempotency),
      repository.insertVerification(pendingVerification('2'), idempotency),
    ]);
    expect([first, duplicate]).toEqual([true, false]);
    const lastWrite = repository.insertVerification(pendingVerification('3'));
    await repository.close();
    await expect(lastWrite).resolves.toBe(true);

    const reopened = await openSqliteRepository(file);
    expect(await reopened.findVerification('1')).toMatchObject({ status: 'PENDING' });
    expect(await reopened.findVerification('2')).toBeUndefined();
    expect(await reopened.findVerification('3')).toMatchObject({ status: 'PENDING' });
    await reopened.close();
  });
});
