import { ConfigError, DnMailerError } from '../common/errors.js';

/** CloudFront links of the old system were valid 25 days; operators may shorten that, never extend it. */
export const MAX_LINK_DAYS = 25;

const DAY_MS = 86_400_000;

/**
 * When the links of a run stop working: `now` plus whole days (24-hour days, so the result does not depend on the
 * time zone). The config schema enforces 1–25 too; this guards the core against any other caller.
 */
export function linkExpiry(now: Date, expiresInDays: number): Date {
  if (expiresInDays > MAX_LINK_DAYS) {
    throw new ConfigError(
      `links.expiresInDays: at most ${MAX_LINK_DAYS} days (CloudFront links of the old system were ${MAX_LINK_DAYS} days)`,
      { hint: `set links.expiresInDays to a whole number from 1 to ${MAX_LINK_DAYS} (got ${expiresInDays})` },
    );
  }
  if (!Number.isInteger(expiresInDays) || expiresInDays < 1) {
    throw new ConfigError(`links.expiresInDays: at least 1 whole day (got ${expiresInDays})`, {
      hint: `set links.expiresInDays to a whole number from 1 to ${MAX_LINK_DAYS}`,
    });
  }
  const start = now.getTime();
  // A broken clock would otherwise become links that expire at "NaN" and fail far from the cause.
  if (Number.isNaN(start)) throw new DnMailerError('linkExpiry: now is not a valid date');
  return new Date(start + expiresInDays * DAY_MS);
}
