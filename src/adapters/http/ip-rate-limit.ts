export type RateVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface FixedWindowLimiter {
  /** Counts one request for `key` (a client IP) in the current window. */
  take(key: string, now: Date): RateVerdict;
}

/**
 * A per-key fixed-window counter. Windows are aligned to multiples of `windowMs`, and the counts are dropped
 * when a new window starts, so memory stays bounded by the clients seen within one window.
 */
export function createFixedWindowLimiter(limit: number, windowMs = 60_000): FixedWindowLimiter {
  const counts = new Map<string, number>();
  let window = Number.NaN;
  return {
    take(key, now) {
      const time = now.getTime();
      const current = Math.floor(time / windowMs);
      if (current !== window) {
        counts.clear();
        window = current;
      }
      const count = (counts.get(key) ?? 0) + 1;
      counts.set(key, count);
      if (count <= limit) return { allowed: true };
      const endsAt = (current + 1) * windowMs;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((endsAt - time) / 1000)) };
    },
  };
}
