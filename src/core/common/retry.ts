import type { Random, Sleep } from '../../ports.js';

export interface RetryPolicy {
  /** Attempts after the first one. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Thrown by an attempt to say "this may succeed if tried again" (429, 5xx, network error, timeout). */
export class RetryableError extends Error {
  constructor(
    message: string,
    /** What to report when retries run out. */
    readonly onExhausted: () => Error,
  ) {
    super(message);
    this.name = 'RetryableError';
  }
}

export interface RetryDeps {
  sleep: Sleep;
  random: Random;
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

/** "Full jitter" exponential backoff: a random delay in [0, min(max, base·2^attempt)). */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: Random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** Runs `attempt` until it succeeds, throws a non-retryable error, or the policy's retries are used up. */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  deps: RetryDeps,
): Promise<T> {
  for (let n = 0; ; n += 1) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!(error instanceof RetryableError)) throw error;
      if (n >= policy.retries) throw error.onExhausted();
      const delayMs = backoffDelay(n, policy, deps.random);
      deps.onRetry?.({ attempt: n + 1, delayMs, reason: error.message });
      await deps.sleep(delayMs);
    }
  }
}
