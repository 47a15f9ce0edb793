import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { centsToDecimal, formatMoney, sumCents, toCents } from '../../src/core/common/money.js';

const sign = fc.constantFrom('', '-', '+');
const whole = fc.bigInt({ min: 0n, max: 10n ** 13n });
const twoDigits = fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0'));
const safeCents = fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
/** Cents whose sums of a few stay far inside the safe-integer range. */
const modestCents = fc.integer({ min: -(10 ** 12), max: 10 ** 12 });

/** What an en-US USD amount reads as, back to cents. */
function parseUsd(text: string): number | undefined {
  return toCents(text.replace('$', '').replaceAll(',', ''));
}

describe('toCents', () => {
  it.each([
    [1250, 125000],
    [-799.5, -79950],
    ['1250.00', 125000],
    ['-0.005', -1],
    [1.005, 101],
    ['1.005', 101],
    ['1.0049999', 100],
    ['2.675', 268],
    [0.1 + 0.2, 30],
    ['  450.50 ', 45050],
    ['+3.335', 334],
    ['.5', 50],
    ['7.', 700],
    ['1e3', 100000],
    [1e-7, 0],
    ['5e-3', 1],
    ['0', 0],
    ['-0.00', 0],
    ['90071992547409.91', Number.MAX_SAFE_INTEGER],
  ])('%j → %i', (input, cents) => {
    expect(toCents(input)).toBe(cents);
  });

  it('never returns -0', () => {
    expect(Object.is(toCents('-0.004'), 0)).toBe(true);
    expect(Object.is(toCents(-0), 0)).toBe(true);
  });

  it.each([
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    '',
    '  ',
    '-',
    '.',
    'abc',
    'NaN',
    'Infinity',
    '1,250.00',
    '0x10',
    '12abc',
    '1 000',
    '$5',
    '1e400',
    '90071992547409.92',
    1e21,
    null,
    undefined,
    true,
    {},
    [5],
  ])('rejects %j', (input) => {
    expect(toCents(input)).toBeUndefined();
  });

  it('a 2-decimal string is the integer built from its digits (property)', () => {
    fc.assert(
      fc.property(sign, whole, twoDigits, (s, w, dd) => {
        const magnitude = Number(w * 100n + BigInt(dd));
        const expected = s === '-' && magnitude !== 0 ? -magnitude : magnitude;
        expect(toCents(`${s}${w}.${dd}`)).toBe(expected);
      }),
    );
  });

  it('a JSON number of cents/100 comes back exactly (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(10 ** 13), max: 10 ** 13 }), (cents) => {
        expect(toCents(cents / 100)).toBe(cents === 0 ? 0 : cents);
      }),
    );
  });

  it('rounds half away from zero beyond two decimals (property)', () => {
    const rest = fc.string({ unit: fc.constantFrom('0', '1', '5', '9'), maxLength: 6 });
    fc.assert(
      fc.property(whole, twoDigits, fc.integer({ min: 0, max: 9 }), rest, (w, dd, third, tail) => {
        const text = `${w}.${dd}${third}${tail}`;
        const expected = Number(w * 100n + BigInt(dd)) + (third >= 5 ? 1 : 0);
        expect(toCents(text)).toBe(expected);
        expect(toCents(`-${text}`)).toBe(expected === 0 ? 0 : -expected);
      }),
    );
  });
});

describe('sumCents', () => {
  it('is exact: equals the BigInt sum (property)', () => {
    fc.assert(
      fc.property(fc.array(modestCents, { maxLength: 50 }), (values) => {
        const exact = values.reduce((total, v) => total + BigInt(v), 0n);
        expect(sumCents(values)).toBe(Number(exact));
      }),
    );
  });

  it('is associative and order-independent (property)', () => {
    fc.assert(
      fc.property(fc.array(modestCents), fc.array(modestCents), fc.array(modestCents), (a, b, c) => {
        const left = sumCents([sumCents([...a, ...b]), sumCents(c)]);
        const right = sumCents([sumCents(a), sumCents([...b, ...c])]);
        expect(left).toBe(right);
        expect(sumCents([...c, ...a, ...b])).toBe(left);
      }),
    );
  });

  it('adds the floats that would drift: 0.10 + 0.20 is 30 cents', () => {
    expect(sumCents([toCents(0.1) ?? Number.NaN, toCents(0.2) ?? Number.NaN])).toBe(30);
    expect(sumCents([])).toBe(0);
  });

  it('refuses non-integers and totals beyond the safe-integer range', () => {
    expect(() => sumCents([1, 0.5])).toThrow(RangeError);
    expect(() => sumCents([Number.MAX_SAFE_INTEGER, 1])).toThrow(/too large/);
  });
});

describe('formatMoney', () => {
  it.each([
    [125000, '$1,250.00'],
    [-125000, '-$1,250.00'],
    [45050, '$450.50'],
    [-79950, '-$799.50'],
    [0, '$0.00'],
    [-0, '$0.00'],
    [5, '$0.05'],
    [-1, '-$0.01'],
    [Number.MAX_SAFE_INTEGER, '$90,071,992,547,409.91'],
  ])('%i cents USD → %s', (cents, text) => {
    expect(formatMoney(cents, 'USD')).toBe(text);
  });

  it('follows the locale and currency', () => {
    expect(formatMoney(-125050, 'EUR', 'de-DE')).toBe('-1.250,50\u00a0€');
    expect(formatMoney(99, 'GBP', 'en-GB')).toBe('£0.99');
  });

  it('shows the cents even for a currency without minor units, never rounding them away', () => {
    expect(formatMoney(1250, 'JPY', 'en-US')).toBe('¥12.50');
  });

  it('round-trips sign and magnitude (property)', () => {
    fc.assert(
      fc.property(safeCents, (cents) => {
        const text = formatMoney(cents, 'USD');
        expect(text.startsWith('-')).toBe(cents < 0);
        expect(text).toMatch(/^-?\$\d{1,3}(,\d{3})*\.\d{2}$/);
        expect(parseUsd(text)).toBe(cents);
      }),
    );
  });

  it('rejects amounts that are not integer cents', () => {
    expect(() => formatMoney(1.5, 'USD')).toThrow(RangeError);
    expect(() => centsToDecimal(Number.NaN)).toThrow(RangeError);
  });
});

describe('centsToDecimal', () => {
  it.each([
    [45050, '450.50'],
    [-5, '-0.05'],
    [0, '0.00'],
    [100, '1.00'],
  ])('%i → %s', (cents, text) => {
    expect(centsToDecimal(cents)).toBe(text);
  });

  it('is the inverse of toCents (property)', () => {
    fc.assert(
      fc.property(safeCents, (cents) => {
        expect(toCents(centsToDecimal(cents))).toBe(cents);
      }),
    );
  });
});
