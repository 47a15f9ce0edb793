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
import type { Plan, PlannedMessage } from '../plan/build-plan.js';
import type { Envelope } from './outgoing.js';
import type { SendPreparation } from './prepare-sends.js';
import { createRateLimiter, type RateLimiter } from './rate-limiter.js';
import type { SendFatalError } from './send-errors.js';
import type { SendOutcome } from './send-outcome.js';
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

/** What the steps of one `executeSend` share: its ports and options, the pacing, the running counts, the result. */
export interface SendRun {
  deps: ExecuteDeps;
  options: ExecuteOptions;
  campaignId: string;
  onProgress: OnProgress;
  now: () => Date;
  /** Cut short when the operator stops the run. */
  sleep: (ms: number) => Promise<void>;
  limiter: RateLimiter;
  tracking: ReturnType<typeof createTrackingBuffer>;
  counts: Record<SendOutcome['status'], number>;
  /** What the progress line counts toward; rows settled for another run are added as they come. */
  total: number;
  consecutiveFailures: number;
  result: ExecuteResult;
}

export function createSendRun(
  deps: ExecuteDeps,
  plan: Plan,
  prep: SendPreparation,
  options: ExecuteOptions,
): SendRun {
  const { campaignId } = prep;
  const now = () => deps.clock.now();
  const tracking = createTrackingBuffer(deps.tracking, {
    plan,
    campaignId,
    provider: deps.mailer.provider,
    ttlDays: options.ttlDays,
    now,
  });
  const sleep = (ms: number) => deps.sleep(ms, options.stop);
  return {
    deps,
    options,
    campaignId,
    onProgress: deps.onProgress ?? ignoreProgress,
    now,
    sleep,
    limiter: createRateLimiter(prep.rate, { now: () => deps.clock.now().getTime(), sleep }),
    tracking,
    counts: { sent: 0, failed: 0, unknown: 0, skipped: 0, planned: 0 },
    total: prep.toSend.length + prep.gated.length,
    consecutiveFailures: 0,
    result: { outcomes: [], claimedElsewhere: [], trackingErrors: tracking.errors },
  };
}

/** Counts a finished row: in the result, the tracking rows and the progress line. */
export function countOutcome(run: SendRun, outcome: SendOutcome): void {
  run.result.outcomes.push(outcome);
  run.tracking.add(outcome);
  run.counts[outcome.status] += 1;
  run.onProgress({ type: 'send-progress', total: run.total, ...run.counts, rate: run.limiter.rate });
}

/** True once the run is stopping, for whatever reason; an operator's stop is noted here. */
export function isHalted(run: SendRun): boolean {
  if (run.options.stop?.aborted) run.result.stopped ??= { reason: STOPPED_BY_YOU, interrupted: true };
  return run.result.stopped !== undefined;
}

export function summarize(message: PlannedMessage): Omit<SendOutcome, 'status'> {
  return { email: message.to, customIds: message.customIds.map((id) => id.resolved) };
}
