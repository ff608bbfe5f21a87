/**
 * Kysely's SQLite driver calls `database.prepare(sql)` for every query it runs, so SQLite
 * compiles the same few statements again and again. This wraps a better-sqlite3 Database so
 * each SQL text is compiled once and its statement reused.
 *
 * Reuse is safe: better-sqlite3 binds parameters per call and resets the statement after
 * every `all`/`run`, whether it succeeded or threw. The one state that outlives a call is an
 * open `iterate()` (Kysely's streaming), during which the statement is busy and refuses to run
 * again; a prepare of the same text then gets a fresh statement of its own.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Far more than the repository's distinct queries, so its hot statements are never evicted. */
export const DEFAULT_STATEMENT_CACHE_CAPACITY = 256;

export interface StatementCachingDatabase extends SqliteDatabase {
  prepare(sql: string): BetterSqlite3.Statement;
}

/**
 * Wraps `database` so that `prepare(sql)` returns the statement already compiled for the
 * same SQL text, keeping at most `capacity` statements and evicting the least recently used.
 * `close()` forgets them all and closes the database.
 */
export function cacheStatements(
  database: BetterSqlite3.Database,
  capacity: number = DEFAULT_STATEMENT_CACHE_CAPACITY,
): StatementCachingDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    prepare(sql) {
      const cached = statements.get(sql);
      if (cached?.busy) return database.prepare(sql);
      if (cached) {
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      if (statements.size >= capacity) statements.delete(statements.keys().next().value as string);
      statements.set(sql, statement);
      return statement;
    },

    close() {
      statements.clear();
      database.close();
    },
  };
}
