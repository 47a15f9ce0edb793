import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageIdFor, recipientHash } from '../../src/core/send/message-id.js';
import { DEMO, DEMO_DIR } from '../support/demo.js';
import {
  demoWorkspace,
  parseJson,
  readOutbox,
  SEND_JANUARY,
  type SendJson,
  type StatusJson,
  startCli,
  stopStrayClis,
} from '../support/send-world.js';

afterAll(stopStrayClis);

/**
 * The README's rehearsal of closing the loop on the local backend: send the demo's January 2025, import the demo's
 * SES event file (examples/demo/ses-events.jsonl), and see the outcomes in `status` and in the next campaign's gates.
 */

const CAMPAIGN = 'financial-2025-01';
/** The next campaign to the same creators (a corrected statement): it must skip the bounced and complained. */
const NEXT = 'financial-2025-01-corrected';
const DELIVERED = 'dylan@example.com';
const BOUNCED = 'mollie@example.com';
const COMPLAINED = 'jody@example.org';

type BouncedJson = Omit<StatusJson, 'rows'> & { rows: { email: string; delivery?: { state: string } }[] };

const cli = (args: readonly string[]) => startCli(args).done;

interface DemoLine {
  Type: string;
  Message: string;
}
interface DemoEvent {
  eventType: string;
  mail: { messageId: string; destination: string[]; tags: Record<string, string[]> };
  bounce?: { bounceType: string };
}

async function demoEvents(): Promise<DemoEvent[]> {
  const text = await readFile(path.join(DEMO_DIR, 'ses-events.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const envelope = JSON.parse(line) as DemoLine;
      expect(envelope.Type).toBe('Notification');
      return JSON.parse(envelope.Message) as DemoEvent;
    });
}

describe('examples/demo/ses-events.jsonl', () => {
  it('holds a delivery, a permanent bounce and a complaint for January 2025 recipients, tagged as dn-mailer tags', async () => {
    const events = await demoEvents();
    expect(events.map((e) => [e.eventType, e.mail.destination[0]])).toEqual([
      ['Delivery', DELIVERED],
      ['Delivery', COMPLAINED],
      ['Bounce', BOUNCED],
      ['Complaint', COMPLAINED],
    ]);
    expect(events.find((e) => e.eventType === 'Bounce')?.bounce?.bounceType).toBe('Permanent');
    for (const event of events) {
      const to = event.mail.destination[0] ?? '';
      // The Message-ID the local outbox returns, and the tags toOutgoing sets: if the demo's from or the campaign
      // naming changes, this file must be regenerated.
      expect(event.mail.messageId).toBe(messageIdFor(CAMPAIGN, to, DEMO.email.from));
      expect(event.mail.tags.campaign).toEqual([CAMPAIGN]);
      expect(event.mail.tags.recipient).toEqual([recipientHash(to)]);
    }
  });
});

describe('rehearsing events import on a copy of the demo (local backend)', () => {
  let ws: Awaited<ReturnType<typeof demoWorkspace>>;
  let eventsFile: string;

  beforeAll(async () => {
    ws = await demoWorkspace();
    eventsFile = path.join(ws.dir, 'ses-events.jsonl');
    const sent = await cli(['send-report', ...SEND_JANUARY, '--config', ws.config, '--yes', '--json']);
    expect(sent.code, sent.stderr).toBe(0);
  }, 60_000);

  it('the outbox holds the messages the file names (the IDs the local provider returned)', async () => {
    const ids = new Set((await readOutbox(ws.outbox)).map((mail) => mail.messageId));
    for (const event of await demoEvents()) expect(ids).toContain(event.mail.messageId);
  });

  it('imports the file: exit 0, the summary by type, suppressed addresses masked', async () => {
    const result = await cli(['events', 'import', eventsFile, '--config', ws.config, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(parseJson<Record<string, unknown>>(result)).toMatchObject({
      received: 4,
      applied: 4,
      unmatched: 0,
      ignored: 0,
      malformed: [],
      byType: { delivery: 2, bounce: 1, complaint: 1 },
      suppressed: [
        { email: 'm***@example.com', reason: 'bounce' },
        { email: 'j***@example.org', reason: 'complaint' },
      ],
      optedOut: ['j***@example.org'],
    });
    for (const address of [DELIVERED, BOUNCED, COMPLAINED]) expect(result.stdout).not.toContain(address);
  });

  it('status shows them delivered, bounced and complained', async () => {
    const human = await cli(['status', '--month', 'January', '--year', '2025', '--config', ws.config]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('1 delivered · 1 bounced · 1 complained');

    const listed = await cli([
      ...['status', '--month', 'January', '--year', '2025', '--config', ws.config],
      ...['--bounced', '--json', '--verbose'],
    ]);
    const rows = parseJson<BouncedJson>(listed).rows;
    expect(rows.map((row) => [row.email, row.delivery?.state]).sort()).toEqual([
      [COMPLAINED, 'complained'],
      [BOUNCED, 'bounced'],
    ]);
  });

  it('the store holds the suppressions and the audited opt-out (what the next send reads)', () => {
    const db = new Database(ws.sqlite, { readonly: true, fileMustExist: true });
    try {
      const suppressions = db.prepare('SELECT email, reason FROM suppressions ORDER BY email').all();
      expect(suppressions).toEqual([
        { email: COMPLAINED, reason: 'complaint' },
        { email: BOUNCED, reason: 'bounce' },
      ]);
      const audit = db.prepare('SELECT email, action, source FROM audit').all();
      expect(audit).toEqual([{ email: COMPLAINED, action: 'unsubscribe', source: 'complaint' }]);
    } finally {
      db.close();
    }
  });

  it('importing the same file again changes nothing', async () => {
    const before = snapshotStore(ws.sqlite);
    const again = await cli(['events', 'import', eventsFile, '--config', ws.config, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(parseJson<Record<string, unknown>>(again)).toMatchObject({ suppressed: [], optedOut: [] });
    expect(snapshotStore(ws.sqlite)).toEqual(before);
  });

  it('the next campaign skips the bounced and complained addresses, with their reasons', async () => {
    const result = await cli([
      ...['send-report', ...SEND_JANUARY, '--campaign-id', NEXT],
      ...['--config', ws.config, '--yes', '--json', '--verbose'],
    ]);
    expect(result.code, result.stderr).toBe(0);
    const { results } = parseJson<SendJson>(result).data;
    const skipped = Object.fromEntries(results.skipped.map((row) => [row.email, row.reason]));
    expect(skipped).toEqual({
      [BOUNCED]: 'suppressed (bounce)',
      // The complaint opted the address out of the topic; the contact list is the first gate that says so.
      [COMPLAINED]: 'unsubscribed from financial-reports',
    });
    expect(results.successful.map((row) => row.email)).toContain(DELIVERED);
    const nextMails = (await readOutbox(ws.outbox)).filter((mail) => mail.messageId.startsWith(`${NEXT}.`));
    const nextTo = nextMails.flatMap((mail) => mail.to);
    expect(nextTo).toContain(DELIVERED);
    expect(nextTo).not.toContain(BOUNCED);
    expect(nextTo).not.toContain(COMPLAINED);
  }, 60_000);
});

/** The rows events write (ledger delivery columns, tracking, suppressions, contacts, audit), to compare runs. */
function snapshotStore(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const all = (sql: string) => db.prepare(sql).all();
    return {
      ledger: all('SELECT * FROM ledger ORDER BY campaign_id, email'),
      tracking: all('SELECT * FROM tracking ORDER BY campaign_id, timestamp, email, event_type'),
      suppressions: all('SELECT * FROM suppressions ORDER BY email'),
      contacts: all('SELECT * FROM contacts ORDER BY email'),
      audit: all('SELECT * FROM audit ORDER BY at, email'),
    };
  } finally {
    db.close();
  }
}
