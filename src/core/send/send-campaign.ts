import type { GateList, Mailer, SendingAccount, SendLedger, TrackingStore } from '../../ports.js';
import { BackendError, CancelledError } from '../common/errors.js';
import {
  type CampaignDeps,
  type CampaignRequest,
  defaultCampaignId,
  planCampaign,
} from '../plan/plan-campaign.js';
import { type ExecuteOptions, executeSend } from './execute-sends.js';
import type { Envelope } from './outgoing.js';
import { prepareSend } from './prepare-sends.js';
import { buildSendSummary, type SendSummary } from './send-summary.js';

export interface SendCampaignDeps extends CampaignDeps {
  mailer: Mailer;
  account: SendingAccount;
  gates: readonly GateList[];
  ledger: SendLedger;
  tracking: TrackingStore;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export interface SendRequest extends CampaignRequest {
  envelope: Envelope;
  retryFailed: boolean;
  retryUnknown: boolean;
  rate?: number | undefined;
  maxRate?: number | undefined;
  concurrency: number;
  circuitBreaker: number;
  sendTimeoutMs: number;
  ttlDays: number;
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
  const campaign = await planCampaign(deps, { ...planRequest, unsubscribeAs: request.envelope.redirectTo });
  const baseId = request.campaignId ?? defaultCampaignId(request.period);
  const campaignId = request.envelope.redirectTo ? `${baseId}-canary` : baseId;
  const prep = await prepareSend(deps, campaign.plan, {
    campaignId,
    retryFailed: request.retryFailed,
    retryUnknown: request.retryUnknown,
    rates: [request.rate, request.maxRate],
    limit,
  });
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
  };
  if (prep.toSend.length + prep.gated.length > 0 && !(await confirm(preview))) {
    throw new CancelledError('cancelled: nothing was sent');
  }
  const runId = `${deps.clock.now().getTime().toString(36)}-${Math.floor(deps.random() * 36 ** 6).toString(36)}`;
  const options: ExecuteOptions = {
    runId,
    envelope: request.envelope,
    concurrency: request.concurrency,
    circuitBreaker: request.circuitBreaker,
    throttleRetries: 8,
    leaseMs: request.sendTimeoutMs * 2 + 5_000,
    ttlDays: request.ttlDays,
  };
  const result = await executeSend(deps, campaign.plan, prep, options);
  const summary = buildSendSummary({
    campaign,
    prep,
    result,
    runId,
    provider: deps.mailer.provider,
    durationMs: deps.clock.now().getTime() - started,
  });
  return { summary, preview };
}

/** A stopped run is a backend failure (exit 5) after its summary is printed; resumable by running again. */
export function stoppedError(summary: SendSummary): BackendError | undefined {
  if (summary.data.stopped === null) return undefined;
  return new BackendError(`the run stopped: ${summary.data.stopped}`, {
    hint: 'fix the cause and run the same command again: sent messages are never resent',
  });
}
