import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOutboxMailer } from '../../src/adapters/local/outbox.js';
import { SIMULATING_PROVIDER } from '../../src/adapters/local/outbox-simulation.js';
import { createConfigSchema } from '../../src/config/schema.js';
import {
  SendOutcomeUnknownError,
  SendRejectedError,
  SendThrottledError,
} from '../../src/core/send/send-errors.js';
import type { OutgoingMessage } from '../../src/ports.js';

const message = (to: string, n = 1): OutgoingMessage => ({
  to,
  from: 'Finance <reports@distro-nation.test>',
  bcc: [],
  subject: 'Your statement',
  html: '<p>hi</p>',
  text: 'hi',
  headers: {},
  messageId: `m${n}.${to}`,
  date: new Date('2025-02-10T12:00:00Z'),
  tags: {},
});

function clockAt(ms: number) {
  const clock = { ms, now: () => new Date(clock.ms) };
  return clock;
}

const none = { reject: [], unknown: [], throttle: 0 };
const emls = async (dir: string) => (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.eml'));

describe('the outbox simulation (outbox.simulate, rehearsal only)', () => {
  it('simulates nothing unless configured: the provider stays "outbox"', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dn-outbox-'));
    const clock = clockAt(0);
    expect(createOutboxMailer(dir).provider).toBe('outbox');
    const mailer = createOutboxMailer(dir, { simulate: none, clock });
    expect(mailer.provider).toBe('outbox');
    await mailer.send(message('a@example.com'));
    expect(await emls(dir)).toHaveLength(1);
  });

  it('rejects a listed address, ends a listed one unknown with nothing written, sends the rest', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dn-outbox-'));
    const simulate = { reject: ['mollie@example.com'], unknown: ['jody@example.org'], throttle: 0 };
    const mailer = createOutboxMailer(dir, { simulate, clock: clockAt(0) });
    expect(mailer.provider).toBe(SIMULATING_PROVIDER);
    await expect(mailer.send(message('Mollie@Example.com'))).rejects.toBeInstanceOf(SendRejectedError);
    await expect(mailer.send(message('jody@example.org'))).rejects.toBeInstanceOf(SendOutcomeUnknownError);
    expect(await emls(dir)).toEqual([]);
    await expect(mailer.send(message('dylan@example.com'))).resolves.toEqual({
      messageId: 'm1.dylan@example.com',
    });
    expect(await emls(dir)).toHaveLength(1);
  });

  it('throttles sends faster than `throttle` per second, writing nothing, and lets them through a second later', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dn-outbox-'));
    const clock = clockAt(10_000);
    const mailer = createOutboxMailer(dir, { simulate: { ...none, throttle: 2 }, clock });
    await mailer.send(message('a@example.com', 1));
    clock.ms += 100;
    await mailer.send(message('a@example.com', 2));
    clock.ms += 100;
    await expect(mailer.send(message('a@example.com', 3))).rejects.toBeInstanceOf(SendThrottledError);
    expect(await emls(dir)).toHaveLength(2);
    clock.ms += 850; // the first send is more than a second old now
    await mailer.send(message('a@example.com', 3));
    expect(await emls(dir)).toHaveLength(3);
  });

  it('the config key: defaults simulate nothing; addresses are checked and lower-cased', () => {
    const schema = createConfigSchema();
    const base = { backend: 'local', reports: { dir: 'reports' }, users: { file: 'users.json' } };
    const parsed = schema.parse(base);
    expect(parsed.outbox.simulate).toEqual(none);
    const on = schema.parse({
      ...base,
      outbox: { simulate: { reject: [' Mollie@Example.com'], throttle: '3' } },
    });
    expect(on.outbox.simulate).toEqual({ reject: ['mollie@example.com'], unknown: [], throttle: 3 });
    expect(() => schema.parse({ ...base, outbox: { simulate: { unknown: ['not-an-address'] } } })).toThrow();
    expect(() => schema.parse({ ...base, outbox: { simulate: { throttle: -1 } } })).toThrow();
  });
});
