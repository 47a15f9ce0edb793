import { UsageError } from './errors.js';

export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

import type { Period } from '../../ports.js';

export type { Period };

const YEAR_PATTERN = /^\d{4}$/;

/**
 * Parses `--month` / `--year` as an operator types them: `January`, `jan`, `1`, `01`, or `previous` (the calendar
 * month before `today`, whose year is inferred when `--year` is omitted).
 */
export function parsePeriod(
  monthInput: string | undefined,
  yearInput: string | undefined,
  today: Date,
): Period {
  if (monthInput === undefined || monthInput.trim() === '') {
    throw new UsageError('--month is required', {
      hint: 'e.g. --month January, --month 01 or --month previous',
    });
  }
  const raw = monthInput.trim();
  if (raw.toLowerCase() === 'previous') {
    const previous = previousMonth(today);
    if (yearInput === undefined) return previous;
    return { month: previous.month, year: parseYear(yearInput) };
  }
  const month = parseMonth(raw);
  if (yearInput === undefined) {
    throw new UsageError('--year is required unless --month is "previous"', { hint: 'e.g. --year 2025' });
  }
  return { month, year: parseYear(yearInput) };
}

export function parseMonth(input: string): number {
  const raw = input.trim();
  if (/^\d{1,2}$/.test(raw)) {
    const value = Number(raw);
    if (value >= 1 && value <= 12) return value;
  } else if (raw.length >= 3) {
    const lower = raw.toLowerCase();
    const index = MONTH_NAMES.findIndex((name) => {
      const candidate = name.toLowerCase();
      return candidate === lower || (lower.length === 3 && candidate.startsWith(lower));
    });
    if (index >= 0) return index + 1;
  }
  throw new UsageError(`--month: "${input}" is not a month`, {
    hint: 'use a name (January), a short name (jan), a number (1 or 01) or "previous"',
  });
}

export function parseYear(input: string): number {
  const raw = input.trim();
  const value = Number(raw);
  if (!YEAR_PATTERN.test(raw) || value < 2000 || value > 2100) {
    throw new UsageError(`--year: "${input}" is not a four-digit year between 2000 and 2100`, {
      hint: 'e.g. --year 2025',
    });
  }
  return value;
}

export function previousMonth(today: Date): Period {
  const month = today.getUTCMonth(); // 0-based: the previous month's 1-based number
  return month === 0
    ? { month: 12, year: today.getUTCFullYear() - 1 }
    : { month, year: today.getUTCFullYear() };
}

export function monthName(month: number): string {
  const name = MONTH_NAMES[month - 1];
  if (name === undefined) throw new RangeError(`month out of range: ${month}`);
  return name;
}

/** `01`…`12`. */
export function monthNumber(month: number): string {
  return String(month).padStart(2, '0');
}

/** Spellings of one month used by the report layouts, in precedence order: January, january, JANUARY, 01. */
export function monthVariants(month: number): string[] {
  const name = monthName(month);
  return [name, name.toLowerCase(), name.toUpperCase(), monthNumber(month)];
}
