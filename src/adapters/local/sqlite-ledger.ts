import type Database from 'better-sqlite3';
import { BackendError } from '../../core/common/errors.js';
import { type StatusGroup, summariseCampaigns } from '../../core/send/campaigns.js';
import { applyDelivery, isDeliveryState } from '../../core/send/delivery-state.js';
import { assertClaimable, assertFinishable } from '../../core/send/ledger-transitions.js';
import type { DeliveryOutcome, DeliveryUpdate, LedgerRow, LedgerStatus, SendLedger } from '../../ports.js';
import { runSqlite } from './sqlite-errors.js';
import { createGroupCommit, type LedgerWriteStats } from './sqlite-group-commit.js';

interface LedgerRecord {
  campaign_id: string;
  email: string;
  status: LedgerStatus;
  custom_ids: string;
  message_id: string | null;
  reason: string | null;
  attempts: number;
  run_id: string | null;
  updated_at: string;
  delivery_state: string | null;
  delivery_at: string | null;
  delivery_detail: string | null;
  delivery_accepted_at: string | null;
  claimed_at: string | null;
}

/** The SQLite ledger: the port, plus what its writes cost and a way to commit what waits before closing. */
export interface SqliteLedger extends SendLedger {
  /** Transactions committed and moves they carried since the ledger was opened (benchmarks, tests). */
  writeStats(): LedgerWriteStats;
  /** Commits the claims and finishes still waiting for their group (the store calls it before closing). */
  drain(): void;
}

export interface SqliteLedgerOptions {
  /** Concurrent claims and finishes share one transaction (default); false: one commit per call, as before. */
  groupCommit?: boolean | undefined;
}

/**
 * The send ledger in SQLite. Every transition is one conditional UPDATE whose WHERE names the statuses the row may
 * still have; `changes === 1` is the claim. SQLite serialises writers on the file (WAL + busy_timeout), so two
 * connections or processes can never both move the same row. Claims and finishes asked for together are committed
 * together (`sqlite-group-commit.ts`); each call still resolves only once its move is committed.
 */
export function createSqliteLedger(
  db: Database.Database,
  file: string,
  options: SqliteLedgerOptions = {},
): SqliteLedger {
  const group = createGroupCommit(db, file, options.groupCommit ?? true);
  const select = db.prepare('SELECT * FROM ledger WHERE campaign_id = ? ORDER BY email');
  const summarise = db.prepare(
    `SELECT campaign_id AS campaignId, status, COUNT(*) AS count, MAX(updated_at) AS updatedAt
     FROM ledger GROUP BY campaign_id, status`,
  );
  const insert = db.prepare(
    `INSERT INTO ledger (campaign_id, email, status, custom_ids, attempts, updated_at)
     VALUES (?, ?, 'planned', ?, 0, ?) ON CONFLICT (campaign_id, email) DO NOTHING`,
  );
  const insertAll = db.transaction(
    (campaignId: string, rows: readonly { email: string; customIds: string[] }[], at: string) => {
      for (const row of rows) insert.run(campaignId, row.email, JSON.stringify(row.customIds), at);
    },
  );
  const claims = new Map<number, Database.Statement>();
  const claimStatement = (count: number): Database.Statement => {
    let statement = claims.get(count);
    if (!statement) {
      statement = db.prepare(
        `UPDATE ledger SET status = 'sending', attempts = attempts + 1, run_id = ?, updated_at = ?,
           claimed_at = ?, message_id = NULL, reason = NULL
         WHERE campaign_id = ? AND email = ? AND status IN (${Array(count).fill('?').join(', ')})`,
      );
      claims.set(count, statement);
    }
    return statement;
  };
  const finishSql = `UPDATE ledger SET status = ?, message_id = ?, reason = ?, updated_at = ?
    WHERE campaign_id = ? AND email = ? AND status = ?`;
  const finishAny = db.prepare(finishSql);
  const finishOwn = db.prepare(`${finishSql} AND run_id = ?`);
  const selectOne = db.prepare('SELECT * FROM ledger WHERE campaign_id = ? AND email = ?');
  const writeDelivery = db.prepare(
    `UPDATE ledger SET status = ?, message_id = ?, reason = ?, updated_at = ?,
       delivery_state = ?, delivery_at = ?, delivery_detail = ?, delivery_accepted_at = ?
     WHERE campaign_id = ? AND email = ?`,
  );
  // Read, merge (the core rule) and write every update in one IMMEDIATE transaction: it holds the file's write lock
  // from the start, so no other connection or process moves a row between its read and its write, and a batch of
  // events costs one commit (one fsync), not one each. In order: a later update of the same row reads the earlier's.
  const recordAll = db.transaction((updates: readonly DeliveryUpdate[]): boolean[] =>
    updates.map(({ campaignId, email, delivery: event, messageId }) => {
      const record = selectOne.get(campaignId, email) as LedgerRecord | undefined;
      if (!record) return false;
      const update = applyDelivery(toLedgerRow(record, file), event, messageId);
      if (update) {
        const { delivery } = update;
        writeDelivery.run(
          update.status,
          update.messageId ?? null,
          update.reason ?? null,
          update.updatedAt,
          delivery.state,
          delivery.at,
          delivery.detail ?? null,
          delivery.acceptedAt ?? null,
          campaignId,
          email,
        );
      }
      return true;
    }),
  );
  const recordDeliveries = async (updates: readonly DeliveryUpdate[]): Promise<boolean[]> => {
    if (updates.length === 0) return [];
    const doing =
      updates.length === 1 ? 'recording a delivery event' : `recording ${updates.length} delivery events`;
    const found = runSqlite(file, doing, () => recordAll.immediate(updates));
    group.countCommit();
    return found;
  };

  return {
    location: file,
    async listRows(campaignId) {
      const records = runSqlite(file, 'reading the ledger', () => select.all(campaignId) as LedgerRecord[]);
      return records.map((record) => toLedgerRow(record, file));
    },
    async listCampaigns() {
      return summariseCampaigns(runSqlite(file, 'listing campaigns', () => summarise.all() as StatusGroup[]));
    },
    async ensurePlanned(campaignId, rows, at) {
      runSqlite(file, 'planning ledger rows', () => insertAll.immediate(campaignId, rows, at.toISOString()));
      group.countCommit();
    },
    async claim(campaignId, email, from, runId, at) {
      assertClaimable(from);
      const iso = at.toISOString();
      return group.submit(
        'claiming a ledger row',
        () => claimStatement(from.length).run(runId, iso, iso, campaignId, email, ...from).changes === 1,
      );
    },
    async finish(campaignId, email, from, outcome, at, runId) {
      assertFinishable(from, outcome.status);
      const values = [
        outcome.status,
        outcome.messageId ?? null,
        outcome.reason ?? null,
        at.toISOString(),
        campaignId,
        email,
        from,
      ];
      return group.submit(
        'finishing a ledger row',
        () =>
          (runId === undefined ? finishAny.run(...values) : finishOwn.run(...values, runId)).changes === 1,
      );
    },
    async recordDelivery(campaignId, email, delivery, messageId) {
      const [found] = await recordDeliveries([{ campaignId, email, delivery, messageId }]);
      return found === true;
    },
    recordDeliveries,
    writeStats: group.stats,
    drain: group.drain,
  };
}

function toLedgerRow(record: LedgerRecord, file: string): LedgerRow {
  return {
    campaignId: record.campaign_id,
    email: record.email,
    status: record.status,
    customIds: parseCustomIds(record, file),
    messageId: record.message_id ?? undefined,
    reason: record.reason ?? undefined,
    attempts: record.attempts,
    runId: record.run_id ?? undefined,
    updatedAt: record.updated_at,
    ...(record.claimed_at !== null && { claimedAt: record.claimed_at }),
    ...(record.delivery_state !== null && { delivery: toDelivery(record, file) }),
  };
}

/** The delivery columns (NULL until an event arrived); a half-filled or unknown state was edited by hand. */
function toDelivery(record: LedgerRecord, file: string): DeliveryOutcome {
  const { delivery_state: state, delivery_at: at, delivery_detail: detail } = record;
  const acceptedAt = record.delivery_accepted_at;
  if (isDeliveryState(state) && at !== null) {
    return { state, at, ...(detail !== null && { detail }), ...(acceptedAt !== null && { acceptedAt }) };
  }
  throw new BackendError(
    `the ledger row ${record.campaign_id} / ${record.email} in ${file} has an unreadable delivery: state ${state}, at ${at}`,
    {
      hint: "restore tracking.file from a backup, or set that row's delivery_state and delivery_at to NULL (sqlite3)",
    },
  );
}

/** A row whose custom IDs are not a JSON list was edited by hand or damaged: say which, never crash as a bug. */
function parseCustomIds(record: LedgerRecord, file: string): string[] {
  try {
    const ids: unknown = JSON.parse(record.custom_ids);
    if (Array.isArray(ids) && ids.every((id) => typeof id === 'string')) return ids;
  } catch {
    // reported below
  }
  throw new BackendError(
    `the ledger row ${record.campaign_id} / ${record.email} in ${file} has unreadable custom_ids: ${record.custom_ids}`,
    { hint: "restore tracking.file from a backup, or set that row's custom_ids to a JSON list (sqlite3)" },
  );
}
