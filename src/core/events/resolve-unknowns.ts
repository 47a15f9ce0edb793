import type { Clock, LedgerRow, ProviderRecord, RunInstance, SendLedger } from '../../ports.js';
import { isAbandonedClaim } from '../send/run-id.js';

export interface UnknownsResolved {
  /** Rows the provider holds: recorded `sent` (never resent). */
  sent: number;
  /** Rows the provider certainly never got: `planned` again, so this run sends them without --retry-unknown. */
  unsent: number;
  /** Rows the provider cannot tell about (SES without events): still `unknown`. */
  stillUnknown: number;
}

/**
 * Settles `unknown` rows — and `sending` rows of a run of this host whose process is gone — with the provider's own
 * record where it keeps one (the local outbox: a message's `.eml` appears atomically, so present = sent, absent =
 * never sent). A row the provider cannot tell about stays as it is: only proof moves a row.
 */
export async function resolveUnknownsFromProvider(
  deps: {
    ledger: SendLedger;
    providerRecord: ProviderRecord;
    clock: Clock;
    instance?: RunInstance | undefined;
  },
  campaignId: string,
  messageIdOf: (row: LedgerRow) => string,
): Promise<UnknownsResolved> {
  const result: UnknownsResolved = { sent: 0, unsent: 0, stillUnknown: 0 };
  for (const row of unsettled(await deps.ledger.listRows(campaignId), deps.instance)) {
    const messageId = messageIdOf(row);
    const found = await deps.providerRecord.lookup(messageId);
    if (found === 'unknown') {
      if (row.status === 'unknown') result.stillUnknown += 1;
      continue;
    }
    const outcome =
      found === 'sent'
        ? {
            status: 'sent' as const,
            messageId,
            reason: 'the provider holds it (found after the outcome was unknown)',
          }
        : {
            status: 'planned' as const,
            reason: 'the provider never got it (proven after the outcome was unknown)',
          };
    if (await deps.ledger.finish(campaignId, row.email, row.status, outcome, deps.clock.now())) {
      if (found === 'sent') result.sent += 1;
      else result.unsent += 1;
    }
  }
  return result;
}

/**
 * Settles `unknown` rows from the event stream (SES, where the provider keeps no record we can ask): a row with no
 * event becomes resendable (`planned`) only when the stream proves SES never accepted it — events have arrived for
 * messages of the campaign that SES accepted after this row's claim (so the stream was flowing past it) and
 * `settleMs` has passed since the claim (events are not ordered). Events that do exist for it were applied before
 * (`events sync` makes it `sent`). Otherwise it stays unknown, and `why` says what is missing.
 */
export async function resolveUnknownsFromStream(
  deps: { ledger: SendLedger; clock: Clock; instance?: RunInstance | undefined },
  campaignId: string,
  settleMs: number,
): Promise<UnknownsResolved & { waiting: { email: string; why: string }[] }> {
  const rows = await deps.ledger.listRows(campaignId);
  const now = deps.clock.now().getTime();
  const latestAccepted = Math.max(
    Number.NEGATIVE_INFINITY,
    ...rows.map((row) => Date.parse(row.delivery?.acceptedAt ?? '')).filter((t) => !Number.isNaN(t)),
  );
  const result = { sent: 0, unsent: 0, stillUnknown: 0, waiting: [] as { email: string; why: string }[] };
  for (const row of unsettled(rows, deps.instance)) {
    const claimed = Date.parse(row.claimedAt ?? '');
    const why = unprovenBecause(claimed, latestAccepted, now, settleMs);
    if (why) {
      result.stillUnknown += 1;
      result.waiting.push({ email: row.email, why });
      continue;
    }
    const reason = `no SES event for it while events arrived for messages accepted after its claim (${row.claimedAt}): SES never accepted it`;
    if (
      await deps.ledger.finish(
        campaignId,
        row.email,
        row.status,
        { status: 'planned', reason },
        deps.clock.now(),
      )
    )
      result.unsent += 1;
  }
  return result;
}

/** Why the stream does not prove a row unsent yet, or undefined when it does. */
function unprovenBecause(
  claimed: number,
  latestAccepted: number,
  now: number,
  settleMs: number,
): string | undefined {
  if (Number.isNaN(claimed))
    return 'its claim time is not recorded (a row from before delivery events): check it by hand';
  if (latestAccepted <= claimed)
    return 'no event yet for a message SES accepted after its claim: run events sync once later sends have events';
  if (now - claimed < settleMs)
    return `events may still arrive: proof after ${new Date(claimed + settleMs).toISOString()} (events.settleMinutes)`;
  return undefined;
}

/**
 * The rows whose outcome nobody knows: `unknown` ones, and `sending` ones of a run of this host whose process is gone
 * (a killed run never reached the point where a later run would mark them unknown).
 */
function unsettled(rows: readonly LedgerRow[], instance: RunInstance | undefined): LedgerRow[] {
  const abandoned = (row: LedgerRow) =>
    row.status === 'sending' && instance !== undefined && isAbandonedClaim(row.runId, instance);
  return rows.filter((row) => row.status === 'unknown' || abandoned(row));
}
