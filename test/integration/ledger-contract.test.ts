import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnMailerError } from '../../src/core/common/errors.js';
import type { LedgerOutcome, LedgerStatus } from '../../src/ports.js';
import {
  LEDGER_ADAPTERS as ADAPTERS,
  type LedgerHarness,
  newCampaign,
  recipients,
  rowOf,
  t0,
  t1,
  t2,
} from '../support/ledger-harness.js';

/** The SendLedger contract: every adapter passes the same tests (DESIGN.md "No double sends"). */

describe.each(ADAPTERS)('SendLedger contract: %s', (_name, open) => {
  let h: LedgerHarness;
  beforeAll(async () => {
    h = await open();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('creates planned rows once, with their custom IDs, attempts 0 and the time given', async () => {
    const campaign = newCampaign();
    await h.first.ensurePlanned(campaign, recipients('a@x.test', 'b@x.test'), t0);
    await h.second.ensurePlanned(campaign, recipients('a@x.test', 'b@x.test'), t1);
    const rows = await h.first.listRows(campaign);
    const planned = (email: string, id: string) => ({
      campaignId: campaign,
      email,
      status: 'planned',
      customIds: [id],
    });
    expect(rows.sort((a, b) => a.email.localeCompare(b.email))).toEqual([
      { ...planned('a@x.test', 'ID0'), attempts: 0, updatedAt: t0.toISOString() },
      { ...planned('b@x.test', 'ID1'), attempts: 0, updatedAt: t0.toISOString() },
    ]);
    expect(await h.first.listRows(newCampaign())).toEqual([]);
  });

  it('ensurePlanned again keeps every existing row as it is and adds only new recipients', async () => {
    const campaign = newCampaign();
    await h.first.ensurePlanned(campaign, recipients('sent@x.test', 'skip@x.test', 'plan@x.test'), t0);
    expect(await h.first.claim(campaign, 'sent@x.test', ['planned'], 'run-1', t1)).toBe(true);
    const sent = { status: 'sent', messageId: 'm-1' } as const;
    const skipped = { status: 'skipped', reason: 'unsubscribed from all' } as const;
    expect(await h.first.finish(campaign, 'sent@x.test', 'sending', sent, t1, 'run-1')).toBe(true);
    expect(await h.first.finish(campaign, 'skip@x.test', 'planned', skipped, t1)).toBe(true);
    const before = await h.first.listRows(campaign);

    await h.second.ensurePlanned(
      campaign,
      [
        ...recipients('sent@x.test', 'skip@x.test', 'plan@x.test'),
        { email: 'new@x.test', customIds: ['NEW'] },
      ].map((row) => ({ ...row, customIds: [...row.customIds, 'CHANGED'] })),
      t2,
    );
    const after = await h.first.listRows(campaign);
    expect(after).toHaveLength(4);
    for (const row of before) expect(after).toContainEqual(row);
    expect(after.find((row) => row.email === 'new@x.test')).toMatchObject({
      status: 'planned',
      customIds: ['NEW', 'CHANGED'],
    });
  });

  it('claims a planned row once: planned → sending, attempts + 1, runId set; a second claim is refused', async () => {
    const campaign = newCampaign();
    await h.first.ensurePlanned(campaign, recipients('a@x.test'), t0);
    expect(await h.first.claim(campaign, 'a@x.test', ['planned'], 'run-1', t1)).toBe(true);
    expect(await h.second.claim(campaign, 'a@x.test', ['planned'], 'run-2', t2)).toBe(false);
    expect(await h.first.claim(campaign, 'a@x.test', ['planned'], 'run-1', t2)).toBe(false);
    expect(await rowOf(h.second, campaign, 'a@x.test')).toMatchObject({
      status: 'sending',
      attempts: 1,
      runId: 'run-1',
      updatedAt: t1.toISOString(),
    });
  });

  it('lets exactly one of 50 concurrent claims of a row from two ledger instances win', async () => {
    const campaign = newCampaign();
    await h.first.ensurePlanned(campaign, recipients('race@x.test'), t0);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 === 0 ? h.first : h.second).claim(campaign, 'race@x.test', ['planned'], `run-${i}`, t1),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = `run-${results.indexOf(true)}`;
    expect(await rowOf(h.first, campaign, 'race@x.test')).toMatchObject({
      status: 'sending',
      attempts: 1,
      runId: winner,
    });
  });

  it('never creates a row by claiming or finishing a recipient that was not planned', async () => {
    const campaign = newCampaign();
    expect(await h.first.claim(campaign, 'ghost@x.test', ['planned'], 'run-1', t1)).toBe(false);
    expect(await h.first.finish(campaign, 'ghost@x.test', 'planned', { status: 'skipped' }, t1)).toBe(false);
    expect(await h.first.listRows(campaign)).toEqual([]);
  });

  it('finishes sending → sent with the message ID; a finish whose `from` no longer holds is refused', async () => {
    const campaign = newCampaign();
    await h.first.ensurePlanned(campaign, recipients('a@x.test', 'b@x.test'), t0);
    expect(
      await h.first.finish(campaign, 'b@x.test', 'sending', { status: 'sent', messageId: 'm-b' }, t1),
    ).toBe(false);
    await h.first.claim(campaign, 'a@x.test', ['planned'], 'run-1', t1);
    expect(
      await h.first.finish(
        campaign,
        'a@x.test',
        'sending',
        { status: 'sent', messageId: 'm-a' },
        t2,
        'run-1',
      ),
    ).toBe(true);
    expect(
      await h.second.finish(campaign, 'a@x.test', 'sending', { status: 'failed', reason: 'late' }, t2),
    ).toBe(false);
    expect(await rowOf(h.second, campaign, 'a@x.test')).toEqual({
      campaignId: campaign,
      email: 'a@x.test',
      status: 'sent',
      customIds: ['ID0'],
      messageId: 'm-a',
      attempts: 1,
      runId: 'run-1',
      updatedAt: t2.toISOString(),
      claimedAt: t1.toISOString(),
    });
    expect(await rowOf(h.first, campaign, 'b@x.test')).toMatchObject({ status: 'planned', attempts: 0 });
  });

  it('skips a planned row with its reason (planned → skipped)', async () => {
    const campaign = newCampaign();
    await h.first.ensurePlanned(campaign, recipients('a@x.test'), t0);
    const skipped = { status: 'skipped', reason: 'suppressed (bounce)' } as const;
    expect(await h.first.finish(campaign, 'a@x.test', 'planned', skipped, t1)).toBe(true);
    expect(await rowOf(h.first, campaign, 'a@x.test')).toMatchObject({
      status: 'skipped',
      reason: 'suppressed (bounce)',
      attempts: 0,
    });
    expect(await h.second.claim(campaign, 'a@x.test', ['planned'], 'run-2', t2)).toBe(false);
  });

  it('reclaims failed and unknown rows only when `from` lists their status', async () => {
    const campaign = newCampaign();
    await h.first.ensurePlanned(campaign, recipients('failed@x.test', 'unknown@x.test'), t0);
    for (const [email, status] of [
      ['failed@x.test', 'failed'],
      ['unknown@x.test', 'unknown'],
    ] as const) {
      await h.first.claim(campaign, email, ['planned'], 'run-1', t0);
      await h.first.finish(campaign, email, 'sending', { status, reason: 'first try' }, t0, 'run-1');
    }
    expect(await h.second.claim(campaign, 'failed@x.test', ['planned'], 'run-2', t1)).toBe(false);
    expect(await h.second.claim(campaign, 'failed@x.test', ['planned', 'unknown'], 'run-2', t1)).toBe(false);
    expect(await h.second.claim(campaign, 'unknown@x.test', ['planned', 'failed'], 'run-2', t1)).toBe(false);
    expect(await h.second.claim(campaign, 'failed@x.test', ['planned', 'failed'], 'run-2', t1)).toBe(true);
    expect(await h.second.claim(campaign, 'unknown@x.test', ['unknown'], 'run-2', t1)).toBe(true);
    const rows = await h.first.listRows(campaign);
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'sending', attempts: 2, runId: 'run-2' });
      expect(row.reason).toBeUndefined();
    }
  });

  it('releases a claimed row that was certainly not sent (sending → planned), so a later run claims it', async () => {
    const campaign = newCampaign();
    await h.first.ensurePlanned(campaign, recipients('a@x.test'), t0);
    await h.first.claim(campaign, 'a@x.test', ['planned'], 'run-1', t1);
    const release = { status: 'planned', reason: 'run stopped' } as const;
    expect(await h.first.finish(campaign, 'a@x.test', 'sending', release, t1, 'run-1')).toBe(true);
    expect(await h.second.claim(campaign, 'a@x.test', ['planned'], 'run-2', t2)).toBe(true);
    expect(await rowOf(h.first, campaign, 'a@x.test')).toMatchObject({
      status: 'sending',
      attempts: 2,
      runId: 'run-2',
    });
  });

  it('guards finish by runId: another run cannot record the outcome of a row it did not claim', async () => {
    const campaign = newCampaign();
    await h.first.ensurePlanned(campaign, recipients('a@x.test'), t0);
    await h.first.claim(campaign, 'a@x.test', ['planned'], 'run-a', t1);
    const failed = { status: 'failed', reason: 'rejected' } as const;
    expect(await h.second.finish(campaign, 'a@x.test', 'sending', { status: 'unknown' }, t2, 'run-b')).toBe(
      false,
    );
    expect(await h.first.finish(campaign, 'a@x.test', 'sending', failed, t2, 'run-a')).toBe(true);
    expect(await rowOf(h.first, campaign, 'a@x.test')).toMatchObject({
      status: 'failed',
      reason: 'rejected',
      runId: 'run-a',
    });
  });

  it('throws on moves that could resend: claiming from sent/sending, leaving sent, skipping a sending row', async () => {
    const campaign = newCampaign();
    await h.first.ensurePlanned(campaign, recipients('a@x.test'), t0);
    await expect(h.first.claim(campaign, 'a@x.test', ['sent'], 'r', t1)).rejects.toThrow(DnMailerError);
    await expect(h.first.claim(campaign, 'a@x.test', ['sending'], 'r', t1)).rejects.toThrow(DnMailerError);
    await expect(h.first.claim(campaign, 'a@x.test', [], 'r', t1)).rejects.toThrow(DnMailerError);
    const finish = (from: LedgerStatus, status: LedgerOutcome['status']) =>
      h.first.finish(campaign, 'a@x.test', from, { status }, t1);
    await expect(finish('sent', 'failed')).rejects.toThrow(DnMailerError);
    await expect(finish('planned', 'sent')).rejects.toThrow(DnMailerError);
    await expect(finish('sending', 'skipped')).rejects.toThrow(DnMailerError);
    await expect(finish('skipped', 'planned')).rejects.toThrow(DnMailerError);
    expect(await rowOf(h.first, campaign, 'a@x.test')).toMatchObject({ status: 'planned', attempts: 0 });
  });

  it('lists every row of a large campaign (1,200 rows of ~1 KB: more than one DynamoDB page)', async () => {
    const campaign = newCampaign();
    const ids = Array.from({ length: 40 }, (_, i) => `CUSTOM-ID-${String(i).padStart(14, '0')}`);
    const rows = Array.from({ length: 1_200 }, (_, i) => ({
      email: `user${String(i).padStart(4, '0')}@x.test`,
      customIds: ids,
    }));
    await h.first.ensurePlanned(campaign, rows, t0);
    h.resetPages();
    const listed = await h.first.listRows(campaign);
    expect(listed).toHaveLength(1_200);
    expect(new Set(listed.map((row) => row.email)).size).toBe(1_200);
    expect(listed.every((row) => row.status === 'planned' && row.customIds.length === 40)).toBe(true);
    const pages = h.pagesRead();
    if (pages !== undefined) expect(pages).toBeGreaterThan(1);
  });

  it('lists every campaign with its counts per state and latest change, past the first page', async () => {
    const small = newCampaign();
    await h.first.ensurePlanned(
      small,
      recipients('sent@x.test', 'skip@x.test', 'fail@x.test', 'plan@x.test'),
      t0,
    );
    await h.first.claim(small, 'sent@x.test', ['planned'], 'run-1', t1);
    await h.first.finish(small, 'sent@x.test', 'sending', { status: 'sent', messageId: 'm-1' }, t1, 'run-1');
    await h.first.claim(small, 'fail@x.test', ['planned'], 'run-1', t1);
    await h.first.finish(small, 'fail@x.test', 'sending', { status: 'failed', reason: 'no' }, t2, 'run-1');
    await h.first.finish(small, 'skip@x.test', 'planned', { status: 'skipped', reason: 'unsubscribed' }, t1);
    // More than 1 MB of rows, so a DynamoDB Scan needs several pages.
    const large = newCampaign();
    const ids = Array.from({ length: 40 }, (_, i) => `CUSTOM-ID-${String(i).padStart(14, '0')}`);
    const rows = Array.from({ length: 1_200 }, (_, i) => ({ email: `big${i}@x.test`, customIds: ids }));
    await h.first.ensurePlanned(large, rows, t0);

    const listed = await h.second.listCampaigns();
    const zero = { planned: 0, sending: 0, sent: 0, failed: 0, skipped: 0, unknown: 0 };
    expect(listed.find((c) => c.campaignId === small)).toEqual({
      campaignId: small,
      counts: { ...zero, planned: 1, sent: 1, failed: 1, skipped: 1 },
      total: 4,
      lastUpdatedAt: t2.toISOString(),
    });
    expect(listed.find((c) => c.campaignId === large)).toEqual({
      campaignId: large,
      counts: { ...zero, planned: 1_200 },
      total: 1_200,
      lastUpdatedAt: t0.toISOString(),
    });
    expect(new Set(listed.map((c) => c.campaignId)).size).toBe(listed.length);
    for (const c of listed) expect(Object.values(c.counts).reduce((a, b) => a + b, 0)).toBe(c.total);
  });
});
