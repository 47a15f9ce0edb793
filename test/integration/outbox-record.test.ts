import { mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOutboxMailer, createOutboxRecord } from '../../src/adapters/local/outbox.js';
import { messageIdFor } from '../../src/core/send/message-id.js';
import { SendOutcomeUnknownError } from '../../src/core/send/send-errors.js';
import type { OutgoingMessage } from '../../src/ports.js';

const CAMPAIGN = 'financial-2025-01-a1b2c3d4';
const FROM = 'Finance <reports@distro-nation.test>';

/** What the send loop hands the outbox: our Message-ID, the one the core can recompute for an `unknown` row. */
const message = (to: string, from = FROM): OutgoingMessage => ({
  to,
  from,
  bcc: [],
  subject: 'Your statement',
  html: '<p>hi</p>',
  text: 'hi',
  headers: {},
  messageId: messageIdFor(CAMPAIGN, to, from),
  date: new Date('2025-02-10T12:00:00Z'),
  tags: {},
});

const newOutbox = () => mkdtemp(path.join(tmpdir(), 'dn-outbox-record-'));

describe('the outbox as the provider record (proof for unknown rows, local backend)', () => {
  it('says sent for a message the outbox wrote, not-sent for one it never wrote', async () => {
    const dir = await newOutbox();
    await createOutboxMailer(dir).send(message('dylan@example.com'));
    const record = createOutboxRecord(dir);
    expect(await record.lookup(messageIdFor(CAMPAIGN, 'dylan@example.com', FROM))).toBe('sent');
    expect(await record.lookup(messageIdFor(CAMPAIGN, 'mollie@example.com', FROM))).toBe('not-sent');
    // Another campaign to the same recipient is another message.
    expect(await record.lookup(messageIdFor('financial-2025-02-ffff0000', 'dylan@example.com', FROM))).toBe(
      'not-sent',
    );
  });

  it('a simulated timeout (nothing written) is not-sent', async () => {
    const dir = await newOutbox();
    const clock = { now: () => new Date('2025-02-10T12:00:00Z') };
    const simulate = { reject: [], unknown: ['jody@example.org'], throttle: 0 };
    const mailer = createOutboxMailer(dir, { simulate, clock });
    await expect(mailer.send(message('jody@example.org'))).rejects.toBeInstanceOf(SendOutcomeUnknownError);
    expect(await createOutboxRecord(dir).lookup(messageIdFor(CAMPAIGN, 'jody@example.org', FROM))).toBe(
      'not-sent',
    );
  });

  it('a crash before the link (only the .eml.tmp is there) is not-sent', async () => {
    const dir = await newOutbox();
    const id = messageIdFor(CAMPAIGN, 'dylan@example.com', FROM);
    await writeFile(path.join(dir, `${id}.eml.tmp`), 'half a message');
    expect(await createOutboxRecord(dir).lookup(id)).toBe('not-sent');
  });

  it('counts a numbered copy (.2.eml) and the same message under another sender domain', async () => {
    const dir = await newOutbox();
    const mailer = createOutboxMailer(dir);
    const id = messageIdFor(CAMPAIGN, 'dylan@example.com', FROM);
    await mailer.send(message('dylan@example.com'));
    await mailer.send(message('dylan@example.com'));
    expect((await readdir(dir)).sort()).toEqual([`${id}.2.eml`, `${id}.eml`]);
    await rm(path.join(dir, `${id}.eml`));
    const record = createOutboxRecord(dir);
    expect(await record.lookup(id)).toBe('sent');
    // email.from changed since the send: the campaign and recipient part of the name still decides.
    expect(await record.lookup(messageIdFor(CAMPAIGN, 'dylan@example.com', 'ops@new-domain.test'))).toBe(
      'sent',
    );
  });

  it('cannot tell without the outbox folder (moved, or outbox.dir changed)', async () => {
    const dir = await newOutbox();
    await createOutboxMailer(dir).send(message('dylan@example.com'));
    const moved = `${dir}-moved`;
    await rename(dir, moved);
    const record = createOutboxRecord(dir);
    expect(await record.lookup(messageIdFor(CAMPAIGN, 'dylan@example.com', FROM))).toBe('unknown');
    expect(await record.lookup(messageIdFor(CAMPAIGN, 'mollie@example.com', FROM))).toBe('unknown');
    expect(await createOutboxRecord(moved).lookup(messageIdFor(CAMPAIGN, 'dylan@example.com', FROM))).toBe(
      'sent',
    );
  });

  it('finds a message whose ID had characters unsafe in a file name', async () => {
    const dir = await newOutbox();
    const odd = { ...message('dylan@example.com'), messageId: 'c/1 x.abc@example.com' };
    await createOutboxMailer(dir).send(odd);
    expect(await readdir(dir)).toEqual(['c_1_x.abc@example.com.eml']);
    expect(await createOutboxRecord(dir).lookup('c/1 x.abc@example.com')).toBe('sent');
    expect(await createOutboxRecord(dir).lookup('c/1 x.abd@example.com')).toBe('not-sent');
  });
});
