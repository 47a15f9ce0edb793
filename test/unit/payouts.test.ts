import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMoney } from '../../src/core/common/money.js';
import { type Contract, parsePayoutRows, totalsOf } from '../../src/core/payouts/payout-statements.js';
import seedEnvelope from '../fixtures/korrect-payouts-dylvn-2025-12.json' with { type: 'json' };

const DECEMBER_2025 = { month: 12, year: 2025 };
const JANUARY_2025 = { month: 1, year: 2025 };
/** The reference's DYLVN December 2025 answer, body still the JSON string Korrect sends. */
const SEED_ROWS = JSON.parse(seedEnvelope.body) as unknown[];

const contract = (
  code: string,
  amounts: Record<string, unknown> = {},
  when = { yearPart: 2025, monthPart: 1 },
) => ({
  contractCode: code,
  ...when,
  openingBal: 100,
  paymentsAll: -100,
  periodBal: -60,
  totalBal: 40,
  ...amounts,
});
const row = (customId: unknown, payout: unknown) => ({ customId, payout });

const usd = (cents: number) => formatMoney(cents, 'USD');
const figures = (c: Contract) => [c.openingCents, c.earningsCents, c.paymentsCents, c.closingCents];

describe('parsePayoutRows: the reference example (DYLVN, December 2025)', () => {
  const parsed = parsePayoutRows(SEED_ROWS, DECEMBER_2025);
  const contracts = parsed.byId.get('DYLVN') ?? [];

  it('yields both contracts in cents, without warnings or problems', () => {
    expect(contracts.map((c) => c.contractCode)).toEqual(['ART001-DYLVN', 'YT-DYLVN-0001']);
    expect(contracts.map(figures)).toEqual([
      [125000, 45050, -125000, 45050],
      [98000, 44600, -98000, 44600],
    ]);
    expect(contracts[0]).toMatchObject({ customId: 'DYLVN', year: 2025, month: 12, royaltyPeriod: 202512 });
    expect(contracts.map((c) => c.periodCents)).toEqual([-79950, -53400]);
    expect(parsed.warnings).toEqual([]);
    expect(parsed.problems).toEqual([]);
    expect(parsed.blockedIds.size).toBe(0);
  });

  it('formats opening, earnings, payments and closing as the e-mail shows them', () => {
    expect(contracts.map((c) => figures(c).map(usd))).toEqual([
      ['$1,250.00', '$450.50', '-$1,250.00', '$450.50'],
      ['$980.00', '$446.00', '-$980.00', '$446.00'],
    ]);
  });

  it('totals the contracts exactly', () => {
    expect(totalsOf(contracts)).toEqual({
      openingCents: 223000,
      earningsCents: 89650,
      paymentsCents: -223000,
      closingCents: 89650,
    });
    expect(totalsOf([])).toEqual({ openingCents: 0, earningsCents: 0, paymentsCents: 0, closingCents: 0 });
  });

  it('has nothing for DYLVN in another month', () => {
    expect(parsePayoutRows(SEED_ROWS, { month: 11, year: 2025 }).byId.size).toBe(0);
    expect(parsePayoutRows(SEED_ROWS, { month: 12, year: 2024 }).byId.size).toBe(0);
  });
});

describe('parsePayoutRows', () => {
  it('warns, naming both figures, when totalBal ≠ openingBal + periodBal, and keeps the contract', () => {
    const parsed = parsePayoutRows([row('ART_02', [contract('DST-1', { totalBal: '40.03' })])], JANUARY_2025);
    expect(parsed.warnings).toEqual([
      {
        customId: 'ART_02',
        contractCode: 'DST-1',
        message: expect.stringMatching(/totalBal 40\.03 .*openingBal 100\.00 \+ periodBal -60\.00 = 40\.00/),
      },
    ]);
    expect(parsed.byId.get('ART_02')?.map(figures)).toEqual([[10000, 4000, -10000, 4003]]);
    expect(parsed.problems).toEqual([]);
  });

  it('ignores contracts of another month or year, even malformed ones', () => {
    const rows = [
      row('DYLVN', [
        contract('JAN'),
        contract('DEC', {}, { yearPart: 2025, monthPart: 12 }),
        contract('LAST-YEAR', { totalBal: 'n/a' }, { yearPart: 2024, monthPart: 1 }),
      ]),
    ];
    const parsed = parsePayoutRows(rows, JANUARY_2025);
    expect(parsed.byId.get('DYLVN')?.map((c) => c.contractCode)).toEqual(['JAN']);
    expect(parsed.problems).toEqual([]);
    expect(parsed.blockedIds.size).toBe(0);
  });

  it('keeps a contract without yearPart/monthPart (the request already named the period)', () => {
    const { byId } = parsePayoutRows(
      [row('A', [contract('X', { yearPart: null, monthPart: undefined })])],
      JANUARY_2025,
    );
    expect(byId.get('A')?.[0]).toMatchObject({ contractCode: 'X', year: undefined, month: undefined });
  });

  it('reports a malformed contract by row and dotted field, blocks that ID, and continues with the others', () => {
    const rows = [
      row('GOOD1', [contract('G1')]),
      row('dylvn', [contract('OK'), contract('BAD', { totalBal: 'n/a' })]),
      row('GOOD2', [contract('G2')]),
    ];
    const parsed = parsePayoutRows(rows, JANUARY_2025);
    expect(parsed.problems).toEqual([
      { index: 1, field: 'payout.1.totalBal', message: 'expected an amount such as 1250.00, got "n/a"' },
    ]);
    expect([...parsed.blockedIds]).toEqual(['dylvn']); // the exact ID, as the source spelled it
    expect([...parsed.byId.keys()]).toEqual(['GOOD1', 'GOOD2']);
  });

  it('blocks the ID even when its good contracts come in another row', () => {
    const rows = [row('DYLVN', [contract('OK')]), row('DYLVN', [contract('BAD', { openingBal: undefined })])];
    const parsed = parsePayoutRows(rows, JANUARY_2025);
    expect(parsed.problems).toEqual([
      { index: 1, field: 'payout.0.openingBal', message: 'required amount is missing' },
    ]);
    expect(parsed.byId.has('DYLVN')).toBe(false);
  });

  it.each([
    ['a row that is not an object', 'oops', '(row)', undefined],
    ['a missing customId', { payout: [] }, 'customId', undefined],
    ['an empty customId', row('  ', []), 'customId', undefined],
    ['a payout that is a string', row('P1', 'none'), 'payout', 'P1'],
    ['a contract that is not an object', row('P2', [42]), 'payout.0', 'P2'],
    [
      'a contract without contractCode',
      row('P3', [contract('X', { contractCode: 7 })]),
      'payout.0.contractCode',
      'P3',
    ],
    ['a fractional monthPart', row('P4', [contract('X', { monthPart: 1.5 })]), 'payout.0.monthPart', 'P4'],
    ['a single malformed object', row('p5', contract('X', { paymentsAll: {} })), 'payout.paymentsAll', 'p5'],
  ])('reports %s', (_what, bad, field, blocked) => {
    const parsed = parsePayoutRows([row('OK', [contract('A')]), bad], JANUARY_2025);
    expect(parsed.problems).toEqual([{ index: 1, field, message: expect.any(String) }]);
    expect([...parsed.blockedIds]).toEqual(blocked === undefined ? [] : [blocked]);
    expect([...parsed.byId.keys()]).toEqual(['OK']);
  });

  it.each([
    ['an empty list', []],
    ['null', null],
    ['a missing payout', undefined],
    ['an empty object', {}],
  ])('reads %s as no activity: no contracts, no problem', (_what, payout) => {
    const parsed = parsePayoutRows([{ customId: 'ZOE', payout }], JANUARY_2025);
    expect(parsed.byId.size).toBe(0);
    expect(parsed.problems).toEqual([]);
    expect(parsed.blockedIds.size).toBe(0);
  });

  it('accepts a single contract object and numeric strings', () => {
    const single = contract('ONE', {
      openingBal: '1250.00',
      paymentsAll: '-1250',
      periodBal: '-799.5',
      totalBal: '450.50',
    });
    const parsed = parsePayoutRows(
      [row('MOL', { ...single, yearPart: '2025', monthPart: '01' })],
      JANUARY_2025,
    );
    expect(parsed.byId.get('MOL')?.map(figures)).toEqual([[125000, 45050, -125000, 45050]]);
  });

  it('merges duplicate rows of one ID and warns about a contract counted twice', () => {
    const rows = [row('DYLVN', [contract('A')]), row('DYLVN', [contract('B'), contract('A')])];
    const parsed = parsePayoutRows(rows, JANUARY_2025);
    expect(parsed.byId.get('DYLVN')?.map((c) => `${c.customId}:${c.contractCode}`)).toEqual([
      'DYLVN:A',
      'DYLVN:B',
      'DYLVN:A',
    ]);
    expect(parsed.warnings).toEqual([
      { customId: 'DYLVN', contractCode: 'A', message: expect.stringMatching(/more than once/) },
    ]);
  });

  it('keys contracts by the exact ID the source returned: `mol` is not `MOL`, `ART01` is not `ART-01`', () => {
    const rows = [row('MOL', [contract('M')]), row('ART-01', [contract('A')]), row('mol', 'bad')];
    const parsed = parsePayoutRows(rows, JANUARY_2025);
    expect([...parsed.byId.keys()]).toEqual(['MOL', 'ART-01']);
    expect(parsed.byId.get('ART01')).toBeUndefined();
    // A malformed row blocks its own exact ID only.
    expect([...parsed.blockedIds]).toEqual(['mol']);
  });

  it('derives earnings = periodBal − paymentsAll and checks balances exactly (property)', () => {
    const cents = fc.integer({ min: -(10 ** 9), max: 10 ** 9 });
    const decimal = (c: number) => (c / 100).toFixed(2);
    fc.assert(
      fc.property(
        cents,
        cents,
        cents,
        fc.integer({ min: -3, max: 3 }),
        (opening, payments, earnings, drift) => {
          const period = earnings + payments;
          const amounts = {
            openingBal: decimal(opening),
            paymentsAll: Number(decimal(payments)),
            periodBal: decimal(period),
            totalBal: decimal(opening + period + drift),
          };
          const parsed = parsePayoutRows([row('X', [contract('C', amounts)])], JANUARY_2025);
          const [only] = parsed.byId.get('X') ?? [];
          expect(only && figures(only)).toEqual([opening, earnings, payments, opening + period + drift]);
          expect(parsed.warnings).toHaveLength(drift === 0 ? 0 : 1);
        },
      ),
    );
  });
});
