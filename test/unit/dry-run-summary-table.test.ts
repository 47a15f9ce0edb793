import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { renderDryRunSummary, TABLE_ROWS_MAX } from '../../src/cli/ui/campaign-view.js';
import { LazyList } from '../../src/core/plan/lazy-list.js';
import type { Manifest } from '../../src/core/plan/manifest.js';

/** A manifest with `total` messages (only what the summary reads), its messages made one by one like a streamed one. */
function manifestOf(total: number, made: { count: number }): Manifest {
  const message = (n: number) => {
    made.count += 1;
    return {
      n,
      to: `creator${n}@example.com`,
      customIds: [`ID${n}`],
      subject: 's',
      files: [],
      totals: { opening: '0.00', earnings: '1.00', payments: '0.00', closing: '1.00' },
      contracts: 1,
      links: [],
      warnings: [],
    };
  };
  const messages = new LazyList(total, function* () {
    for (let n = 1; n <= total; n += 1) yield message(n);
  });
  return {
    campaignId: 'financial-2025-01',
    period: { month: 1, monthName: 'January', year: 2025 },
    currency: 'USD',
    linksExpireAt: '2025-03-01T00:00:00.000Z',
    unsubscribe: 'own',
    counts: {
      recipients: total,
      messages: total,
      nothingToSend: 0,
      heldBack: 0,
      links: 0,
      payoutWarnings: 0,
      missingReports: 0,
    },
    reportStatus: { ids: total, complete: total, partial: 0, none: 0, ambiguous: 0, shared: 0 },
    findings: [],
    messages,
    approval: null,
  } as unknown as Manifest;
}

const options = { revealEmails: true, chalk: new Chalk({ level: 0 }) };

describe('the dry run summary in the terminal', () => {
  it(`shows the whole table up to ${TABLE_ROWS_MAX} messages`, () => {
    const text = renderDryRunSummary(manifestOf(TABLE_ROWS_MAX, { count: 0 }), 'previews', options);
    expect(text).toContain(`creator${TABLE_ROWS_MAX}@example.com`);
    expect(text).not.toContain('more messages');
  });

  it('a big month shows its first rows and points at manifest.json, without making every message', () => {
    const made = { count: 0 };
    const text = renderDryRunSummary(manifestOf(20_000, made), 'previews', options);
    expect(text).toContain('creator1@example.com');
    expect(text).toContain('creator20@example.com');
    expect(text).not.toContain('creator21@example.com');
    expect(text).toContain('… and 19980 more messages: every one is in previews/manifest.json');
    expect(text).toContain('20000 recipients → 20000 messages');
    expect(made.count).toBe(20);
  });
});
