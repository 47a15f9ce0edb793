import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/common/errors.js';
import {
  type CanonicalPlan,
  type CanonicalRecipient,
  checkApproval,
  planDigest,
} from '../../src/core/plan/plan-digest.js';
import { approvalForShard, cutToShard } from '../../src/core/plan/shard-approval.js';
import { shardOf } from '../../src/core/recipients/filter-for-campaign.js';

const EMAILS = Array.from({ length: 12 }, (_, i) => `creator${i}@example.com`);
const recipient = (email: string): CanonicalRecipient => ({
  email,
  userName: email.split('@')[0] ?? '',
  customIds: [email.slice(0, 8).toUpperCase()],
  subject: 'Your January 2025 statement',
  figures: [`${email} K-1 {"periodBal":100}`],
  reportKeys: [
    `${email} youtube YouTube Report financial-reports/2025/January/x.pdf https://reports.example`,
  ],
});

/** A whole month's reviewed plan: 10 recipients, 2 not mailed, findings per address and one that names none. */
function wholeMonth(): CanonicalPlan {
  return {
    version: 1,
    campaignId: 'financial-2025-01',
    period: '2025-01',
    sender: { from: 'Finance <f@example.com>', replyTo: null, bcc: [] },
    subjectTemplate: 'Your {{month}} statement',
    settings: '{}',
    templates: 'ab'.repeat(32),
    unsubscribe: 'own',
    recipients: EMAILS.slice(0, 10).map(recipient),
    notMailed: EMAILS.slice(10).map((email) => ({ email, customIds: [], reason: 'nothing-to-send' })),
    findings: [
      {
        name: 'payout-warnings',
        entries: [
          `${EMAILS[0]}: K-1 off by 0.03`,
          `${EMAILS[5]}: K-2 off by 0.01`,
          ': LOST rows nobody asked for',
        ],
      },
      { name: 'missing-reports', entries: EMAILS.slice(0, 10).map((e) => `${e}: Distribution Report`) },
    ],
  };
}

/** What a `--shard i/n` run plans when nothing changed: the same month, only its addresses. */
function freshShard(
  reviewed: CanonicalPlan,
  index: number,
  count: number,
  unowned: string[] = [],
): CanonicalPlan {
  const mine = (email: string) => shardOf(email, count) === index;
  return {
    ...reviewed,
    recipients: reviewed.recipients.filter((r) => mine(r.email)),
    notMailed: reviewed.notMailed.filter((u) => mine(u.email)),
    findings: reviewed.findings
      .map((f) => ({
        name: f.name,
        entries: f.entries.filter((e) =>
          e.startsWith(': ') ? unowned.includes(e) : mine(e.split(': ')[0] ?? ''),
        ),
      }))
      .filter((f) => f.entries.length > 0),
  };
}

const mask = (email: string) => email;
const approvalOf = (plan: CanonicalPlan) => ({ digest: planDigest(plan), reviewed: plan });

describe('--shard i/n --approve-file: each shard checks its slice of the one reviewed month', () => {
  it('the slices of n shards hold every reviewed recipient and not-mailed row exactly once', () => {
    const reviewed = wholeMonth();
    for (const count of [1, 2, 3, 5]) {
      const cuts = Array.from({ length: count }, (_, i) =>
        cutToShard(reviewed, { index: i + 1, count }, freshShard(reviewed, i + 1, count)),
      );
      const emails = cuts.flatMap((c) => c.recipients.map((r) => r.email)).sort();
      expect(emails).toEqual(reviewed.recipients.map((r) => r.email).sort());
      expect(cuts.flatMap((c) => c.notMailed).length).toBe(reviewed.notMailed.length);
      for (const [i, cut] of cuts.entries())
        for (const r of cut.recipients) expect(shardOf(r.email, count)).toBe(i + 1);
    }
  });

  it('a shard whose fresh plan is its slice of the reviewed one is approved', () => {
    const reviewed = wholeMonth();
    for (const index of [1, 2, 3]) {
      const fresh = freshShard(reviewed, index, 3, index === 2 ? [': LOST rows nobody asked for'] : []);
      const approval = approvalForShard(approvalOf(reviewed), { index, count: 3 }, fresh);
      expect(() => checkApproval(approval, fresh, mask)).not.toThrow();
    }
  });

  it('refuses (exit 4) when its own slice changed, naming the recipient; a change in another shard does not concern it', () => {
    const reviewed = wholeMonth();
    const target = reviewed.recipients[3] as CanonicalRecipient;
    const own = shardOf(target.email, 2);
    const other = own === 1 ? 2 : 1;
    const changed = (plan: CanonicalPlan) => ({
      ...plan,
      recipients: plan.recipients.map((r) =>
        r.email === target.email ? { ...r, figures: [`${r.email} K-1 {"periodBal":101}`] } : r,
      ),
    });
    const mine = changed(freshShard(reviewed, own, 2));
    const refusal = (() => {
      try {
        checkApproval(approvalForShard(approvalOf(reviewed), { index: own, count: 2 }, mine), mine, mask);
      } catch (error) {
        return error as { exitCode: number; details: string[] };
      }
      throw new Error('the changed slice was approved');
    })();
    expect(refusal.exitCode).toBe(ExitCode.input);
    expect(refusal.details.join('\n')).toContain(`${target.email}: figures`);

    const theirs = freshShard(changed(reviewed), other, 2);
    expect(() =>
      checkApproval(approvalForShard(approvalOf(reviewed), { index: other, count: 2 }, theirs), theirs, mask),
    ).not.toThrow();
  });

  it('refuses a recipient added to the slice, and a finding entry naming no address that the reviewer never saw', () => {
    const reviewed = wholeMonth();
    const added = recipient('newcomer@example.com');
    const index = shardOf(added.email, 2);
    const fresh = freshShard(reviewed, index, 2);
    const withNew = { ...fresh, recipients: [...fresh.recipients, added] };
    expect(() =>
      checkApproval(approvalForShard(approvalOf(reviewed), { index, count: 2 }, withNew), withNew, mask),
    ).toThrow(/the plan changed since it was approved/);

    const unseen = {
      ...fresh,
      findings: fresh.findings.map((f) =>
        f.name === 'payout-warnings' ? { ...f, entries: [...f.entries, ': NEW rows nobody asked for'] } : f,
      ),
    };
    expect(() =>
      checkApproval(approvalForShard(approvalOf(reviewed), { index, count: 2 }, unseen), unseen, mask),
    ).toThrow(/the plan changed since it was approved/);
  });

  it('needs the reviewed plan itself (a digest alone cannot be cut), and that plan must have the approved digest', () => {
    const reviewed = wholeMonth();
    const fresh = freshShard(reviewed, 1, 2);
    expect(() => approvalForShard({ digest: planDigest(reviewed) }, { index: 1, count: 2 }, fresh)).toThrow(
      expect.objectContaining({
        exitCode: ExitCode.usage,
        message: expect.stringContaining('--shard 1/2 with --approve needs the reviewed plan itself'),
        hint: expect.stringContaining('--approve-file'),
      }),
    );
    // A manifest whose plan was edited after the review (a recipient dropped) is not the approved plan.
    const edited = { ...reviewed, recipients: reviewed.recipients.slice(1) };
    expect(() =>
      approvalForShard({ digest: planDigest(reviewed), reviewed: edited }, { index: 1, count: 2 }, fresh),
    ).toThrow(
      expect.objectContaining({
        exitCode: ExitCode.usage,
        message: expect.stringContaining('does not have the approved digest'),
      }),
    );
  });
});
