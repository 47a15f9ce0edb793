import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyDelivery,
  DELIVERY_STATES,
  type DeliveryRowState,
  mergeDelivery,
} from '../../src/core/send/delivery-state.js';
import type { DeliveryOutcome, DeliveryState, LedgerStatus } from '../../src/ports.js';

const at = (minute: number) => `2025-02-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
const outcome = (state: DeliveryState, minute: number, detail?: string): DeliveryOutcome => ({
  state,
  at: at(minute),
  ...(detail !== undefined && { detail }),
});

describe('mergeDelivery', () => {
  it('takes the first event of a row as it is', () => {
    const bounce = outcome('bounced', 5, 'Permanent/General: 550');
    expect(mergeDelivery(undefined, bounce)).toBe(bounce);
  });

  it.each([
    ['delayed', 'delivered'],
    ['delivered', 'rejected'],
    ['rejected', 'bounced'],
    ['bounced', 'complained'],
    ['delayed', 'complained'],
    ['delivered', 'bounced'],
  ] as const)('%s is replaced by the stronger %s, and never replaces it', (weak, strong) => {
    const weaker = outcome(weak, 1, 'weak');
    const stronger = outcome(strong, 2);
    expect(mergeDelivery(weaker, stronger)).toBe(stronger);
    expect(mergeDelivery(stronger, { ...weaker, at: at(9) })).toBe(stronger);
  });

  it('keeps the earliest event of the same state, with its detail; a replay keeps the row as it is', () => {
    const first = outcome('delayed', 3, 'MailboxFull');
    expect(mergeDelivery(first, outcome('delayed', 7, 'TransientCommunicationFailure'))).toBe(first);
    expect(mergeDelivery(outcome('delayed', 7, 'later'), first)).toBe(first);
    expect(mergeDelivery(first, { ...first })).toBe(first);
  });

  it('compares times as instants: SES milliseconds against ours', () => {
    const ours = { state: 'delivered', at: '2025-02-01T10:00:00.500Z' } as const;
    const ses = { state: 'delivered', at: '2025-02-01T10:00:00.24Z' } as const;
    expect(mergeDelivery(ours, ses)).toBe(ses);
  });

  const anOutcome = fc.record({
    state: fc.constantFrom(...DELIVERY_STATES),
    at: fc.integer({ min: 0, max: 59 }).map(at),
    detail: fc.option(fc.string({ maxLength: 5 }), { nil: undefined }),
  });

  const eventsInTwoOrders = fc
    .array(anOutcome, { minLength: 1, maxLength: 8 })
    .chain((events) =>
      fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length })),
    );

  it('gives the same result in whatever order, and however often, the events arrive (property)', () => {
    const fold = (list: DeliveryOutcome[]) =>
      list.reduce<DeliveryOutcome | undefined>((current, next) => mergeDelivery(current, next), undefined);
    fc.assert(
      fc.property(eventsInTwoOrders, ([events, shuffled]) => {
        const result = fold(events);
        const strongest = Math.max(...events.map((e) => DELIVERY_STATES.indexOf(e.state)));
        expect(result?.state).toBe(DELIVERY_STATES[strongest]);
        const times = events.filter((e) => e.state === result?.state).map((e) => e.at);
        expect(result?.at).toBe(times.sort()[0]);
        // The same state and time in any order (the detail too, unless two events tie on both).
        expect(fold(shuffled)).toMatchObject({ state: result?.state, at: result?.at });
        expect(fold([...events, ...events])).toBe(result);
      }),
    );
  });
});

describe('applyDelivery (a delivery event on a ledger row)', () => {
  const row = (status: LedgerStatus, extra: Partial<DeliveryRowState> = {}): DeliveryRowState => ({
    status,
    updatedAt: at(2),
    ...extra,
  });
  const delivered = outcome('delivered', 4);

  it.each(['unknown', 'sending'] as const)(
    'a %s row becomes sent with the message ID, at the event time',
    (status) => {
      expect(
        applyDelivery(row(status, { reason: 'timed out', messageId: 'ours' }), delivered, 'ses-1'),
      ).toEqual({
        status: 'sent',
        messageId: 'ses-1',
        reason: undefined,
        delivery: delivered,
        updatedAt: at(4),
      });
    },
  );

  it("keeps updatedAt when the event is older than the row's last change", () => {
    expect(applyDelivery(row('unknown', { updatedAt: at(9) }), delivered, 'ses-1')?.updatedAt).toBe(at(9));
  });

  it("leaves a sent row's status, message ID and time; a sent row without an ID takes the event's", () => {
    expect(applyDelivery(row('sent', { messageId: 'm-1' }), delivered, 'ses-1')).toEqual({
      status: 'sent',
      messageId: 'm-1',
      reason: undefined,
      delivery: delivered,
      updatedAt: at(2),
    });
    expect(applyDelivery(row('sent'), delivered, 'ses-1')).toMatchObject({
      messageId: 'ses-1',
      updatedAt: at(2),
    });
  });

  it.each(['planned', 'failed', 'skipped'] as const)(
    'records the event on a %s row and keeps everything else',
    (status) => {
      const before = row(status, { reason: 'why', messageId: status === 'failed' ? 'm-f' : undefined });
      expect(applyDelivery(before, delivered, 'ses-1')).toEqual({ ...before, delivery: delivered });
    },
  );

  it('returns undefined when nothing changes: a replay, a weaker or later event of a sent row', () => {
    const sent = row('sent', { messageId: 'm-1', delivery: outcome('bounced', 3, 'x') });
    expect(applyDelivery(sent, outcome('bounced', 3, 'x'), 'm-1')).toBeUndefined();
    expect(applyDelivery(sent, outcome('bounced', 8, 'y'), 'm-1')).toBeUndefined();
    expect(applyDelivery(sent, delivered, 'm-1')).toBeUndefined();
    expect(applyDelivery(row('failed', { delivery: delivered }), delivered, 'm-1')).toBeUndefined();
  });
});
