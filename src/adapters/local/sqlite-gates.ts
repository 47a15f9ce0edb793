import type Database from 'better-sqlite3';
import type { GateList, TrackingStore } from '../../ports.js';
import { runSqlite } from './sqlite-errors.js';

/** Tracking rows in SQLite: each `record` call is one transaction (all rows land, or none). */
export function createSqliteTracking(db: Database.Database, file: string): TrackingStore {
  const insert = db.prepare(
    `INSERT INTO tracking (campaign_id, timestamp, email, recipient, event_type, send_status, ses_message_id,
       reason, month, year, custom_ids, tags, provider, expiration_time)
     VALUES (@campaignId, @timestamp, @email, @recipient, @eventType, @sendStatus, @sesMessageId, @reason,
       @month, @year, @customIds, @tags, @provider, @expirationTime)`,
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
