import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryOutcome, DeliveryUpdate, LedgerOutcome, SendLedger } from '../../src/ports.js';
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

/**
 * The SendLedger contract, continued: `recordDelivery` and `recordDeliveries` (SES delivery events on a row, one
 * or a batch). Every adapter of
 * `LEDGER_ADAPTERS` passes the same tests; the rule itself is `core/send/delivery-state.ts`.
 */

describe.each(ADAPTERS)('SendLedger delivery contract: %s', (_name, open) => {
  let h: LedgerHarness;
  beforeAll(async () => {
    h = await open();
  });
  afterAll(async () => {
    await h?.close();
  });

  const t3 = '2025-02-01T10:15:00.000Z';
  const t4 = '2025-02-01T10:20:00.000Z';
  const event = (state: DeliveryOutcome['state'], at: string, detail?: string): DeliveryOutcome => ({
    state,
    at,
    ...(detail !== undefined && { detail }),
  });
  /** A row claimed at t1 by run-1 and finished at t2 with `outcome`. */
  async function finished(ledger: SendLedger, campaign: string, email: string, outcome: LedgerOutcome) {
    await ledger.ensurePlanned(campaign, recipients(email), t0);
    expect(await ledger.claim(campaign, email, ['planned'], 'run-1', t1)).toBe(true);
    expect(await ledger.finish(campaign, email, 'sending', outcome, t2, 'run-1')).toBe(true);
  }

  it('records the outcome on a sent row without touching status, message ID or updatedAt; replays change nothing', async () => {
    const campaign = newCampaign();
    await finished(h.first, campaign, 'a@x.test', { status: 'sent', messageId: 'm-a' });
    const before = await rowOf(h.first, campaign, 'a@x.test');
    expect(await h.first.recordDelivery(campaign, 'a@x.test', event('delivered', t3), 'm-a')).toBe(true);
    const after = await rowOf(h.second, campaign, 'a@x.test');
    expect(after).toEqual({ ...before, delivery: { state: 'delivered', at: t3 } });
    expect(after?.updatedAt).toBe(t2.toISOString());

    // The same event again (from either instance), a later one of the same kind, a weaker one: no change.
    expect(await h.second.recordDelivery(campaign, 'a@x.test', event('delivered', t3), 'm-a')).toBe(true);
    expect(await h.first.recordDelivery(campaign, 'a@x.test', event('delivered', t4, 'again'), 'm-a')).toBe(
      true,
    );
    expect(await h.first.recordDelivery(campaign, 'a@x.test', event('delayed', t4), 'other')).toBe(true);
    expect(await rowOf(h.first, campaign, 'a@x.test')).toEqual(after);
  });

  it('lets a stronger state replace a weaker one (delayed < delivered < rejected < bounced < complained), never the reverse', async () => {
    const campaign = newCampaign();
    await finished(h.first, campaign, 'a@x.test', { status: 'sent', messageId: 'm-a' });
    const steps = [
      event('delayed', '2025-02-01T11:00:00.000Z', 'MailboxFull'),
      event('delivered', '2025-02-01T11:01:00.000Z'),
      event('rejected', '2025-02-01T11:02:00.000Z', 'Bad content'),
      event('bounced', '2025-02-01T11:03:00.000Z', 'Permanent/General: 550 5.1.1 user unknown'),
      event('complained', '2025-02-01T11:04:00.000Z'),
    ];
    for (const [i, step] of steps.entries()) {
      const ledger = i % 2 === 0 ? h.first : h.second;
      expect(await ledger.recordDelivery(campaign, 'a@x.test', step, 'm-a')).toBe(true);
      // A stronger state replaces the whole outcome: complained drops the bounce's diagnostic.
      expect((await rowOf(h.first, campaign, 'a@x.test'))?.delivery).toEqual(step);
    }
    for (const weaker of steps.slice(0, -1)) {
      await h.second.recordDelivery(campaign, 'a@x.test', { ...weaker, at: t4 }, 'm-a');
    }
    expect(await rowOf(h.first, campaign, 'a@x.test')).toMatchObject({
      status: 'sent',
      messageId: 'm-a',
      delivery: { state: 'complained', at: '2025-02-01T11:04:00.000Z' },
      updatedAt: t2.toISOString(),
    });
  });

  it('keeps the earliest event of one kind, whichever order they arrive in', async () => {
    const campaign = newCampaign();
    await finished(h.first, campaign, 'a@x.test', { status: 'sent', messageId: 'm-a' });
    await h.first.recordDelivery(campaign, 'a@x.test', event('delayed', t4, 'second'), 'm-a');
    await h.first.recordDelivery(campaign, 'a@x.test', event('delayed', t3, 'first'), 'm-a');
    expect((await rowOf(h.second, campaign, 'a@x.test'))?.delivery).toEqual(event('delayed', t3, 'first'));
  });

  it("moves an unknown or sending row to sent with the event's message ID (the provider accepted it)", async () => {
    const campaign = newCampaign();
    await finished(h.first, campaign, 'unknown@x.test', { status: 'unknown', reason: 'timed out' });
    await h.first.ensurePlanned(campaign, recipients('sending@x.test'), t0);
    await h.first.claim(campaign, 'sending@x.test', ['planned'], 'run-2', t1);

    expect(await h.second.recordDelivery(campaign, 'unknown@x.test', event('delivered', t3), 'ses-u')).toBe(
      true,
    );
    expect(
      await h.second.recordDelivery(campaign, 'sending@x.test', event('bounced', t3, 'x'), 'ses-s'),
    ).toBe(true);
    expect(await rowOf(h.first, campaign, 'unknown@x.test')).toEqual({
      campaignId: campaign,
      email: 'unknown@x.test',
      status: 'sent',
      customIds: ['ID0'],
      messageId: 'ses-u',
      attempts: 1,
      runId: 'run-1',
      // A status change: the event's time.
      updatedAt: t3,
      claimedAt: t1.toISOString(),
      delivery: { state: 'delivered', at: t3 },
    });
    expect(await rowOf(h.first, campaign, 'sending@x.test')).toMatchObject({
      status: 'sent',
      messageId: 'ses-s',
      runId: 'run-2',
      updatedAt: t3,
      delivery: { state: 'bounced', at: t3, detail: 'x' },
    });
    // The run that held the claim can no longer record its own outcome over it.
    const late = { status: 'failed', reason: 'late' } as const;
    expect(await h.first.finish(campaign, 'sending@x.test', 'sending', late, new Date(t4), 'run-2')).toBe(
      false,
    );
  });

  it('never moves updatedAt back when an unknown row resolves with an event older than its last change', async () => {
    const campaign = newCampaign();
    await finished(h.first, campaign, 'a@x.test', { status: 'unknown' });
    await h.first.recordDelivery(campaign, 'a@x.test', event('delivered', t1.toISOString()), 'ses-a');
    expect(await rowOf(h.first, campaign, 'a@x.test')).toMatchObject({
      status: 'sent',
      messageId: 'ses-a',
      updatedAt: t2.toISOString(),
      delivery: { state: 'delivered', at: t1.toISOString() },
    });
  });

  it("gives a sent row without a message ID the event's, and keeps one it has", async () => {
    const campaign = newCampaign();
    await finished(h.first, campaign, 'bare@x.test', { status: 'sent' });
    await finished(h.first, campaign, 'own@x.test', { status: 'sent', messageId: 'm-own' });
    await h.first.recordDelivery(campaign, 'bare@x.test', event('delivered', t3), 'ses-bare');
    await h.first.recordDelivery(campaign, 'own@x.test', event('delivered', t3), 'ses-other');
    expect(await rowOf(h.second, campaign, 'bare@x.test')).toMatchObject({
      status: 'sent',
      messageId: 'ses-bare',
      updatedAt: t2.toISOString(),
    });
    expect(await rowOf(h.second, campaign, 'own@x.test')).toMatchObject({
      status: 'sent',
      messageId: 'm-own',
      updatedAt: t2.toISOString(),
    });
  });

  it('records the event on planned, failed and skipped rows but keeps their status, reason and time', async () => {
    const campaign = newCampaign();
    await h.first.ensurePlanned(campaign, recipients('planned@x.test', 'skipped@x.test'), t0);
    await h.first.finish(
      campaign,
      'skipped@x.test',
      'planned',
      { status: 'skipped', reason: 'opted out' },
      t1,
    );
    await finished(h.first, campaign, 'failed@x.test', { status: 'failed', reason: 'rejected' });
    const before = await h.first.listRows(campaign);
    for (const row of before) {
      expect(await h.second.recordDelivery(campaign, row.email, event('delivered', t4), 'ses-1')).toBe(true);
    }
    const after = await h.first.listRows(campaign);
    expect(after).toHaveLength(3);
    for (const row of before) {
      expect(after).toContainEqual({ ...row, delivery: { state: 'delivered', at: t4 } });
    }
  });

  it('returns false for a row that does not exist, and creates none', async () => {
    const campaign = newCampaign();
    await finished(h.first, campaign, 'a@x.test', { status: 'sent', messageId: 'm-a' });
    expect(await h.first.recordDelivery(campaign, 'ghost@x.test', event('bounced', t3), 'm-g')).toBe(false);
    expect(await h.first.recordDelivery(newCampaign(), 'a@x.test', event('bounced', t3), 'm-a')).toBe(false);
    expect((await h.first.listRows(campaign)).map((row) => row.email)).toEqual(['a@x.test']);
    expect((await rowOf(h.first, campaign, 'a@x.test'))?.delivery).toBeUndefined();
  });

  it('leaves listCampaigns as it was for delivery-only events; a resolved unknown counts as sent', async () => {
    const campaign = newCampaign();
    await finished(h.first, campaign, 'sent@x.test', { status: 'sent', messageId: 'm-1' });
    await finished(h.first, campaign, 'unknown@x.test', { status: 'unknown' });
    const summary = async () => (await h.second.listCampaigns()).find((c) => c.campaignId === campaign);
    const before = await summary();
    await h.first.recordDelivery(campaign, 'sent@x.test', event('complained', t4), 'm-1');
    expect(await summary()).toEqual(before);
    await h.first.recordDelivery(campaign, 'unknown@x.test', event('delivered', t3), 'ses-2');
    expect(await summary()).toEqual({
      ...before,
      counts: { ...before?.counts, sent: 2, unknown: 0 },
      lastUpdatedAt: t3,
    });
  });

  it('keeps the time of the last claim (claimedAt): claim sets it, finish and recordDelivery keep it, a later claim moves it', async () => {
    const campaign = newCampaign();
    await h.first.ensurePlanned(campaign, recipients('a@x.test'), t0);
    expect((await rowOf(h.second, campaign, 'a@x.test'))?.claimedAt).toBeUndefined();

    expect(await h.first.claim(campaign, 'a@x.test', ['planned'], 'run-1', t1)).toBe(true);
    expect(await rowOf(h.second, campaign, 'a@x.test')).toMatchObject({
      status: 'sending',
      updatedAt: t1.toISOString(),
      claimedAt: t1.toISOString(),
    });
    // A later run gives up on the claim: updatedAt moves to t2, claimedAt still says when the send began.
    expect(await h.first.finish(campaign, 'a@x.test', 'sending', { status: 'unknown' }, t2, 'run-1')).toBe(
      true,
    );
    expect(await rowOf(h.second, campaign, 'a@x.test')).toMatchObject({
      status: 'unknown',
      updatedAt: t2.toISOString(),
      claimedAt: t1.toISOString(),
    });

    // Claimed again by another run: claimedAt moves; its finish and an event keep it.
    expect(await h.second.claim(campaign, 'a@x.test', ['unknown'], 'run-2', new Date(t3))).toBe(true);
    expect((await rowOf(h.first, campaign, 'a@x.test'))?.claimedAt).toBe(t3);
    expect(await h.second.finish(campaign, 'a@x.test', 'sending', { status: 'unknown' }, new Date(t4))).toBe(
      true,
    );
    const late = '2025-02-01T10:30:00.000Z';
    expect(await h.first.recordDelivery(campaign, 'a@x.test', event('delivered', late), 'ses-a')).toBe(true);
    expect(await rowOf(h.second, campaign, 'a@x.test')).toMatchObject({
      status: 'sent',
      messageId: 'ses-a',
      attempts: 2,
      updatedAt: late,
      claimedAt: t3,
    });
    const sent = await rowOf(h.first, campaign, 'a@x.test');
    expect(await h.first.recordDelivery(campaign, 'a@x.test', event('bounced', late), 'ses-a')).toBe(true);
    expect(await rowOf(h.second, campaign, 'a@x.test')).toEqual({
      ...sent,
      delivery: event('bounced', late),
    });
  });

  it("stores the provider's acceptance time (acceptedAt) with the outcome the merge rule keeps", async () => {
    const campaign = newCampaign();
    await finished(h.first, campaign, 'a@x.test', { status: 'sent', messageId: 'm-a' });
    const accepted = '2025-02-01T10:09:59.500Z';
    const withAccepted = (outcome: DeliveryOutcome, acceptedAt: string): DeliveryOutcome => ({
      ...outcome,
      acceptedAt,
    });
    const delayed = withAccepted(event('delayed', t3, 'MailboxFull'), accepted);
    expect(await h.first.recordDelivery(campaign, 'a@x.test', delayed, 'm-a')).toBe(true);
    const stored = await rowOf(h.second, campaign, 'a@x.test');
    expect(stored?.delivery).toEqual(delayed);
    expect(stored?.updatedAt).toBe(t2.toISOString());

    // The same state again, later, with another acceptance time: the first event stays, with its own acceptedAt.
    await h.second.recordDelivery(campaign, 'a@x.test', withAccepted(event('delayed', t4), 'other'), 'm-a');
    expect((await rowOf(h.first, campaign, 'a@x.test'))?.delivery).toEqual(delayed);

    // A stronger state replaces the whole outcome, acceptedAt included; a weaker one changes nothing.
    const delivered = withAccepted(event('delivered', t4), '2025-02-01T10:09:59.900Z');
    await h.first.recordDelivery(campaign, 'a@x.test', delivered, 'm-a');
    await h.second.recordDelivery(campaign, 'a@x.test', withAccepted(event('delayed', t4), 'weaker'), 'm-a');
    expect(await rowOf(h.first, campaign, 'a@x.test')).toEqual({ ...stored, delivery: delivered });
  });

  it('fills in acceptedAt on an outcome stored without one (same state), in whichever order the events arrive', async () => {
    const campaign = newCampaign();
    await finished(h.first, campaign, 'old@x.test', { status: 'sent', messageId: 'm-o' });
    await finished(h.first, campaign, 'swap@x.test', { status: 'sent', messageId: 'm-s' });
    const accepted = '2025-02-01T10:09:59.500Z';

    // An outcome recorded before acceptedAt was stored, then a later event of the same kind that carries it.
    await h.first.recordDelivery(campaign, 'old@x.test', event('delivered', t3), 'm-o');
    await h.second.recordDelivery(
      campaign,
      'old@x.test',
      { ...event('delivered', t4, 'later'), acceptedAt: accepted },
      'm-o',
    );
    // The earliest event stays (time, no detail); it gains the acceptance time. A replay changes nothing more.
    const filled = { state: 'delivered', at: t3, acceptedAt: accepted };
    expect((await rowOf(h.first, campaign, 'old@x.test'))?.delivery).toEqual(filled);
    await h.first.recordDelivery(
      campaign,
      'old@x.test',
      { ...event('delivered', t4), acceptedAt: 'x' },
      'm-o',
    );
    expect((await rowOf(h.second, campaign, 'old@x.test'))?.delivery).toEqual(filled);
    expect((await rowOf(h.second, campaign, 'old@x.test'))?.updatedAt).toBe(t2.toISOString());

    // The other order: the later event (with acceptedAt) first, then the earlier one without: the same result.
    await h.first.recordDelivery(
      campaign,
      'swap@x.test',
      { ...event('delivered', t4, 'later'), acceptedAt: accepted },
      'm-s',
    );
    await h.second.recordDelivery(campaign, 'swap@x.test', event('delivered', t3), 'm-s');
    expect((await rowOf(h.first, campaign, 'swap@x.test'))?.delivery).toEqual(filled);
  });

  it('ends with the strongest event when ten events for one row race from two instances', async () => {
    const campaign = newCampaign();
    await finished(h.first, campaign, 'race@x.test', { status: 'sent', messageId: 'm-r' });
    const states = ['delayed', 'delivered', 'rejected', 'bounced', 'complained'] as const;
    const events = states.flatMap((state, i) => [
      event(state, `2025-02-01T11:0${i}:00.000Z`, `${state} 1`),
      event(state, `2025-02-01T11:0${i}:30.000Z`, `${state} 2`),
    ]);
    // Interleave weak and strong so that a lost update would leave a weaker state behind.
    const order = [8, 0, 7, 2, 5, 4, 3, 6, 9, 1];
    const results = await Promise.all(
      order.map((i, n) =>
        (n % 2 === 0 ? h.first : h.second).recordDelivery(
          campaign,
          'race@x.test',
          events[i] as DeliveryOutcome,
          'm-r',
        ),
      ),
    );
    expect(results).toEqual(order.map(() => true));
    expect((await rowOf(h.first, campaign, 'race@x.test'))?.delivery).toEqual(events[8]);
  });

  it('agrees with a concurrent finish of the same row: sent, with the event recorded, whichever lands first', async () => {
    const campaign = newCampaign();
    await h.first.ensurePlanned(campaign, recipients('a@x.test'), t0);
    await h.first.claim(campaign, 'a@x.test', ['planned'], 'run-1', t1);
    const [finishedFirst] = await Promise.all([
      h.first.finish(campaign, 'a@x.test', 'sending', { status: 'sent', messageId: 'm-own' }, t2, 'run-1'),
      h.second.recordDelivery(campaign, 'a@x.test', event('delivered', t3), 'ses-a'),
    ]);
    expect(await rowOf(h.first, campaign, 'a@x.test')).toMatchObject({
      status: 'sent',
      messageId: finishedFirst ? 'm-own' : 'ses-a',
      delivery: { state: 'delivered', at: t3 },
    });
  });
  describe('recordDeliveries (a batch)', () => {
    /** The same rows in `campaign`: sent, unknown, sending, failed, and two sent rows that get two events each. */
    async function rowsFor(campaign: string) {
      await finished(h.first, campaign, 'sent@x.test', { status: 'sent', messageId: 'm-s' });
      await finished(h.first, campaign, 'unknown@x.test', { status: 'unknown', reason: 'timed out' });
      await finished(h.first, campaign, 'failed@x.test', { status: 'failed', reason: 'rejected' });
      await finished(h.first, campaign, 'dc@x.test', { status: 'sent', messageId: 'm-dc' });
      await finished(h.first, campaign, 'cd@x.test', { status: 'sent', messageId: 'm-cd' });
      await h.first.ensurePlanned(campaign, recipients('sending@x.test'), t0);
      await h.first.claim(campaign, 'sending@x.test', ['planned'], 'run-2', t1);
    }
    const updatesFor = (campaign: string): DeliveryUpdate[] =>
      (
        [
          ['sent@x.test', event('delivered', t3), 'm-s'],
          ['dc@x.test', event('delivered', t3), 'm-dc'],
          ['unknown@x.test', event('delayed', t3, 'MailboxFull'), 'ses-u'],
          ['ghost@x.test', event('bounced', t3, 'x'), 'ses-g'],
          // Complaint after delivery, in one batch: the complaint wins.
          ['dc@x.test', event('complained', t4, 'abuse'), 'm-dc'],
          ['cd@x.test', event('complained', t3, 'abuse'), 'm-cd'],
          // The second event of the unknown row sees it sent (by the first) with ses-u: it keeps that message ID
          // and time, and only strengthens the delivery.
          ['unknown@x.test', event('delivered', t4), 'ses-u2'],
          // Delivery after complaint, in one batch: the complaint stays.
          ['cd@x.test', event('delivered', t4), 'm-cd'],
          ['sending@x.test', event('bounced', t3, 'Permanent/General'), 'ses-s'],
          ['failed@x.test', event('delivered', t3), 'ses-f'],
          ['sent@x.test', event('delivered', t4, 'replay'), 'm-s'],
        ] as const
      ).map(([email, delivery, messageId]) => ({ campaignId: campaign, email, delivery, messageId }));
    const withoutCampaign = async (ledger: SendLedger, campaign: string) =>
      (await ledger.listRows(campaign)).map(({ campaignId: _campaign, ...row }) => row);

    it('gives the same rows and answers as the same updates one by one, in order, with a missing row false in its slot', async () => {
      const [single, batched] = [newCampaign(), newCampaign()];
      await rowsFor(single);
      await rowsFor(batched);
      const one: boolean[] = [];
      for (const u of updatesFor(single)) {
        one.push(await h.first.recordDelivery(u.campaignId, u.email, u.delivery, u.messageId));
      }
      const all = await h.first.recordDeliveries(updatesFor(batched));

      expect(all).toEqual([true, true, true, false, true, true, true, true, true, true, true]);
      expect(all).toEqual(one);
      expect(await withoutCampaign(h.second, batched)).toEqual(await withoutCampaign(h.second, single));
      // What those rows are (so that "the same" is also right): the order of the updates decided them.
      expect(await rowOf(h.second, batched, 'dc@x.test')).toMatchObject({
        status: 'sent',
        messageId: 'm-dc',
        delivery: event('complained', t4, 'abuse'),
        updatedAt: t2.toISOString(),
      });
      expect((await rowOf(h.second, batched, 'cd@x.test'))?.delivery).toEqual(
        event('complained', t3, 'abuse'),
      );
      expect(await rowOf(h.second, batched, 'unknown@x.test')).toMatchObject({
        status: 'sent',
        messageId: 'ses-u',
        updatedAt: t3,
        delivery: event('delivered', t4),
      });
      expect((await rowOf(h.second, batched, 'unknown@x.test'))?.reason).toBeUndefined();
      expect(await rowOf(h.second, batched, 'sending@x.test')).toMatchObject({
        status: 'sent',
        messageId: 'ses-s',
        runId: 'run-2',
      });
      expect((await rowOf(h.second, batched, 'failed@x.test'))?.status).toBe('failed');
      expect((await rowOf(h.second, batched, 'sent@x.test'))?.delivery).toEqual(event('delivered', t3));
      expect(await rowOf(h.second, batched, 'ghost@x.test')).toBeUndefined();
    });

    it('applies a batch over many rows with several events each (more rows than are written at once) like one by one', async () => {
      const [single, batched] = [newCampaign(), newCampaign()];
      const emails = Array.from({ length: 20 }, (_, i) => `r${String(i).padStart(2, '0')}@x.test`);
      for (const campaign of [single, batched]) {
        for (const [i, email] of emails.entries()) {
          await finished(h.first, campaign, email, i % 3 === 0 ? { status: 'unknown' } : { status: 'sent' });
        }
      }
      // Rows interleaved: every row's events are spread over the batch, strong and weak, late and early.
      const steps = [
        (i: number) => event(i % 2 === 0 ? 'delivered' : 'delayed', `2025-02-01T11:0${i % 5}:00.000Z`),
        (i: number) => event('delayed', '2025-02-01T10:59:00.000Z', `early ${i}`),
        (i: number) =>
          i % 4 === 0 ? event('bounced', '2025-02-01T11:30:00.000Z', `b ${i}`) : event('delivered', t4),
      ];
      const updatesOf = (campaign: string) =>
        steps.flatMap((step, s) =>
          emails.map((email, i) => ({
            campaignId: campaign,
            email,
            delivery: step(i),
            messageId: `ses-${i}-${s}`,
          })),
        );
      for (const u of updatesOf(single))
        await h.second.recordDelivery(u.campaignId, u.email, u.delivery, u.messageId);
      expect(await h.first.recordDeliveries(updatesOf(batched))).toEqual(updatesOf(batched).map(() => true));
      const rows = await withoutCampaign(h.second, batched);
      expect(rows).toEqual(await withoutCampaign(h.second, single));
      expect(rows.filter((row) => row.status === 'sent')).toHaveLength(20);
      expect(rows.find((row) => row.email === 'r03@x.test')).toMatchObject({ messageId: 'ses-3-0' });
    });

    it('answers an empty batch with [] and changes nothing', async () => {
      const campaign = newCampaign();
      await finished(h.first, campaign, 'a@x.test', { status: 'unknown' });
      const before = await h.first.listRows(campaign);
      const summary = (await h.first.listCampaigns()).find((c) => c.campaignId === campaign);
      expect(await h.first.recordDeliveries([])).toEqual([]);
      expect(await h.second.listRows(campaign)).toEqual(before);
      expect((await h.second.listCampaigns()).find((c) => c.campaignId === campaign)).toEqual(summary);
    });

    it('ends with the strongest event when batches for the same rows race from two instances', async () => {
      const campaign = newCampaign();
      await finished(h.first, campaign, 'a@x.test', { status: 'sent', messageId: 'm-a' });
      await finished(h.first, campaign, 'b@x.test', { status: 'unknown' });
      const batch = (states: readonly DeliveryOutcome['state'][], minute: number): DeliveryUpdate[] =>
        states.flatMap((state) =>
          ['a@x.test', 'b@x.test'].map((email) => ({
            campaignId: campaign,
            email,
            delivery: event(state, `2025-02-01T11:0${minute}:00.000Z`),
            messageId: `ses-${email}`,
          })),
        );
      const results = await Promise.all([
        h.first.recordDeliveries(batch(['delayed', 'bounced', 'delivered'], 1)),
        h.second.recordDeliveries(batch(['delivered', 'complained', 'delayed'], 2)),
        h.first.recordDeliveries(batch(['rejected'], 3)),
      ]);
      expect(results.flat().every((found) => found)).toBe(true);
      for (const email of ['a@x.test', 'b@x.test']) {
        expect(await rowOf(h.first, campaign, email)).toMatchObject({
          status: 'sent',
          delivery: event('complained', '2025-02-01T11:02:00.000Z'),
        });
      }
    });
  });
});
