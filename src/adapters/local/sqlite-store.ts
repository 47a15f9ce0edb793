import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { AuditLog, Clock, ContactList, GateList, SuppressionStore, TrackingStore } from '../../ports.js';
import { createSqliteAuditLog, createSqliteContactList } from './sqlite-contacts.js';
import { runSqlite, translateSqliteError } from './sqlite-errors.js';
import {
  createSqliteContactGate,
  createSqliteSuppressionGate,
  createSqliteSuppressions,
  createSqliteTracking,
} from './sqlite-gates.js';
import { createSqliteLedger, type SqliteLedger } from './sqlite-ledger.js';
import { migrateSqlite } from './sqlite-schema.js';

export interface SqliteStore {
  ledger: SqliteLedger;
  tracking: TrackingStore;
  suppressions: GateList;
  /** The table the `suppressions` gate reads, for writing bounces and complaints (`events`). */
  suppressionStore: SuppressionStore;
  contacts: GateList;
  /** The contact preferences the `contacts` gate reads, for unsubscribe / resubscribe. */
  contactList: ContactList;
  /** The audit trail of contact changes. */
  audit: AuditLog;
  /** Reads every page (`PRAGMA quick_check`): what is wrong with the file, empty when it is intact (doctor). */
  verify(): string[];
  close(): void;
}

export interface SqliteStoreOptions {
  /** The unsubscribe topic (`unsubscribe.topic`): contacts who opted out of it are blocked. */
  topic?: string | undefined;
  /**
   * How long opening the file (WAL switch, migration, write probe) waits for a lock another process holds before
   * it gives up with `StoreBusyError` (default 5 s). Nobody holds the file that long in normal use: a run that
   * shares it takes the lock for a moment per row, so a lock outlasting this is a stuck process or a sqlite3 session.
   */
  openTimeoutMs?: number | undefined;
  /** How long each later statement waits its turn behind another process's write (default 10 s). */
  busyTimeoutMs?: number | undefined;
  /** Stamps `contacts.updated_at` (default: the system clock). */
  clock?: Clock | undefined;
  /**
   * Claims and finishes asked for together share one commit (default true; each still resolves only after its
   * commit). false: one commit per call, the former path, kept for the benchmark's baseline.
   */
  groupCommit?: boolean | undefined;
}

/**
 * The local backend's ledger, tracking rows, gate lists, contacts and audit trail in one SQLite file
 * (`tracking.file`), shareable by several processes: WAL lets readers and one writer work side by side,
 * busy_timeout makes a writer wait its turn. A new file is created 0600 (it holds addresses and opt-outs), a new
 * folder 0700. Every failure comes out translated (`sqlite-errors.ts`).
 */
export function openSqliteStore(file: string, options: SqliteStoreOptions = {}): SqliteStore {
  const db = openDatabase(file, options.openTimeoutMs ?? 5_000);
  try {
    return runSqlite(file, 'opening the store', () => {
      db.pragma(`busy_timeout = ${toMs(options.busyTimeoutMs ?? 10_000)}`);
      const ledger = createSqliteLedger(db, file, { groupCommit: options.groupCommit });
      return {
        ledger,
        tracking: createSqliteTracking(db, file),
        suppressions: createSqliteSuppressionGate(db, file),
        suppressionStore: createSqliteSuppressions(db, file),
        contacts: createSqliteContactGate(db, file, options.topic),
        contactList: createSqliteContactList(db, file, { clock: options.clock }),
        audit: createSqliteAuditLog(db, file),
        verify: () =>
          runSqlite(file, 'checking the file', () => db.prepare('PRAGMA quick_check(20)').pluck().all())
            .map(String)
            .filter((line) => line !== 'ok'),
        close: () => {
          if (!db.open) return;
          // A claim or finish still waiting for its group is committed (or fails) before the connection goes.
          ledger.drain();
          runSqlite(file, 'closing the store', () => db.close());
        },
      };
    });
  } catch (error) {
    db.close();
    throw error;
  }
}

function openDatabase(file: string, openTimeoutMs: number): Database.Database {
  let db: Database.Database | undefined;
  try {
    createPrivately(file);
    db = new Database(file);
    // busy_timeout first: switching to WAL and migrating already need the lock another process may hold.
    db.pragma(`busy_timeout = ${toMs(openTimeoutMs)}`);
    switchToWal(db, openTimeoutMs);
    // FULL, not NORMAL: a `sending` row lost to a power cut after the provider accepted the mail means a resend.
    db.pragma('synchronous = FULL');
    migrateSqlite(db, file);
    return db;
  } catch (error) {
    db?.close();
    throw translateSqliteError(error, file, 'opening the store');
  }
}

/**
 * `journal_mode = WAL`, tried again while it reports the file busy, until `timeoutMs` has passed. Two processes
 * opening a NEW file at once (the shards of one month, started together) both switch it to WAL; SQLite then answers
 * one of them SQLITE_BUSY at once, without calling the busy handler (it would deadlock: each holds the lock the
 * other needs). Once the other process has switched the file, the next try finds it in WAL mode already.
 */
function switchToWal(db: Database.Database, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 2; ; pause = Math.min(pause * 2, 100)) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      const busy = String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY');
      if (!busy || Date.now() + pause > deadline) throw error;
      // The open is synchronous (as SQLite's own busy handler is): a short blocking pause, then the next try.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pause + Math.random() * pause);
    }
  }
}

/**
 * Creates the folder (0700) and an empty file (0600) when missing, before SQLite would create the file 0644: the
 * store holds every recipient's address and opt-outs. SQLite gives its -wal and -shm files the file's mode. An
 * existing file keeps its mode (doctor warns when others may read it).
 */
function createPrivately(file: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
  }
}

const toMs = (ms: number) => Math.max(0, Math.trunc(ms));
