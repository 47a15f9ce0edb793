import MailComposer from 'nodemailer/lib/mail-composer';
import { describe, expect, it } from 'vitest';
import { parseInboundMime } from '../../src/adapters/mime-parse.js';
import { DnMailerError } from '../../src/core/common/errors.js';
import { applyInbound, type InboundPorts } from '../../src/core/events/apply-inbound.js';
import type { InboundNotification } from '../../src/core/events/delivery-event.js';
import { parseQueueMessage } from '../../src/core/events/parse-queue-message.js';
import { syncEvents } from '../../src/core/events/sync-events.js';
import { createUnsubscribeToken } from '../../src/core/unsubscribe/unsubscribe-token.js';
import type { ContactPreferences } from '../../src/ports.js';
import { memoryAuditLog, memoryContactList } from '../support/memory-contacts.js';
import { memoryLedger, memorySuppressions, memoryTracking } from '../support/memory-ports.js';
import { memoryQueue } from '../support/memory-queue.js';
import { type SesReceiptInput, sesReceipt, snsEnvelope } from '../support/ses-event-builder.js';
import { aesTokens } from '../support/unsubscribe-endpoint.js';

const KEY = Buffer.alloc(32, 9);
const NOW = new Date('2025-03-01T12:00:00.000Z');
const TOPIC = 'financial-reports';
const MOLLIE = 'mollie@example.com';
const UNSUB = 'unsubscribe@distronation.test';

function world(
  contacts: readonly ContactPreferences[] = [{ email: MOLLIE, unsubscribeAll: false, topics: {} }],
) {
  const ports = {
    ledger: memoryLedger(),
    tracking: memoryTracking(),
    suppressions: memorySuppressions(),
    contacts: memoryContactList(contacts),
    audit: memoryAuditLog(),
    topic: TOPIC,
    clock: { now: () => NOW },
    actor: 'operator',
    trackingTtlDays: 90,
    tokens: async () => aesTokens(KEY),
    parseMime: parseInboundMime,
  } satisfies InboundPorts;
  return ports;
}

/** A request as a mail client sends it: real MIME (nodemailer's composer), subject as the client wrote it. */
async function requestMime(from: string, subject: string): Promise<string> {
  const node = new MailComposer({ from, to: UNSUB, subject, text: '' }).compile();
  return (await node.build()).toString('utf8');
}

/** The receipt notification SES publishes for that mail, read as the queue reader reads it. */
async function inbound(
  input: Partial<SesReceiptInput> & { from: string; subject: string },
): Promise<InboundNotification> {
  const content = input.s3 ? undefined : (input.content ?? (await requestMime(input.from, input.subject)));
  const body = JSON.stringify(
    snsEnvelope(
      sesReceipt({
        messageId: 'inbound-1',
        to: UNSUB,
        at: '2025-03-01T11:00:00.000Z',
        ...input,
        ...(content === undefined ? {} : { content }),
      }),
    ),
  );
  const parsed = parseQueueMessage(body);
  if (parsed.kind !== 'inbound') throw new Error(`not inbound: ${JSON.stringify(parsed)}`);
  return parsed.mail;
}

const tokenFor = (email: string, issued = NOW, topic = TOPIC) =>
  createUnsubscribeToken(KEY, { email, topic }, issued);

describe('applyInbound: mailto opt-outs', () => {
  it('a valid token opts its address out of its topic, audited with source mailto and the inbound message ID', async () => {
    const ports = world();
    // The token decides the address, not the From (a forwarded mail, or another mailbox of the same person).
    const mail = await inbound({
      from: 'Mollie <m.other@example.org>',
      subject: `Re: unsubscribe ${tokenFor(MOLLIE)}`,
    });
    const result = {
      mailtoOptOuts: [] as string[],
      mailtoRefused: [] as { where: string; reason: string }[],
    };
    expect(await applyInbound([mail], ports, result)).toEqual([]);
    expect(result).toEqual({ mailtoOptOuts: [MOLLIE], mailtoRefused: [] });
    expect((await ports.contacts.get(MOLLIE))?.topics[TOPIC]).toBe('OPT_OUT');
    expect(ports.audit.entries).toEqual([
      expect.objectContaining({
        email: MOLLIE,
        action: 'unsubscribe',
        topic: TOPIC,
        source: 'mailto',
        actor: 'operator',
        at: '2025-03-01T11:00:00.000Z',
        detail: 'inbound message inbound-1',
      }),
    ]);
  });

  it('reads the token from a subject left URL-encoded, in capitals, with extra spaces (base64 content too)', async () => {
    const ports = world();
    const mail = await inbound({
      from: MOLLIE,
      subject: `RE:  UNSUBSCRIBE%20${tokenFor(MOLLIE)}`,
      encoding: 'BASE64',
    });
    const result = { mailtoOptOuts: [] as string[], mailtoRefused: [] };
    await applyInbound([mail], ports, result);
    expect(result.mailtoOptOuts).toEqual([MOLLIE]);
  });

  it('a parser that cannot run (its module did not load) stops the run; a mail it cannot read falls back to SES headers', async () => {
    const mail = await inbound({ from: MOLLIE, subject: `unsubscribe ${tokenFor(MOLLIE)}` });
    const broken = {
      ...world(),
      parseMime: () => Promise.reject(new DnMailerError('cannot load mailparser')),
    };
    await expect(applyInbound([mail], broken)).rejects.toThrow('cannot load mailparser');
    expect(broken.audit.entries).toEqual([]);
    const unreadable = { ...world(), parseMime: () => Promise.reject(new Error('malformed MIME')) };
    const result = { mailtoOptOuts: [] as string[], mailtoRefused: [] };
    await applyInbound([mail], unreadable, result);
    expect(result.mailtoOptOuts).toEqual([MOLLIE]);
  });

  it('a replay changes nothing and writes no second audit row', async () => {
    const ports = world();
    const mail = await inbound({ from: MOLLIE, subject: `unsubscribe ${tokenFor(MOLLIE)}` });
    await applyInbound([mail], ports);
    const writes = ports.contacts.writes;
    const again = { mailtoOptOuts: [] as string[], mailtoRefused: [] };
    await applyInbound([mail, mail], ports, again);
    expect(again).toEqual({ mailtoOptOuts: [], mailtoRefused: [] });
    expect(ports.contacts.writes).toBe(writes);
    expect(ports.audit.entries).toHaveLength(1);
  });

  it('a forged From without a token, failing SPF and DKIM, is reported and changes nothing', async () => {
    const ports = world();
    const mail = await inbound({
      from: `Mollie <${MOLLIE}>`,
      subject: 'unsubscribe',
      verdicts: { spf: 'FAIL', dkim: 'FAIL' },
    });
    const result = {
      mailtoOptOuts: [] as string[],
      mailtoRefused: [] as { where: string; reason: string }[],
    };
    await applyInbound([mail], ports, result);
    expect(result.mailtoOptOuts).toEqual([]);
    expect(result.mailtoRefused).toEqual([
      {
        where: `inbound message inbound-1 from ${MOLLIE}`,
        reason:
          "no unsubscribe token in the subject, and the sender is not verified: SES's verdicts do not pass (neither SPF (FAIL) nor DKIM (FAIL) passed)",
      },
    ]);
    expect(ports.contacts.writes).toBe(0);
    expect(ports.audit.entries).toEqual([]);
  });

  it('spam or virus verdicts other than PASS refuse a sender even with SPF and DKIM passing', async () => {
    const ports = world();
    const mail = await inbound({
      from: MOLLIE,
      subject: 'unsubscribe',
      verdicts: { spam: 'FAIL', virus: 'GRAY' },
    });
    const result = {
      mailtoOptOuts: [] as string[],
      mailtoRefused: [] as { where: string; reason: string }[],
    };
    await applyInbound([mail], ports, result);
    expect(result.mailtoRefused[0]?.reason).toContain('spam verdict FAIL, virus verdict GRAY');
    expect(ports.contacts.writes).toBe(0);
  });

  it('a verified, known sender without a token is opted out (audited: verified sender, no token)', async () => {
    const ports = world();
    const mail = await inbound({
      from: `Mollie <MOLLIE@Example.com>`,
      subject: 'Unsubscribe me please',
      verdicts: { spf: 'FAIL', dkim: 'PASS' },
    });
    const result = { mailtoOptOuts: [] as string[], mailtoRefused: [] };
    await applyInbound([mail], ports, result);
    expect(result.mailtoOptOuts).toEqual([MOLLIE]);
    expect((await ports.contacts.get(MOLLIE))?.topics[TOPIC]).toBe('OPT_OUT');
    expect(ports.audit.entries).toEqual([
      expect.objectContaining({
        email: MOLLIE,
        source: 'mailto',
        detail: 'verified sender, no token (inbound message inbound-1)',
      }),
    ]);
  });

  it('a verified sender that is not a known contact is refused', async () => {
    const ports = world();
    const mail = await inbound({ from: 'stranger@example.net', subject: 'unsubscribe' });
    const result = {
      mailtoOptOuts: [] as string[],
      mailtoRefused: [] as { where: string; reason: string }[],
    };
    await applyInbound([mail], ports, result);
    expect(result.mailtoRefused).toEqual([
      {
        where: 'inbound message inbound-1 from stranger@example.net',
        reason:
          'no unsubscribe token in the subject, and the sender is not verified: the From address is not a known contact',
      },
    ]);
    expect(ports.contacts.writes).toBe(0);
    expect(await ports.contacts.get('stranger@example.net')).toBeUndefined();
  });

  it('an expired token is refused (and its sender, unknown, does not stand in for it)', async () => {
    const ports = world();
    const old = tokenFor(MOLLIE, new Date('2025-01-01T00:00:00.000Z'));
    const mail = await inbound({ from: 'someone@example.net', subject: `unsubscribe ${old}` });
    const result = {
      mailtoOptOuts: [] as string[],
      mailtoRefused: [] as { where: string; reason: string }[],
    };
    await applyInbound([mail], ports, result);
    expect(result.mailtoOptOuts).toEqual([]);
    expect(result.mailtoRefused[0]?.reason).toMatch(
      /^the token is refused \(expired: .*more than 30 days ago\), and the sender is not verified: the From address is not a known contact$/,
    );
    expect(ports.contacts.writes).toBe(0);
    expect(ports.audit.entries).toEqual([]);
  });

  it('a changed token is refused as tampered', async () => {
    const ports = world();
    const token = tokenFor(MOLLIE);
    const changed = `${token.slice(0, 40)}${token[40] === 'A' ? 'B' : 'A'}${token.slice(41)}`;
    const mail = await inbound({
      from: MOLLIE,
      subject: `unsubscribe ${changed}`,
      verdicts: { spf: 'FAIL', dkim: 'FAIL' },
    });
    const result = {
      mailtoOptOuts: [] as string[],
      mailtoRefused: [] as { where: string; reason: string }[],
    };
    await applyInbound([mail], ports, result);
    expect(result.mailtoRefused[0]?.reason).toMatch(/^the token is refused \(tampered: /);
    expect(ports.contacts.writes).toBe(0);
  });

  it('judges a mail without content by the subject SES read (commonHeaders)', async () => {
    const ports = world();
    const mail = await inbound({ from: MOLLIE, subject: `unsubscribe ${tokenFor(MOLLIE)}` });
    delete mail.content;
    const result = { mailtoOptOuts: [] as string[], mailtoRefused: [] };
    await applyInbound([mail], ports, result);
    expect(result.mailtoOptOuts).toEqual([MOLLIE]);
  });

  it('reads a mail stored in S3 through fetchStored; one that cannot be read is returned unread, not judged', async () => {
    const raw = await requestMime(MOLLIE, `unsubscribe ${tokenFor(MOLLIE)}`);
    const stored = new Map([['inbound-mail/mail/1', raw]]);
    const ports = {
      ...world(),
      fetchStored: async (bucket: string, key: string) => {
        const text = stored.get(`${bucket}/${key}`);
        if (text === undefined) throw new Error('NoSuchKey');
        return text;
      },
    };
    // The notification's own subject has no token: only the stored MIME does.
    const found = await inbound({
      from: MOLLIE,
      subject: 'unsubscribe',
      s3: { bucket: 'inbound-mail', key: 'mail/1' },
    });
    const missing = { ...found, messageId: 'inbound-2', stored: { bucket: 'inbound-mail', key: 'mail/2' } };
    const result = { mailtoOptOuts: [] as string[], mailtoRefused: [] };
    const unread = await applyInbound([found, missing], ports, result);
    expect(result).toEqual({ mailtoOptOuts: [MOLLIE], mailtoRefused: [] });
    expect(unread).toEqual([
      {
        mail: missing,
        problem: 'inbound mail stored in S3 (s3://inbound-mail/mail/2) could not be read: NoSuchKey',
      },
    ]);
    const withoutReader = await applyInbound([found], world());
    expect(withoutReader.map((u) => u.problem)).toEqual([
      'inbound mail stored in S3 (s3://inbound-mail/mail/1): not fetched yet',
    ]);
  });
});

describe('syncEvents with inbound mail', () => {
  it('acknowledges applied and refused mails, leaves an unreadable stored one, and a replay changes nothing', async () => {
    const ports = world();
    const queue = memoryQueue();
    const body = async (input: Partial<SesReceiptInput> & { from: string; subject: string }) => {
      const content = input.s3 ? {} : { content: await requestMime(input.from, input.subject) };
      return JSON.stringify(
        snsEnvelope(
          sesReceipt({ messageId: 'in', to: UNSUB, at: '2025-03-01T11:00:00.000Z', ...content, ...input }),
        ),
      );
    };
    const valid = await body({ messageId: 'in-1', from: MOLLIE, subject: `unsubscribe ${tokenFor(MOLLIE)}` });
    queue.send(valid);
    queue.send(
      await body({
        messageId: 'in-2',
        from: MOLLIE,
        subject: 'unsubscribe',
        verdicts: { dkim: 'FAIL', spf: 'FAIL' },
      }),
    );
    queue.send(await body({ messageId: 'in-3', from: MOLLIE, subject: 'x', s3: { bucket: 'b', key: 'k' } }));
    const summary = await syncEvents(queue, ports, { receivers: 2 });
    expect(summary).toMatchObject({ inbound: 3, acknowledged: 2, leftOnQueue: 1, mailtoOptOuts: [MOLLIE] });
    expect(summary.mailtoRefused.map((r) => r.where)).toEqual([`inbound message in-2 from ${MOLLIE}`]);
    expect(summary.malformed).toEqual([
      {
        where: 'message msg-3 (received 1×)',
        problem: 'inbound mail stored in S3 (s3://b/k): not fetched yet',
      },
    ]);
    expect(queue.messages.map((m) => m.id)).toEqual(['msg-3']);
    queue.send(valid);
    const replay = await syncEvents(queue, ports, { receivers: 1 });
    expect(replay).toMatchObject({ inbound: 1, acknowledged: 1, mailtoOptOuts: [], mailtoRefused: [] });
    expect(ports.audit.entries).toHaveLength(1);
  });
});
