/**
 * Database files readable by the service's own user only. better-sqlite3 creates a missing
 * file with the process umask (usually 0644: readable by every local user), and SQLite gives
 * the -wal and -shm files the main file's permissions, so a main file created 0600 keeps all
 * three private. The files hold session-token hashes, user ids and verification states.
 * @see https://www.sqlite.org/tempfiles.html (the WAL and shared-memory files beside the database)
 */
import { chmodSync, closeSync, openSync } from 'node:fs';

/**
 * Creates `filename` mode 0600 if missing and narrows an existing one (and a -wal or -shm
 * file left by a crash) to 0600, before SQLite opens it; ':memory:' and '' are left alone.
 */
export function ensurePrivateFile(filename: string): void {
  if (filename === '' || filename === ':memory:') return;
  closeSync(openSync(filename, 'a', 0o600));
  // A file from before this rule, or created under another umask, is narrowed too.
  chmodSync(filename, 0o600);
  for (const companion of [`${filename}-wal`, `${filename}-shm`]) {
    try {
      chmodSync(companion, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}
