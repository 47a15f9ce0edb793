import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.js';
import { ConfigError } from '../../src/core/common/errors.js';
import { fetchPayoutStatements } from '../../src/core/payouts/fetch-payouts.js';
import { parsePayoutRows } from '../../src/core/payouts/payout-statements.js';
import { buildPlan, type PlanInput, type PlanSettings } from '../../src/core/plan/build-plan.js';
import { sumCampaignTotals, sumRunTotals } from '../../src/core/plan/campaign-totals.js';
import { compileEmailTemplates } from '../../src/core/plan/compile-templates.js';
import type { Recipient } from '../../src/core/recipients/recipients-from-users.js';
import type { PayoutRequest, PayoutSource } from '../../src/ports.js';
import { htmlFigures, htmlSummary, textFigures, textSummary } from '../support/email-content.js';
import { defaultTemplates } from '../support/templates.js';

const DECEMBER = { month: 12, year: 2025 };
const SETTINGS: PlanSettings = {
  brandName: 'Distro Nation',
  currency: 'USD',
  locale: 'en-US',
  lang: 'en',
  footerNote: null,
};
const render = compileEmailTemplates(defaultTemplates());

/** The reference's DYLVN December 2025 contracts, with every figure Korrect sends. */
const ART001 = {
  contractCode: 'ART001-DYLVN',
  yearPart: 2025,
  monthPart: 12,
  openingBal: 1250.0,
  paymentsAll: -1250.0,
  performanceRoy: 0.0,
  subscriptionRoy: 0.0,
  periodBal: -799.5,
  totalBal: 450.5,
  totalViews: 3500.0,
  totalGross: 500.55,
};
const YT0001 = {
  contractCode: 'YT-DYLVN-0001',
  yearPart: 2025,
  monthPart: 12,
  openingBal: 980.0,
  paymentsAll: -980.0,
  performanceRoy: 125.75,
  subscriptionRoy: 320.25,
  periodBal: -534.0,
  totalBal: 446.0,
  totalViews: 52000.0,
  totalGross: 496.0,
};

const recipient = (ids: [id: string, channelName?: string][]): Recipient => ({
  email: 'dylan@example.com',
  userName: 'Dylan Vance',
  customIds: ids.map(([id, channelName]) => ({
    original: id,
    resolved: id,
    ...(channelName ? { channelName } : {}),
  })),
  rows: [0],
});

function planOne(overrides: Partial<PlanInput> & { rows?: unknown[] } = {}) {
  const { rows = [{ customId: 'DYLVN', payout: [ART001, YT0001] }], ...rest } = overrides;
  const plan = buildPlan({
    campaignId: 'financial-2025-12',
    period: DECEMBER,
    recipients: [recipient([['DYLVN', 'Dylan Vance']])],
    payouts: parsePayoutRows(rows, DECEMBER),
    resolutions: new Map(),
    links: new Map(),
    expiresAt: new Date('2026-01-23T10:00:00Z'),
    settings: SETTINGS,
    render,
    unsubscribeFor: () => ({ url: 'https://example.com/unsubscribe', headers: {} }),
    ...rest,
  });
  const message = plan.messages[0];
  if (!message) throw new Error(`nothing planned: ${JSON.stringify(plan.unsent)}`);
  return message;
}

describe('the e-mail as a creator reads it', () => {
  it('heads the section with the channel name and the custom ID beside it (the ID alone without a name)', () => {
    const named = planOne();
    expect(named.html).toMatch(/<h2[^>]*>Dylan Vance <span[^>]*>\(DYLVN\)<\/span><\/h2>/);
    expect(named.text).toContain('\n== Dylan Vance (DYLVN) ==\n');
    const bare = planOne({ recipients: [recipient([['DYLVN']])] });
    expect(bare.html).toMatch(/<h2[^>]*>DYLVN<\/h2>/);
    expect(bare.text).toContain('\n== DYLVN ==\n');
  });

  it('shows payments as "Paid to you", a positive amount, and a one-contract table without a total row', () => {
    const message = planOne({ rows: [{ customId: 'DYLVN', payout: [ART001] }] });
    expect(message.html).toContain('>Paid to you</th>');
    expect(message.html).not.toMatch(/-\$/);
    expect(htmlFigures(message.html)).toEqual([
      {
        customId: 'DYLVN',
        row: 'ART001-DYLVN',
        ...{ opening: '$1,250.00', views: '3,500', earnings: '$450.50', payments: '$1,250.00' },
        closing: '$450.50',
      },
    ]);
    expect(message.text).toContain(
      '- ART001-DYLVN: opening balance $1,250.00, views 3,500, earnings $450.50, paid to you $1,250.00, closing balance $450.50\n',
    );
    expect(message.text).not.toContain('Total:');
    expect(htmlSummary(message.html)).toBeUndefined();
    expect(textSummary(message.text)).toBeUndefined();
  });

  it('shows the configured columns, in order: gross (totalGross), performance and subscription royalties', () => {
    const columns = ['gross', 'performance', 'subscription', 'closing'] as const;
    const message = planOne({ settings: { ...SETTINGS, columns } });
    const headings = [...message.html.matchAll(/<th scope="col"[^>]*>([^<]*)<\/th>/g)].map((m) => m[1]);
    expect(headings).toEqual(['Gross', 'Performance royalties', 'Subscription royalties', 'Closing balance']);
    const figures = htmlFigures(message.html);
    expect(figures).toEqual([
      {
        customId: 'DYLVN',
        row: 'ART001-DYLVN',
        gross: '$500.55',
        performance: '$0.00',
        subscription: '$0.00',
        closing: '$450.50',
      },
      {
        customId: 'DYLVN',
        row: 'YT-DYLVN-0001',
        gross: '$496.00',
        performance: '$125.75',
        subscription: '$320.25',
        closing: '$446.00',
      },
      {
        customId: 'DYLVN',
        row: 'Total',
        gross: '$996.55',
        performance: '$125.75',
        subscription: '$320.25',
        closing: '$896.50',
      },
    ]);
    expect(textFigures(message.text)).toEqual(figures);
  });

  it('shows "—" for a figure the source did not send, and still renders the rest', () => {
    const { totalViews: _views, totalGross: _gross, ...bare } = ART001;
    const message = planOne({
      rows: [{ customId: 'DYLVN', payout: [bare] }],
      settings: { ...SETTINGS, columns: ['views', 'gross', 'closing'] },
    });
    expect(htmlFigures(message.html)).toEqual([
      { customId: 'DYLVN', row: 'ART001-DYLVN', views: '—', gross: '—', closing: '$450.50' },
    ]);
  });

  it('gives each payout type its own table, in the configured order, and sums them in an "All payouts" summary', () => {
    const distro = { ...ART001, contractCode: 'DST-DYLVN-01' };
    const payouts = parsePayoutRows([{ customId: 'DYLVN', payout: [YT0001] }], DECEMBER, 'youtube');
    for (const contract of parsePayoutRows(
      [{ customId: 'DYLVN', payout: [distro] }],
      DECEMBER,
      'distro',
    ).byId.get('DYLVN') ?? [])
      payouts.byId.get('DYLVN')?.push(contract);
    const message = planOne({ payouts, settings: { ...SETTINGS, payoutTypes: ['distro', 'youtube'] } });
    const captions = [...message.html.matchAll(/<caption[^>]*>([^<]*)<\/caption>/g)].map((m) => m[1]);
    expect(captions).toEqual([
      'Distribution payouts for December 2025 (USD)',
      'YouTube payouts for December 2025 (USD)',
      'All payouts',
    ]);
    expect(message.text).toMatch(/Distribution payouts for December 2025 \(USD\):\n- DST-DYLVN-01: /);
    expect(message.text).toMatch(/YouTube payouts for December 2025 \(USD\):\n- YT-DYLVN-0001: /);
    expect(textSummary(message.text)).toEqual({
      label: 'All payouts',
      ...{ opening: '$2,230.00', earnings: '$896.50', payments: '$2,230.00', closing: '$896.50' },
    });
  });
});

/** "$1,234.56" / "-$0.05" → cents, without the code under test. */
const cents = (shown: string) => {
  const match = /^(-?)\$([\d,]+)\.(\d{2})$/.exec(shown);
  if (!match) throw new Error(`not an amount: ${shown}`);
  const value = Number((match[2] ?? '').replaceAll(',', '')) * 100 + Number(match[3]);
  return match[1] === '-' ? -value : value;
};
const decimal = (value: number) =>
  `${value < 0 ? '-' : ''}${Math.floor(Math.abs(value) / 100)}.${String(Math.abs(value) % 100).padStart(2, '0')}`;

describe('the all-channels line (property)', () => {
  const amount = fc.integer({ min: -5_000_000, max: 5_000_000 });
  const contract = fc.record({
    opening: amount,
    earnings: amount,
    payments: fc.integer({ min: -5_000_000, max: 0 }),
  });
  const channel = fc.array(contract, { minLength: 0, maxLength: 3 });

  it('for any contracts that add up, shows opening + earnings − paid to you = closing, equal to the sums', () => {
    fc.assert(
      fc.property(fc.array(channel, { minLength: 2, maxLength: 4 }), (channels) => {
        const ids = channels.map((_, i) => `ID${i}`);
        const rows = channels.map((contracts, i) => ({
          customId: ids[i],
          payout: contracts.map((c, j) => ({
            contractCode: `C${i}-${j}`,
            yearPart: 2025,
            monthPart: 12,
            openingBal: decimal(c.opening),
            paymentsAll: decimal(c.payments),
            periodBal: decimal(c.earnings + c.payments),
            totalBal: decimal(c.opening + c.earnings + c.payments),
          })),
        }));
        const all = channels.flat();
        fc.pre(all.length > 0 && channels.filter((c) => c.length > 0).length > 1);
        const message = planOne({ rows, recipients: [recipient(ids.map((id) => [id]))] });
        const sum = (pick: (c: (typeof all)[number]) => number) => all.reduce((s, c) => s + pick(c), 0);
        for (const shown of [htmlSummary(message.html), textSummary(message.text)]) {
          if (!shown) throw new Error('no all-channels summary');
          const opening = cents(shown.opening ?? '');
          const earnings = cents(shown.earnings ?? '');
          const paid = cents(shown.payments ?? '');
          const closing = cents(shown.closing ?? '');
          expect(opening + earnings - paid).toBe(closing);
          expect([opening, earnings, paid, closing]).toEqual([
            sum((c) => c.opening),
            sum((c) => c.earnings),
            0 - sum((c) => c.payments),
            sum((c) => c.opening + c.earnings + c.payments),
          ]);
        }
        expect(textSummary(message.text)?.label).toBe('All channels');
      }),
      { numRuns: 60 },
    );
  });
});

describe('campaign totals (report.html)', () => {
  const message = (to: string, [opening, earnings, payments, closing]: number[], contracts: number) => ({
    to,
    contracts,
    totals: {
      openingCents: opening ?? 0,
      earningsCents: earnings ?? 0,
      paymentsCents: payments ?? 0,
      closingCents: closing ?? 0,
    },
  });
  const messages = [
    message('a@example.com', [125000, 45050, -125000, 45050], 1),
    message('b@example.com', [10, 20, 0, 30], 2),
    message('c@example.com', [1, 2, -1, 5], 1),
  ];

  it('adds every message up exactly, in cents, as decimals', () => {
    expect(sumCampaignTotals(messages, 'USD', 'planned')).toEqual([
      {
        currency: 'USD',
        scope: 'planned',
        messages: 3,
        contracts: 4,
        opening: '1250.11',
        earnings: '450.72',
        payments: '-1250.01',
        closing: '450.85',
      },
    ]);
    expect(sumCampaignTotals([], 'EUR', 'planned')[0]).toMatchObject({ messages: 0, closing: '0.00' });
  });

  it('a send run: the planned messages, then those sent by this run', () => {
    const [planned, sent] = sumRunTotals(messages, 'USD', ['c@example.com', 'a@example.com']);
    expect(planned).toMatchObject({ scope: 'planned', messages: 3 });
    expect(sent).toEqual({
      currency: 'USD',
      scope: 'sent',
      messages: 2,
      contracts: 2,
      opening: '1250.01',
      earnings: '450.52',
      payments: '-1250.01',
      closing: '450.55',
    });
  });
});

describe('payout figures and types', () => {
  it('reads totalGross, totalViews, performanceRoy and subscriptionRoy; absent ones stay undefined', () => {
    const parsed = parsePayoutRows(
      [{ customId: 'DYLVN', payout: [YT0001, { ...ART001, totalGross: null }] }],
      DECEMBER,
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.byId.get('DYLVN')).toEqual([
      expect.objectContaining({
        grossCents: 49600,
        views: 52000,
        performanceCents: 12575,
        subscriptionCents: 32025,
      }),
      expect.objectContaining({ grossCents: undefined, views: 3500, payoutType: 'youtube' }),
    ]);
  });

  it('a malformed optional figure is a problem that holds the ID back, like any other', () => {
    const parsed = parsePayoutRows(
      [{ customId: 'DYLVN', payout: [{ ...ART001, totalViews: 'many' }] }],
      DECEMBER,
    );
    expect(parsed.problems).toEqual([
      { index: 0, field: 'payout.0.totalViews', message: expect.any(String) },
    ]);
    expect(parsed.blockedIds.size).toBe(1);
  });

  it('fetches each payout type with its own call, in order, and tags the contracts with their type', async () => {
    const calls: PayoutRequest[] = [];
    const source: PayoutSource = {
      origin: 'fake',
      async fetchPayouts(request) {
        calls.push(request);
        const code = request.payoutType === 'youtube' ? 'YT-1' : 'DST-1';
        return [{ customId: 'DYLVN', payout: [{ ...ART001, contractCode: code }] }];
      },
    };
    const payouts = await fetchPayoutStatements(source, {
      customIds: ['DYLVN'],
      period: DECEMBER,
      payoutTypes: ['youtube', 'distro'],
    });
    expect(calls.map((c) => c.payoutType)).toEqual(['youtube', 'distro']);
    expect(payouts.byId.get('DYLVN')?.map((c) => `${c.payoutType}:${c.contractCode}`)).toEqual([
      'youtube:YT-1',
      'distro:DST-1',
    ]);
  });

  it('with several types, a problem names its type and blocks the ID in every type', async () => {
    const source: PayoutSource = {
      origin: 'fake',
      async fetchPayouts(request) {
        const contract = request.payoutType === 'distro' ? { ...ART001, totalBal: 'x' } : ART001;
        return [{ customId: 'DYLVN', payout: [contract] }];
      },
    };
    const payouts = await fetchPayoutStatements(source, {
      customIds: ['DYLVN'],
      period: DECEMBER,
      payoutTypes: ['youtube', 'distro'],
    });
    expect(payouts.problems).toEqual([
      { index: 0, field: 'distro: payout.0.totalBal', message: expect.any(String) },
    ]);
    expect(payouts.byId.size).toBe(0);
    expect(payouts.blockedIds.size).toBe(1);
  });

  it('asks nothing when there is no custom ID', async () => {
    const source: PayoutSource = {
      origin: 'fake',
      fetchPayouts: () => Promise.reject(new Error('called')),
    };
    const payouts = await fetchPayoutStatements(source, {
      customIds: [],
      period: DECEMBER,
      payoutTypes: ['youtube'],
    });
    expect(payouts.byId.size).toBe(0);
  });
});

describe('config: email.columns and payouts.payoutTypes', () => {
  const base = { users: { file: 'u.json' }, reports: { dir: 'r' }, email: { from: 'a@example.com' } };
  const problems = (raw: unknown) => {
    try {
      validateConfig(raw, (p) => p, 'test');
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return [...error.details];
      throw error;
    }
  };

  it('defaults to opening, views, earnings, payments, closing and one payout type', () => {
    const config = validateConfig(base, (p) => p, 'test');
    expect(config.email?.columns).toEqual(['opening', 'views', 'earnings', 'payments', 'closing']);
    expect(config.payouts.payoutType).toBe('youtube');
    expect(config.payouts.payoutTypes).toBeUndefined();
  });

  it('refuses an unknown or repeated column, and payoutType next to payoutTypes', () => {
    expect(problems({ ...base, email: { ...base.email, columns: ['opening', 'likes'] } })).toEqual([
      expect.stringMatching(/^email\.columns\.1: /),
    ]);
    expect(problems({ ...base, email: { ...base.email, columns: ['closing', 'closing'] } })).toEqual([
      'email.columns: lists a column twice',
    ]);
    expect(problems({ ...base, payouts: { payoutType: 'distro', payoutTypes: ['youtube'] } })).toEqual([
      'payouts.payoutTypes: give payoutType (one type) or payoutTypes (several), not both',
    ]);
    expect(problems({ ...base, payouts: { payoutTypes: ['youtube', 'distro'] } })).toEqual([]);
  });
});
