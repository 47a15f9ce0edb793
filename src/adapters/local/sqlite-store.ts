import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError, isDnMailerError } from '../../core/common/errors.js';
import type { AuditLog, Clock, ContactList, GateList, SendLedger, TrackingStore } from '../../ports.js';
import { createSqliteAuditLog, createSqliteContactList } from './sqlite-contacts.js';
import {
  createSqliteContactGate,
  createSqliteSuppressionGate,
  createSqliteTracking,
} from './sqlite-gates.js';
import { createSqliteLedger } from './sqlite-ledger.js';
import { migrateSqlite } from './sqlite-schema.js';

export interface SqliteStore {
  ledger: SendLedger;
  tracking: TrackingStore;
  suppressions: GateList;
  contacts: GateList;
  /** The contact preferences the `contacts` gate reads, for unsubscribe / resubscribe. */
  contactList: ContactList;
  /** The audit trail of contact changes. */
  audit: AuditLog;
  close(): void;
}

export interface SqliteStoreOptions {
  /** The unsubscribe topic (`unsubscribe.topic`): contacts who opted out of it are blocked. */
  topic?: string | undefined;
  /** How long a statement waits for another process's write lock (default 10 s). */
  busyTimeoutMs?: number | undefined;
  /** Stamps `contacts.updated_at` (default: the system clock). */
  clock?: Clock | undefined;
}

/**
 * The local backend's ledger, tracking rows, gate lists, contacts and audit trail in one SQLite file
 * (`tracking.file`), shareable by several processes: WAL lets readers and one writer work side by side,
 * busy_timeout makes a writer wait its turn.
 */
export function openSqliteStore(file: string, options: SqliteStoreOptions = {}): SqliteStore {
  const db = openDatabase(file, options.busyTimeoutMs ?? 10_000);
  return {
    ledger: createSqliteLedger(db, file),
    tracking: createSqliteTracking(db, file),
    suppressions: createSqliteSuppressionGate(db, file),
    contacts: createSqliteContactGate(db, file, options.topic),
    contactList: createSqliteContactList(db, file, { clock: options.clock }),
    audit: createSqliteAuditLog(db, file),
    close: () => {
      if (db.open) db.close();
    },
  };
}

function openDatabase(file: string, busyTimeoutMs: number): Database.Database {
  let db: Database.Database | undefined;
  try {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    db = new Database(file);
    // busy_timeout first: switching to WAL and migrating already need the lock another process may hold.
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
    db.pragma('journal_mode = WAL');
    // FULL, not NORMAL: a `sending` row lost to a power cut after the provider accepted the mail means a resend.
    db.pragma('synchronous = FULL');
    migrateSqlite(db, file);
    return db;
  } catch (error) {
    db?.close();
    if (isDnMailerError(error)) throw error;
    throw new ConfigError(`cannot open the SQLite store ${file}: ${(error as Error).message}`, {
      cause: error,
      hint: 'check tracking.file: its folder must be writable',
    });
  }
}
