import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, limitHeapGrowth } from '../../src/cli/heap-growth.js';

describe('limitHeapGrowth (bin/dn-mailer.js, before anything loads)', () => {
  it("sets V8's heap growth unless the node command line chose one", () => {
    expect(limitHeapGrowth(['--heap-growing-percent=50'])).toBeUndefined();
    expect(limitHeapGrowth(['--max-old-space-size=4096'])).toBe(HEAP_GROWING_PERCENT);
    expect(HEAP_GROWING_PERCENT).toBe(20);
  });
});
