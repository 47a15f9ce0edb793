import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryOutcome, LedgerStatus } from '../../src/ports.js';
import { DEMO_CONFIG, REPO_ROOT } from '../support/cli.js';
import { type JsonSchema, validate } from '../support/json-schema.js';
import { createMemoryWorld, type MemoryWorld, runInProcess } from '../support/memory-backend.js';
import { memoryQueue } from '../support/memory-queue.js';

// What people see of delivery outcomes (issue 12, item 5): `status` counts delivered / bounced / complained /
// delayed / rejected among the sent rows, `--bounced` lists the ones that did not reach their creator, the ✔ line
// says so, the JSON document carries the counts and each row's delivery (docs/status.schema.json), and report.html
// shows the funnel. In-process on the memory world; the delivery states are set on the rows directly, as
// `events sync` / `events import` would leave them.
const NOW = new Date('2025-02-10T12:00:00Z');
const SENT_AT = new Date('2025-02-01T10:00:00Z');
const CAMPAIGN = 'financial-2025-01';
const JANUARY = ['--month', 'January', '--year', '2025'];

const BOUNCE_DETAIL = 'Permanent/General: 550 5.1.1 user unknown';
const at = (minute: number) => `2025-02-01T10:${String(minute).padStart(2, '0')}:00.000Z`;

/** Recipient → its final status and, for sent rows, the delivery event a sync recorded (if any). */
type SeedStatus = Extract<LedgerStatus, 'sent' | 'failed' | 'skipped' | 'planned'>;
const ROWS: [email: string, status: SeedStatus, delivery?: DeliveryOutcome][] = [
  ['ann@example.com', 'sent', { state: 'delivered', at: at(1) }],
  ['bob@example.com', 'sent', { state: 'delivered', at: at(2) }],
  ['cat@example.com', 'sent', { state: 'delivered', at: at(3) }],
  ['dan@example.com', 'sent', { state: 'bounced', at: at(4), detail: BOUNCE_DETAIL }],
  ['eve@example.com', 'sent', { state: 'complained', at: at(5), detail: 'abuse' }],
  ['fay@example.com', 'sent', { state: 'delayed', at: at(6), detail: 'MailboxFull' }],
  ['gus@example.com', 'sent'],
  ['hal@example.com', 'skipped'],
];

let cwd: string;
let schema: JsonSchema;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'dn-cli-status-delivery-'));
  schema = JSON.parse(readFileSync(`${REPO_ROOT}docs/status.schema.json`, 'utf8')) as JsonSchema;
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

/** Plans every row, finishes it in its status, then records its delivery on the row, as a sync leaves it. */
async function seed(world: MemoryWorld, rows = ROWS): Promise<MemoryWorld> {
  const { ledger } = world;
  await ledger.ensurePlanned(
    CAMPAIGN,
    rows.map(([email], i) => ({ email, customIds: [`ID${i}`] })),
    SENT_AT,
  );
  for (const [i, [email, status, delivery]] of rows.entries()) {
    if (status === 'planned') continue;
    if (status === 'skipped') {
      await ledger.finish(CAMPAIGN, email, 'planned', { status, reason: 'unsubscribed' }, SENT_AT);
      continue;
    }
    await ledger.claim(CAMPAIGN, email, ['planned'], 'run-1', SENT_AT);
    const outcome =
      status === 'sent'
        ? { status, messageId: `ses-message-${i}` }
        : { status, reason: 'MessageRejected: test' };
    await ledger.finish(CAMPAIGN, email, 'sending', outcome, SENT_AT, 'run-1');
    const row = ledger.rows.get(`${CAMPAIGN}\n${email}`);
    if (!row) throw new Error(`no row for ${email}`);
    if (delivery) row.delivery = delivery;
  }
  return world;
}

const status = (world: MemoryWorld, ...args: string[]) =>
  runInProcess(['status', ...args, '--config', DEMO_CONFIG], { world, cwd, now: NOW });

interface DeliveryDoc {
  view: string;
  finished: boolean;
  delivery?: Record<string, number>;
  rows: { email: string; status: string; delivery?: DeliveryOutcome }[];
}

/** The document must match docs/status.schema.json; the messages name every violation. */
function expectValid(document: unknown) {
  expect(validate(schema, document)).toEqual([]);
}

describe('a finished campaign where one creator bounced and one complained', () => {
  const ready = seed(createMemoryWorld());

  it('counts the delivery outcomes of the sent rows, and the ✔ line says who did not get their statement', async () => {
    const world = await ready;
    const result = await status(world, ...JANUARY);
    // Finished is about the send: every row is sent or skipped, so the exit code stays 0 (DESIGN: exit codes).
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(
      `${CAMPAIGN} (memory ledger): 8 rows · 7 sent · 1 skipped · 0 failed · 0 unknown · 0 sending · 0 planned`,
    );
    expect(lines[1]).toBe(
      'delivery (of 7 sent): 3 delivered · 1 bounced · 1 complained · 0 rejected · 1 delayed · 1 no event yet',
    );
    expect(result.stdout).toContain(
      '✔ finished: every row is sent or skipped — but 1 bounced, 1 complained: not every creator got their statement (dn-mailer status --bounced lists them)\n' +
        '  1 bounced: did not receive their statement (the address is suppressed when the bounce is permanent)\n' +
        '  1 complained: marked it as spam (the address is opted out and suppressed)\n',
    );
    // Never the plain all-clear.
    expect(result.stdout).not.toContain('✔ finished: every row is sent or skipped\n');
    expect(result.stderr).toContain(
      'delivered, bounced and complained are read from the delivery events synced',
    );
    expect(result.stderr).not.toContain('bounces are not read');
  });

  it('--bounced lists the rows that bounced or complained, with the DELIVERY column, addresses masked', async () => {
    const world = await ready;
    const result = await status(world, ...JANUARY, '--bounced');
    expect(result.code, result.stderr).toBe(0);
    const table = result.stdout.split('\n').filter((line) => /^[a-z]\*\*\*@|^RECIPIENT/.test(line));
    expect(table[0]).toMatch(/^RECIPIENT\s+STATUS\s+DELIVERY\s+CUSTOM IDS\s+MESSAGE ID\s+REASON\s+UPDATED$/);
    expect(table.slice(1)).toHaveLength(2);
    expect(table[1]).toMatch(
      /^d\*\*\*@example\.com\s+sent\s+bounced — Permanent\/General: 550 5\.1\.1 user unknown\s+ID3\s+ses-message-3\s/,
    );
    expect(table[2]).toMatch(/^e\*\*\*@example\.com\s+sent\s+complained — abuse\s+ID4\s+/);
    expect(result.stdout).not.toContain('dan@example.com');
    // Listed already: the verdict does not send the reader to the same command.
    expect(result.stdout).toContain('not every creator got their statement\n');
  });

  it('--all shows every row with its delivery; a sent row without one says "no event yet"', async () => {
    const world = await ready;
    const result = await status(world, ...JANUARY, '--all');
    const row = (initial: string) =>
      result.stdout.split('\n').find((line) => line.startsWith(`${initial}***@example.com`));
    expect(row('a')).toMatch(/^a\*\*\*@example\.com\s+sent\s+delivered\s+ID0\s/);
    expect(row('f')).toMatch(/^f\*\*\*@example\.com\s+sent\s+delayed — MailboxFull\s+ID5\s/);
    expect(row('g')).toMatch(/^g\*\*\*@example\.com\s+sent\s+no event yet\s+ID6\s/);
    expect(row('h')).toMatch(/^h\*\*\*@example\.com\s+skipped\s+ID7\s+unsubscribed/);
  });

  it('--json carries the counts and each row’s delivery, and matches docs/status.schema.json', async () => {
    const world = await ready;
    const result = await status(world, ...JANUARY, '--bounced', '--json');
    expect(result.code, result.stderr).toBe(0);
    const json = result.json<DeliveryDoc>();
    expectValid(json);
    expect(json.view).toBe('bounced');
    expect(json.finished).toBe(true);
    expect(json.delivery).toEqual({
      accepted: 7,
      delivered: 3,
      bounced: 1,
      complained: 1,
      delayed: 1,
      rejected: 0,
      noEvent: 1,
      notSentWithEvent: 0,
    });
    expect(json.rows).toEqual([
      expect.objectContaining({
        email: 'd***@example.com',
        status: 'sent',
        delivery: { state: 'bounced', at: at(4), detail: BOUNCE_DETAIL },
      }),
      expect.objectContaining({
        email: 'e***@example.com',
        delivery: { state: 'complained', at: at(5), detail: 'abuse' },
      }),
    ]);
    for (const flags of [
      ['--all'],
      ['--all', '--verbose'],
      ['--limit', '1', '--all'],
      ['--email', 'dan@example.com'],
    ])
      expectValid((await status(world, ...JANUARY, ...flags, '--json')).json());
  });

  it('--email of a bounced creator: sent, but it bounced, with the detail', async () => {
    const world = await ready;
    const result = await status(world, ...JANUARY, '--email', 'dan@example.com');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`bounced (${at(4)}): ${BOUNCE_DETAIL}`);
    expect(result.stdout).toContain(
      '✔ sent to d***@example.com, then bounced: the creator did not receive their statement',
    );
    const delivered = await status(world, ...JANUARY, '--email', 'ann@example.com');
    expect(delivered.stdout).toContain('✔ sent to a***@example.com (delivered)\n');
  });

  it('--html: report.html shows the funnel and lists the bounced and complained rows under Needs attention', async () => {
    const world = await ready;
    const result = await status(world, ...JANUARY, '--html', 'delivery.html', '--json');
    expect(result.code, result.stderr).toBe(0);
    const html = world.files.get(path.join(cwd, 'delivery.html')) ?? '';
    const funnel = Object.fromEntries(
      [...html.matchAll(/data-funnel="([a-z-]+)">(\d+)</g)].map((m) => [m[1], Number(m[2])]),
    );
    expect(funnel).toEqual({
      accepted: 7,
      delivered: 3,
      bounced: 1,
      complained: 1,
      rejected: 0,
      delayed: 1,
      'no-event': 1,
    });
    expect(html).toContain(`<td>d***@example.com</td><td>bounced</td><td>ID3</td><td>${BOUNCE_DETAIL}</td>`);
    expect(html).toContain('<td>e***@example.com</td><td>complained</td><td>ID4</td><td>abuse</td>');
    expect(html).not.toContain('dan@example.com');
  });

  it('--bounced cannot be combined with another view (exit 2)', async () => {
    const world = await ready;
    const result = await status(world, ...JANUARY, '--bounced', '--failed');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /--bounced.*cannot be used with.*--failed|--failed.*cannot be used with.*--bounced/,
    );
  });
});

describe('delivery outcomes while the campaign is not finished', () => {
  it('exits 6 for the unfinished rows and still names the bounce', async () => {
    const world = await seed(createMemoryWorld(), [
      ['ann@example.com', 'sent', { state: 'bounced', at: at(1), detail: BOUNCE_DETAIL }],
      ['bob@example.com', 'failed', { state: 'delivered', at: at(2) }],
      ['cat@example.com', 'planned'],
    ]);
    const result = await status(world, ...JANUARY);
    expect(result.code, result.stderr).toBe(6);
    expect(result.stdout).toContain(
      'delivery (of 1 sent): 0 delivered · 1 bounced · 0 complained · 0 rejected · 0 delayed · 0 no event yet (+ 1 row not marked sent with a delivery event: --all shows them)',
    );
    expect(result.stdout).toContain('✘ not finished: 1 failed · 1 planned');
    expect(result.stdout).toContain(
      'already sent, but 1 bounced (dn-mailer status --bounced lists them):\n  1 bounced: did not receive their statement',
    );
    // The failed row the provider in fact delivered shows its delivery in the default list.
    expect(result.stdout).toMatch(/b\*\*\*@example\.com\s+failed\s+delivered\s+ID1\s/);
    const json = (await status(world, ...JANUARY, '--json')).json<DeliveryDoc>();
    expectValid(json);
    expect(json.delivery).toMatchObject({ accepted: 1, bounced: 1, notSentWithEvent: 1 });
  });
});

describe('a campaign without delivery events', () => {
  const plain: typeof ROWS = [
    ['ann@example.com', 'sent'],
    ['bob@example.com', 'sent'],
  ];
  const ready = seed(createMemoryWorld());

  it('is shown as before when the backend has no event queue: no delivery line, column or JSON counts', async () => {
    const world = await seed(createMemoryWorld(), plain);
    const result = await status(world, ...JANUARY, '--all');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain('delivery');
    expect(result.stdout).not.toContain('DELIVERY');
    expect(result.stdout).toContain('✔ finished: every row is sent or skipped\n');
    const json = (await status(world, ...JANUARY, '--json')).json<DeliveryDoc>();
    expect(json).not.toHaveProperty('delivery');
    expectValid(json);
  });

  it('with an event queue configured, "no event yet" is news: the counts are shown', async () => {
    const world = await seed(createMemoryWorld(), plain);
    world.events = memoryQueue({ now: () => NOW });
    const result = await status(world, ...JANUARY);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n')[1]).toBe(
      'delivery (of 2 sent): 0 delivered · 0 bounced · 0 complained · 0 rejected · 0 delayed · 2 no event yet',
    );
    expect(result.stdout).toContain('✔ finished: every row is sent or skipped\n');
    const json = (await status(world, ...JANUARY, '--json')).json<DeliveryDoc>();
    expect(json.delivery).toMatchObject({ accepted: 2, noEvent: 2 });
    expectValid(json);
  });

  it('--bounced with nothing bounced says so', async () => {
    const world = await seed(createMemoryWorld(), plain);
    const result = await status(world, ...JANUARY, '--bounced');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('No sent row bounced, was complained about or was rejected.');
  });

  it('the schema catches drift: an unknown delivery state or a missing count is reported', async () => {
    const world = await ready;
    const json = (await status(world, ...JANUARY, '--all', '--json')).json<
      DeliveryDoc & Record<string, unknown>
    >();
    const [first, ...rest] = json.rows;
    const badRow = { ...json, rows: [{ ...first, delivery: { state: 'opened', at: at(1) } }, ...rest] };
    expect(validate(schema, badRow).join('\n')).toContain('/rows/0/delivery/state: "opened" is not one of');
    const { noEvent: _dropped, ...counts } = json.delivery ?? {};
    expect(validate(schema, { ...json, delivery: counts }).join('\n')).toContain(
      '/delivery/noEvent: required',
    );
  });
});
