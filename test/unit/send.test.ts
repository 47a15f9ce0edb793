import { describe, expect, it } from 'vitest';
import type { Plan, PlannedMessage } from '../../src/core/plan/build-plan.js';
import { countReportStatuses } from '../../src/core/reports/classify-reports.js';
import { type ExecuteOptions, executeSend } from '../../src/core/send/execute-sends.js';
import { prepareSend } from '../../src/core/send/prepare-sends.js';
import {
  SendFatalError,
  SendOutcomeUnknownError,
  SendRejectedError,
  SendThrottledError,
} from '../../src/core/send/send-errors.js';
import {
  memoryLedger,
  memoryTracking,
  quotaAccount,
  scriptedMailer,
  staticGate,
} from '../support/memory-ports.js';

const message = (n: number): PlannedMessage => ({
  index: n,
  to: `r${n}@example.com`,
  userName: `R${n}`,
  customIds: [{ original: `ID${n}`, resolved: `ID${n}` }],
  subject: 'Your January 2025 financial report',
  html: '<p>hi</p>',
  text: 'hi',
  links: [],
  headers: { 'List-Unsubscribe': '<https://example.com/u>' },
  totals: { openingCents: 0, earningsCents: 0, paymentsCents: 0, closingCents: 0 },
  contracts: 1,
  warnings: [],
});

const plan = (count: number): Plan => ({
  campaignId: 'financial-2025-01',
  period: { month: 1, year: 2025 },
  expiresAt: new Date('2025-02-25T00:00:00Z'),
  messages: Array.from({ length: count }, (_, i) => message(i + 1)),
  unsent: [],
  missingReports: [],
  reportStatus: countReportStatuses([]),
  payoutWarnings: [],
});

function world(answer: Parameters<typeof scriptedMailer>[0] = (m) => ({ messageId: `ses-${m.to}` })) {
  let now = Date.parse('2026-11-29T10:00:00Z');
  const ledger = memoryLedger();
  const tracking = memoryTracking();
  const mail = scriptedMailer(answer);
  const deps = {
    ledger,
    tracking,
    mailer: mail.mailer,
    account: quotaAccount(),
    gates: [] as ReturnType<typeof staticGate>[],
    clock: { now: () => new Date(now) },
    sleep: async (ms: number) => {
      now += ms;
    },
    random: () => 0.5,
    advance: (ms: number) => {
      now += ms;
    },
  };
  return { deps, ledger, tracking, mail };
}

const options = (overrides: Partial<ExecuteOptions> = {}): ExecuteOptions => ({
  runId: 'run-1',
  envelope: { from: 'Finance <reports@example.com>', bcc: ['equity@example.com'] },
  concurrency: 4,
  circuitBreaker: 10,
  throttleRetries: 8,
  leaseMs: 35_000,
  ttlDays: 90,
  ...overrides,
});

const prepOptions = {
  campaignId: 'financial-2025-01',
  retryFailed: false,
  retryUnknown: false,
  rates: [],
};

async function run(w: ReturnType<typeof world>, p: Plan, prep = prepOptions, exec = options()) {
  const prepared = await prepareSend(w.deps, p, prep);
  return { prepared, result: await executeSend(w.deps, p, prepared, exec) };
}

const statuses = (w: ReturnType<typeof world>) => [...w.ledger.rows.values()].map((r) => r.status);

describe('sending a plan', () => {
  it('sends every message once, records sent rows with message IDs and a tracking row each', async () => {
    const w = world();
    const { result } = await run(w, plan(5));
    expect(result.outcomes.map((o) => o.status)).toEqual(Array(5).fill('sent'));
    expect(w.mail.sent.map((m) => m.to).sort()).toEqual(
      plan(5)
        .messages.map((m) => m.to)
        .sort(),
    );
    expect(
      [...w.ledger.rows.values()].every((r) => r.status === 'sent' && r.messageId === `ses-${r.email}`),
    ).toBe(true);
    expect(w.tracking.rows).toHaveLength(5);
    expect(w.tracking.rows[0]).toMatchObject({
      eventType: 'financial_send',
      sendStatus: 'success',
      month: '01',
      year: '2025',
      provider: 'test',
    });
    expect(w.mail.sent[0]?.bcc).toEqual(['equity@example.com']);
  });

  it('a rerun sends nothing and says everyone was already sent', async () => {
    const w = world();
    await run(w, plan(3));
    const again = await run(w, plan(3));
    expect(again.prepared.alreadySent).toHaveLength(3);
    expect(again.prepared.toSend).toHaveLength(0);
    expect(w.mail.calls()).toBe(3);
  });

  it('skips unsubscribed and suppressed addresses, recording why, and never sends to them', async () => {
    const w = world();
    w.deps.gates = [
      staticGate('contacts', { 'r1@example.com': 'unsubscribed from all' }),
      staticGate('suppression', { 'r2@example.com': 'suppressed (BOUNCE)' }),
    ];
    const { result } = await run(w, plan(3));
    expect(w.mail.sent.map((m) => m.to)).toEqual(['r3@example.com']);
    expect(
      result.outcomes
        .filter((o) => o.status === 'skipped')
        .map((o) => o.reason)
        .sort(),
    ).toEqual(['suppressed (BOUNCE)', 'unsubscribed from all']);
    expect(w.ledger.rows.get('financial-2025-01\nr1@example.com')).toMatchObject({
      status: 'skipped',
      reason: 'unsubscribed from all',
    });
  });

  it('retries throttling with backoff and sends once', async () => {
    const w = world((m, call) => {
      if (call <= 2) throw new SendThrottledError('TooManyRequestsException');
      return { messageId: `ses-${m.to}` };
    });
    const { result } = await run(w, plan(1));
    expect(result.outcomes).toEqual([expect.objectContaining({ status: 'sent' })]);
    expect(w.mail.calls()).toBe(3);
    expect(w.mail.sent).toHaveLength(1);
  });

  it('a rejected message fails with its reason and the run goes on; --retry-failed resends it', async () => {
    const w = world((m) => {
      if (m.to === 'r2@example.com')
        throw new SendRejectedError('MessageRejected: Email address is not verified');
      return { messageId: `ses-${m.to}` };
    });
    const { result } = await run(w, plan(3));
    expect(result.outcomes.find((o) => o.email === 'r2@example.com')).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('MessageRejected'),
    });
    expect(result.outcomes.filter((o) => o.status === 'sent')).toHaveLength(2);
    const held = await prepareSend(w.deps, plan(3), prepOptions);
    expect(held.heldForRetry.map((r) => r.email)).toEqual(['r2@example.com']);
    const retried = await prepareSend(w.deps, plan(3), { ...prepOptions, retryFailed: true });
    expect(retried.toSend.map((c) => c.message.to)).toEqual(['r2@example.com']);
  });

  it('an unknown outcome is never resent without --retry-unknown', async () => {
    const w = world((m) => {
      if (m.to === 'r1@example.com')
        throw new SendOutcomeUnknownError('socket hang up after the request was sent');
      return { messageId: `ses-${m.to}` };
    });
    await run(w, plan(2));
    await run(w, plan(2));
    await run(w, plan(2), { ...prepOptions, retryFailed: true });
    expect(w.mail.calls()).toBe(2);
    expect(w.ledger.rows.get('financial-2025-01\nr1@example.com')?.status).toBe('unknown');
    await run(w, plan(2), { ...prepOptions, retryUnknown: true });
    expect(w.mail.calls()).toBe(3);
  });

  it('a fatal error stops the run; the message is released and the rest stay planned for the next run', async () => {
    let paused = true;
    const w = world((m) => {
      if (paused && m.to === 'r2@example.com')
        throw new SendFatalError('SendingPausedException: sending is paused');
      return { messageId: `ses-${m.to}` };
    });
    const { result } = await run(w, plan(6), prepOptions, options({ concurrency: 1 }));
    expect(result.stopped?.reason).toContain('SendingPausedException');
    expect(statuses(w).filter((s) => s === 'sent')).toHaveLength(1);
    expect(statuses(w).filter((s) => s === 'planned')).toHaveLength(5);
    paused = false;
    await run(w, plan(6), prepOptions, options({ concurrency: 1, runId: 'run-2' }));
    expect(statuses(w)).toEqual(Array(6).fill('sent'));
    expect(new Set(w.mail.sent.map((m) => m.to)).size).toBe(6);
    expect(w.mail.sent).toHaveLength(6);
  });

  it('the circuit breaker stops after N failures in a row', async () => {
    const w = world(() => {
      throw new SendRejectedError('MessageRejected');
    });
    const { result } = await run(w, plan(20), prepOptions, options({ concurrency: 1, circuitBreaker: 3 }));
    expect(result.stopped?.reason).toContain('3 failures in a row');
    expect(w.mail.calls()).toBe(3);
    expect(statuses(w).filter((s) => s === 'planned')).toHaveLength(17);
  });

  it('refuses to start when the 24-hour quota left cannot hold the plan, naming the numbers', async () => {
    const w = world();
    w.deps.account = quotaAccount(200, 14, 190);
    await expect(prepareSend(w.deps, plan(11), prepOptions)).rejects.toMatchObject({
      exitCode: 5,
      message: expect.stringContaining('11 to send, 10 left (Max24HourSend 200, SentLast24Hours 190)'),
    });
    expect(w.mail.calls()).toBe(0);
  });

  it('paces at the lowest of --rate, ses.maxRate and the account MaxSendRate', async () => {
    const w = world();
    w.deps.account = quotaAccount(1_000_000, 14);
    expect((await prepareSend(w.deps, plan(1), { ...prepOptions, rates: [50, undefined] })).rate).toBe(14);
    expect((await prepareSend(w.deps, plan(1), { ...prepOptions, rates: [5, 10] })).rate).toBe(5);
  });

  it('a row a dead run left in sending becomes unknown once its lease is over, and is not resent', async () => {
    const w = world();
    const p = plan(2);
    await w.deps.ledger.ensurePlanned(
      'financial-2025-01',
      [{ email: 'r1@example.com', customIds: ['ID1'] }],
      w.deps.clock.now(),
    );
    await w.deps.ledger.claim(
      'financial-2025-01',
      'r1@example.com',
      ['planned'],
      'dead-run',
      w.deps.clock.now(),
    );
    const { prepared, result } = await run(w, p);
    expect(prepared.inFlight.map((r) => r.email)).toEqual(['r1@example.com']);
    expect(w.mail.sent.map((m) => m.to)).toEqual(['r2@example.com']);
    expect(result.outcomes.find((o) => o.email === 'r1@example.com')).toMatchObject({ status: 'unknown' });
  });

  it('--redirect-to sends every message to the canary address, marked [TEST], without Bcc', async () => {
    const w = world();
    await run(
      w,
      plan(2),
      { ...prepOptions, campaignId: 'financial-2025-01-canary' },
      options({
        envelope: { from: 'f@example.com', bcc: ['equity@example.com'], redirectTo: 'me@example.com' },
      }),
    );
    expect(w.mail.sent.map((m) => [m.to, m.subject, m.bcc])).toEqual([
      ['me@example.com', '[TEST] Your January 2025 financial report', []],
      ['me@example.com', '[TEST] Your January 2025 financial report', []],
    ]);
    expect([...w.ledger.rows.values()].every((r) => r.campaignId === 'financial-2025-01-canary')).toBe(true);
  });

  it('--limit sends the next n not yet handled, so reruns continue where the last one stopped', async () => {
    const w = world();
    const limited = { ...prepOptions, limit: 2 };
    await run(w, plan(5), limited);
    await run(w, plan(5), limited);
    await run(w, plan(5), limited);
    expect(w.mail.sent.map((m) => m.to).sort()).toEqual(
      plan(5)
        .messages.map((m) => m.to)
        .sort(),
    );
    expect(w.mail.calls()).toBe(5);
  });

  it('a ledger failure stops the run: no new sends start, the tracking rows are still written, the unrecorded send reported', async () => {
    const w = world();
    const finish = w.ledger.finish.bind(w.ledger);
    let finishes = 0;
    w.ledger.finish = async (...args) => {
      finishes += 1;
      if (finishes === 2) throw new Error('database is locked');
      return finish(...args);
    };
    const { result } = await run(w, plan(10), prepOptions, options({ concurrency: 1 }));
    expect(result.stopped?.reason).toContain('the ledger failed: database is locked');
    expect(w.mail.calls()).toBe(2);
    // The second message went out but the ledger could not record it: it is reported (and tracked) as sent,
    // saying so, not left out as if it had never been started.
    expect(w.tracking.rows).toHaveLength(2);
    expect(result.outcomes.map((o) => o.status)).toEqual(['sent', 'sent']);
    expect(result.outcomes[1]?.reason).toMatch(/the ledger could not record this \(database is locked\)/);
  });

  it('a ledger failure after the sends (settling other runs) stops the run and keeps what was sent', async () => {
    const w = world();
    const listRows = w.ledger.listRows.bind(w.ledger);
    w.ledger.listRows = async (...args) => {
      if (w.mail.calls() > 0) throw new Error('database is locked');
      return listRows(...args);
    };
    const { result } = await run(w, plan(3), prepOptions, options({ concurrency: 1 }));
    expect(result.stopped?.reason).toBe('the ledger failed: database is locked');
    expect(result.outcomes.map((o) => o.status)).toEqual(['sent', 'sent', 'sent']);
    expect(w.tracking.rows).toHaveLength(3);
  });

  it('a send whose claim another run gave up on (recorded unknown) is corrected to sent', async () => {
    const w = world(async (m) => {
      // While this send is in flight, another run declares the row stale.
      const row = w.ledger.rows.get(`financial-2025-01\n${m.to}`);
      if (row) row.status = 'unknown';
      return { messageId: `ses-${m.to}` };
    });
    const { result } = await run(w, plan(1));
    expect(result.outcomes).toEqual([expect.objectContaining({ status: 'sent' })]);
    expect(w.ledger.rows.get('financial-2025-01\nr1@example.com')).toMatchObject({
      status: 'sent',
      messageId: 'ses-r1@example.com',
    });
  });
});
