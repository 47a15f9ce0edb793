import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/common/errors.js';
import { createUnsubscribeToken, parseTokenKey } from '../../src/core/unsubscribe/unsubscribe-token.js';
import type { AuditEntry, ContactPreferences } from '../../src/ports.js';
import { DEMO_CONFIG } from '../support/cli.js';
import { createMemoryWorld, type MemoryWorld, runInProcess } from '../support/memory-backend.js';

/** `unsubscribe`, `resubscribe` and `contacts show` in-process, on the demo workspace with in-memory contacts. */

const NOW = new Date('2025-02-10T12:00:00.000Z');
const DAY_MS = 86_400_000;
const demo = JSON.parse(readFileSync(DEMO_CONFIG, 'utf8')) as {
  unsubscribe: { topic: string; tokenKey: { file: string } };
};
const TOPIC = demo.unsubscribe.topic;
const TOKEN_KEY = parseTokenKey(
  readFileSync(path.resolve(path.dirname(DEMO_CONFIG), demo.unsubscribe.tokenKey.file), 'utf8'),
);
/** A creator of the demo's users.json, not on the (empty) contact list. */
const CREATOR = 'dylan@example.com';
const MASKED = 'd***@example.com';
/** On the contact list only, not a creator. */
const CONTACT = 'fan@example.org';

function run(args: readonly string[], world: MemoryWorld) {
  return runInProcess(['--config', DEMO_CONFIG, ...args], { world, now: NOW });
}

function worldWith(...contacts: ContactPreferences[]): MemoryWorld {
  const world = createMemoryWorld();
  for (const contact of contacts) world.contacts.contacts.set(contact.email, contact);
  return world;
}

function tokenFor(email: string, issuedAt = new Date(NOW.getTime() - DAY_MS), topic = TOPIC): string {
  return createUnsubscribeToken(TOKEN_KEY, { email, topic }, issuedAt);
}

const topicOf = (world: MemoryWorld, email: string, topic = TOPIC) =>
  world.contacts.contacts.get(email)?.topics[topic];

describe('dn-mailer unsubscribe', () => {
  it('opts a known creator out, writes one audit row (cli, test-operator, --reason) and masks the address', async () => {
    const world = worldWith();
    const result = await run(['unsubscribe', CREATOR, '--reason', 'asked by phone'], world);
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(world.contacts.contacts.get(CREATOR)).toEqual({
      email: CREATOR,
      unsubscribeAll: false,
      topics: { [TOPIC]: 'OPT_OUT' },
    });
    expect(world.audit.entries).toEqual<AuditEntry[]>([
      {
        at: NOW.toISOString(),
        email: CREATOR,
        action: 'unsubscribe',
        topic: TOPIC,
        actor: 'test-operator',
        source: 'cli',
        reason: 'asked by phone',
      },
    ]);
    expect(result.stdout).toBe(`✔ ${MASKED} unsubscribed for ${TOPIC}\n`);
    expect(world.opens).toBe(world.closes);
  });

  it('normalizes the address, takes --topic, and keeps the other topics of a contact', async () => {
    const world = worldWith({ email: CONTACT, unsubscribeAll: false, topics: { [TOPIC]: 'OPT_IN' } });
    const result = await run(['unsubscribe', 'Fan@Example.ORG', '--topic', 'newsletter', '--verbose'], world);
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(world.contacts.contacts.get(CONTACT)?.topics).toEqual({
      [TOPIC]: 'OPT_IN',
      newsletter: 'OPT_OUT',
    });
    expect(world.audit.entries).toHaveLength(1);
    expect(world.audit.entries[0]).toMatchObject({ email: CONTACT, topic: 'newsletter', reason: undefined });
    expect(result.stdout).toBe(`✔ ${CONTACT} unsubscribed for newsletter\n`);
  });

  it('--json prints the change: before, after and whether it changed anything', async () => {
    const before = { email: CONTACT, unsubscribeAll: false, topics: { [TOPIC]: 'OPT_IN' as const } };
    const world = worldWith(before);
    const result = await run(['--json', 'unsubscribe', CONTACT], world);
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(result.json()).toEqual({
      email: CONTACT,
      topic: TOPIC,
      before,
      after: { ...before, topics: { [TOPIC]: 'OPT_OUT' } },
      changed: true,
    });
  });

  it('an address already opted out is recorded again (changed: false, a second audit row)', async () => {
    const world = worldWith({ email: CONTACT, unsubscribeAll: false, topics: { [TOPIC]: 'OPT_OUT' } });
    const result = await run(['unsubscribe', CONTACT], world);
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(result.stdout).toBe(`✔ f***@example.org already unsubscribed (recorded again) for ${TOPIC}\n`);
    expect(world.audit.entries).toHaveLength(1);
  });

  it('--token opts out the address and topic the token holds (source token)', async () => {
    const world = worldWith();
    const result = await run(
      ['--json', 'unsubscribe', '--token', tokenFor(CREATOR, undefined, 'promo')],
      world,
    );
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(result.json()).toMatchObject({ email: CREATOR, topic: 'promo', changed: true });
    expect(world.contacts.contacts.get(CREATOR)?.topics).toEqual({ promo: 'OPT_OUT' });
    expect(world.audit.entries).toEqual([
      expect.objectContaining({ email: CREATOR, topic: 'promo', source: 'token', actor: 'test-operator' }),
    ]);
  });

  it('--token also takes the whole link the creator pasted', async () => {
    const world = worldWith();
    const link = `http://127.0.0.1:8787/unsubscribe?data=${tokenFor(CREATOR)}`;
    const result = await run(['unsubscribe', '--token', link], world);
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(topicOf(world, CREATOR)).toBe('OPT_OUT');
  });

  it.each([
    ['malformed', 'not*a*token', /--token: unsubscribe token: not a token/],
    ['cut off', tokenFor(CREATOR).slice(0, 30), /--token: unsubscribe token: .*cut off/],
    ['expired', tokenFor(CREATOR, new Date(NOW.getTime() - 31 * DAY_MS)), /--token: .*expired/],
  ])('a %s token → exit 4 with a hint, nothing changed', async (_kind, token, message) => {
    const world = worldWith();
    const result = await run(['unsubscribe', '--token', token], world);
    expect(result.code).toBe(ExitCode.input);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('hint: paste the data=… value of the link exactly');
    expect(world.contacts.contacts.size).toBe(0);
    expect(world.contacts.writes).toBe(0);
    expect(world.audit.entries).toEqual([]);
    expect(world.opens).toBe(world.closes);
  });

  it('an address that is neither a contact nor a creator → exit 4, nothing changed', async () => {
    const world = worldWith();
    const result = await run(['unsubscribe', 'stranger@example.com'], world);
    expect(result.code).toBe(ExitCode.input);
    expect(result.stderr).toContain(
      'stranger@example.com is neither on the contact list (memory-contacts) nor a known creator',
    );
    expect(result.stdout).toBe('');
    expect(world.contacts.writes).toBe(0);
    expect(world.audit.entries).toEqual([]);
  });

  it('an excluded internal account is not a known creator either (exit 4)', async () => {
    const world = worldWith();
    const result = await run(['unsubscribe', 'qa-team@distro-nation.test'], world);
    expect(result.code).toBe(ExitCode.input);
    expect(world.audit.entries).toEqual([]);
  });

  it('an invalid address → exit 4; --json puts the error on stdout', async () => {
    const world = worldWith();
    const result = await run(['--json', 'unsubscribe', 'not-an-address'], world);
    expect(result.code).toBe(ExitCode.input);
    expect(result.json()).toMatchObject({
      error: { message: '"not-an-address" is not a valid e-mail address', exitCode: ExitCode.input },
    });
    expect(world.contacts.writes).toBe(0);
  });

  it.each([
    ['both an address and --token', [CREATOR, '--token', 'abc'], 'give an address or --token, not both'],
    ['neither', [], 'give an address or --token\n'],
  ])('%s → exit 2', async (_case, args, message) => {
    const world = worldWith();
    const result = await run(['unsubscribe', ...args], world);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain(message);
    expect(world.contacts.writes).toBe(0);
  });
});

describe('dn-mailer resubscribe', () => {
  const optedOut = (): ContactPreferences => ({
    email: CREATOR,
    unsubscribeAll: true,
    topics: { [TOPIC]: 'OPT_OUT' },
  });

  it('without --yes and without a terminal refuses (exit 2) and changes nothing', async () => {
    const world = worldWith(optedOut());
    const result = await run(['resubscribe', CREATOR, '--reason', 'asked'], world);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain('refusing to go on without confirmation: no terminal to ask on');
    expect(result.stderr).toContain('hint: add --yes to resubscribe without a terminal');
    expect(world.contacts.contacts.get(CREATOR)).toEqual(optedOut());
    expect(world.contacts.writes).toBe(0);
    expect(world.audit.entries).toEqual([]);
  });

  it('with --yes opts back in (and clears unsubscribe-all), audited with the reason', async () => {
    const world = worldWith(optedOut());
    const result = await run(
      ['resubscribe', CREATOR, '--yes', '--reason', 'asked to receive reports'],
      world,
    );
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(world.contacts.contacts.get(CREATOR)).toEqual({
      email: CREATOR,
      unsubscribeAll: false,
      topics: { [TOPIC]: 'OPT_IN' },
    });
    expect(world.audit.entries).toEqual([
      {
        at: NOW.toISOString(),
        email: CREATOR,
        action: 'resubscribe',
        topic: TOPIC,
        actor: 'test-operator',
        source: 'cli',
        reason: 'asked to receive reports',
      },
    ]);
    expect(result.stdout).toBe(`✔ ${MASKED} resubscribed for ${TOPIC}\n`);
  });

  it('--topic resubscribes that topic only; --json shows the result', async () => {
    const world = worldWith({ email: CREATOR, unsubscribeAll: false, topics: { [TOPIC]: 'OPT_OUT' } });
    const result = await run(['--json', 'resubscribe', CREATOR, '--topic', 'promo', '--yes'], world);
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(result.json()).toMatchObject({
      email: CREATOR,
      topic: 'promo',
      after: { topics: { [TOPIC]: 'OPT_OUT', promo: 'OPT_IN' } },
      changed: true,
    });
  });

  it('an unknown address is refused even with --yes (exit 4)', async () => {
    const world = worldWith();
    const result = await run(['resubscribe', 'stranger@example.com', '--yes'], world);
    expect(result.code).toBe(ExitCode.input);
    expect(world.audit.entries).toEqual([]);
  });
});

describe('dn-mailer contacts show', () => {
  async function worldWithHistory(): Promise<MemoryWorld> {
    const world = worldWith();
    expect((await run(['unsubscribe', CREATOR, '--reason', 'asked by phone'], world)).code).toBe(0);
    return world;
  }

  it('prints the preferences and the history, the address masked', async () => {
    const world = await worldWithHistory();
    const result = await run(['contacts', 'show', CREATOR], world);
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    const lines = result.stdout.split('\n');
    expect(lines.slice(0, 5)).toEqual([
      MASKED,
      '  unsubscribed from everything: no',
      `  ${TOPIC}: OPT_OUT`,
      '',
      'History:',
    ]);
    expect(lines[5]).toMatch(/^WHEN\s+WHAT\s+TOPIC\s+SOURCE\s+WHO\s+REASON\s+DETAIL/);
    const row = lines.find((line) => line.startsWith(NOW.toISOString()));
    expect(row).toMatch(
      new RegExp(
        `^${NOW.toISOString()}\\s+unsubscribe\\s+${TOPIC}\\s+cli\\s+test-operator\\s+asked by phone`,
      ),
    );
    expect(result.stdout).not.toContain(CREATOR);
  });

  it('--verbose shows the whole address', async () => {
    const world = await worldWithHistory();
    const result = await run(['--verbose', 'contacts', 'show', CREATOR], world);
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(result.stdout.split('\n')[0]).toBe(CREATOR);
  });

  it('--json gives { email, preferences, history }', async () => {
    const world = await worldWithHistory();
    const result = await run(['--json', 'contacts', 'show', 'Dylan@Example.com'], world);
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(result.json()).toEqual({
      email: CREATOR,
      preferences: { email: CREATOR, unsubscribeAll: false, topics: { [TOPIC]: 'OPT_OUT' } },
      history: [
        {
          at: NOW.toISOString(),
          email: CREATOR,
          action: 'unsubscribe',
          topic: TOPIC,
          actor: 'test-operator',
          source: 'cli',
          reason: 'asked by phone',
        },
      ],
      suppression: null,
      complaints: [],
    });
  });

  it('an address with no record: not on the list, no changes (json: preferences null, history [])', async () => {
    const world = worldWith();
    const human = await run(['contacts', 'show', 'nobody@example.com'], world);
    expect(human.code).toBe(ExitCode.ok);
    expect(human.stdout).toBe(
      'n***@example.com\n  not on the contact list (every topic follows its default)\n\nNo changes recorded.\n',
    );
    const json = await run(['--json', 'contacts', 'show', 'nobody@example.com'], world);
    expect(json.json()).toEqual({
      email: 'nobody@example.com',
      preferences: null,
      history: [],
      suppression: null,
      complaints: [],
    });
    // Each run opens the subscription ports and the sending ports (the suppression table), and closes both.
    expect(world.opens).toBe(4);
    expect(world.closes).toBe(4);
  });

  it('an invalid address → exit 4', async () => {
    const result = await run(['contacts', 'show', 'nope'], worldWith());
    expect(result.code).toBe(ExitCode.input);
    expect(result.stderr).toContain('"nope" is not a valid e-mail address');
  });
});
