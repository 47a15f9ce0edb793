import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/common/errors.js';
import { DEMO_CONFIG } from '../support/cli.js';
import { createMemoryWorld, type MemoryWorld, runInProcess } from '../support/memory-backend.js';
import { memoryQueue } from '../support/memory-queue.js';
import { type SesReceiptInput, sesReceipt, snsEnvelope } from '../support/ses-event-builder.js';

/**
 * mailto opt-outs end to end in-process: a real send of the demo's January 2025 to the memory world (its
 * List-Unsubscribe header carries `mailto:…?subject=unsubscribe%20TOKEN`), then the request a mail client sends to
 * that target arrives as an SES receipt notification on the event queue, and `events sync` applies or refuses it.
 */

const NOW = new Date('2025-02-10T12:00:00Z');
const LATER = new Date('2025-02-11T09:00:00Z');
const TOPIC = 'financial-reports';
const MOLLIE = 'mollie@example.com';
const JODY = 'jody@example.org';
const SEND_JANUARY = [
  '--month',
  'January',
  '--year',
  '2025',
  '--accept',
  'payout-warnings,ambiguous-reports',
];

interface MailtoJson {
  received: number;
  inbound: number;
  acknowledged: number;
  leftOnQueue: number;
  mailtoOptOuts: string[];
  mailtoRefused: { where: string; reason: string }[];
}

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'dn-cli-mailto-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

function dnMailer(args: readonly string[], world: MemoryWorld, now = LATER) {
  return runInProcess(['--config', DEMO_CONFIG, ...args], { world, cwd, now });
}

async function sentWorld(): Promise<MemoryWorld> {
  const world = createMemoryWorld();
  const send = await dnMailer(['send-report', ...SEND_JANUARY, '--yes'], world, NOW);
  expect(send.code, send.stderr).toBe(ExitCode.ok);
  return world;
}

/** The mailto target of the List-Unsubscribe header the send gave `to`: its address and its subject, decoded. */
function mailtoOf(world: MemoryWorld, to: string): { address: string; subject: string } {
  const header = world.sent.find((m) => m.to === to)?.headers['List-Unsubscribe'] ?? '';
  const target = /<(mailto:[^>]+)>/.exec(header)?.[1];
  if (!target) throw new Error(`no mailto target in ${header}`);
  const url = new URL(target);
  return { address: url.pathname, subject: url.searchParams.get('subject') ?? '' };
}

/** The receipt notification SES publishes for a request mail (real MIME, carried in the notification). */
async function receipt(
  input: Pick<SesReceiptInput, 'messageId' | 'from' | 'to' | 'subject' | 'verdicts'>,
): Promise<string> {
  const mime = await new MailComposer({ from: input.from, to: input.to, subject: input.subject, text: '' })
    .compile()
    .build();
  const notification = sesReceipt({
    ...input,
    at: '2025-02-11T08:00:00.000Z',
    content: mime.toString('utf8'),
  });
  return JSON.stringify(snsEnvelope(notification));
}

describe('dn-mailer events sync: opt-outs sent by e-mail to the unsubscribe address', () => {
  it('a request with the token opts the address out (audited mailto); a forged From without one changes nothing and is reported', async () => {
    const world = await sentWorld();
    const mailto = mailtoOf(world, MOLLIE);
    expect(mailto.address).toBe('unsubscribe@distro-nation.test');
    expect(mailto.subject).toMatch(/^unsubscribe [A-Za-z0-9_-]{60,}$/);
    const queue = memoryQueue();
    world.events = queue;
    queue.send(
      await receipt({
        messageId: 'in-valid',
        from: `Mollie <${MOLLIE}>`,
        to: mailto.address,
        subject: `Re: ${mailto.subject}`,
      }),
    );
    queue.send(
      await receipt({
        messageId: 'in-forged',
        from: `Jody <${JODY}>`,
        to: mailto.address,
        subject: 'unsubscribe',
        verdicts: { spf: 'FAIL', dkim: 'FAIL' },
      }),
    );
    const contactsBefore = await world.contacts.get(JODY);

    const result = await dnMailer(['events', 'sync', '--json'], world);
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(result.json<MailtoJson>()).toMatchObject({
      received: 2,
      inbound: 2,
      acknowledged: 2,
      leftOnQueue: 0,
      mailtoOptOuts: ['m***@example.com'],
      mailtoRefused: [
        {
          where: 'inbound message in-forged from j***@example.org',
          reason: expect.stringContaining('neither SPF (FAIL) nor DKIM (FAIL) passed'),
        },
      ],
    });
    expect((await world.contacts.get(MOLLIE))?.topics[TOPIC]).toBe('OPT_OUT');
    expect(await world.contacts.get(JODY)).toEqual(contactsBefore);
    expect(world.audit.entries).toEqual([
      expect.objectContaining({
        email: MOLLIE,
        action: 'unsubscribe',
        topic: TOPIC,
        source: 'mailto',
        detail: 'inbound message in-valid',
      }),
    ]);
    expect(queue.messages).toEqual([]);

    // A person reads what happened: masked addresses, the refusal and why.
    queue.send(
      await receipt({ messageId: 'in-valid', from: MOLLIE, to: mailto.address, subject: mailto.subject }),
    );
    queue.send(
      await receipt({
        messageId: 'in-forged',
        from: JODY,
        to: mailto.address,
        subject: 'unsubscribe',
        verdicts: { spf: 'FAIL', dkim: 'FAIL' },
      }),
    );
    const human = await dnMailer(['events', 'sync'], world);
    expect(human.code, human.stderr).toBe(ExitCode.ok);
    expect(human.stdout).toContain('mailto refused 1');
    expect(human.stdout).toContain('inbound message in-forged from j***@example.org');
    expect(human.stdout).not.toContain(JODY);
    // The replayed valid request changed nothing: no second audit row, no opt-out listed.
    expect(human.stdout).not.toContain('mailto opt-outs');
    expect(world.audit.entries).toHaveLength(1);
  });

  it('events import applies a receipt notification line the same way', async () => {
    const world = await sentWorld();
    const mailto = mailtoOf(world, MOLLIE);
    const file = path.join(cwd, 'inbound.jsonl');
    await writeFile(
      file,
      `${await receipt({ messageId: 'in-1', from: MOLLIE, to: mailto.address, subject: mailto.subject })}\n`,
    );
    const result = await dnMailer(['events', 'import', file, '--json', '--verbose'], world);
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(result.json<MailtoJson>()).toMatchObject({
      inbound: 1,
      mailtoOptOuts: [MOLLIE],
      mailtoRefused: [],
    });
    expect(world.audit.entries.map((e) => [e.email, e.source])).toEqual([[MOLLIE, 'mailto']]);
  });
});
