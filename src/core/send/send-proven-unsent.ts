import type { LedgerRow } from '../../ports.js';
import { normalizeEmail } from '../common/email-address.js';
import { resolveUnknownsFromStream } from '../events/resolve-unknowns.js';
import type { Plan } from '../plan/build-plan.js';
import { type ExecuteOptions, executeSend } from './execute-sends.js';
import { type PrepareOptions, prepareSend, type SendPreparation } from './prepare-sends.js';
import type { ExecuteResult } from './send-run.js';

/** How the second pass waits for the events of this run's own sends: a sync every 2 s, for at most `waitMs`. */
export interface ProofWait {
  settleMs: number;
  waitMs: number;
  /** Applies what the event queue holds now (`events sync`). */
  syncEvents: () => Promise<void>;
}

/** How long a run waits, after its sends, for the events that can prove its unknown rows unsent. */
export const PROOF_WAIT_MS = 60_000;

/**
 * After the sends, with an event queue: rows still `unknown` (a crash before this run claimed them after the last
 * message that had events) can be proven unsent only by events for messages accepted after their claim — this run's
 * own. So wait for those events (a short poll), settle by the stream, and send what is proven unsent in the same
 * run, merged into its result: one rerun finishes a crashed month, with no --retry-unknown and no guess.
 */
/** What the second pass uses: the send's own ports (no import of send-campaign.ts: no cycle). */
type ProofDeps = Parameters<typeof prepareSend>[0] &
  Parameters<typeof executeSend>[0] &
  Parameters<typeof resolveUnknownsFromStream>[0];

export async function sendProvenUnsent(
  deps: ProofDeps,
  plan: Plan,
  first: { prep: SendPreparation; result: ExecuteResult },
  prepareOptions: PrepareOptions,
  options: ExecuteOptions,
  wait: ProofWait,
): Promise<{ prep: SendPreparation; result: ExecuteResult }> {
  const { campaignId } = prepareOptions;
  const unknown = (rows: LedgerRow[]) => rows.filter((row) => row.status === 'unknown' && row.claimedAt);
  const waiting = unknown(await deps.ledger.listRows(campaignId));
  if (waiting.length === 0 || first.result.stopped) return first;
  const lastClaim = Math.max(...waiting.map((row) => Date.parse(row.claimedAt ?? '')));
  const deadline = deps.clock.now().getTime() + wait.waitMs;
  for (;;) {
    await wait.syncEvents();
    const rows = await deps.ledger.listRows(campaignId);
    const flowing = rows.some((row) => Date.parse(row.delivery?.acceptedAt ?? '') > lastClaim);
    if (flowing || deps.clock.now().getTime() >= deadline) break;
    await deps.sleep(2_000);
  }
  const settled = await resolveUnknownsFromStream(deps, campaignId, wait.settleMs);
  if (settled.unsent === 0) return first;
  deps.onProgress?.({
    type: 'unknowns-resolved',
    sent: 0,
    unsent: settled.unsent,
    stillUnknown: settled.stillUnknown,
    by: 'events',
    why: settled.waiting[0]?.why,
  });
  const prep = await prepareSend(deps, plan, prepareOptions);
  const result = await executeSend(deps, plan, prep, options);
  return merge(first, { prep, result });
}

/** One run's account of both passes: what the second pass sent replaces what the first said of those rows. */
function merge(
  first: { prep: SendPreparation; result: ExecuteResult },
  second: { prep: SendPreparation; result: ExecuteResult },
): { prep: SendPreparation; result: ExecuteResult } {
  const resent = new Set(second.prep.toSend.map((candidate) => candidate.message.to));
  const resentRows = new Set([...resent].map(normalizeEmail));
  const keep = (row: LedgerRow) => !resentRows.has(row.email);
  const window =
    first.result.sendWindow && second.result.sendWindow
      ? {
          firstStart: Math.min(first.result.sendWindow.firstStart, second.result.sendWindow.firstStart),
          lastEnd: Math.max(first.result.sendWindow.lastEnd, second.result.sendWindow.lastEnd),
        }
      : (first.result.sendWindow ?? second.result.sendWindow);
  return {
    prep: {
      ...first.prep,
      toSend: [...first.prep.toSend, ...second.prep.toSend],
      heldForRetry: first.prep.heldForRetry.filter(keep),
      inFlight: first.prep.inFlight.filter(keep),
    },
    result: {
      outcomes: [...first.result.outcomes.filter((o) => !resent.has(o.email)), ...second.result.outcomes],
      claimedElsewhere: [...first.result.claimedElsewhere, ...second.result.claimedElsewhere],
      stopped: second.result.stopped,
      trackingErrors: [...first.result.trackingErrors, ...second.result.trackingErrors],
      sendWindow: window,
    },
  };
}
