/**
 * A what-if for the `events` bench: how fast the ledger alone records delivery events when k of them share one
 * transaction. `events sync` writes each receive batch's outcomes with one `recordDeliveries` call (k ≤ 10, one
 * fsync'd commit); this times the same real createSqliteLedger.recordDeliveries on a fresh ledger opened as the
 * store opens it (WAL, synchronous=FULL), in groups of 1, 10, 100 taking turns, to show what one transaction per
 * event cost and what larger groups (across receivers) would still buy.
 */
import Database from 'better-sqlite3';
import { createSqliteLedger } from '../../src/adapters/local/sqlite-ledger.js';
import type { DeliveryUpdate } from '../../src/ports.js';
import { addressOf, buildSentLedger, CAMPAIGN, sesIdOf } from './events-fixture.js';

export interface GroupedRate {
  perTransaction: number;
  eventsPerSecond: number;
}

export async function measureLedgerGrouping(
  file: string,
  rows: number,
  groups: readonly number[],
): Promise<GroupedRate[]> {
  await buildSentLedger(file, rows);
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const ledger = createSqliteLedger(db, file);
    // Round robin, CHUNK events per group in turn, so that a warming cache or a checkpoint favours none of them.
    const CHUNK = 300;
    const ms = groups.map(() => 0);
    const done = groups.map(() => 0);
    let next = 0;
    while (next + CHUNK * groups.length <= rows) {
      for (const [g, group] of groups.entries()) {
        const end = next + CHUNK;
        const start = performance.now();
        for (let i = next; i < end; i += group) {
          const updates: DeliveryUpdate[] = [];
          for (let j = i; j < Math.min(end, i + group); j += 1) {
            const delivery = { state: 'delivered' as const, at: '2026-11-02T09:00:02.000Z' };
            updates.push({ campaignId: CAMPAIGN, email: addressOf(j), delivery, messageId: sesIdOf(j) });
          }
          const found = await ledger.recordDeliveries(updates);
          if (!found.every(Boolean)) throw new Error(`ledger rows ${i}–${i + group - 1} are missing`);
        }
        ms[g] = (ms[g] ?? 0) + performance.now() - start;
        done[g] = (done[g] ?? 0) + CHUNK;
        next = end;
      }
    }
    return groups.map((group, g) => ({
      perTransaction: group,
      eventsPerSecond: (done[g] ?? 0) / ((ms[g] ?? 0) / 1000),
    }));
  } finally {
    db.close();
  }
}
