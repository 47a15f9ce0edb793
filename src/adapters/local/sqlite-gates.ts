import type Database from 'better-sqlite3';
import type { GateList, Suppression, SuppressionStore, TrackingStore } from '../../ports.js';
import { runSqlite } from './sqlite-errors.js';

/**
 * Tracking rows in SQLite: each `record` call is one transaction (all rows land, or none). A delivery event's row
 * (any type but `financial_send`) is kept once: the unique index `tracking_event_once` (schema version 4) covers
 * campaign, type, recipient, SES message ID and time, so an event applied again (a replayed queue, `events import`
 * of the same file) is skipped. `ON CONFLICT DO NOTHING` only passes over that duplicate; unlike `INSERT OR IGNORE`
 * it does not also skip a row breaking a NOT NULL constraint without a word.
 */
export function createSqliteTracking(db: Database.Database, file: string): TrackingStore {
  const insert = db.prepare(
    `INSERT INTO tracking (campaign_id, timestamp, email, recipient, event_type, send_status, ses_message_id,
       reason, month, year, custom_ids, tags, provider, expiration_time)
     VALUES (@campaignId, @timestamp, @email, @recipient, @eventType, @sendStatus, @sesMessageId, @reason,
       @month, @year, @customIds, @tags, @provider, @expirationTime)
     ON CONFLICT DO NOTHING`,
  );
  const insertAll = db.transaction((rows: Parameters<TrackingStore['record']>[0]) => {
    for (const row of rows) {
      insert.run({
        ...row,
        sesMessageId: row.sesMessageId ?? null,
        reason: row.reason ?? null,
        customIds: JSON.stringify(row.customIds),
        tags: JSON.stringify(row.tags),
      });
    }
  });
  return {
    async record(rows) {
      if (rows.length === 0) return;
      runSqlite(file, 'writing tracking rows', () => insertAll.immediate(rows));
    },
  };
}

/** Suppressed addresses (bounces, complaints, manual): address → `suppressed (<reason>)`. */
export function createSqliteSuppressionGate(db: Database.Database, file: string): GateList {
  const select = db.prepare('SELECT email, reason FROM suppressions');
  return {
    name: `suppressions (${file})`,
    async loadBlocked() {
      const rows = runSqlite(file, 'reading suppressions', () => select.all()) as {
        email: string;
        reason: string;
      }[];
      return new Map(
        rows.map((row) => [row.email.toLowerCase(), `suppressed (${row.reason || 'no reason given'})`]),
      );
    },
  };
}

/**
 * The suppression table the gate above reads, for `events`: addresses are stored lower-cased, and an address
 * already there (in any case, a row written by hand included) keeps its first reason and time. Each `add` is one
 * transaction. `expiration_time` (schema version 4) is kept for the record only: SQLite has no TTL and the gate
 * blocks an expired row too, like the DynamoDB gate blocks an item DynamoDB has not yet deleted.
 */
export function createSqliteSuppressions(db: Database.Database, file: string): SuppressionStore {
  const insert = db.prepare(
    `INSERT INTO suppressions (email, reason, created_at, expiration_time)
     SELECT @email, @reason, @at, @expirationTime
     WHERE NOT EXISTS (SELECT 1 FROM suppressions WHERE lower(email) = @email)`,
  );
  const select = db.prepare(
    `SELECT email, reason, created_at, expiration_time FROM suppressions
     WHERE lower(email) = ? ORDER BY created_at LIMIT 1`,
  );
  const insertAll = db.transaction((entries: readonly Suppression[]) => {
    for (const entry of entries) {
      insert.run({
        email: entry.email.toLowerCase(),
        reason: entry.reason,
        at: entry.at,
        expirationTime: entry.expirationTime ?? null,
      });
    }
  });
  return {
    location: `suppressions (${file})`,
    async add(entries) {
      if (entries.length === 0) return;
      runSqlite(file, 'recording suppressions', () => insertAll.immediate(entries));
    },
    async get(email) {
      const row = runSqlite(file, 'reading a suppression', () => select.get(email.toLowerCase())) as
        | { email: string; reason: string; created_at: string; expiration_time: number | null }
        | undefined;
      if (!row) return undefined;
      return {
        email: row.email.toLowerCase(),
        reason: row.reason,
        at: row.created_at,
        ...(row.expiration_time === null ? {} : { expirationTime: row.expiration_time }),
      };
    },
  };
}

/**
 * Contact preferences: `unsubscribe_all = 1` blocks every mail, a topic set to OPT_OUT blocks that topic's mail.
 * Only rows that could block are read. A row whose topics cannot be read blocks too: not mailing is the safe error.
 */
export function createSqliteContactGate(db: Database.Database, file: string, topic?: string): GateList {
  const select = db.prepare(
    "SELECT email, unsubscribe_all, topics FROM contacts WHERE unsubscribe_all = 1 OR topics <> '{}'",
  );
  return {
    name: `contacts (${file})`,
    async loadBlocked() {
      const rows = runSqlite(file, 'reading contacts', () => select.all()) as {
        email: string;
        unsubscribe_all: number;
        topics: string;
      }[];
      const blocked = new Map<string, string>();
      for (const row of rows) {
        const reason = contactBlockReason(row.unsubscribe_all === 1, row.topics, topic);
        if (reason) blocked.set(row.email.toLowerCase(), reason);
      }
      return blocked;
    },
  };
}

function contactBlockReason(unsubscribeAll: boolean, topicsJson: string, topic?: string): string | undefined {
  if (unsubscribeAll) return 'unsubscribed from all';
  if (topic === undefined) return undefined;
  let topics: unknown;
  try {
    topics = JSON.parse(topicsJson);
  } catch {
    return 'contact preferences unreadable';
  }
  if (typeof topics !== 'object' || topics === null || Array.isArray(topics)) {
    return 'contact preferences unreadable';
  }
  return (topics as Record<string, unknown>)[topic] === 'OPT_OUT' ? `unsubscribed from ${topic}` : undefined;
}
