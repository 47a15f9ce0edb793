import type { Sleep } from '../../ports.js';

export interface RateLimiter {
  /** Waits for the next sending slot. */
  take(): Promise<void>;
  /** The provider throttled us: halve the rate (not below 1/s) for a while. */
  slowDown(): void;
  /** Messages per second currently allowed (Infinity when unlimited). */
  readonly rate: number;
}

const RECOVERY_MS = 5_000;

/**
 * Paces sends at `ratePerSecond` by handing out evenly spaced slots (a token bucket with a burst of one): the
 * achieved rate matches the target closely and never exceeds it, whatever the concurrency. After a throttle the
 * rate halves, then grows back by a tenth every 5 s without throttling.
 */
export function createRateLimiter(
  ratePerSecond: number,
  deps: { now: () => number; sleep: Sleep },
): RateLimiter {
  const target = ratePerSecond > 0 ? ratePerSecond : Number.POSITIVE_INFINITY;
  let rate = target;
  let nextSlot = 0;
  let lastThrottle = Number.NEGATIVE_INFINITY;
  let lastRecovery = 0;

  const recover = (now: number) => {
    if (rate >= target || now - lastThrottle < RECOVERY_MS || now - lastRecovery < RECOVERY_MS) return;
    rate = Math.min(target, rate * 1.1);
    lastRecovery = now;
  };

  return {
    get rate() {
      return rate;
    },
    async take() {
      if (!Number.isFinite(rate)) return;
      const now = deps.now();
      recover(now);
      const slot = Math.max(now, nextSlot);
      nextSlot = slot + 1000 / rate;
      if (slot > now) await deps.sleep(slot - now);
    },
    slowDown() {
      const now = deps.now();
      lastThrottle = now;
      rate = Number.isFinite(rate) ? Math.max(1, rate / 2) : 50;
      nextSlot = Math.max(nextSlot, now + 1000 / rate);
    },
  };
}
