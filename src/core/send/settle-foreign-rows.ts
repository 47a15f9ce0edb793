import type {
  Clock,
  LedgerRow,
  LedgerStatus,
  RunInstance,
  SendLedger,
  Sleep,
  StopSignal,
} from '../../ports.js';
import type { OnProgress } from '../common/progress-events.js';
import { isAbandonedClaim } from './run-id.js';
import type { SendOutcome } from './send-outcome.js';

/**
 * Rows left in `sending` by another run: a live run finishes them within its send timeout; a dead one never
 * will. Wait until each is finished or older than the lease — or, for a run of this host whose process is gone,
 * not at all — then record the stale ones as `unknown` (the dead run may have handed them to the provider).
 */
export async function settleForeignRows(
  deps: { ledger: SendLedger; clock: Clock; sleep: Sleep; instance?: RunInstance | undefined },
  campaignId: string,
  options: {
    /** A `sending` row older than this belongs to a run that died. */
    leaseMs: number;
    stop?: StopSignal | undefined;
    /** True once this run is stopping: stop waiting. */
    halted: () => boolean;
  },
  onProgress: OnProgress,
  record: (outcome: SendOutcome) => void,
): Promise<void> {
  const tried = new Set<string>();
  const deadline = deps.clock.now().getTime() + options.leaseMs + 5_000;
  const abandoned = (row: LedgerRow) =>
    deps.instance !== undefined && isAbandonedClaim(row.runId, deps.instance);
  for (;;) {
    if (options.halted()) return;
    const sending = (await deps.ledger.listRows(campaignId)).filter(
      (row) => row.status === 'sending' && !tried.has(row.email),
    );
    if (sending.length === 0) return;
    const now = deps.clock.now().getTime();
    const age = (updatedAt: string) => now - Date.parse(updatedAt);
    const isStale = (row: LedgerRow) => abandoned(row) || age(row.updatedAt) >= options.leaseMs;
    const stale = sending.filter(isStale);
    for (const row of stale) {
      tried.add(row.email);
      const outcome: SendOutcome = {
        email: row.email,
        customIds: row.customIds,
        status: 'unknown',
        reason: abandoned(row)
          ? `run ${row.runId ?? '?'} ended while sending (its process is gone; no outcome recorded)`
          : `run ${row.runId ?? '?'} stopped while sending (no outcome recorded)`,
      };
      const from: LedgerStatus = 'sending';
      if (await deps.ledger.finish(campaignId, row.email, from, outcome, deps.clock.now(), row.runId))
        record(outcome);
    }
    const fresh = sending.filter((row) => !isStale(row));
    if (fresh.length === 0) continue;
    if (now > deadline) return;
    const wait = Math.min(...fresh.map((row) => options.leaseMs - age(row.updatedAt))) + 50;
    onProgress({ type: 'waiting-in-flight', rows: fresh.length, waitMs: wait });
    await deps.sleep(Math.max(50, Math.min(wait, 1_000)), options.stop);
  }
}
