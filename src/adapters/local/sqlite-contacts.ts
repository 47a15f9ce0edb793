import type Database from 'better-sqlite3';
import { normalizeEmail } from '../../core/common/email-address.js';
import { InputError } from '../../core/common/errors.js';
import type {
  AuditEntry,
  AuditLog,
  Clock,
  ContactList,
  ContactPreferences,
  TopicStatus,
} from '../../ports.js';
import { runSqlite } from './sqlite-errors.js';

export interface SqliteContactListOptions {
  /** Preferences a contact starts with when its first change creates it (the changed topic then applies). */
  defaultTopics?: Readonly<Record<string, TopicStatus>> | undefined;
  clock?: Clock | undefined;
}

interface ContactRow {
  email: string;
  unsubscribe_all: number;
  topics: string;
}

/**
 * The local backend's contact list: the `contacts` table the send gate reads. Addresses are stored lower-cased;
 * a row written by hand in another case is still found (and updated in place). `setTopic` reads and writes in one
 * IMMEDIATE transaction, so two processes changing one contact cannot lose each other's topic.
 */
export function createSqliteContactList(
  db: Database.Database,
  file: string,
  options: SqliteContactListOptions = {},
): ContactList {
  const clock = options.clock ?? { now: () => new Date() };
  const defaults = options.defaultTopics ?? {};
  // The exact (lower-cased) key first; COLLATE NOCASE finds rows written in another case.
  const select = db.prepare(
    `SELECT email, unsubscribe_all, topics FROM contacts WHERE email = @email COLLATE NOCASE
     ORDER BY email = @email DESC LIMIT 1`,
  );
  const update = db.prepare(
    'UPDATE contacts SET unsubscribe_all = @all, topics = @topics, updated_at = @at WHERE email = @key',
  );
  const insert = db.prepare(
    'INSERT INTO contacts (email, unsubscribe_all, topics, updated_at) VALUES (@key, @all, @topics, @at)',
  );
  const find = (email: string) => select.get({ email }) as ContactRow | undefined;

  const change = db.transaction((email: string, topic: string, status: TopicStatus): ContactPreferences => {
    const row = find(email);
    const before = row ? toPreferences(row, email, file) : undefined;
    const after: ContactPreferences = {
      email,
      unsubscribeAll: status === 'OPT_IN' ? false : (before?.unsubscribeAll ?? false),
      topics: { ...(before?.topics ?? defaults), [topic]: status },
    };
    const values = {
      key: row?.email ?? email,
      all: after.unsubscribeAll ? 1 : 0,
      topics: JSON.stringify(after.topics),
      at: clock.now().toISOString(),
    };
    (row ? update : insert).run(values);
    return after;
  });

  return {
    location: `contacts (${file})`,
    async get(address) {
      const email = normalizeEmail(address);
      const row = runSqlite(file, 'reading a contact', () => find(email));
      return row ? toPreferences(row, email, file) : undefined;
    },
    async setTopic(address, topic, status) {
      const email = normalizeEmail(address);
      return runSqlite(file, 'changing a contact', () => change.immediate(email, topic, status));
    },
  };
}

/**
 * A row whose topics are not a JSON object of OPT_IN / OPT_OUT is refused rather than overwritten: the send gate
 * blocks such a row for every topic, and rewriting it from scratch could lift an opt-out nobody can read any more.
 */
function toPreferences(row: ContactRow, email: string, file: string): ContactPreferences {
  let topics: unknown;
  try {
    topics = JSON.parse(row.topics);
  } catch {
    topics = undefined;
  }
  const valid =
    typeof topics === 'object' &&
    topics !== null &&
    !Array.isArray(topics) &&
    Object.values(topics).every((value) => value === 'OPT_IN' || value === 'OPT_OUT');
  if (!valid) {
    throw new InputError(`the contact ${email} in ${file} has unreadable topic preferences`, {
      hint: 'fix or delete its row in the contacts table (sqlite3); until then it gets no mail at all',
    });
  }
  return {
    email,
    unsubscribeAll: row.unsubscribe_all === 1,
    topics: topics as Record<string, TopicStatus>,
  };
}

interface AuditRow {
  at: string;
  email: string;
  action: AuditEntry['action'];
  topic: string;
  actor: string;
  source: AuditEntry['source'];
  reason: string | null;
  detail: string | null;
}

/** The audit trail in the `audit` table: one row per change, never updated or deleted. */
export function createSqliteAuditLog(db: Database.Database, file: string): AuditLog {
  const insert = db.prepare(
    `INSERT INTO audit (at, email, action, topic, actor, source, reason, detail)
     VALUES (@at, @email, @action, @topic, @actor, @source, @reason, @detail)`,
  );
  const select = db.prepare(
    `SELECT at, email, action, topic, actor, source, reason, detail FROM audit
     WHERE email = ? ORDER BY at, id`,
  );
  return {
    location: `audit (${file})`,
    async record(entry) {
      const row = {
        ...entry,
        email: normalizeEmail(entry.email),
        reason: entry.reason ?? null,
        detail: entry.detail ?? null,
      };
      runSqlite(file, 'writing an audit row', () => insert.run(row));
    },
    async history(address) {
      const rows = runSqlite(file, 'reading the audit trail', () =>
        select.all(normalizeEmail(address)),
      ) as AuditRow[];
      return rows.map(toAuditEntry);
    },
  };
}

function toAuditEntry(row: AuditRow): AuditEntry {
  const { reason, detail, ...rest } = row;
  return {
    ...rest,
    ...(reason === null ? {} : { reason }),
    ...(detail === null ? {} : { detail }),
  };
}
