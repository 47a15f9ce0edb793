import type {
  GateList,
  Mailer,
  ProviderRecord,
  RunInstance,
  SendingAccount,
  SendLedger,
  StopSignal,
  TrackingStore,
} from '../../ports.js';
import { maskEmail, normalizeEmail } from '../common/email-address.js';
import { BackendError, CancelledError, ConfigError, UsageError } from '../common/errors.js';
import { resolveUnknownsFromProvider, resolveUnknownsFromStream } from '../events/resolve-unknowns.js';
import { isHeldBack, type Plan } from '../plan/build-plan.js';
import {
  type CampaignDeps,
  type CampaignPlan,
  type CampaignRequest,
  type CampaignSettings,
  defaultCampaignId,
  planCampaign,
} from '../plan/plan-campaign.js';
import { type Approval, canonicalPlan, checkApproval } from '../plan/plan-digest.js';
import {
  type FindingName,
  findingsRefusal,
  type PlanFindings,
  unacceptedFindings,
} from '../plan/plan-findings.js';
import { approvalForShard } from '../plan/shard-approval.js';
import { isUnsubscribeUnset, type UnsubscribeSettings } from '../unsubscribe/unsubscribe-links.js';
import { isCanaryCampaign } from './campaigns.js';
import { type ExecuteOptions, executeSend } from './execute-sends.js';
import { messageIdFor } from './message-id.js';
import type { Envelope } from './outgoing.js';
import { type PrepareOptions, prepareSend } from './prepare-sends.js';
import { recordHeldBack } from './record-held-back.js';
import { createRunId } from './run-id.js';
import { PROOF_WAIT_MS, sendProvenUnsent } from './send-proven-unsent.js';
import { buildSendSummary, type SendSummary } from './send-summary.js';

export interface SendCampaignDeps extends CampaignDeps {
  mailer: Mailer;
  account: SendingAccount;
  gates: readonly GateList[];
  ledger: SendLedger;
  tracking: TrackingStore;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  /** This process (host, PID): named in the run ID, so a later run can tell when its claims were abandoned. */
  instance: RunInstance;
  /** What the provider itself holds (the local outbox), to settle unknown rows with proof. */
  providerRecord: ProviderRecord;
  /** With an event queue: applies what it holds now (`events sync`), for the proof after this run's own sends. */
  syncEvents?: (() => Promise<void>) | undefined;
}

export interface SendRequest extends CampaignRequest {
  envelope: Envelope;
  retryFailed: boolean;
  retryUnknown: boolean;
  /**
   * With an event queue (events.queueUrl): unknown rows the event stream proves unsent are sent again; this is its
   * settle time (events.settleMinutes). Undefined: no stream, unknown rows wait for --retry-unknown.
   */
  eventStreamSettleMs?: number | undefined;
  rate?: number | undefined;
  maxRate?: number | undefined;
  concurrency: number;
  circuitBreaker: number;
  sendTimeoutMs: number;
  ttlDays: number;
  /** The operator's interrupt: no new claims; sends in flight finish; the summary says stopped by you. */
  stop?: StopSignal | undefined;
  /** Findings the operator accepted by name (`--accept`); `--yes` never accepts one. */
  accept: readonly FindingName[];
  /** Show full addresses in what is printed (`--verbose`); masked otherwise. */
  revealEmails: boolean;
  /**
   * `--approve`: send only if the fresh plan is the reviewed one (same digest); its findings were reviewed with
   * it, so they count as accepted.
   */
  approve?: Approval | undefined;
}

/** What the operator confirms before anything is sent. */
export interface SendPreview {
  campaignId: string;
  provider: string;
  from: string;
  redirectTo: string | undefined;
  toSend: number;
  alreadySent: number;
  skipped: number;
  heldForRetry: number;
  inFlight: number;
  notMailed: number;
  rate: number;
  etaSeconds: number;
  /** The plan's findings (every one accepted, or the send would have refused) and its information lines. */
  findings: PlanFindings;
  /** How recipients unsubscribe, in one line. */
  unsubscribe: string;
  /** The findings were accepted by approving the reviewed plan (--approve), not by name (--accept). */
  approved: boolean;
}

export interface SendCampaignResult {
  summary: SendSummary;
  preview: SendPreview;
}

/**
 * `send-report`: plan every message, decide what this run sends (ledger, gating, quota), let the operator
 * confirm, send, and summarise. A run that stops early (fatal provider error, circuit breaker) still returns its
 * summary; the caller decides the exit code.
 */
export async function sendCampaign(
  deps: SendCampaignDeps,
  request: SendRequest,
  confirm: (preview: SendPreview) => Promise<boolean>,
): Promise<SendCampaignResult> {
  const started = deps.clock.now().getTime();
  // --limit applies to who is still to be sent (below), not to the plan: a rerun continues with the next ones.
  const { limit, ...planRequest } = request;
  const { redirectTo } = request.envelope;
  const baseId = request.campaignId ?? defaultCampaignId(request.period);
  checkCanaryId(baseId, redirectTo);
  requireUnsubscribe(await deps.settings.unsubscribe());
  const campaign = await planCampaign(deps, { ...planRequest, unsubscribeAs: redirectTo });
  // `--campaign-id …-canary-<n>` continues that canary; otherwise each --redirect-to run starts the next one.
  const campaignId =
    redirectTo && !isCanaryCampaign(baseId) ? await nextCanaryId(deps.ledger, baseId) : baseId;
  const sample = redirectTo !== undefined;
  await settleUnknowns(deps, campaign.plan, campaignId, request);
  const prepareOptions: PrepareOptions = {
    campaignId,
    retryFailed: request.retryFailed,
    retryUnknown: request.retryUnknown,
    rates: [request.rate, request.maxRate],
    limit,
    sample,
  };
  const prep = await prepareSend(deps, campaign.plan, prepareOptions);
  // The gate guards what this run would do: a rerun with nothing left to send or record does not re-litigate it.
  if (prep.toSend.length + prep.gated.length > 0 || campaign.plan.unsent.some(isHeldBack)) {
    gateSend(campaign, request, deps.settings);
  }
  const preview: SendPreview = {
    campaignId,
    provider: deps.mailer.provider,
    from: request.envelope.from,
    redirectTo: request.envelope.redirectTo,
    toSend: prep.toSend.length,
    alreadySent: prep.alreadySent.length,
    skipped: prep.gated.length + prep.alreadySkipped.length,
    heldForRetry: prep.heldForRetry.length,
    inFlight: prep.inFlight.length,
    notMailed: campaign.plan.unsent.length,
    rate: prep.rate,
    etaSeconds: Number.isFinite(prep.rate) ? Math.ceil(prep.toSend.length / prep.rate) : 0,
    findings: campaign.findings,
    unsubscribe: campaign.unsubscribe,
    approved: request.approve !== undefined,
  };
  if (prep.toSend.length + prep.gated.length > 0 && !(await confirm(preview))) {
    throw new CancelledError('cancelled: nothing was sent');
  }
  const runId = createRunId(deps.clock.now(), deps.random, deps.instance);
  const options: ExecuteOptions = {
    runId,
    envelope: request.envelope,
    concurrency: request.concurrency,
    circuitBreaker: request.circuitBreaker,
    throttleRetries: 8,
    leaseMs: request.sendTimeoutMs * 2 + 5_000,
    ttlDays: request.ttlDays,
    stop: request.stop,
    sample,
  };
  if (!sample) await recordHeldBack(deps.ledger, campaignId, campaign.plan.unsent, runId, deps.clock.now());
  const first = { prep, result: await executeSend(deps, campaign.plan, prep, options) };
  const settleMs = request.eventStreamSettleMs;
  // A second pass only for a whole run of the real campaign: --limit and canaries send what they were asked to.
  const done =
    settleMs !== undefined && deps.syncEvents && !sample && limit === undefined
      ? await sendProvenUnsent(deps, campaign.plan, first, prepareOptions, options, {
          settleMs,
          waitMs: PROOF_WAIT_MS,
          syncEvents: deps.syncEvents,
        })
      : first;
  const summary = buildSendSummary({
    campaign,
    prep: done.prep,
    result: done.result,
    runId,
    provider: deps.mailer.provider,
    durationMs: deps.clock.now().getTime() - started,
  });
  return { summary, preview };
}

/** A canary-looking campaign ID (`…-canary`, `…-canary-<n>`) only ever goes to --redirect-to, never to creators. */
function checkCanaryId(campaignId: string, redirectTo: string | undefined): void {
  if (isCanaryCampaign(campaignId) && !redirectTo) {
    throw new UsageError(
      `--campaign-id ${campaignId} is a canary campaign: it only ever goes to --redirect-to`,
      {
        hint: `dn-mailer send-report … --campaign-id ${campaignId} --redirect-to <your address>`,
      },
    );
  }
}

/** A real send needs a way to unsubscribe: own, ses, or none chosen on purpose (with a reason). */
function requireUnsubscribe(settings: UnsubscribeSettings): void {
  if (isUnsubscribeUnset(settings)) {
    throw new ConfigError(
      'unsubscribe.mode is not set: a real send needs a way to unsubscribe — nothing was sent',
      {
        hint: 'set unsubscribe.mode to own (one-click links, dn-mailer serve) or ses (SES contact list); or none with unsubscribe.noneReason saying why',
      },
    );
  }
}

/**
 * The plan may go out only as reviewed: with --approve, exactly the approved plan (its findings were reviewed
 * with it); otherwise every finding accepted by name. Refuses before anything is written or sent.
 */
function gateSend(campaign: CampaignPlan, request: SendRequest, settings: CampaignSettings): void {
  const mask = (email: string) => (request.revealEmails ? email : maskEmail(email));
  if (request.approve) {
    const fresh = canonicalPlan(campaign, { ...request.envelope, settings });
    // A shard sends its slice of the reviewed month: compare with that slice.
    const approval = request.shard
      ? approvalForShard(request.approve, request.shard, fresh)
      : request.approve;
    checkApproval(approval, fresh, mask);
    return;
  }
  const unaccepted = unacceptedFindings(campaign.findings.findings, request.accept);
  if (unaccepted.length > 0) throw findingsRefusal(unaccepted, mask, 'dn-mailer send-report …');
}

/**
 * Before deciding what to send: rows whose outcome was unknown (a crash, a timeout) are settled with the provider's
 * own record where it keeps one, so a proven-unsent row is sent again without --retry-unknown and a sent one never.
 */
async function settleUnknowns(
  deps: SendCampaignDeps,
  plan: Plan,
  campaignId: string,
  request: SendRequest,
): Promise<void> {
  const planned = new Map(plan.messages.map((message) => [normalizeEmail(message.to), message.to]));
  const byProvider = await resolveUnknownsFromProvider(deps, campaignId, (row) =>
    messageIdFor(campaignId, planned.get(row.email) ?? row.email, request.envelope.from),
  );
  if (byProvider.sent + byProvider.unsent > 0)
    deps.onProgress?.({ type: 'unknowns-resolved', ...byProvider });
  if (request.eventStreamSettleMs === undefined) return;
  const byStream = await resolveUnknownsFromStream(deps, campaignId, request.eventStreamSettleMs);
  if (byStream.unsent > 0 || byStream.stillUnknown > 0) {
    const { unsent, stillUnknown } = byStream;
    const why = byStream.waiting[0]?.why;
    deps.onProgress?.({ type: 'unknowns-resolved', sent: 0, unsent, stillUnknown, by: 'events', why });
  }
}

/**
 * Each `--redirect-to` run is a canary campaign of its own (`<campaign>-canary-<n>`, the first n the ledger has no
 * rows for), so a canary can be repeated after a template fix.
 */
async function nextCanaryId(ledger: SendLedger, baseId: string): Promise<string> {
  for (let n = 1; ; n += 1) {
    const id = `${baseId}-canary-${n}`;
    if ((await ledger.listRows(id)).length === 0) return id;
  }
}

/**
 * A stopped run is a backend failure (exit 5), or cancelled (exit 130) when the operator stopped it, after its
 * summary is printed; resumable by running again.
 */
export function stoppedError(summary: SendSummary): BackendError | CancelledError | undefined {
  if (summary.data.stopped === null) return undefined;
  if (summary.data.interrupted) {
    return new CancelledError(`${summary.data.stopped} — run the same command again to continue`, {
      hint: `${summary.data.successful} sent in this run, ${summary.data.notStarted} not started (back to planned); sent messages are never resent`,
    });
  }
  return new BackendError(`the run stopped: ${summary.data.stopped}`, {
    hint: 'fix the cause and run the same command again: sent messages are never resent',
  });
}
