import { describe, expect, it } from 'vitest';
import { ConfigError, ExitCode } from '../../src/core/common/errors.js';
import { linkExpiry, MAX_LINK_DAYS } from '../../src/core/reports/link-expiry.js';

const now = new Date('2025-02-03T10:20:30.456Z');
const DAY_MS = 86_400_000;

describe('linkExpiry', () => {
  it.each([1, 7, 24, 25])('%i days → now + %i × 24 h', (days) => {
    expect(linkExpiry(now, days).getTime()).toBe(now.getTime() + days * DAY_MS);
  });

  it('25 days is the maximum, the lifetime of the old system’s links', () => {
    expect(MAX_LINK_DAYS).toBe(25);
    expect(linkExpiry(now, 25).toISOString()).toBe('2025-02-28T10:20:30.456Z');
  });

  it('refuses 26 days with a config error naming the field and the reason', () => {
    const error = captureError(() => linkExpiry(now, 26));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.message).toBe(
      'links.expiresInDays: at most 25 days (CloudFront links of the old system were 25 days)',
    );
    expect(error.hint).toMatch(/got 26/);
  });

  it.each([0, -1, 1.5, Number.NaN, 365])('refuses %s days', (days) => {
    expect(() => linkExpiry(now, days)).toThrow(ConfigError);
    expect(() => linkExpiry(now, days)).toThrow(/links\.expiresInDays/);
  });

  it('does not change its input', () => {
    const before = now.getTime();
    linkExpiry(now, 25);
    expect(now.getTime()).toBe(before);
  });
});

function captureError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
