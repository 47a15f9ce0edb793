import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../src/core/common/progress-events.js';
import type { Plan, PlannedMessage } from '../../src/core/plan/build-plan.js';
import type { CampaignPlan } from '../../src/core/plan/plan-campaign.js';
import { countReportStatuses } from '../../src/core/reports/classify-reports.js';
import { type ExecuteOptions, executeSend } from '../../src/core/send/execute-sends.js';
import { prepareSend } from '../../src/core/send/prepare-sends.js';
import { createRunId, isAbandonedClaim, runOwner } from '../../src/core/send/run-id.js';
import { stoppedError } from '../../src/core/send/send-campaign.js';
import { SendThrottledError } from '../../src/core/send/send-errors.js';
import { buildSendSummary } from '../../src/core/send/send-summary.js';
import type { OutgoingMessage, RunInstance, StopSignal } from '../../src/ports.js';
import { memoryLedger, memoryTracking, quotaAccount, scriptedMailer } from '../support/memory-ports.js';

const CAMPAIGN = 'financial-2025-01';

const message = (n: number): PlannedMessage => ({
  index: n,
  to: `r${n}@example.com`,
  userName: `R${n}`,
  customIds: [{ original: `ID${n}`, resolved: `ID${n}` }],
  subject: 'Your January 2025 financial report',
  html: '<p>hi</p>',
  text: 'hi',
  links: [],
  headers: {},
  totals: { openingCents: 0, earningsCents: 0, paymentsCents: 0, closingCents: 0 },
  contracts: 1,
  warnings: [],
});

const plan = (count: number): Plan => ({
  campaignId: CAMPAIGN,
  period: { month: 1, year: 2025 },
  expiresAt: new Date('2025-02-25T00:00:00Z'),
  messages: Array.from({ length: count }, (_, i) => message(i + 1)),
  unsent: [],
  missingReports: [],
  reportStatus: countReportStatuses([]),
  payoutWarnings: [],
});

/** This host, where PIDs in `alive` run. */
const instance = (alive: number[] = [4242]): RunInstance => ({
  host: 'build-7',
  pid: 4242,
  isAlive: (pid) => alive.includes(pid),
});

function world(answer: Parameters<typeof scriptedMailer>[0] = (m) => ({ messageId: `ses-${m.to}` })) {
  let now = Date.parse('2026-11-29T10:00:00Z');
  const ledger = memoryLedger();
  const mail = scriptedMailer(answer);
  const events: ProgressEvent[] = [];
  const slept: { ms: number; stop: StopSignal | undefined }[] = [];
  const deps = {
    ledger,
    tracking: memoryTracking(),
    mailer: mail.mailer,
    account: quotaAccount(),
    gates: [],
    clock: { now: () => new Date(now) },
    sleep: async (ms: number, stop?: StopSignal) => {
      slept.push({ ms, stop });
      now += ms;
    },
    random: () => 0.5,
    instance: instance(),
    onProgress: (event: ProgressEvent) => events.push(event),
  };
  return { deps, ledger, mail, events, slept };
}

const options = (overrides: Partial<ExecuteOptions> = {}): ExecuteOptions => ({
  runId: 'lq3x-abc123-4242@build-7',
  envelope: { from: 'Finance <reports@example.com>', bcc: [] },
  concurrency: 2,
  circuitBreaker: 10,
  throttleRetries: 8,
  leaseMs: 35_000,
  ttlDays: 90,
  ...overrides,
});

const prepOptions = { campaignId: CAMPAIGN, retryFailed: false, retryUnknown: false, rates: [] };

async function run(w: ReturnType<typeof world>, p: Plan, exec = options()) {
  const prep = await prepareSend(w.deps, p, prepOptions);
  const result = await executeSend(w.deps, p, prep, exec);
  const summary = buildSendSummary({
    campaign: { plan: p } as CampaignPlan,
    prep,
    result,
    runId: exec.runId,
    provider: 'test',
    durationMs: 1,
  });
  return { prep, result, summary };
}

const statusOf = (w: ReturnType<typeof world>, n: number) =>
  w.ledger.rows.get(`${CAMPAIGN}\nr${n}@example.com`);
const countStatus = (w: ReturnType<typeof world>, status: string) =>
  [...w.ledger.rows.values()].filter((r) => r.status === status).length;

/** A `sending` row left by `runId` (another process), claimed at the world's current time. */
async function leaveSending(w: ReturnType<typeof world>, email: string, runId: string) {
  await w.ledger.ensurePlanned(CAMPAIGN, [{ email, customIds: ['ID1'] }], w.deps.clock.now());
  await w.ledger.claim(CAMPAIGN, email, ['planned'], runId, w.deps.clock.now());
}

describe('a send the operator stops (SIGINT / SIGTERM)', () => {
  it('claims nothing new, lets the sends in flight finish, releases the rest and says stopped by you', async () => {
    const controller = new AbortController();
    const inFlight: Promise<void>[] = [];
    let releaseR2: () => void = () => {};
    const w = world((m: OutgoingMessage) => {
      if (m.to === 'r2@example.com') {
        // r2 is still with the provider when the operator presses Ctrl-C during r3's send.
        const held = new Promise<void>((resolve) => {
          releaseR2 = resolve;
        });
        inFlight.push(held);
        return held.then(() => ({ messageId: 'ses-r2' }));
      }
      if (m.to === 'r3@example.com') {
        controller.abort();
        setTimeout(() => releaseR2(), 5);
      }
      return { messageId: `ses-${m.to}` };
    });
    const { result, summary } = await run(w, plan(10), options({ stop: controller.signal }));

    expect(w.mail.sent.map((m) => m.to).sort()).toEqual([
      'r1@example.com',
      'r2@example.com',
      'r3@example.com',
    ]);
    expect(result.stopped).toEqual({ reason: 'stopped by you', interrupted: true });
    expect([1, 2, 3].map((n) => statusOf(w, n)?.status)).toEqual(['sent', 'sent', 'sent']);
    expect(countStatus(w, 'planned')).toBe(7);
    expect(countStatus(w, 'sending')).toBe(0);
    expect(w.deps.tracking.rows).toHaveLength(3);

    expect(summary.success).toBe(false);
    expect(summary.message).toBe('stopped by you — run the same command again to continue');
    expect(summary.data).toMatchObject({
      stopped: 'stopped by you',
      interrupted: true,
      successful: 3,
      notStarted: 7,
    });
    const error = stoppedError(summary);
    expect(error?.exitCode).toBe(130);
    expect(error?.message).toBe('stopped by you — run the same command again to continue');
    expect(error?.hint).toContain('3 sent in this run, 7 not started');
  });

  it('a row claimed as the stop arrives goes back to planned without reaching the provider', async () => {
    const controller = new AbortController();
    const w = world();
    const claim = w.ledger.claim.bind(w.ledger);
    w.ledger.claim = async (...args) => {
      const claimed = await claim(...args);
      if (args[1] === 'r2@example.com') controller.abort();
      return claimed;
    };
    const { summary } = await run(w, plan(4), options({ concurrency: 1, stop: controller.signal }));
    expect(w.mail.sent.map((m) => m.to)).toEqual(['r1@example.com']);
    expect(statusOf(w, 2)).toMatchObject({ status: 'planned', reason: 'stopped by you' });
    expect(countStatus(w, 'planned')).toBe(3);
    expect(summary.data).toMatchObject({ successful: 1, notStarted: 3, interrupted: true });
  });

  it('a throttled message is handed back instead of retried once the run is stopping', async () => {
    const controller = new AbortController();
    const w = world(() => {
      controller.abort();
      throw new SendThrottledError('TooManyRequestsException');
    });
    const { result } = await run(w, plan(3), options({ concurrency: 1, stop: controller.signal }));
    expect(w.mail.calls()).toBe(1);
    expect(result.outcomes).toEqual([]);
    expect(countStatus(w, 'planned')).toBe(3);
    // The backoff wait itself was told about the stop, so a real timer ends early.
    expect(w.slept.some((s) => s.stop === controller.signal)).toBe(true);
  });

  it('stopped before the first claim: nothing is sent and every row stays planned', async () => {
    const controller = new AbortController();
    controller.abort();
    const w = world();
    const { summary } = await run(w, plan(3), options({ stop: controller.signal }));
    expect(w.mail.calls()).toBe(0);
    expect(countStatus(w, 'planned')).toBe(3);
    expect(summary.data).toMatchObject({ successful: 0, notStarted: 3, interrupted: true });
  });

  it('a run that stops for another reason is not reported as stopped by the operator', async () => {
    const w = world(() => {
      throw new SendThrottledError('TooManyRequestsException');
    });
    const { summary } = await run(
      w,
      plan(20),
      options({ concurrency: 1, circuitBreaker: 2, throttleRetries: 1 }),
    );
    expect(summary.data).toMatchObject({
      interrupted: false,
      stopped: '2 failures in a row (circuit breaker)',
    });
    expect(stoppedError(summary)?.exitCode).toBe(5);
  });
});

describe('rows another run left in sending', () => {
  it('a claim of a dead process on this host is not waited on: it becomes unknown at once and is not resent', async () => {
    const w = world();
    await leaveSending(w, 'r1@example.com', 'lq3w-zzzzzz-977@build-7');
    const { prep, result, summary } = await run(w, plan(3));
    expect(prep.inFlight.map((r) => r.email)).toEqual(['r1@example.com']);
    expect(w.events.some((e) => e.type === 'waiting-in-flight')).toBe(false);
    // Only the pacing of 1,000/s: no lease wait.
    expect(w.slept.every((s) => s.ms <= 1)).toBe(true);
    expect(w.mail.sent.map((m) => m.to).sort()).toEqual(['r2@example.com', 'r3@example.com']);
    expect(result.outcomes.find((o) => o.email === 'r1@example.com')).toMatchObject({
      status: 'unknown',
      reason: expect.stringContaining('its process is gone'),
    });
    expect(statusOf(w, 1)?.status).toBe('unknown');
    // The row it settled was not one this run set out to send: not counted as started, nor as progress beyond 3/3.
    expect(summary.data).toMatchObject({ successful: 2, unknown: 1, notStarted: 0 });
    const progress = w.events.filter((e) => e.type === 'send-progress');
    for (const e of progress) expect(e.sent + e.failed + e.unknown + e.skipped).toBeLessThanOrEqual(e.total);
    expect(progress.at(-1)).toMatchObject({ total: 3, sent: 2, unknown: 1 });
  });

  it('a claim of a live process on this host is waited on, as today', async () => {
    const w = world();
    w.deps.instance = instance([4242, 977]);
    await leaveSending(w, 'r1@example.com', 'lq3w-zzzzzz-977@build-7');
    // The live run finishes its row while we wait.
    const sleep = w.deps.sleep;
    w.deps.sleep = async (ms, stop) => {
      await sleep(ms, stop);
      await w.ledger.finish(
        CAMPAIGN,
        'r1@example.com',
        'sending',
        { status: 'sent', messageId: 'other' },
        w.deps.clock.now(),
        'lq3w-zzzzzz-977@build-7',
      );
    };
    const { result } = await run(w, plan(2));
    expect(w.events.some((e) => e.type === 'waiting-in-flight')).toBe(true);
    expect(statusOf(w, 1)).toMatchObject({ status: 'sent', messageId: 'other' });
    expect(result.outcomes.map((o) => o.email)).toEqual(['r2@example.com']);
  });

  it('a claim from another host, or from an ID without a process, waits for its lease', async () => {
    for (const runId of ['lq3w-zzzzzz-977@other-host', 'dead-run']) {
      const w = world();
      await leaveSending(w, 'r1@example.com', runId);
      const { result } = await run(w, plan(1));
      expect(
        w.events.some((e) => e.type === 'waiting-in-flight'),
        runId,
      ).toBe(true);
      expect(
        w.slept.reduce((sum, s) => sum + s.ms, 0),
        runId,
      ).toBeGreaterThanOrEqual(35_000);
      expect(result.outcomes).toEqual([
        expect.objectContaining({ email: 'r1@example.com', status: 'unknown' }),
      ]);
    }
  });

  it('a stop while waiting on another run ends the wait', async () => {
    const controller = new AbortController();
    const w = world();
    w.deps.instance = instance([4242, 977]);
    await leaveSending(w, 'r1@example.com', 'lq3w-zzzzzz-977@build-7');
    const sleep = w.deps.sleep;
    w.deps.sleep = async (ms, stop) => {
      await sleep(ms, stop);
      controller.abort();
    };
    const { result } = await run(w, plan(2), options({ stop: controller.signal }));
    expect(w.slept).toHaveLength(1);
    expect(result.stopped).toMatchObject({ interrupted: true });
    expect(statusOf(w, 1)?.status).toBe('sending');
  });
});

describe('run IDs name their process', () => {
  it('carry the PID and host, which runOwner reads back; older IDs name none', () => {
    const id = createRunId(new Date('2026-11-29T10:00:00Z'), () => 0.5, instance());
    expect(id).toMatch(/^[a-z0-9]+-[a-z0-9]+-4242@build-7$/);
    expect(runOwner(id)).toEqual({ host: 'build-7', pid: 4242 });
    expect(runOwner('lq3x-abc123')).toBeUndefined();
    expect(runOwner(undefined)).toBeUndefined();
  });

  it('keep odd host names file-name safe and still recognise them', () => {
    const odd: RunInstance = { host: 'Jo’s Mac/Book:1', pid: 7, isAlive: () => false };
    const id = createRunId(new Date(0), () => 0, odd);
    expect(id).toMatch(/^[A-Za-z0-9.@-]+$/);
    expect(isAbandonedClaim(id, odd)).toBe(true);
    expect(isAbandonedClaim(id, { ...odd, host: 'elsewhere' })).toBe(false);
    expect(isAbandonedClaim(id, { ...odd, isAlive: () => true })).toBe(false);
  });
});
