import { ignoreProgress } from '../common/progress-events.js';
import type { Recipient } from '../recipients/recipients-from-users.js';
import { countReportStatuses, type ReportStatusCounts } from '../reports/classify-reports.js';
import {
  buildPlan,
  countMessages,
  type MessageRecord,
  type MissingReport,
  type Plan,
  type PlannedMessage,
  type SharedRecordStrings,
  toMessageRecord,
  type UnsentRecipient,
} from './build-plan.js';
import {
  assembleCampaignPlan,
  type CampaignDeps,
  type CampaignInputs,
  type CampaignPlan,
  type CampaignRequest,
  loadCampaignInputs,
} from './plan-campaign.js';
import { addReportFindings, emptyReportFindings } from './plan-findings.js';

/**
 * Recipients rendered (and handed to the sink) at a time. Small on purpose: a batch's e-mails then live only while
 * their own previews are written and die in the young generation; a batch of hundreds outlives several scavenges,
 * is promoted, and the old generation fills with rendered e-mails between full collections (measured: the peak RSS
 * of one 20,000-creator dry run on a loaded 2-core machine: 478 MB with batches of 100, 409 MB with 16).
 */
export const RENDER_BATCH = 16;
/**
 * Recipients whose links are signed in one call, one call ahead of the rendering: large enough that a signing pool
 * stays busy, small enough that the signed URLs held are a few MB.
 */
export const SIGN_BATCH = 4_000;

/**
 * Receives each batch of rendered messages, in plan order, while the plan is made (a dry run writes their previews);
 * `total` is the month's number of messages. The batch is dropped once the promise settles.
 */
export type MessageSink = (messages: readonly PlannedMessage[], total: number) => Promise<void>;

/**
 * `planCampaign`, streamed: the same messages (buildPlan on consecutive batches of recipients, numbered on), but
 * each batch's links are signed (a batch ahead) and its e-mails rendered only when it is its turn, handed to `sink`, and kept as
 * compact records (`MessageRecord`) — what the manifest, findings, totals and approval digest read. Memory grows
 * with the month's compact records, not with its rendered e-mails. The next batch is signed while this one renders.
 */
export async function streamCampaign(
  deps: CampaignDeps,
  request: CampaignRequest,
  sink: MessageSink,
  sizes: { render: number; sign: number } = { render: RENDER_BATCH, sign: SIGN_BATCH },
): Promise<CampaignPlan<MessageRecord>> {
  const inputs = await loadCampaignInputs(deps, request);
  const onProgress = deps.onProgress ?? ignoreProgress;
  const chunks = sliceBatches(inputs.recipients, Math.max(sizes.sign, sizes.render));
  const keysOf = chunks.map((chunk) => chosenKeys(chunk, inputs));
  onProgress({ type: 'signing', links: keysOf.reduce((n, keys) => n + keys.length, 0) });
  const total = countMessages(inputs.planInput);
  onProgress({ type: 'rendering', recipients: inputs.recipients.length });

  const merged = createMergedPlan(inputs);
  const reports = emptyReportFindings();
  const rules = { requiredReportTypes: inputs.settings.requiredReportTypes };
  const release = createResolutionRelease(inputs);
  const sign = (i: number) => {
    const signing = deps.signer.signUrls(keysOf[i] ?? [], inputs.expiresAt);
    keysOf[i] = [];
    // Awaited on its turn; if a batch before it fails first, its rejection must not go unhandled.
    signing.catch(() => {});
    return signing;
  };
  let next = chunks.length > 0 ? sign(0) : undefined;
  for (let i = 0; i < chunks.length; i += 1) {
    const links = await (next as Promise<ReadonlyMap<string, string>>);
    next = i + 1 < chunks.length ? sign(i + 1) : undefined;
    for (const recipients of sliceBatches(chunks[i] ?? [], sizes.render)) {
      const part = buildPlan({
        ...inputs.planInput,
        recipients,
        links,
        firstIndex: merged.messages.length + 1,
      });
      if (part.messages.length > 0) await sink(part.messages, total);
      merged.add(part);
      addReportFindings(reports, part.messages, inputs.resolutions, rules);
      release(recipients);
    }
  }
  if (merged.messages.length !== total) {
    // countMessages and buildPlan disagree (a key the signer did not sign): preview names would be wrong.
    throw new Error(`the streamed plan made ${merged.messages.length} messages, ${total} were counted`);
  }
  return assembleCampaignPlan(inputs, merged.plan(), reports);
}

/**
 * Lets go of each custom ID's report resolution (the files matched, chosen and passed over: ~600 bytes a creator) once
 * every recipient holding that ID has been rendered and its report findings collected; an ID two recipients share
 * stays until the second one's batch. Nothing reads a resolution after that: the compact records keep the links.
 */
function createResolutionRelease(inputs: CampaignInputs): (rendered: readonly Recipient[]) => void {
  const holders = new Map<string, number>();
  for (const recipient of inputs.recipients)
    for (const { resolved } of recipient.customIds) holders.set(resolved, (holders.get(resolved) ?? 0) + 1);
  return (rendered) => {
    for (const recipient of rendered) {
      for (const { resolved } of recipient.customIds) {
        const left = (holders.get(resolved) ?? 1) - 1;
        if (left > 0) holders.set(resolved, left);
        else {
          holders.delete(resolved);
          inputs.resolutions.delete(resolved);
        }
      }
    }
  };
}

function sliceBatches<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
  return batches;
}

/** The chosen report keys of a batch's custom IDs, each once. */
function chosenKeys(
  recipients: readonly CampaignInputs['recipients'][number][],
  inputs: CampaignInputs,
): string[] {
  const keys = new Set<string>();
  for (const recipient of recipients) {
    for (const { resolved } of recipient.customIds) {
      for (const report of inputs.resolutions.get(resolved)?.reports ?? []) {
        if (report.chosen) keys.add(report.chosen.key);
      }
    }
  }
  return [...keys];
}

/** The month's plan, added to batch by batch: compact records, the unsent, the report statuses summed. */
function createMergedPlan(inputs: CampaignInputs) {
  const messages: MessageRecord[] = [];
  const unsent: UnsentRecipient[] = [];
  const missingReports: MissingReport[] = [];
  let reportStatus: ReportStatusCounts = countReportStatuses([]);
  const shared: SharedRecordStrings = { origins: new Map() };
  return {
    messages,
    add(part: Plan) {
      for (const message of part.messages) messages.push(toMessageRecord(message, shared));
      unsent.push(...part.unsent);
      missingReports.push(...part.missingReports);
      reportStatus = addCounts(reportStatus, part.reportStatus);
    },
    plan(): Plan<MessageRecord> {
      const { campaignId, period, expiresAt, payouts } = inputs.planInput;
      return {
        campaignId,
        period,
        expiresAt,
        messages,
        unsent,
        missingReports,
        reportStatus,
        payoutWarnings: payouts.warnings,
      };
    },
  };
}

function addCounts(a: ReportStatusCounts, b: ReportStatusCounts): ReportStatusCounts {
  return {
    ids: a.ids + b.ids,
    complete: a.complete + b.complete,
    partial: a.partial + b.partial,
    none: a.none + b.none,
    ambiguous: a.ambiguous + b.ambiguous,
    shared: a.shared + b.shared,
  };
}
