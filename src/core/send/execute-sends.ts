import pLimit from 'p-limit';
import type {
  Clock,
  Mailer,
  Random,
  RunInstance,
  SendLedger,
  Sleep,
  StopSignal,
  TrackingStore,
} from '../../ports.js';
import { ignoreProgress, type OnProgress } from '../common/progress-events.js';
import { backoffDelay } from '../common/retry.js';
import type { Plan, PlannedMessage } from '../plan/build-plan.js';
import { type Envelope, toOutgoing } from './outgoing.js';
import type { SendCandidate, SendPreparation } from './prepare-sends.js';
import { createRateLimiter } from './rate-limiter.js';
import {
  SendFatalError,
  SendOutcomeUnknownError,
  SendRejectedError,
  SendThrottledError,
} from './send-errors.js';
import type { SendOutcome } from './send-outcome.js';
import { settleForeignRows } from './settle-foreign-rows.js';
import { createTrackingBuffer } from './tracking-buffer.js';

export interface ExecuteDeps {
  mailer: Mailer;
  ledger: SendLedger;
  tracking: TrackingStore;
  clock: Clock;
  sleep: Sleep;
  random: Random;
  /** This process: a claim left by a dead process on this host is given up at once, not after its lease. */
  instance?: RunInstance | undefined;
  onProgress?: OnProgress;
}

export interface ExecuteOptions {
  runId: string;
  envelope: Envelope;
  concurrency: number;
  /** Stop the run after this many failures in a row. */
  circuitBreaker: number;
  /** Attempts on throttling before a message counts as failed (nothing was sent). */
  throttleRetries: number;
  /** A `sending` row older than this belongs to a run that died. */
  leaseMs: number;
  ttlDays: number;
  /** Aborted by the operator (SIGINT / SIGTERM): no new claims; sends in flight finish and are recorded. */
  stop?: StopSignal | undefined;
  /**
   * A canary plans ledger rows only for what it sends now: it is a sample, and a month of `planned` canary rows
   * would read as an unfinished campaign whose "continue" would mail every creator's figures to one inbox.
   */
  sample?: boolean | undefined;
}

/** The reason a run the operator stopped gives. */
export const STOPPED_BY_YOU = 'stopped by you';

export type { SendOutcome };

export interface ExecuteResult {
  outcomes: SendOutcome[];
  /** Recipients another run claimed between our plan and our claim. */
  claimedElsewhere: string[];
  /** Why the run stopped early (fatal error, circuit breaker, the operator); the rest stays planned. */
  stopped?: { reason: string; error?: SendFatalError; interrupted?: boolean } | undefined;
  trackingErrors: string[];
  /** From the first provider call's start to the last one's end (ms since the epoch); absent when none was made. */
  sendWindow?: { firstStart: number; lastEnd: number } | undefined;
}

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
  const onProgress = deps.onProgress ?? ignoreProgress;
  const { campaignId } = prep;
  const now = () => deps.clock.now();
  const tracking = createTrackingBuffer(deps.tracking, {
    plan,
    campaignId,
    provider: deps.mailer.provider,
    ttlDays: options.ttlDays,
    now,
  });
  const result: ExecuteResult = { outcomes: [], claimedElsewhere: [], trackingErrors: tracking.errors };
  const sleep = (ms: number) => deps.sleep(ms, options.stop);
  const limiter = createRateLimiter(prep.rate, { now: () => deps.clock.now().getTime(), sleep });
  const counts = { sent: 0, failed: 0, unknown: 0, skipped: 0, planned: 0 };
  let total = prep.toSend.length + prep.gated.length;
  const planned = options.sample
    ? [...prep.toSend.map((c) => c.message), ...prep.gated.map((g) => g.message)]
    : plan.messages;
  const messages = planned.map((m) => ({
    email: m.to,
    customIds: m.customIds.map((id) => id.resolved),
  }));
  await deps.ledger.ensurePlanned(campaignId, messages, now());

  for (const gated of prep.gated) {
    const outcome: SendOutcome = { ...summarize(gated.message), status: 'skipped', reason: gated.reason };
    if (await deps.ledger.finish(campaignId, gated.message.to, gated.from, outcome, now())) record(outcome);
  }

  const limit = pLimit(Math.max(1, options.concurrency));
  let consecutiveFailures = 0;
  onProgress({ type: 'send-started', total, rate: prep.rate });

  function record(outcome: SendOutcome): void {
    result.outcomes.push(outcome);
    tracking.add(outcome);
    counts[outcome.status] += 1;
    onProgress({ type: 'send-progress', total, ...counts, rate: limiter.rate });
  }

  /** True once the run is stopping, for whatever reason; an operator's stop is noted here. */
  function halted(): boolean {
    if (options.stop?.aborted) result.stopped ??= { reason: STOPPED_BY_YOU, interrupted: true };
    return result.stopped !== undefined;
  }

  async function sendOne(candidate: SendCandidate): Promise<void> {
    if (halted()) return;
    await limiter.take();
    if (halted()) return;
    const email = candidate.message.to;
    try {
      if (!(await deps.ledger.claim(campaignId, email, candidate.from, options.runId, now()))) {
        result.claimedElsewhere.push(email);
        return;
      }
      // Stopped while claiming: the provider was not called, so the row goes back to planned.
      const outcome = halted() ? released(candidate.message) : await attempt(candidate.message);
      if (!(await recordOutcome(email, outcome))) return;
      consecutiveFailures = outcome.status === 'sent' ? 0 : consecutiveFailures + 1;
      if (consecutiveFailures >= options.circuitBreaker && !result.stopped) {
        result.stopped = { reason: `${consecutiveFailures} failures in a row (circuit breaker)` };
      }
    } catch (error) {
      // The ledger itself failed: queued sends see `stopped` and return; a claimed row stays `sending` and
      // resolves to unknown after its lease.
      result.stopped ??= {
        reason: `the ledger failed: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }

  /** Writes the outcome of a claimed row; false when nothing is to be reported (released, or lost to another run). */
  async function recordOutcome(email: string, outcome: SendOutcome): Promise<boolean> {
    let finished = await deps.ledger.finish(campaignId, email, 'sending', outcome, now(), options.runId);
    if (!finished && outcome.status === 'sent') {
      // Another run gave up on our claim and recorded `unknown`; we know better: it was sent.
      finished = await deps.ledger.finish(campaignId, email, 'unknown', outcome, now());
    }
    if (outcome.status === 'planned') return false;
    record(
      finished
        ? outcome
        : {
            ...outcome,
            reason: `${outcome.reason ?? ''} (the ledger row was changed by another run)`.trim(),
          },
    );
    return true;
  }

  async function attempt(message: PlannedMessage): Promise<SendOutcome> {
    const base = summarize(message);
    const outgoing = toOutgoing(message, campaignId, options.envelope, now());
    for (let n = 0; ; n += 1) {
      try {
        const startedAt = now().getTime();
        result.sendWindow ??= { firstStart: startedAt, lastEnd: startedAt };
        const { messageId } = await deps.mailer.send(outgoing).finally(() => {
          if (result.sendWindow)
            result.sendWindow.lastEnd = Math.max(result.sendWindow.lastEnd, now().getTime());
        });
        return { ...base, status: 'sent', messageId };
      } catch (error) {
        if (error instanceof SendThrottledError && n + 1 < options.throttleRetries) {
          limiter.slowDown();
          const delayMs = backoffDelay(
            n,
            { retries: options.throttleRetries, baseDelayMs: 200, maxDelayMs: 10_000 },
            deps.random,
          );
          onProgress({ type: 'throttled', delayMs, rate: limiter.rate });
          await sleep(delayMs);
          // Throttled means not sent: a stopping run hands the row back instead of trying again.
          if (halted()) return released(message);
          continue;
        }
        return classify(error, base, n + 1);
      }
    }
  }

  function released(message: PlannedMessage): SendOutcome {
    return { ...summarize(message), status: 'planned', reason: result.stopped?.reason };
  }

  function classify(error: unknown, base: Omit<SendOutcome, 'status'>, attempts: number): SendOutcome {
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof SendThrottledError) {
      return { ...base, status: 'failed', reason: `throttled ${attempts} times, not sent: ${reason}` };
    }
    if (error instanceof SendRejectedError) return { ...base, status: 'failed', reason };
    if (error instanceof SendFatalError) {
      result.stopped ??= { reason, error };
      return { ...base, status: 'planned', reason };
    }
    if (error instanceof SendOutcomeUnknownError) return { ...base, status: 'unknown', reason };
    // An error we cannot classify may have happened after the request left: never assume it was not sent.
    return { ...base, status: 'unknown', reason: `unexpected error: ${reason}` };
  }

  try {
    await Promise.all(prep.toSend.map((candidate) => limit(() => sendOne(candidate))));
    // Rows settled for another run were not counted in `total`: count them as they come, or done > total.
    const recordForeign = (outcome: SendOutcome) => {
      total += 1;
      record(outcome);
    };
    if (!halted()) {
      const settle = { leaseMs: options.leaseMs, stop: options.stop, halted };
      await settleForeignRows(deps, campaignId, settle, onProgress, recordForeign);
    }
  } finally {
    await tracking.flush();
  }
  return result;
}

function summarize(message: PlannedMessage): Omit<SendOutcome, 'status'> {
  return { email: message.to, customIds: message.customIds.map((id) => id.resolved) };
}
