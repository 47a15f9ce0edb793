import type Database from 'better-sqlite3';
import { ConfigError } from '../../core/common/errors.js';

/** Bump with a migration step in `migrateSqlite` whenever a table changes. */
export const SQLITE_SCHEMA_VERSION = 5;

const SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS ledger (
  campaign_id TEXT NOT NULL,
  email TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('planned', 'sending', 'sent', 'failed', 'skipped', 'unknown')),
  custom_ids TEXT NOT NULL DEFAULT '[]',
  message_id TEXT,
  reason TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  run_id TEXT,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (campaign_id, email)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tracking (
  id INTEGER PRIMARY KEY,
  campaign_id TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  email TEXT NOT NULL,
  recipient TEXT NOT NULL,
  event_type TEXT NOT NULL,
  send_status TEXT NOT NULL,
  ses_message_id TEXT,
  reason TEXT,
  month TEXT NOT NULL,
  year TEXT NOT NULL,
  custom_ids TEXT NOT NULL,
  tags TEXT NOT NULL,
  provider TEXT NOT NULL,
  expiration_time INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tracking_by_campaign ON tracking (campaign_id, timestamp);
CREATE INDEX IF NOT EXISTS tracking_by_recipient ON tracking (recipient, timestamp);
CREATE TABLE IF NOT EXISTS suppressions (
  email TEXT PRIMARY KEY,
  reason TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS contacts (
  email TEXT PRIMARY KEY,
  unsubscribe_all INTEGER NOT NULL DEFAULT 0,
  topics TEXT NOT NULL DEFAULT '{}',
  updated_at TEXT NOT NULL
);
`;

/**
 * Version 2: the audit trail of contact changes (unsubscribe / resubscribe), oldest first per address. `id` is the
 * rowid, so it grows with every row; AUTOINCREMENT is not needed (rows are never deleted) and would add a table.
 */
const SCHEMA_V2 = `
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  email TEXT NOT NULL,
  action TEXT NOT NULL,
  topic TEXT NOT NULL,
  actor TEXT NOT NULL,
  source TEXT NOT NULL,
  reason TEXT,
  detail TEXT
);
CREATE INDEX IF NOT EXISTS audit_by_email ON audit (email, at);
`;

/**
 * Version 3: what the provider reported after it accepted a message (SES delivery events), on the ledger row.
 * NULL until an event arrives; `delivery_at` is the event's ISO time, `delivery_detail` e.g. a bounce's diagnostic.
 */
const LEDGER_DELIVERY_COLUMNS: readonly (readonly [name: string, definition: string])[] = [
  [
    'delivery_state',
    "TEXT CHECK (delivery_state IN ('delivered', 'bounced', 'complained', 'delayed', 'rejected'))",
  ],
  ['delivery_at', 'TEXT'],
  ['delivery_detail', 'TEXT'],
];

/**
 * ALTER TABLE ADD COLUMN has no IF NOT EXISTS: add only the columns the table lacks, so a file whose version row
 * was lost (restored, edited by hand) upgrades instead of failing on a duplicate column. Existing rows keep every
 * value and read as "no event yet".
 */
function addLedgerDeliveryColumns(db: Database.Database): void {
  addLedgerColumns(db, LEDGER_DELIVERY_COLUMNS);
}

function addLedgerColumns(
  db: Database.Database,
  columns: readonly (readonly [name: string, definition: string])[],
): void {
  const present = new Set(
    (db.prepare('PRAGMA table_info(ledger)').all() as { name: string }[]).map((column) => column.name),
  );
  for (const [name, definition] of columns) {
    if (!present.has(name)) db.exec(`ALTER TABLE ledger ADD COLUMN ${name} ${definition}`);
  }
}

/**
 * Version 5: the proof an `unknown` row needs. `claimed_at` is the ISO time of the row's last claim (a later finish
 * to `unknown` moves `updated_at`, not this); `delivery_accepted_at` the ISO time the provider accepted the message
 * a delivery event is about (SES `mail.timestamp`). Both NULL on existing rows: never claimed since, no such event.
 */
const LEDGER_V5_COLUMNS: readonly (readonly [name: string, definition: string])[] = [
  ['claimed_at', 'TEXT'],
  ['delivery_accepted_at', 'TEXT'],
];

/**
 * Version 4 (events): a suppression's TTL (`expiration_time`, Unix seconds, NULL: never expires), an index to find
 * an address in any case, and `tracking_event_once`: a delivery event's tracking row is kept once, so a replay
 * adds nothing. The index leaves `financial_send` rows out: they are written once per attempt, and leaving them out
 * means no file's existing rows can fail the migration. Event rows always carry the SES message ID (a NULL would
 * never conflict).
 */
function migrateToV4(db: Database.Database): void {
  const columns = (db.prepare('PRAGMA table_info(suppressions)').all() as { name: string }[]).map(
    (c) => c.name,
  );
  if (!columns.includes('expiration_time'))
    db.exec('ALTER TABLE suppressions ADD COLUMN expiration_time INTEGER');
  db.exec(`CREATE INDEX IF NOT EXISTS suppressions_by_address ON suppressions (lower(email));
CREATE UNIQUE INDEX IF NOT EXISTS tracking_event_once
  ON tracking (campaign_id, event_type, recipient, ses_message_id, timestamp) WHERE event_type <> 'financial_send';`);
}

/**
 * Creates the tables when missing and records each version step (one row per step), in one IMMEDIATE transaction
 * so two processes opening a fresh file at once do not both initialise it. A version-1 file gains the audit table, a
 * version-2 ledger its delivery columns, a version-4 ledger `claimed_at` and `delivery_accepted_at`; a file from a newer dn-mailer is refused, not guessed at; a file this user
 * may not write is refused here, at once.
 */
export function migrateSqlite(db: Database.Database, file: string): void {
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const row = db.prepare('SELECT MAX(version) AS version FROM schema_version').get() as {
      version: number | null;
    };
    const current = row.version ?? 0;
    if (current > SQLITE_SCHEMA_VERSION) {
      throw new ConfigError(
        `the SQLite store ${file} has schema version ${current}; this dn-mailer knows up to ${SQLITE_SCHEMA_VERSION}`,
        { hint: 'upgrade dn-mailer, or point tracking.file at another file' },
      );
    }
    if (current < 1) {
      db.exec(SCHEMA_V1);
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(1);
    }
    if (current < 2) {
      db.exec(SCHEMA_V2);
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(2);
    }
    if (current < 3) {
      addLedgerDeliveryColumns(db);
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(3);
    }
    if (current < 4) {
      migrateToV4(db);
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(4);
    }
    if (current < 5) {
      addLedgerColumns(db, LEDGER_V5_COLUMNS);
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(5);
    }
    probeWrite(db);
  }).immediate();
}

/**
 * Writes a row and takes it back. SQLite opens a file this user may not write read-only without a word, and
 * BEGIN IMMEDIATE still succeeds on it: without this, a read-only ledger would pass the opening (and doctor) and
 * fail the send at its first write.
 */
function probeWrite(db: Database.Database): void {
  db.exec('SAVEPOINT dn_mailer_write_probe');
  try {
    db.prepare('INSERT INTO schema_version (version) VALUES (0)').run();
  } finally {
    db.exec('ROLLBACK TO dn_mailer_write_probe');
    db.exec('RELEASE dn_mailer_write_probe');
  }
}
