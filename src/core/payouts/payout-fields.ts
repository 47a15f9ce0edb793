import { z } from 'zod';
import { toCents } from '../common/money.js';

const QUOTED_AT_MOST = 40;

/**
 * A bad value as a message quotes it: JSON (so a control character shows as `\u001b`, never raw), cut after 40
 * characters (a 200,000-character string in a payout row must not become a 200,000-character message).
 */
export function quoteValue(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  const characters = [...json];
  return characters.length <= QUOTED_AT_MOST
    ? json
    : `${characters.slice(0, QUOTED_AT_MOST).join('')}… (${characters.length.toLocaleString('en-US')} characters)`;
}

/** A required amount of a `/dn_payouts_fetch` contract, as integer cents (DESIGN.md "Money"). */
export const amount = z.unknown().transform((value, ctx) => {
  const cents = toCents(value);
  if (cents !== undefined) return cents;
  ctx.addIssue({
    code: 'custom',
    message:
      value === undefined || value === null
        ? 'required amount is missing'
        : `expected an amount such as 1250.00, got ${quoteValue(value)}`,
  });
  return z.NEVER;
});

/** An amount Korrect may leave out (null or missing): `undefined` then, an issue when present but not an amount. */
// `.optional()` outside the transform: a missing key is allowed (zod would otherwise require it).
export const optionalAmount = z
  .unknown()
  .transform((value, ctx) => {
    if (value === undefined || value === null) return undefined;
    const cents = toCents(value);
    if (cents !== undefined) return cents;
    ctx.addIssue({
      code: 'custom',
      message: `expected an amount such as 500.55, got ${quoteValue(value)}`,
    });
    return z.NEVER;
  })
  .optional();

/** A count such as `totalViews: 3500.0` (a number or a numeric string), rounded to a whole number for display. */
export const optionalCount = z
  .union(
    [
      z.number(),
      z
        .string()
        .regex(/^-?\d+(\.\d+)?$/)
        .transform(Number),
    ],
    {
      error: 'expected a number such as 3500',
    },
  )
  .nullish()
  .transform((value) => (value === undefined || value === null ? undefined : Math.round(value)));

// Korrect sends numbers; a numeric string is tolerated because amounts may arrive as strings too.
export const wholeNumber = z
  .union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)], {
    error: 'expected a whole number',
  })
  .nullish()
  .transform((value) => value ?? undefined);
