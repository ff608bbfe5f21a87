/**
 * What the emulated Alipay remembers about each certification: enough to answer query and
 * to send the person back to the merchant. The name is never stored and the ID number only
 * masked. A file under DATA_DIR keeps pending certifications across restarts, like Alipay.
 */
import Database from 'better-sqlite3';
import { ensurePrivateFile } from '../store/private-file';

export type EmulatedOutcome = 'PASSED' | 'FAILED';

export interface EmulatedCertification {
  certifyId: string;
  outerOrderNo: string;
  bizCode: string;
  certNoMasked: string;
  returnUrl: string;
  /** Null until the person (or a script) picks pass or fail. */
  outcome: EmulatedOutcome | null;
  createdAt: number;
}

interface Row {
  certify_id: string;
  outer_order_no: string;
  biz_code: string;
  cert_no_masked: string;
  return_url: string;
  outcome: EmulatedOutcome | null;
  created_at: number;
}

/** better-sqlite3 directly: the emulator is a test double and needs no repository layer. */
export class CertificationStore {
  private readonly db: Database.Database;

  /** @param filename a path, or ':memory:' */
  constructor(filename: string) {
    ensurePrivateFile(filename);
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    // Emulated certifications are disposable test data: no fsync per commit, which would
    // block the emulator's event loop on every initialize (npm run bench).
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS emulator_certifications (
      certify_id TEXT PRIMARY KEY,
      outer_order_no TEXT NOT NULL UNIQUE,
      biz_code TEXT NOT NULL,
      cert_no_masked TEXT NOT NULL,
      return_url TEXT NOT NULL,
      outcome TEXT,
      created_at INTEGER NOT NULL
    )`);
  }

  /** False when the outer_order_no was used before (Alipay requires it unique). */
  insert(certification: EmulatedCertification): boolean {
    const result = this.db
      .prepare(
        `INSERT OR IGNORE INTO emulator_certifications
         (certify_id, outer_order_no, biz_code, cert_no_masked, return_url, outcome, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        certification.certifyId,
        certification.outerOrderNo,
        certification.bizCode,
        certification.certNoMasked,
        certification.returnUrl,
        certification.outcome,
        certification.createdAt,
      );
    return result.changes === 1;
  }

  find(certifyId: string): EmulatedCertification | undefined {
    const row = this.db.prepare('SELECT * FROM emulator_certifications WHERE certify_id = ?').get(certifyId) as Row | undefined;
    return row && this.toCertification(row);
  }

  private toCertification(row: Row): EmulatedCertification {
    return {
      certifyId: row.certify_id,
      outerOrderNo: row.outer_order_no,
      bizCode: row.biz_code,
      certNoMasked: row.cert_no_masked,
      returnUrl: row.return_url,
      outcome: row.outcome,
      createdAt: row.created_at,
    };
  }

  /** The latest `limit` certifications, newest first (the emulator's index page). */
  recent(limit: number): EmulatedCertification[] {
    const rows = this.db.prepare('SELECT * FROM emulator_certifications ORDER BY created_at DESC, rowid DESC LIMIT ?').all(limit) as Row[];
    return rows.map((row) => this.toCertification(row));
  }

  /** Records an outcome. A pass is final, as at Alipay: later attempts do not undo it. */
  recordOutcome(certifyId: string, outcome: EmulatedOutcome): boolean {
    const result = this.db
      .prepare(`UPDATE emulator_certifications SET outcome = ? WHERE certify_id = ? AND (outcome IS NULL OR outcome <> 'PASSED')`)
      .run(outcome, certifyId);
    return result.changes === 1 || this.find(certifyId) !== undefined;
  }

  close(): void {
    this.db.close();
  }
}
