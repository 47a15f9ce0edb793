import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../src/core/send/rate-limiter.js';

/** A virtual clock: timers fire in order of their due time, one per macrotask, and time jumps to it. */
function virtualTime() {
  let now = 0;
  const timers: { at: number; resolve: () => void }[] = [];
  let scheduled = false;
  const fireNext = () => {
    scheduled = false;
    timers.sort((a, b) => a.at - b.at);
    const timer = timers.shift();
    if (!timer) return;
    now = Math.max(now, timer.at);
    timer.resolve();
    schedule();
  };
  const schedule = () => {
    if (scheduled || timers.length === 0) return;
    scheduled = true;
    setImmediate(fireNext);
  };
  return {
    now: () => now,
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        timers.push({ at: now + ms, resolve });
        schedule();
      }),
  };
}

describe('createRateLimiter', () => {
  it('hands out evenly spaced slots at the target rate', async () => {
    const time = virtualTime();
    const limiter = createRateLimiter(50, time);
    for (let i = 0; i < 500; i += 1) await limiter.take();
    // 500 slots at 50/s: the last one starts at 499 × 20 ms.
    expect(time.now()).toBeCloseTo(499 * 20, 6);
  });

  it('never exceeds the rate when many callers wait at once', async () => {
    const time = virtualTime();
    const limiter = createRateLimiter(10, time);
    const slots: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        await limiter.take();
        slots.push(time.now());
      }),
    );
    const sorted = [...slots].sort((a, b) => a - b);
    const gaps = sorted.slice(1).map((slot, i) => slot - (sorted[i] ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(100 - 1e-9);
  });

  it('is unlimited with rate 0 or Infinity', async () => {
    const time = virtualTime();
    for (const rate of [0, Number.POSITIVE_INFINITY]) {
      const limiter = createRateLimiter(rate, time);
      for (let i = 0; i < 100; i += 1) await limiter.take();
    }
    expect(time.now()).toBe(0);
  });

  it('halves the rate on throttling and recovers gradually', async () => {
    const time = virtualTime();
    const limiter = createRateLimiter(40, time);
    await limiter.take();
    limiter.slowDown();
    expect(limiter.rate).toBe(20);
    limiter.slowDown();
    expect(limiter.rate).toBe(10);
    for (let i = 0; i < 200; i += 1) await limiter.take();
    expect(limiter.rate).toBeGreaterThan(10);
    expect(limiter.rate).toBeLessThanOrEqual(40);
  });
});
