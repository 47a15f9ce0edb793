import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { trackingKey } from '../../src/adapters/aws/dynamo-tracking.js';

const YEAR_2001 = 978_307_200_000;
const YEAR_2240 = 8_520_000_000_000; // below 2^43 ms, where three decimals stop fitting a double

describe('tracking range key <ms>.<slot>', () => {
  // The SDK sends a Number as `String(n)` (the dynalite round trip is in test/integration/dynamo-tracking.test.ts).
  it('reads back as the same millisecond and slot, as sent on the wire, and sorts by time then slot', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: YEAR_2001, max: YEAR_2240 }),
        fc.integer({ min: 0, max: 999 }),
        fc.integer({ min: 0, max: 999 }),
        (ms, slot, other) => {
          const key = trackingKey(ms, slot);
          const wire = String(key);
          const [whole, decimals = ''] = wire.split('.');
          expect(Number(whole)).toBe(ms);
          expect(Number(decimals.padEnd(3, '0'))).toBe(slot);
          expect(Number(wire)).toBe(key);
          expect(new Date(key).getTime()).toBe(ms);
          expect(Math.sign(trackingKey(ms, other) - key)).toBe(Math.sign(other - slot));
          expect(trackingKey(ms + 1, 0)).toBeGreaterThan(trackingKey(ms, 999));
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
