/**
 * Money as integer cents. Amounts arrive as JSON numbers or numeric strings (`1250.00`, `-799.5`); they are
 * converted from their decimal spelling, never by `x * 100` float maths, so `1.005` is 101 cents and sums are exact.
 */

// sign, integer digits, fraction digits, exponent (String(1e21) is "1e+21", String(1e-7) is "1e-7")
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Cents with more integer digits than this exceed Number.MAX_SAFE_INTEGER (16 digits); refuse before padding. */
const MAX_CENT_DIGITS = 17;

/**
 * A number or numeric string to integer cents, rounding half away from zero beyond two decimals; `undefined` for
 * anything else (NaN, Infinity, empty, `1,250`, `0x10`) or an amount too large to count exactly in cents.
 */
export function toCents(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? decimalToCents(String(value)) : undefined;
  if (typeof value === 'string') return decimalToCents(value.trim());
  return undefined;
}

function decimalToCents(text: string): number | undefined {
  const match = DECIMAL.exec(text);
  if (match === null) return undefined;
  const [, sign = '', whole = '', fraction = '', exponentText = '0'] = match;
  if (whole === '' && fraction === '') return undefined; // "", "-", ".", "e5"
  // Move the decimal point by the exponent plus two places (to cents), on the digit string itself.
  const all = whole + fraction;
  const digits = all.replace(/^0+/, '');
  if (digits === '') return 0;
  const point = whole.length - (all.length - digits.length) + Number(exponentText) + 2;
  if (point > MAX_CENT_DIGITS) return undefined;
  const padded = point > digits.length ? digits.padEnd(point, '0') : digits;
  const integerPart = point <= 0 ? '0' : padded.slice(0, point);
  const firstDropped = point < 0 ? '0' : (padded[point] ?? '0');
  const magnitude = BigInt(integerPart) + (firstDropped >= '5' ? 1n : 0n);
  const cents = Number(sign === '-' ? -magnitude : magnitude);
  if (!Number.isSafeInteger(cents)) return undefined;
  return cents === 0 ? 0 : cents; // never -0
}

/** Exact decimal spelling of an amount: 45050 → "450.50", -5 → "-0.05". */
export function centsToDecimal(cents: number): string {
  assertCents(cents);
  const magnitude = String(Math.abs(cents)).padStart(3, '0');
  const sign = cents < 0 ? '-' : '';
  return `${sign}${magnitude.slice(0, -2)}.${magnitude.slice(-2)}`;
}

/**
 * `125000, 'USD'` → `$1,250.00`. The amount is handed to Intl as a decimal string so large values are not
 * rounded through a float, and always with two decimals: the data is in hundredths whatever the currency, and a
 * payout figure must never be rounded away (JPY would otherwise show ¥13 for 1250 cents).
 */
export function formatMoney(cents: number, currency: string, locale = 'en-US'): string {
  return createMoneyFormatter(currency, locale)(cents);
}

/**
 * The same, with the Intl formatter built once per currency and locale: building one costs far more than formatting
 * (a plan formats about fifteen amounts per recipient, and a streamed plan builds its batches one after another).
 */
export function createMoneyFormatter(currency: string, locale = 'en-US'): (cents: number) => string {
  const key = `${currency}\0${locale}`;
  let formatter = moneyFormatters.get(key);
  if (!formatter) {
    const format = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    });
    formatter = (cents) => format.format(centsToDecimal(cents) as Intl.StringNumericLiteral);
    moneyFormatters.set(key, formatter);
  }
  return formatter;
}

/** Intl formatters are immutable: one per currency and locale serves every plan of the process. */
const moneyFormatters = new Map<string, (cents: number) => string>();

/** Sum of integer cents; throws when an input is not an integer or the total leaves the safe-integer range. */
export function sumCents(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) {
    assertCents(value);
    total += value;
    // Integer addition is exact while both operands and the result stay within ±2^53.
    if (!Number.isSafeInteger(total)) throw new RangeError('sum of cents is too large to be exact');
  }
  return total === 0 ? 0 : total;
}

function assertCents(value: number): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not an amount in integer cents: ${value}`);
}
