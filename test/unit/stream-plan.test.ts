import { describe, expect, it } from 'vitest';
import { DEFAULT_BODY, DEFAULT_GREETING, DEFAULT_SUBJECT } from '../../src/config/sections/campaign.js';
import { type PlannedMessage, toMessageRecord } from '../../src/core/plan/build-plan.js';
import { previewBaseName } from '../../src/core/plan/manifest.js';
import { type CampaignDeps, type CampaignSettings, planCampaign } from '../../src/core/plan/plan-campaign.js';
import { canonicalPlan, planDigest } from '../../src/core/plan/plan-digest.js';
import { streamCampaign } from '../../src/core/plan/stream-plan.js';
import { DEFAULT_REPORT_PATTERNS } from '../../src/core/reports/report-paths.js';
import { defaultTemplates } from '../support/templates.js';

/**
 * The dry run's streamed plan against the plan a send makes (`planCampaign`, every message rendered at once): the
 * same messages byte for byte, in bounded batches, with links signed batch by batch — and the same month-wide
 * results (unsent, report statuses, findings, approval digest) from compact records.
 */

const JANUARY = { month: 1, year: 2025 };
const NOW = new Date('2025-02-10T12:00:00Z');
const IDENTITY = { from: 'Finance <reports@example.com>', replyTo: 'finance@example.com', bcc: [] };

/**
 * 37 creators: most with two reports and a contract, some with nothing to send, two claiming one custom ID (`shared`:
 * which two; its files and figures are C0xx's of the first).
 */
function world(shared: readonly [number, number] = [20, 21]) {
  const users: object[] = [];
  const keys: string[] = [];
  const payouts: object[] = [];
  for (let n = 0; n < 37; n += 1) {
    const id = `C${String(n).padStart(3, '0')}`;
    const sharedId = `C${String(shared[0]).padStart(3, '0')}`;
    users.push({
      userName: `Creator ${n}`,
      status: 'active',
      emailsUser: `creator${n}@example.com`,
      creators: [{ channels: [{ customID: shared.includes(n) ? sharedId : id }] }],
    });
    if (n % 9 === 4) continue; // nothing to send: no report, no payout row
    if (n % 5 !== 0) keys.push(`financial-reports/2025/January/${id}-youtube.pdf`);
    if (n % 3 !== 0) keys.push(`financial-reports/2025/January/${id}-distro.pdf`);
    if (n % 4 === 1) continue; // reports only
    const cents = 10_000 + 137 * n;
    payouts.push({
      customId: id,
      payout: [
        {
          contractCode: `${id}-1`,
          yearPart: 2025,
          monthPart: 1,
          openingBal: cents / 100,
          paymentsAll: 0,
          periodBal: n / 100,
          totalBal: (cents + n) / 100,
          totalGross: 0,
          performanceRoy: 0,
          subscriptionRoy: 0,
        },
      ],
    });
  }
  return { users, keys, payouts };
}

function settings(): CampaignSettings {
  return {
    brandName: 'Distro Nation',
    currency: 'USD',
    locale: 'en-US',
    lang: 'en',
    footerNote: null,
    // Static: `own` tokens carry a random IV, so two plans' messages would differ by their tokens alone.
    unsubscribe: async () => ({ mode: 'static', url: 'https://example.com/unsubscribe', noneReason: null }),
    subject: DEFAULT_SUBJECT,
    greeting: DEFAULT_GREETING,
    body: DEFAULT_BODY,
    expiresInDays: 25,
    payoutTypes: ['youtube'],
    requiredReportTypes: ['youtube', 'distro'],
  };
}

/** The ports of one small month; `signed` records every call to the signer. */
function depsOf(
  signed: string[][],
  shared?: readonly [number, number],
  allowShared: readonly string[] = [],
): CampaignDeps {
  const { users, keys, payouts } = world(shared);
  const templates = defaultTemplates();
  return {
    users: { origin: 'memory users', loadUsers: async () => users },
    reports: {
      location: 'memory bucket',
      listKeys: async (prefix) => keys.filter((k) => k.startsWith(prefix)),
    },
    payouts: { origin: 'memory payouts', fetchPayouts: async () => payouts },
    signer: {
      signUrls: async (list, expiresAt) => {
        signed.push([...list]);
        return new Map(
          list.map((key) => [
            key,
            `https://cdn.test/${key}?Expires=${expiresAt.getTime() / 1000}&Signature=s`,
          ]),
        );
      },
    },
    templates: { location: 'built-in', load: async () => templates },
    clock: { now: () => NOW },
    rules: { excludeEmails: [], customIdAliases: {}, sharedCustomIds: allowShared },
    patterns: DEFAULT_REPORT_PATTERNS,
    settings: settings(),
  };
}

describe('streamCampaign (the dry run) against planCampaign (a send)', () => {
  it('hands over the same rendered messages, numbered on, in batches of at most the render size', async () => {
    const full = await planCampaign(depsOf([]), { period: JANUARY });
    const batches: PlannedMessage[][] = [];
    const totals = new Set<number>();
    const streamed = await streamCampaign(
      depsOf([]),
      { period: JANUARY },
      async (messages, total) => {
        batches.push([...messages]);
        totals.add(total);
      },
      { render: 4, sign: 7 },
    );
    expect(full.plan.messages.length).toBeGreaterThan(20);
    expect(batches.flat()).toEqual(full.plan.messages);
    expect(Math.max(...batches.map((batch) => batch.length))).toBeLessThanOrEqual(4);
    expect([...totals]).toEqual([full.plan.messages.length]);
    // Preview names are numbered to the month's width from the first batch on.
    expect(batches.flat().map((m) => previewBaseName(m, full.plan.messages.length))).toEqual(
      full.plan.messages.map((m) => previewBaseName(m, full.plan.messages.length)),
    );
    expect(streamed.plan.messages).toEqual(full.plan.messages.map((m) => toMessageRecord(m)));
  });

  it('keeps compact records only: no rendered HTML, text, headers or signed URL stays in the plan', async () => {
    const streamed = await streamCampaign(depsOf([]), { period: JANUARY }, async () => {}, {
      render: 4,
      sign: 7,
    });
    for (const record of streamed.plan.messages) {
      expect(record).not.toHaveProperty('html');
      expect(record).not.toHaveProperty('text');
      expect(record).not.toHaveProperty('headers');
      for (const link of record.links)
        expect(link).toEqual(expect.not.objectContaining({ url: expect.anything() }));
      for (const link of record.links) expect(link.origin).toBe('https://cdn.test');
    }
  });

  it('finds the same month: unsent, report statuses, findings and the approval digest', async () => {
    const full = await planCampaign(depsOf([]), { period: JANUARY });
    const streamed = await streamCampaign(depsOf([]), { period: JANUARY }, async () => {}, {
      render: 4,
      sign: 7,
    });
    expect(streamed.plan.unsent).toEqual(full.plan.unsent);
    expect(streamed.plan.unsent.map((u) => u.reason)).toEqual(
      expect.arrayContaining(['nothing-to-send', 'shared-custom-id']),
    );
    expect(streamed.plan.missingReports).toEqual(full.plan.missingReports);
    expect(streamed.plan.reportStatus).toEqual(full.plan.reportStatus);
    expect(streamed.findings).toEqual(full.findings);
    const identity = { ...IDENTITY, settings: settings() };
    expect(canonicalPlan(streamed, identity)).toEqual(canonicalPlan(full, identity));
    expect(planDigest(canonicalPlan(streamed, identity))).toBe(planDigest(canonicalPlan(full, identity)));
  });

  it('a custom ID two mailed recipients share (users.sharedCustomIds), in far-apart batches, gets its links in both', async () => {
    // Creators 1 and 30 claim C001, allowed to share it: batches 1 and 8 of four. The streamed plan lets go of an
    // ID's report files once its last holder is rendered, not its first.
    const full = await planCampaign(depsOf([], [1, 30], ['C001']), { period: JANUARY });
    const rendered: PlannedMessage[] = [];
    const streamed = await streamCampaign(
      depsOf([], [1, 30], ['C001']),
      { period: JANUARY },
      async (batch) => {
        rendered.push(...batch);
      },
      { render: 4, sign: 7 },
    );
    const holders = full.plan.messages.filter((m) => m.customIds.some((id) => id.resolved === 'C001'));
    expect(holders.map((m) => [m.to, m.links.length])).toEqual([
      ['creator1@example.com', 2],
      ['creator30@example.com', 2],
    ]);
    expect(rendered).toEqual(full.plan.messages);
    expect(streamed.plan.missingReports).toEqual(full.plan.missingReports);
    expect(streamed.plan.reportStatus).toEqual(full.plan.reportStatus);
    expect(streamed.findings).toEqual(full.findings);
    const identity = { ...IDENTITY, settings: settings() };
    expect(planDigest(canonicalPlan(streamed, identity))).toBe(planDigest(canonicalPlan(full, identity)));
  });

  it('signs the links a batch at a time, each key once, never the whole month in one call', async () => {
    const whole: string[][] = [];
    await planCampaign(depsOf(whole), { period: JANUARY });
    const streamedCalls: string[][] = [];
    await streamCampaign(depsOf(streamedCalls), { period: JANUARY }, async () => {}, { render: 4, sign: 7 });
    expect(whole).toHaveLength(1);
    expect(streamedCalls.length).toBeGreaterThan(4);
    // A custom ID two recipients claim may be signed in both their batches (both are held back anyway).
    expect([...new Set(streamedCalls.flat())].sort()).toEqual([...new Set(whole[0])].sort());
    expect(Math.max(...streamedCalls.map((call) => call.length))).toBeLessThanOrEqual(2 * 7);
  });

  it('a failing sink stops the plan with its error', async () => {
    const failing = streamCampaign(
      depsOf([]),
      { period: JANUARY },
      async () => {
        throw new Error('disk full');
      },
      { render: 4, sign: 7 },
    );
    await expect(failing).rejects.toThrow('disk full');
  });
});
