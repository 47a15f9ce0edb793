import { unsubscribeTokensConfigured } from '../config/envelope.js';
import type { InboundPorts } from '../core/events/apply-inbound.js';
import { resolveUnknownsFromStream } from '../core/events/resolve-unknowns.js';
import { type SyncSummary, syncEvents } from '../core/events/sync-events.js';
import type { EventSource, SendLedger } from '../ports.js';
import type { RunContext } from './context.js';
import { describeSync } from './ui/events-view.js';

/**
 * Opens the sending ports (ledger, tracking, suppressions) and the subscription ports (contacts, audit), lends them
 * to `use` as the core's EventPorts (with what mailto opt-outs need: token key, MIME parser, S3 reader), and closes
 * both whatever happens.
 */
export async function withEventPorts<T>(
  run: RunContext,
  use: (ports: InboundPorts) => Promise<T>,
): Promise<T> {
  const sending = run.deps.sending();
  try {
    const parts = run.deps.subscriptions();
    try {
      return await use({
        ledger: sending.ledger,
        tracking: sending.tracking,
        suppressions: sending.suppressions,
        contacts: parts.contacts,
        audit: parts.audit,
        topic: parts.topic,
        clock: run.deps.clock,
        actor: await parts.actor(),
        trackingTtlDays: run.deps.config.tracking.ttlDays,
        suppressionDays: run.deps.config.events.suppressionDays,
        // mailto opt-outs: the token key is read only when an inbound mail carries a token.
        tokens: async () =>
          unsubscribeTokensConfigured(run.deps.config.unsubscribe) ? parts.tokens() : undefined,
        parseMime: (raw) => run.deps.parseMime(raw),
        fetchStored: run.deps.fetchStoredMail,
      });
    } finally {
      parts.close();
    }
  } finally {
    sending.close();
  }
}

/**
 * `send-report` and `status` first apply what the event queue holds (when `events.queueUrl` is set and `--no-sync`
 * was not given), so bounces are suppressed before a send's gating and unknown rows are settled before it decides,
 * and status shows what SES reported. One line on stderr says what it applied.
 */
export async function syncBeforeRun(
  run: RunContext,
  enabled: boolean,
  settleCampaign?: string,
): Promise<SyncSummary | undefined> {
  const source = run.deps.events();
  if (!enabled || !source) return undefined;
  run.progress.note(`Syncing delivery events from ${source.location}…`);
  return withEventPorts(run, async (ports) => {
    const summary = await drain(run, source, ports);
    run.progress.note(describeSync(summary, run.globals.verbose));
    if (settleCampaign !== undefined) await settleByStream(run, ports.ledger, settleCampaign);
    return summary;
  });
}

/** One quiet `events sync` of the configured queue (the second pass of a send waits on it); nothing without one. */
export async function syncQueue(run: RunContext): Promise<void> {
  const source = run.deps.events();
  if (!source) return;
  await withEventPorts(run, (ports) => drain(run, source, ports));
}

function drain(
  run: RunContext,
  source: EventSource,
  ports: Parameters<typeof syncEvents>[1],
): Promise<SyncSummary> {
  return syncEvents(source, ports, { receivers: run.deps.config.events.receivers });
}

/**
 * `status`: the stream's proof for the campaign's unknown rows, as `send-report` applies it before sending — proven
 * unsent rows become `planned` (the next send sends them), the others stay unknown with the reason printed.
 */
async function settleByStream(run: RunContext, ledger: SendLedger, campaignId: string): Promise<void> {
  const settled = await resolveUnknownsFromStream(
    { ledger, clock: run.deps.clock, instance: run.deps.instance },
    campaignId,
    run.deps.config.events.settleMinutes * 60_000,
  );
  if (settled.unsent > 0)
    run.progress.note(
      `${settled.unsent} unknown row(s) proven never accepted by SES: the next send-report sends them`,
    );
  const reasons = new Map<string, number>();
  for (const { why } of settled.waiting) reasons.set(why, (reasons.get(why) ?? 0) + 1);
  for (const [why, count] of reasons) run.progress.note(`${count} unknown row(s) stay unknown: ${why}`);
}
