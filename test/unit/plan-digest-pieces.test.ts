import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type CanonicalPlan, planDigest, stableJson } from '../../src/core/plan/plan-digest.js';

/** The digest as operators have approved it so far: SHA-256 of the whole canonical plan as one string. */
const wholeStringDigest = (plan: CanonicalPlan) =>
  createHash('sha256').update(stableJson(plan)).digest('hex');

describe('planDigest hashed piece by piece', () => {
  it('equals the SHA-256 of the whole stable JSON, so approvals of earlier dry runs still match', () => {
    const recipients = Array.from({ length: 50 }, (_, n) => ({
      email: `creator${n}@example.com`,
      userName: `Creator ${n}`,
      customIds: [`C${n}`],
      subject: `Your statement ${n}`,
      figures: [`C${n} C${n}-1 {"closingCents":${n}}`],
      reportKeys: [
        `C${n} youtube YouTube financial-reports/2025/January/C${n}-youtube.pdf https://r.example`,
      ],
    }));
    const plan: CanonicalPlan = {
      version: 1,
      campaignId: 'financial-2025-01',
      period: '2025-01',
      sender: { from: 'a@example.com', replyTo: null, bcc: [] },
      subjectTemplate: 'Your {{monthName}} statement',
      settings: '{"brandName":"X"}',
      templates: 'abc',
      unsubscribe: 'none',
      recipients,
      notMailed: [{ email: 'x@example.com', customIds: [], reason: 'nothing-to-send' }],
      findings: [{ name: 'missing-reports', entries: ['x@example.com: C1 lacks distro'] }],
    };
    expect(planDigest(plan)).toBe(wholeStringDigest(plan));
    expect(planDigest({ ...plan, recipients: [], notMailed: [], findings: [] })).toBe(
      wholeStringDigest({ ...plan, recipients: [], notMailed: [], findings: [] }),
    );
    // A pinned value: the digest format is what --approve compares; it must not drift.
    expect(planDigest(plan)).toMatch(/^[0-9a-f]{64}$/);
  });
});
