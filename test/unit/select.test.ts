import { describe, expect, it } from 'vitest';
import { selectForCampaign } from '../../src/core/recipients/filter-for-campaign.js';
import type { Recipient } from '../../src/core/recipients/recipients-from-users.js';

const r = (email: string, ...ids: [string, string][]): Recipient => ({
  email,
  userName: '',
  customIds: ids.map(([original, resolved]) => ({ original, resolved })),
  rows: [0],
});
const all = [
  r('a@example.com', ['A1', 'A1']),
  r('m@example.com', ['MOLS', 'MOL']),
  r('c@example.com', ['C1', 'C1']),
];

describe('selectForCampaign', () => {
  it('keeps everyone without --only and --limit', () => {
    expect(selectForCampaign(all, {}).recipients).toHaveLength(3);
  });
  it('--only matches addresses (any case) and custom IDs before or after their alias', () => {
    expect(selectForCampaign(all, { only: ['A@EXAMPLE.com'] }).recipients.map((x) => x.email)).toEqual([
      'a@example.com',
    ]);
    expect(selectForCampaign(all, { only: ['mols'] }).recipients.map((x) => x.email)).toEqual([
      'm@example.com',
    ]);
    expect(selectForCampaign(all, { only: ['MOL', 'c1'] }).recipients.map((x) => x.email)).toEqual([
      'm@example.com',
      'c@example.com',
    ]);
  });
  it('reports --only entries that match nobody', () => {
    expect(selectForCampaign(all, { only: ['A1', 'NOPE', 'x@example.com'] }).unmatched).toEqual([
      'NOPE',
      'x@example.com',
    ]);
  });
  it('--limit keeps the first n after --only', () => {
    expect(selectForCampaign(all, { limit: 2 }).recipients.map((x) => x.email)).toEqual([
      'a@example.com',
      'm@example.com',
    ]);
    expect(selectForCampaign(all, { only: ['MOL', 'C1'], limit: 1 }).recipients.map((x) => x.email)).toEqual([
      'm@example.com',
    ]);
  });
});
