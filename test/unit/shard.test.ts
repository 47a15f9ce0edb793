import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { selectForCampaign, shardOf } from '../../src/core/recipients/filter-for-campaign.js';
import type { Recipient } from '../../src/core/recipients/recipients-from-users.js';

const recipient = (email: string): Recipient => ({ email, userName: '', customIds: [], rows: [0] });

describe('--shard', () => {
  it('n shards cover every recipient exactly once (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.emailAddress(), { maxLength: 60 }),
        fc.integer({ min: 1, max: 7 }),
        (emails, count) => {
          const all = [...new Set(emails.map((e) => e.toLowerCase()))].map(recipient);
          const slices = Array.from({ length: count }, (_, i) =>
            selectForCampaign(all, { shard: { index: i + 1, count } }).recipients.map((r) => r.email),
          );
          expect(slices.flat().sort()).toEqual(all.map((r) => r.email).sort());
        },
      ),
    );
  });

  it('is stable: the same address is always in the same shard, whatever its case', () => {
    expect(shardOf('Artist@Example.com', 3)).toBe(shardOf('artist@example.com', 3));
    expect(shardOf('artist@example.com', 3)).toBe(shardOf('artist@example.com', 3));
    expect([1, 2, 3]).toContain(shardOf('artist@example.com', 3));
  });

  it('spreads recipients roughly evenly', () => {
    const all = Array.from({ length: 3000 }, (_, i) => recipient(`creator${i}@example.com`));
    const sizes = [1, 2, 3].map(
      (index) => selectForCampaign(all, { shard: { index, count: 3 } }).recipients.length,
    );
    for (const size of sizes) expect(size).toBeGreaterThan(900);
  });

  it('applies before --limit', () => {
    const all = Array.from({ length: 50 }, (_, i) => recipient(`c${i}@example.com`));
    const slice = selectForCampaign(all, { shard: { index: 1, count: 2 }, limit: 3 }).recipients;
    expect(slice).toHaveLength(3);
    expect(slice.every((r) => shardOf(r.email, 2) === 1)).toBe(true);
  });
});
