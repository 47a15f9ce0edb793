import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/common/errors.js';
import type { OutgoingMessage } from '../../src/ports.js';
import { DEMO_CONFIG } from '../support/cli.js';
import { createMemoryWorld, type MemoryWorld, runInProcess } from '../support/memory-backend.js';
import { memoryQueue } from '../support/memory-queue.js';
import {
  type SesEventInput,
  type SesEventType,
  sesEvent,
  snsEnvelope,
} from '../support/ses-event-builder.js';

/**
 * `events import <file>` and `events sync` in-process on the memory world: a real send of the demo's January 2025
 * first (so the ledger holds what the memory provider accepted), then SES events for those messages.
 */

const NOW = new Date('2025-02-10T12:00:00Z');
const LATER = new Date('2025-02-11T09:00:00Z');
const CAMPAIGN = 'financial-2025-01';
const TOPIC = 'financial-reports';
const SEND_JANUARY = [
  '--month',
  'January',
  '--year',
  '2025',
  '--accept',
  'payout-warnings,ambiguous-reports',
];
const DELIVERED = 'dylan@example.com';
const BOUNCED = 'mollie@example.com';
const COMPLAINED = 'jody@example.org';
const ADDRESSES = [DELIVERED, BOUNCED, COMPLAINED];

interface EventsJson {
  file?: string;
  queue?: string;
  received: number;
  applied: number;
  unmatched: number;
  ignored: number;
  byType: Record<string, number>;
  malformed: { where: string; problem: string }[];
  suppressed: { email: string; reason: string }[];
  optedOut: string[];
  unknownResolved: number;
  acknowledged?: number;
  leftOnQueue?: number;
}

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'dn-cli-events-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

function dnMailer(args: readonly string[], world: MemoryWorld, now = LATER) {
  return runInProcess(['--config', DEMO_CONFIG, ...args], { world, cwd, now });
}

/** A world whose memory provider accepted the demo's January 2025 (7 messages; the ledger keeps `ses-<our ID>`). */
async function sentWorld(): Promise<MemoryWorld> {
  const world = createMemoryWorld();
  const send = await dnMailer(['send-report', ...SEND_JANUARY, '--yes'], world, NOW);
  expect(send.code, send.stderr).toBe(ExitCode.ok);
  expect(world.sent).toHaveLength(7);
  return world;
}

function sentTo(world: MemoryWorld, to: string): OutgoingMessage {
  const message = world.sent.find((m) => m.to === to);
  if (!message) throw new Error(`nothing was sent to ${to}`);
  return message;
}

/** One line of the file: an SES event for what the provider accepted, in the SNS notification envelope. */
function eventLine(
  world: MemoryWorld,
  type: SesEventType,
  to: string,
  extra: Partial<SesEventInput> = {},
): string {
  const message = sentTo(world, to);
  const event = sesEvent(type, {
    messageId: `ses-${message.messageId}`,
    to,
    tags: message.tags,
    sentAt: '2025-02-10T12:00:01.000Z',
    at: '2025-02-10T12:05:00.000Z',
    ...extra,
  });
  return JSON.stringify(snsEnvelope(event));
}

async function writeLines(name: string, lines: readonly string[]): Promise<string> {
  const file = path.join(cwd, name);
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

const rowOf = (world: MemoryWorld, email: string) =>
  [...world.ledger.rows.values()].find((row) => row.campaignId === CAMPAIGN && row.email === email);

describe('dn-mailer events import <file>', () => {
  it('applies a delivery, a permanent bounce and a complaint; names the malformed line; exit 4', async () => {
    const world = await sentWorld();
    const file = await writeLines('mixed.jsonl', [
      eventLine(world, 'Delivery', DELIVERED),
      eventLine(world, 'Bounce', BOUNCED, { bounceType: 'Permanent' }),
      '',
      eventLine(world, 'Complaint', COMPLAINED, { at: '2025-02-11T08:00:00.000Z' }),
      '{"Type":"Notification","Message":"{\\"eventType\\":\\"Bounce\\",',
    ]);
    const result = await dnMailer(['events', 'import', file, '--json'], world);
    expect(result.code, result.stderr).toBe(ExitCode.input);
    const summary = result.json<EventsJson>();
    expect(summary).toMatchObject({
      file,
      received: 4,
      applied: 3,
      unmatched: 0,
      ignored: 0,
      byType: { delivery: 1, bounce: 1, complaint: 1 },
      // Masked: --json goes to CI logs too.
      suppressed: [
        { email: 'm***@example.com', reason: 'bounce' },
        { email: 'j***@example.org', reason: 'complaint' },
      ],
      optedOut: ['j***@example.org'],
      unknownResolved: 0,
    });
    expect(summary.malformed).toHaveLength(1);
    expect(summary.malformed[0]?.where).toBe('line 5');
    for (const address of ADDRESSES) expect(result.stdout).not.toContain(address);

    // What the events did, in the stores the next send reads.
    expect(rowOf(world, DELIVERED)?.delivery?.state).toBe('delivered');
    expect(rowOf(world, BOUNCED)?.delivery).toMatchObject({ state: 'bounced' });
    expect(rowOf(world, BOUNCED)?.delivery?.detail).toContain('Permanent/General');
    expect(rowOf(world, COMPLAINED)?.delivery?.state).toBe('complained');
    expect([...world.suppressions.entries.values()].map(({ email, reason }) => ({ email, reason }))).toEqual([
      { email: BOUNCED, reason: 'bounce' },
      { email: COMPLAINED, reason: 'complaint' },
    ]);
    expect(world.contacts.contacts.get(COMPLAINED)?.topics[TOPIC]).toBe('OPT_OUT');
    expect(world.audit.entries).toMatchObject([
      { email: COMPLAINED, action: 'unsubscribe', topic: TOPIC, source: 'complaint', actor: 'test-operator' },
    ]);
    expect(world.opens).toBe(world.closes);
  });

  it('tells a person what happened, masked, and which line to fix', async () => {
    const world = await sentWorld();
    const file = await writeLines('human.jsonl', [
      eventLine(world, 'Bounce', BOUNCED),
      'not json at all',
      eventLine(world, 'Complaint', COMPLAINED),
    ]);
    const result = await dnMailer(['events', 'import', file], world);
    expect(result.code, result.stderr).toBe(ExitCode.input);
    expect(result.stdout).toContain('bounce 1');
    expect(result.stdout).toContain('complaint 1');
    expect(result.stdout).toContain('m***@example.com (bounce)');
    expect(result.stdout).toContain('j***@example.org (complaint)');
    expect(result.stdout).toMatch(/line 2: /);
    expect(result.stdout).toContain('1 malformed line(s)');
    for (const address of ADDRESSES) expect(result.stdout).not.toContain(address);

    const again = await dnMailer(['events', 'import', file], world);
    expect(again.code).toBe(ExitCode.input);
    expect(again.stdout).toMatch(/line 2: /);
    // Applied before: nothing is suppressed again, so the addresses are not listed a second time.
    expect(again.stdout).not.toContain('suppressed');
  });

  it('exit 0 for a clean file; importing it again changes nothing', async () => {
    const world = await sentWorld();
    const file = await writeLines('clean.jsonl', [
      eventLine(world, 'Delivery', DELIVERED),
      eventLine(world, 'Bounce', BOUNCED),
      eventLine(world, 'Complaint', COMPLAINED),
    ]);
    const first = await dnMailer(['events', 'import', file, '--json', '--verbose'], world);
    expect(first.code, first.stderr).toBe(ExitCode.ok);
    expect(first.json<EventsJson>().suppressed).toEqual([
      { email: BOUNCED, reason: 'bounce' },
      { email: COMPLAINED, reason: 'complaint' },
    ]);
    expect(first.json<EventsJson>().optedOut).toEqual([COMPLAINED]);
    const rows = structuredClone([...world.ledger.rows.values()]);
    const tracking = world.tracking.rows.length;

    const again = await dnMailer(['events', 'import', file, '--json'], world);
    expect(again.code, again.stderr).toBe(ExitCode.ok);
    expect(again.json<EventsJson>()).toMatchObject({ applied: 3, suppressed: [], optedOut: [] });
    expect([...world.ledger.rows.values()]).toEqual(rows);
    expect(world.audit.entries).toHaveLength(1);
    expect(world.suppressions.entries.size).toBe(2);
    // The memory tracking store keeps every write; the SQLite and DynamoDB stores key event rows (see their tests).
    expect(world.tracking.rows.length).toBeGreaterThanOrEqual(tracking);
  });

  it('counts events for messages dn-mailer never sent as unmatched (exit 0), and skips what is not an SES event', async () => {
    const world = await sentWorld();
    const foreign = sesEvent('Delivery', {
      messageId: 'someone-elses-message',
      to: 'stranger@example.net',
      tags: { campaign: 'newsletter-7', recipient: '0123456789abcdef0123' },
      at: '2025-02-10T12:05:00.000Z',
    });
    const file = await writeLines('foreign.jsonl', [
      JSON.stringify(snsEnvelope(foreign)),
      JSON.stringify({
        Type: 'SubscriptionConfirmation',
        TopicArn: 'arn:aws:sns:us-east-1:1:t',
        Message: 'confirm',
      }),
    ]);
    const result = await dnMailer(['events', 'import', file, '--json'], world);
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(result.json<EventsJson>()).toMatchObject({ received: 2, applied: 0, unmatched: 1, ignored: 1 });
    expect(world.suppressions.entries.size).toBe(0);
  });

  it('a file that does not exist is a usage error (exit 2), nothing opened', async () => {
    const world = createMemoryWorld();
    const result = await dnMailer(['events', 'import', path.join(cwd, 'missing.jsonl')], world);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain('missing.jsonl does not exist');
    expect(world.opens).toBe(0);
  });
});

describe('dn-mailer events sync', () => {
  it('without a queue: exit 3, events.queueUrl is not set, and points the local backend at events import', async () => {
    const world = createMemoryWorld();
    const result = await dnMailer(['events', 'sync'], world);
    expect(result.code).toBe(ExitCode.config);
    expect(result.stderr).toContain('events.queueUrl is not set');
    expect(result.stderr).toContain('events import');
  });

  it('drains the queue, deletes what it applied, leaves a malformed message for the dead-letter queue: exit 6', async () => {
    const world = await sentWorld();
    const queue = memoryQueue();
    world.events = queue;
    queue.send(eventLine(world, 'Delivery', DELIVERED));
    queue.send(eventLine(world, 'Bounce', BOUNCED));
    const broken = queue.send('{"Type":"Notification","Message":"{\\"eventType\\":\\"Complaint\\""}');
    const result = await dnMailer(['events', 'sync', '--receivers', '2', '--json'], world);
    expect(result.code, result.stderr).toBe(ExitCode.partial);
    expect(result.json<EventsJson>()).toMatchObject({
      queue: 'memory queue',
      received: 3,
      applied: 2,
      acknowledged: 2,
      leftOnQueue: 1,
      suppressed: [{ email: 'm***@example.com', reason: 'bounce' }],
    });
    expect(queue.messages.map((m) => m.id)).toEqual([broken]);
    expect(rowOf(world, BOUNCED)?.delivery?.state).toBe('bounced');

    const human = await dnMailer(['events', 'sync'], world);
    expect(human.code).toBe(ExitCode.ok);
    expect(human.stdout).toContain('Read 0 message(s) from memory queue');
  });

  it('refuses --receivers outside 1–16 (exit 2)', async () => {
    const world = createMemoryWorld();
    for (const value of ['0', '17', 'many']) {
      const result = await dnMailer(['events', 'sync', '--receivers', value], world);
      expect(result.code, value).toBe(ExitCode.usage);
      expect(result.stderr).toContain('--receivers');
    }
  });
});

describe('send-report and status apply the event queue first (events.queueUrl); --no-sync skips it', () => {
  function queued(world: MemoryWorld): ReturnType<typeof memoryQueue> {
    const queue = memoryQueue();
    queue.send(eventLine(world, 'Delivery', DELIVERED));
    queue.send(eventLine(world, 'Bounce', BOUNCED, { bounceType: 'Permanent' }));
    world.events = queue;
    return queue;
  }

  it('status --no-sync leaves the queue alone; status applies it, says so in one line, and shows the outcomes', async () => {
    const world = await sentWorld();
    const queue = queued(world);
    const skipped = await dnMailer(['status', ...SEND_JANUARY.slice(0, 4), '--no-sync', '--json'], world);
    expect(skipped.code, skipped.stderr).toBe(ExitCode.ok);
    expect(queue.messages).toHaveLength(2);
    expect(skipped.stderr).not.toContain('Delivery events:');

    const synced = await dnMailer(['status', ...SEND_JANUARY.slice(0, 4), '--json'], world);
    expect(synced.code, synced.stderr).toBe(ExitCode.ok);
    expect(queue.messages).toHaveLength(0);
    expect(synced.stderr).toMatch(
      /Delivery events: 2 applied \(delivery 1 · bounce 1\) · suppressed m\*\*\*@example\.com/,
    );
    expect(rowOf(world, BOUNCED)?.delivery?.state).toBe('bounced');
    expect(synced.json<{ delivery: Record<string, number> }>().delivery).toMatchObject({
      delivered: 1,
      bounced: 1,
    });
  });

  it('send-report applies the queue before gating: the bounced address is skipped by the next campaign', async () => {
    const world = await sentWorld();
    queued(world);
    const next = await dnMailer(
      ['send-report', ...SEND_JANUARY, '--campaign-id', 'financial-2025-01-corrected', '--yes', '--json'],
      world,
    );
    expect(next.code, next.stderr).toBe(ExitCode.ok);
    expect(next.stderr).toContain('Delivery events: 2 applied');
    const corrected = world.sent
      .filter((m) => m.tags.campaign === 'financial-2025-01-corrected')
      .map((m) => m.to);
    expect(corrected).toHaveLength(6);
    expect(corrected).not.toContain(BOUNCED);
  });
});

describe('an unknown row on SES is settled by the event stream, never guessed', () => {
  const UNKNOWN = 'zoe@example.com';

  /** The demo sent; then the row of UNKNOWN made `unknown` as a crash leaves it, and SES never got that message. */
  async function crashedWorld(): Promise<MemoryWorld> {
    const world = await sentWorld();
    const key = `${CAMPAIGN}\n${UNKNOWN}`;
    const row = world.ledger.rows.get(key);
    if (!row) throw new Error(`no row for ${UNKNOWN}`);
    world.ledger.rows.set(key, {
      ...row,
      status: 'unknown',
      messageId: undefined,
      claimedAt: '2025-02-10T12:00:00.000Z',
    });
    world.sent.splice(
      world.sent.findIndex((m) => m.to === UNKNOWN),
      1,
    );
    // SES keeps no record dn-mailer can ask: only the events can tell.
    world.providerRecord = { lookup: async () => 'unknown' };
    return world;
  }

  it('stays unknown, with the reason, while no event for a later message has arrived', async () => {
    const world = await crashedWorld();
    world.events = memoryQueue();
    const result = await dnMailer(['status', ...SEND_JANUARY.slice(0, 4)], world);
    expect(result.stderr).toContain(
      '1 unknown row(s) stay unknown: no event yet for a message SES accepted after its claim',
    );
    expect(rowOf(world, UNKNOWN)?.status).toBe('unknown');
  });

  it('is proven unsent once events arrived for messages accepted after its claim, and the next send sends it once', async () => {
    const world = await crashedWorld();
    const queue = memoryQueue();
    queue.send(eventLine(world, 'Delivery', DELIVERED, { sentAt: '2025-02-10T12:00:05.000Z' }));
    world.events = queue;
    const status = await dnMailer(['status', ...SEND_JANUARY.slice(0, 4)], world);
    expect(status.stderr).toContain(
      '1 unknown row(s) proven never accepted by SES: the next send-report sends them',
    );
    expect(rowOf(world, UNKNOWN)?.status).toBe('planned');
    const send = await dnMailer(['send-report', ...SEND_JANUARY, '--yes', '--json'], world);
    expect(send.code, send.stderr).toBe(ExitCode.ok);
    expect(world.sent.filter((m) => m.to === UNKNOWN)).toHaveLength(1);
    expect(rowOf(world, UNKNOWN)?.status).toBe('sent');
  });
});
