import { describe, expect, it } from 'vitest';
import { achievedRate } from '../../src/core/send/send-summary.js';

describe('achievedRate: messages / time from the first send start to the last send end', () => {
  it('is the one rate the terminal, the summary and the report show', () => {
    expect(achievedRate({ sendWindow: { firstStart: 1_000, lastEnd: 3_000 } }, 10)).toBe(5);
    expect(achievedRate({ sendWindow: { firstStart: 0, lastEnd: 3_000 } }, 1)).toBe(0.33);
  });

  it('is null without a send or a measurable window, never a made-up figure', () => {
    expect(achievedRate({}, 0)).toBeNull();
    expect(achievedRate({ sendWindow: { firstStart: 5, lastEnd: 5 } }, 2)).toBeNull();
  });
});
