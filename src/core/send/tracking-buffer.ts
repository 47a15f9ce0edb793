import type { TrackingRow, TrackingStore } from '../../ports.js';
import { monthNumber } from '../common/months.js';
import type { Plan } from '../plan/build-plan.js';
import type { SendOutcome } from './send-outcome.js';

const BATCH = 25;
/** A pending row waits at most this long, so a run killed mid-way loses at most about a second of rows. */
const MAX_WAIT_MS = 1_000;

const SEND_STATUS = { sent: 'success', failed: 'failed', skipped: 'skipped', unknown: 'unknown' } as const;

/**
 * Collects a tracking row (the reference's schema) for every attempt and writes them in batches of 25. A failing
 * tracking table does not stop a send — the ledger is the record of who got what — but every error is kept and
 * reported in the summary.
 */
export function createTrackingBuffer(
  store: TrackingStore,
  context: { plan: Plan; campaignId: string; provider: string; ttlDays: number; now: () => Date },
) {
  let pending: TrackingRow[] = [];
  let lastTimestamp = 0;
  let oldestPending = 0;
  const errors: string[] = [];
  let writing: Promise<void> = Promise.resolve();

  const write = (rows: TrackingRow[]) => {
    writing = writing.then(() =>
      store.record(rows).catch((error: unknown) => {
        errors.push(
          `${rows.length} tracking rows not written: ${error instanceof Error ? error.message : String(error)}`,
        );
      }),
    );
  };

  return {
    errors,
    add(outcome: SendOutcome): void {
      if (outcome.status === 'planned') return;
      // Timestamp is the table's sort key: keep it unique within the run.
      const timestamp = Math.max(context.now().getTime(), lastTimestamp + 1);
      lastTimestamp = timestamp;
      pending.push({
        campaignId: context.campaignId,
        timestamp,
        email: outcome.email,
        recipient: outcome.email,
        eventType: 'financial_send',
        sendStatus: SEND_STATUS[outcome.status],
        sesMessageId: outcome.messageId,
        reason: outcome.reason,
        month: monthNumber(context.plan.period.month),
        year: String(context.plan.period.year),
        customIds: outcome.customIds,
        tags: [`campaign:${context.campaignId}`],
        provider: context.provider,
        expirationTime: Math.floor(timestamp / 1000) + context.ttlDays * 86_400,
      });
      if (pending.length === 1) oldestPending = timestamp;
      if (pending.length >= BATCH || timestamp - oldestPending >= MAX_WAIT_MS) {
        write(pending);
        pending = [];
      }
    },
    async flush(): Promise<void> {
      if (pending.length > 0) write(pending);
      pending = [];
      await writing;
    },
  };
}
