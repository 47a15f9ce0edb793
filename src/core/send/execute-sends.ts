import pLimit from 'p-limit';
import type { OutgoingMessage } from '../../ports.js';
import { backoffDelay } from '../common/retry.js';
import type { Plan, PlannedMessage } from '../plan/build-plan.js';
import { toOutgoing } from './outgoing.js';
import type { SendCandidate, SendPreparation } from './prepare-sends.js';
import {
  SendFatalError,
  SendOutcomeUnknownError,
  SendRejectedError,
  SendThrottledError,
} from './send-errors.js';
import type { SendOutcome } from './send-outcome.js';
import {
  countOutcome,
  createSendRun,
  type ExecuteDeps,
  type ExecuteOptions,
  type ExecuteResult,
  isHalted,
  type SendRun,
  summarize,
} from './send-run.js';
import { settleForeignRows } from './settle-foreign-rows.js';

export { type ExecuteDeps, type ExecuteOptions, type ExecuteResult, STOPPED_BY_YOU } from './send-run.js';
export type { SendOutcome };

/**
 * Sends the prepared messages: every recipient is claimed in the ledger (`sending`) before the provider is
 * called, then finished as sent / failed / unknown. Rate-limited, bounded concurrency, throttling retried with
 * jittered backoff, a circuit breaker on consecutive failures; rows a dead run left in `sending` become `unknown`.
 */
export async function executeSend(
  deps: ExecuteDeps,
  plan: Plan,
  prep: SendPreparation,
  options: ExecuteOptions,
): Promise<ExecuteResult> {
  const run = createSendRun(deps, plan, prep, options);
  await planLedgerRows(run, plan, prep);
  await finishGated(run, prep.gated);
  const limit = pLimit(Math.max(1, options.concurrency));
  run.onProgress({ type: 'send-started', total: run.total, rate: prep.rate });
  try {
    await Promise.all(prep.toSend.map((candidate) => limit(() => sendOne(run, candidate))));
    // After this run's sends, a failing ledger stops the run like one failing mid-send: the summary of what was
    // sent is still printed.
    if (!isHalted(run)) {
      await settleOtherRuns(run).catch((error: unknown) => {
        run.result.stopped ??= {
          reason: `the ledger failed: ${error instanceof Error ? error.message : String(error)}`,
        };
      });
    }
  } finally {
    await run.tracking.flush();
  }
  return run.result;
}

/** A `planned` row for every message of the plan (a canary: only for those it sends now). */
async function planLedgerRows(run: SendRun, plan: Plan, prep: SendPreparation): Promise<void> {
  const planned = run.options.sample
    ? [...prep.toSend.map((c) => c.message), ...prep.gated.map((g) => g.message)]
    : plan.messages;
  const messages = planned.map((m) => ({
    email: m.to,
    customIds: m.customIds.map((id) => id.resolved),
  }));
  await run.deps.ledger.ensurePlanned(run.campaignId, messages, run.now());
}

/** Recipients a gate held back are finished as skipped. */
async function finishGated(run: SendRun, gated: SendPreparation['gated']): Promise<void> {
  for (const { message, from, reason } of gated) {
    const outcome: SendOutcome = { ...summarize(message), status: 'skipped', reason };
    if (await run.deps.ledger.finish(run.campaignId, message.to, from, outcome, run.now())) {
      countOutcome(run, outcome);
    }
  }
}

/** Claim → send → finish for one recipient; trips the circuit breaker after too many failures in a row. */
async function sendOne(run: SendRun, candidate: SendCandidate): Promise<void> {
  if (isHalted(run)) return;
  await run.limiter.take();
  if (isHalted(run)) return;
  const { result, options } = run;
  const email = candidate.message.to;
  let outcome: SendOutcome | undefined;
  try {
    if (!(await run.deps.ledger.claim(run.campaignId, email, candidate.from, options.runId, run.now()))) {
      result.claimedElsewhere.push(email);
      return;
    }
    // Stopped while claiming: the provider was not called, so the row goes back to planned.
    outcome = isHalted(run) ? released(run, candidate.message) : await attempt(run, candidate.message);
    if (!(await finishClaim(run, email, outcome))) return;
    run.consecutiveFailures = outcome.status === 'sent' ? 0 : run.consecutiveFailures + 1;
    if (run.consecutiveFailures >= options.circuitBreaker && !result.stopped) {
      result.stopped = { reason: `${run.consecutiveFailures} failures in a row (circuit breaker)` };
    }
  } catch (error) {
    // The ledger itself failed: queued sends see `stopped` and return; a claimed row stays `sending` and
    // resolves to unknown after its lease.
    const reason = error instanceof Error ? error.message : String(error);
    result.stopped ??= { reason: `the ledger failed: ${reason}` };
    // The provider already answered for this one: the summary says what happened to it, not "not started".
    if (outcome && outcome.status !== 'planned') {
      const note = `the ledger could not record this (${reason}): its row stays sending and a later run marks it unknown, never resending it`;
      countOutcome(run, { ...outcome, reason: outcome.reason ? `${outcome.reason}; ${note}` : note });
    }
  }
}

/** Writes the outcome of a claimed row; false when nothing is to be reported (released, or lost to another run). */
async function finishClaim(run: SendRun, email: string, outcome: SendOutcome): Promise<boolean> {
  const { ledger } = run.deps;
  let finished = await ledger.finish(run.campaignId, email, 'sending', outcome, run.now(), run.options.runId);
  if (!finished && outcome.status === 'sent') {
    // Another run gave up on our claim and recorded `unknown`; we know better: it was sent.
    finished = await ledger.finish(run.campaignId, email, 'unknown', outcome, run.now());
  }
  if (outcome.status === 'planned') return false;
  countOutcome(
    run,
    finished
      ? outcome
      : {
          ...outcome,
          reason: `${outcome.reason ?? ''} (the ledger row was changed by another run)`.trim(),
        },
  );
  return true;
}

async function attempt(run: SendRun, message: PlannedMessage): Promise<SendOutcome> {
  const base = summarize(message);
  const outgoing = toOutgoing(message, run.campaignId, run.options.envelope, run.now());
  for (let n = 0; ; n += 1) {
    try {
      const { messageId } = await callProvider(run, outgoing);
      return { ...base, status: 'sent', messageId };
    } catch (error) {
      if (error instanceof SendThrottledError && n + 1 < run.options.throttleRetries) {
        await backOff(run, n);
        // Throttled means not sent: a stopping run hands the row back instead of trying again.
        if (isHalted(run)) return released(run, message);
        continue;
      }
      return classify(run, error, base, n + 1);
    }
  }
}

/** One provider call, its start and end kept in the run's send window. */
function callProvider(run: SendRun, outgoing: OutgoingMessage): Promise<{ messageId: string }> {
  const { result, now } = run;
  const startedAt = now().getTime();
  result.sendWindow ??= { firstStart: startedAt, lastEnd: startedAt };
  return run.deps.mailer.send(outgoing).finally(() => {
    if (result.sendWindow) result.sendWindow.lastEnd = Math.max(result.sendWindow.lastEnd, now().getTime());
  });
}

/** After a throttle: a slower pace, then a jittered wait that grows with each attempt. */
function backOff(run: SendRun, n: number): Promise<void> {
  const { limiter, options } = run;
  limiter.slowDown();
  const delayMs = backoffDelay(
    n,
    { retries: options.throttleRetries, baseDelayMs: 200, maxDelayMs: 10_000 },
    run.deps.random,
  );
  run.onProgress({ type: 'throttled', delayMs, rate: limiter.rate });
  return run.sleep(delayMs);
}

function released(run: SendRun, message: PlannedMessage): SendOutcome {
  return { ...summarize(message), status: 'planned', reason: run.result.stopped?.reason };
}

function classify(
  run: SendRun,
  error: unknown,
  base: Omit<SendOutcome, 'status'>,
  attempts: number,
): SendOutcome {
  const reason = error instanceof Error ? error.message : String(error);
  if (error instanceof SendThrottledError) {
    return { ...base, status: 'failed', reason: `throttled ${attempts} times, not sent: ${reason}` };
  }
  if (error instanceof SendRejectedError) return { ...base, status: 'failed', reason };
  if (error instanceof SendFatalError) {
    run.result.stopped ??= { reason, error };
    return { ...base, status: 'planned', reason };
  }
  if (error instanceof SendOutcomeUnknownError) return { ...base, status: 'unknown', reason };
  // An error we cannot classify may have happened after the request left: never assume it was not sent.
  return { ...base, status: 'unknown', reason: `unexpected error: ${reason}` };
}

/** Rows another run left in `sending`, settled once this run's own sends are done (see settleForeignRows). */
async function settleOtherRuns(run: SendRun): Promise<void> {
  // Rows settled for another run were not counted in `total`: count them as they come, or done > total.
  const recordForeign = (outcome: SendOutcome) => {
    run.total += 1;
    countOutcome(run, outcome);
  };
  const settle = { leaseMs: run.options.leaseMs, stop: run.options.stop, halted: () => isHalted(run) };
  await settleForeignRows(run.deps, run.campaignId, settle, run.onProgress, recordForeign);
}
