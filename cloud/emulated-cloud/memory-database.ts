/**
 * The cloud database in memory, for tests and local runs: the collection calls the functions
 * make (insertOne, findOne, updateOne, count, deleteMany), with MongoDB's meaning for the
 * filters they use (equality, $gte, $gt, $lt, $in) and its `{result}` answers. Documents are
 * flat, as the functions write them; anything else is refused, so a function that starts
 * writing nested data fails here before it does in the cloud.
 *
 * @see https://help.aliyun.com/document_detail/435816.html (ctx.mpserverless.db in a cloud function)
 */
import { randomBytes } from 'node:crypto';
import { CloudDatabase, DbCollection, DbComparison, DbFilter, DbResult, DbValue } from '../types/serverless';

type StoredDocument = Record<string, DbValue>;

/** A call the emulated database does not support, or a document it cannot hold. */
export class MemoryDatabaseError extends Error {
  readonly code = 'MEMORY_DB_UNSUPPORTED';

  constructor(message: string) {
    super(message);
    this.name = 'MemoryDatabaseError';
  }
}

function isComparison(value: DbValue | DbComparison): value is DbComparison {
  return value !== null && typeof value === 'object';
}

const OPERATORS = ['$gte', '$gt', '$lt', '$in'];

/** Refuses an operator it does not implement, whether or not any document would be compared. */
function checkFilter(filter: DbFilter): void {
  for (const key of Object.keys(filter)) {
    const expected = filter[key];
    if (!isComparison(expected)) continue;
    for (const operator of Object.keys(expected)) {
      if (OPERATORS.indexOf(operator) < 0) throw new MemoryDatabaseError(`Unsupported filter operator ${operator}`);
    }
  }
}

function matchesComparison(actual: DbValue | undefined, comparison: DbComparison): boolean {
  if (comparison.$in !== undefined && comparison.$in.indexOf(actual === undefined ? null : actual) < 0) return false;
  const numeric = comparison.$gte !== undefined || comparison.$gt !== undefined || comparison.$lt !== undefined;
  if (!numeric) return true;
  if (typeof actual !== 'number') return false;
  if (comparison.$gte !== undefined && !(actual >= comparison.$gte)) return false;
  if (comparison.$gt !== undefined && !(actual > comparison.$gt)) return false;
  if (comparison.$lt !== undefined && !(actual < comparison.$lt)) return false;
  return true;
}

function matches(document: StoredDocument, filter: DbFilter): boolean {
  return Object.keys(filter).every((key) => {
    const expected = filter[key];
    const actual = document[key];
    if (isComparison(expected)) return matchesComparison(actual, expected);
    return (actual === undefined ? null : actual) === expected;
  });
}

function checkFlat(fields: Readonly<Record<string, unknown>>): StoredDocument {
  const copy: StoredDocument = {};
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (key.startsWith('$') || (value !== null && typeof value === 'object') || typeof value === 'function' || value === undefined) {
      throw new MemoryDatabaseError(`Field ${key} is not a flat JSON value`);
    }
    copy[key] = value as DbValue;
  }
  return copy;
}

class MemoryCollection implements DbCollection {
  readonly documents: StoredDocument[] = [];

  async insertOne(document: Readonly<Record<string, DbValue>>): Promise<DbResult<{ insertedId: string }>> {
    const stored = { ...checkFlat(document), _id: randomBytes(12).toString('hex') };
    this.documents.push(stored);
    return { result: { insertedId: stored._id } };
  }

  async findOne(filter: DbFilter): Promise<DbResult<Record<string, DbValue> | null>> {
    checkFilter(filter);
    const found = this.documents.find((document) => matches(document, filter));
    return { result: found ? { ...found } : null };
  }

  async updateOne(filter: DbFilter, update: { $set: Readonly<Record<string, DbValue>> }): Promise<DbResult<{ matchedCount: number; modifiedCount: number }>> {
    const keys = Object.keys(update);
    if (keys.length !== 1 || keys[0] !== '$set') throw new MemoryDatabaseError('Only {$set: {...}} updates are supported');
    const changes = checkFlat(update.$set);
    checkFilter(filter);
    const found = this.documents.find((document) => matches(document, filter));
    if (!found) return { result: { matchedCount: 0, modifiedCount: 0 } };
    Object.assign(found, changes);
    return { result: { matchedCount: 1, modifiedCount: 1 } };
  }

  async deleteMany(filter: DbFilter): Promise<DbResult<{ deletedCount: number }>> {
    checkFilter(filter);
    const kept = this.documents.filter((document) => !matches(document, filter));
    const deletedCount = this.documents.length - kept.length;
    this.documents.splice(0, this.documents.length, ...kept);
    return { affectedDocs: deletedCount, result: { deletedCount } };
  }

  async count(filter: DbFilter): Promise<DbResult<number>> {
    checkFilter(filter);
    return { result: this.documents.filter((document) => matches(document, filter)).length };
  }
}

/** The space's database: collections made on first use, as the console makes them once. */
export class MemoryDatabase implements CloudDatabase {
  private readonly collections = new Map<string, MemoryCollection>();

  collection(name: string): MemoryCollection {
    let collection = this.collections.get(name);
    if (!collection) {
      collection = new MemoryCollection();
      this.collections.set(name, collection);
    }
    return collection;
  }

  /** Every stored document of every collection as one JSON text, for tests that search it for personal data. */
  dump(): string {
    const all: Record<string, StoredDocument[]> = {};
    for (const [name, collection] of this.collections) all[name] = collection.documents;
    return JSON.stringify(all);
  }
}
