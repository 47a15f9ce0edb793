import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/common/errors.js';
import {
  MONTH_NAMES,
  monthVariants,
  parseMonth,
  parsePeriod,
  parseYear,
} from '../../src/core/common/months.js';

const today = new Date('2026-11-29T12:00:00Z');

describe('parseMonth', () => {
  it.each([
    ['January', 1],
    ['jan', 1],
    ['JAN', 1],
    ['1', 1],
    ['01', 1],
    ['december', 12],
    ['Sep', 9],
    [' 12 ', 12],
  ])('%s → %i', (input, month) => {
    expect(parseMonth(input)).toBe(month);
  });

  it.each(['13', '0', '00', 'Foo', 'Janu', 'ja', '', '1.5', '-1', '001'])(
    'rejects %j naming the flag',
    (input) => {
      expect(() => parseMonth(input)).toThrow(UsageError);
      expect(() => parseMonth(input)).toThrow(/--month/);
    },
  );

  it('accepts every name, short name, number and padded number (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.constantFrom('name', 'short', 'n', 'nn'), (m, form) => {
        const name = MONTH_NAMES[m - 1] ?? '';
        const input = { name, short: name.slice(0, 3), n: String(m), nn: String(m).padStart(2, '0') }[form];
        expect(parseMonth(input ?? '')).toBe(m);
        expect(parseMonth((input ?? '').toUpperCase())).toBe(m);
      }),
    );
  });

  it('rejects every number outside 1–12 (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1000, max: 1000 }).filter((n) => n < 1 || n > 12),
        (n) => {
          expect(() => parseMonth(String(n))).toThrow(UsageError);
        },
      ),
    );
  });
});

describe('parseYear', () => {
  it('accepts four digits', () => expect(parseYear('2025')).toBe(2025));
  it.each(['20x5', '25', '02025', '1999', 'abcd', ''])('rejects %j naming --year', (input) => {
    expect(() => parseYear(input)).toThrow(/--year/);
  });
});

describe('parsePeriod', () => {
  it('previous month infers the year', () => {
    expect(parsePeriod('previous', undefined, today)).toEqual({ month: 10, year: 2026 });
    expect(parsePeriod('previous', undefined, new Date('2026-01-03T00:00:00Z'))).toEqual({
      month: 12,
      year: 2025,
    });
  });
  it('previous with an explicit year keeps the year', () => {
    expect(parsePeriod('previous', '2024', today)).toEqual({ month: 10, year: 2024 });
  });
  it('a named month needs --year', () => {
    expect(() => parsePeriod('jan', undefined, today)).toThrow(/--year is required/);
  });
  it('previous month is always the month before, across year ends (property)', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2001-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
        (d) => {
          const { month, year } = parsePeriod('previous', undefined, d);
          const expected = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1));
          expect({ month, year }).toEqual({
            month: expected.getUTCMonth() + 1,
            year: expected.getUTCFullYear(),
          });
        },
      ),
    );
  });
});

describe('monthVariants', () => {
  it('lists the bucket spellings in precedence order', () => {
    expect(monthVariants(1)).toEqual(['January', 'january', 'JANUARY', '01']);
  });
});
