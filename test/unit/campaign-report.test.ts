import { describe, expect, it } from 'vitest';
import { renderCampaignReportHtml } from '../../src/cli/ui/report-html.js';
import {
  buildReportFromLedger,
  buildReportFromSummary,
  buildSendSeries,
} from '../../src/core/campaign-report/campaign-report.js';
import type { CampaignStatus } from '../../src/core/send/campaign-status.js';
import type { SendSummary } from '../../src/core/send/send-summary.js';
import type { LedgerRow, LedgerStatus } from '../../src/ports.js';

const row = (email: string, status: LedgerStatus, updatedAt: string, reason?: string): LedgerRow => ({
  campaignId: 'financial-2025-01',
  email,
  status,
  customIds: [email.slice(0, 3).toUpperCase()],
  reason,
  attempts: 1,
  runId: 'run-1',
  updatedAt,
});

const ROWS: LedgerRow[] = [
  row('ann@example.com', 'sent', '2025-02-01T10:00:00.100Z'),
  row('bob@example.com', 'sent', '2025-02-01T10:00:00.900Z'),
  row('cat@example.com', 'sent', '2025-02-01T10:00:02.100Z'),
  row('dan@example.com', 'failed', '2025-02-01T10:00:02.200Z', '<script>alert(1)</script>'),
  row('eve@example.com', 'skipped', '2025-02-01T10:00:02.300Z', 'suppressed'),
];

function statusOf(rows: LedgerRow[]): CampaignStatus {
  const counts = { planned: 0, sending: 0, sent: 0, failed: 0, skipped: 0, unknown: 0 };
  for (const r of rows) counts[r.status] += 1;
  const problems = rows.filter((r) => r.status === 'failed' || r.status === 'unknown');
  return { campaignId: 'financial-2025-01', counts, total: rows.length, problems, rows };
}

const entry = (email: string, reason: string | null = null) => ({
  email,
  customIds: ['X'],
  messageId: null,
  reason,
});

function summary(): SendSummary {
  return {
    success: false,
    message: 'some messages were not sent',
    data: {
      campaignId: 'financial-2025-01',
      batchId: 'run-1',
      provider: 'local',
      attachReporting: true,
      month: 'January',
      year: '2025',
      totalRecipients: 5,
      successful: 3,
      failed: 1,
      unknown: 0,
      skipped: 1,
      alreadySent: 0,
      alreadySkipped: 0,
      heldForRetry: 0,
      claimedElsewhere: 0,
      notStarted: 0,
      duration: 10,
      durationMs: 10,
      deferred: 0,
      achievedRate: 4.5,
      customIds: ['X'],
      reporting: { payoutCount: 3, downloadLinkGroups: 3 },
      results: {
        successful: [entry('ann@example.com'), entry('bob@example.com'), entry('cat@example.com')],
        failed: [entry('dan@example.com', '<script>alert(1)</script>')],
        unknown: [],
        skipped: [entry('eve@example.com', 'suppressed')],
        heldForRetry: [],
        heldBack: [],
        nothingToSend: [],
      },
      missingReports: [{ email: 'fay@example.com', customId: 'FAY', labels: ['PDF'] }],
      payoutWarnings: [{ customId: 'ART', contractCode: 'C-1', message: 'payments > earnings & "odd"' }],
      payoutTotals: [
        ...[{ scope: 'planned' as const, messages: 5, contracts: 6, closing: '1234.58' }],
        ...[{ scope: 'sent' as const, messages: 3, contracts: 4, closing: '1234.55' }],
      ].map((t) => ({
        currency: 'USD',
        opening: '2000.00',
        earnings: '1234.55',
        payments: '-2000.00',
        ...t,
      })),
      stopped: null,
      interrupted: false,
      trackingErrors: [],
    },
  };
}

const countOf = (html: string, state: string) =>
  html.match(new RegExp(`<td class="num" data-count="${state}">(\\d+)</td>`))?.[1];

describe('campaign report model', () => {
  it('from a send summary: counts, masked addresses, missing reports, warnings and the run’s chart', () => {
    const model = buildReportFromSummary(summary(), { reveal: false, ledgerRows: ROWS });
    expect(model.period).toBe('January 2025');
    expect(Object.fromEntries(model.counts.map((c) => [c.state, c.count]))).toMatchObject({
      total: 5,
      sent: 3,
      failed: 1,
      skipped: 1,
      unknown: 0,
    });
    expect(model.attention.map((a) => `${a.email} ${a.state}`)).toEqual([
      'd***@example.com failed',
      'e***@example.com skipped',
    ]);
    expect(model.missingReports?.[0]?.email).toBe('f***@example.com');
    expect(model.chart.points.map((p) => p.count)).toEqual([2, 0, 1]);
    const revealed = buildReportFromSummary(summary(), { reveal: true });
    expect(revealed.attention[0]?.email).toBe('dan@example.com');
    expect(revealed.chart.points).toEqual([]); // no ledger rows, no chart
    // One rate everywhere: the summary's (first send's start to last send's end), not the chart's completion times.
    expect(model.chart.ratePerSecond).toBe(4.5);
    expect(revealed.chart.ratePerSecond).toBe(4.5);
  });

  it('from ledger rows: counts per state, rows needing attention, per-second buckets, no rate', () => {
    const model = buildReportFromLedger(statusOf(ROWS), { reveal: false });
    expect(Object.fromEntries(model.counts.map((c) => [c.state, c.count]))).toEqual({
      total: 5,
      planned: 0,
      sending: 0,
      sent: 3,
      failed: 1,
      skipped: 1,
      unknown: 0,
    });
    expect(model.attention.map((a) => a.email)).toEqual(['d***@example.com', 'e***@example.com']);
    expect(model.chart.bucket).toBe('second');
    expect(model.chart.points).toEqual([
      { at: '2025-02-01T10:00:00.000Z', count: 2 },
      { at: '2025-02-01T10:00:01.000Z', count: 0 },
      { at: '2025-02-01T10:00:02.000Z', count: 1 },
    ]);
    // Completion times alone misstate the send's rate (it is measured from the first send's start): none is shown.
    expect(model.chart.ratePerSecond).toBeNull();
    // The ledger holds no plan: missing reports and payout warnings are unknown, not "none".
    expect(model.missingReports).toBeNull();
    expect(model.payoutWarnings).toBeNull();
  });

  it('buckets per minute when the sends span more than ten minutes', () => {
    const series = buildSendSeries([
      row('a@x.io', 'sent', '2025-02-01T10:00:30Z'),
      row('b@x.io', 'sent', '2025-02-01T10:00:50Z'),
      row('c@x.io', 'sent', '2025-02-01T10:12:10Z'),
    ]);
    expect(series.bucket).toBe('minute');
    expect(series.points).toHaveLength(13);
    expect(series.points[0]).toEqual({ at: '2025-02-01T10:00:00.000Z', count: 2 });
    expect(series.points[12]).toEqual({ at: '2025-02-01T10:12:00.000Z', count: 1 });
  });
});

describe('renderCampaignReportHtml', () => {
  const html = renderCampaignReportHtml(
    buildReportFromSummary(summary(), { reveal: false, ledgerRows: ROWS }),
  );

  it('escapes every text: a <script> reason stays text', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('payments &gt; earnings &amp; &quot;odd&quot;');
  });

  it('is self-contained and accessible: lang, inline SVG with a title and a text table, captions', () => {
    expect(html).toContain('<html lang="en">');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<link|<img|src=/i);
    expect(html).toMatch(/<svg role="img" aria-label="Sends per second: [^"]+"/);
    expect(html).toContain('<title>Sends per second</title>');
    expect(html).toContain('<caption>Recipients per state</caption>');
    expect(html).toContain('<th scope="col">Reason</th>');
    expect(html).not.toContain('dan@example.com');
  });

  it('shows the campaign totals per currency, payments as paid out, and whether they add up', () => {
    const totals = (scope: string) =>
      Object.fromEntries(
        [
          ...(html.match(new RegExp(`<tr data-total="${scope}"[^>]*>(.*?)</tr>`))?.[1] ?? '').matchAll(
            /<td[^>]*data-field="([^"]+)">([^<]*)<\/td>/g,
          ),
        ].map((m) => [m[1], m[2]]),
      );
    expect(html).toContain('<h2 id="totals">Campaign totals</h2>');
    expect(totals('planned')).toEqual({
      messages: '5',
      contracts: '6',
      opening: '$2,000.00',
      earnings: '$1,234.55',
      'paid-out': '$2,000.00',
      closing: '$1,234.58',
      check: 'off by $0.03 (see payout warnings)',
    });
    expect(totals('sent')).toMatchObject({ messages: '3', closing: '$1,234.55', check: 'adds up' });
    const fromLedger = renderCampaignReportHtml(buildReportFromLedger(statusOf(ROWS), { reveal: false }));
    expect(fromLedger).toContain('Not available: the ledger holds no payout figures');
  });

  it('from the ledger: says what it cannot know instead of a false all-clear', () => {
    const fromLedger = renderCampaignReportHtml(buildReportFromLedger(statusOf(ROWS), { reveal: false }));
    const section = (id: string) => fromLedger.match(new RegExp(`<h2 id="${id}">[^<]*</h2>\n(.*)`))?.[1];
    const unknown =
      '<p class="none">Not recorded in the ledger: see the dry run&#39;s report.html or the send&#39;s report.</p>';
    expect(section('missing')).toBe(unknown);
    expect(section('warnings')).toBe(unknown);
    expect(fromLedger).not.toContain('None.');
    expect(fromLedger).toContain(
      '<p data-rate="">Achieved rate: n/a from the ledger (the send&#39;s report has the measured rate)</p>',
    );
    expect(fromLedger).toMatch(
      /aria-label="Sends per second: 3 sent in 3 second\(s\) from [^"]+ · achieved rate n\/a from the ledger/,
    );
  });

  it('from a send: its missing reports, payout warnings and measured rate', () => {
    expect(html).toMatch(/<h2 id="missing">[^<]*<\/h2>\n<table id="missing-table">/);
    expect(html).toContain('<td>f***@example.com</td><td>FAY</td><td>PDF</td>');
    expect(html).toMatch(/<h2 id="warnings">[^<]*<\/h2>\n<table id="warnings-table">/);
    expect(html).toContain('<caption>1 payout warning(s)</caption>');
    expect(html).toContain('<p data-rate="4.5">Achieved rate: 4.50 per second</p>');
    expect(html).not.toContain('Not recorded in the ledger');
    const clean = summary();
    clean.data.missingReports = [];
    clean.data.payoutWarnings = [];
    const none = renderCampaignReportHtml(buildReportFromSummary(clean, { reveal: false }));
    expect(none).toContain('<h2 id="missing">IDs without every report type</h2>\n<p class="none">None.</p>');
    expect(none).toContain('<h2 id="warnings">Payout warnings</h2>\n<p class="none">None.</p>');
  });

  it('exposes the counts as data-count cells', () => {
    expect(countOf(html, 'sent')).toBe('3');
    expect(countOf(html, 'failed')).toBe('1');
    expect(countOf(html, 'total')).toBe('5');
  });
});

describe('the delivery funnel (issue 12): accepted → delivered / bounced / complained, and who needs attention', () => {
  const delivered = (r: LedgerRow, delivery: LedgerRow['delivery']): LedgerRow => ({ ...r, delivery });
  const [ann, bob, cat, dan, eve] = ROWS as [LedgerRow, LedgerRow, LedgerRow, LedgerRow, LedgerRow];
  const EVENTS: LedgerRow[] = [
    delivered(ann, { state: 'delivered', at: '2025-02-01T10:01:00.000Z' }),
    delivered(bob, {
      state: 'bounced',
      at: '2025-02-01T10:02:00.000Z',
      detail: 'Permanent/General: 550 <user> unknown',
    }),
    delivered(cat, { state: 'complained', at: '2025-02-01T10:03:00.000Z' }),
    // A failed row the provider did deliver: not part of "accepted", counted apart.
    delivered(dan, { state: 'delivered', at: '2025-02-01T10:04:00.000Z' }),
    eve,
  ];

  it('from the ledger: each sent row counted once under its delivery state; bounced/complained need attention', () => {
    const model = buildReportFromLedger(statusOf(EVENTS), { reveal: false });
    expect(model.delivery).toEqual({
      accepted: 3,
      delivered: 1,
      bounced: 1,
      complained: 1,
      delayed: 0,
      rejected: 0,
      noEvent: 0,
      notSentWithEvent: 1,
    });
    expect(model.attention.map((a) => [a.email, a.state, a.reason])).toEqual([
      ['d***@example.com', 'failed', '<script>alert(1)</script>'],
      ['e***@example.com', 'skipped', 'suppressed'],
      ['b***@example.com', 'bounced', 'Permanent/General: 550 <user> unknown'],
      ['c***@example.com', 'complained', ''],
    ]);
    const revealed = buildReportFromLedger(statusOf(EVENTS), { reveal: true });
    expect(revealed.attention.map((a) => a.email)).toContain('bob@example.com');
  });

  it('from a send summary: the funnel of the campaign’s ledger rows; none without them; none for a dry run', () => {
    const model = buildReportFromSummary(summary(), { reveal: false, ledgerRows: EVENTS });
    expect(model.delivery).toMatchObject({ accepted: 3, bounced: 1, complained: 1 });
    expect(model.attention.map((a) => a.state)).toEqual(['failed', 'skipped', 'bounced', 'complained']);
    expect(buildReportFromSummary(summary(), { reveal: false }).delivery).toBeNull();
  });

  it('renders the funnel with shares of the accepted messages, escaped details, and no section without a funnel', () => {
    const html = renderCampaignReportHtml(buildReportFromLedger(statusOf(EVENTS), { reveal: false }));
    const funnel = Object.fromEntries(
      [...html.matchAll(/data-funnel="([a-z-]+)">(\d+)</g)].map((m) => [m[1], Number(m[2])]),
    );
    expect(funnel).toEqual({
      accepted: 3,
      delivered: 1,
      bounced: 1,
      complained: 1,
      rejected: 0,
      delayed: 0,
      'no-event': 0,
    });
    expect(html).toContain('<h2 id="delivery">Delivery</h2>');
    expect(html).toMatch(/data-funnel-row="bounced">.*33\.3%<\/td><\/tr>/);
    expect(html).toContain(
      '<td>b***@example.com</td><td>bounced</td><td>BOB</td><td>Permanent/General: 550 &lt;user&gt; unknown</td>',
    );
    expect(html).toContain('1 row(s) not marked sent nevertheless have a delivery event');
    // Sent rows but no event yet: says where the events come from instead of an empty funnel.
    const quiet = renderCampaignReportHtml(buildReportFromLedger(statusOf(ROWS), { reveal: false }));
    expect(quiet).toContain(
      'No delivery event recorded yet: sent only means the provider accepted the message.',
    );
    expect(quiet).toMatch(/data-funnel="no-event">3</);
    // Without ledger rows (and for a dry run) there is no funnel at all.
    expect(renderCampaignReportHtml(buildReportFromSummary(summary(), { reveal: false }))).not.toContain(
      'id="delivery"',
    );
  });
});
