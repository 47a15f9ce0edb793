import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/common/errors.js';
import type { AuditEntry } from '../../src/ports.js';
import { DEMO_CONFIG } from '../support/cli.js';
import { createMemoryWorld, type MemoryWorld, runInProcess } from '../support/memory-backend.js';

// `contacts show` tells the support desk why a creator gets no statement any more (issue 12, item 5): the
// suppression a bounce or complaint left (reason, since, expiry) and the complaints in the audit trail. In-process,
// on the memory world; suppressions and audit entries are written as `events sync` leaves them.
const NOW = new Date('2025-03-10T12:00:00.000Z');
const TOPIC = (JSON.parse(readFileSync(DEMO_CONFIG, 'utf8')) as { unsubscribe: { topic: string } })
  .unsubscribe.topic;
const BOUNCED = 'dylan@example.com';
const COMPLAINER = 'mollie@example.com';
const COMPLAINED_AT = '2025-02-01T10:05:00.000Z';
const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

const complaint: AuditEntry = {
  at: COMPLAINED_AT,
  email: COMPLAINER,
  action: 'unsubscribe',
  topic: TOPIC,
  actor: 'ops@example.com',
  source: 'complaint',
  reason: 'complaint (abuse) on message ses-1',
};

async function worldWithOutcomes(): Promise<MemoryWorld> {
  const world = createMemoryWorld();
  await world.suppressions.add([
    {
      email: BOUNCED,
      reason: 'bounce',
      at: '2025-02-01T10:04:00.000Z',
      expirationTime: seconds('2025-05-02T10:04:00.000Z'),
    },
    { email: COMPLAINER, reason: 'complaint', at: COMPLAINED_AT },
  ]);
  world.contacts.contacts.set(COMPLAINER, {
    email: COMPLAINER,
    unsubscribeAll: false,
    topics: { [TOPIC]: 'OPT_OUT' },
  });
  await world.audit.record(complaint);
  return world;
}

const show = (world: MemoryWorld, ...args: string[]) =>
  runInProcess(['--config', DEMO_CONFIG, 'contacts', 'show', ...args], {
    world,
    now: NOW,
    cwd: path.dirname(DEMO_CONFIG),
  });

describe('dn-mailer contacts show: suppressions and complaints', () => {
  it('a bounced address: suppressed, with the reason, since when and when it expires', async () => {
    const world = await worldWithOutcomes();
    const result = await show(world, BOUNCED);
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(result.stdout).toBe(
      'd***@example.com\n' +
        '  not on the contact list (every topic follows its default)\n' +
        '  suppressed: bounce since 2025-02-01T10:04:00.000Z, expires 2025-05-02T10:04:00.000Z — sends skip this address\n' +
        '\nNo changes recorded.\n',
    );
    // Both parts were opened and closed: the contact list and the sending ports (the suppression table).
    expect(world.opens).toBe(2);
    expect(world.closes).toBe(2);
  });

  it('a complainer: opted out, suppressed without expiry, and the complaint is named and in the history', async () => {
    const world = await worldWithOutcomes();
    const result = await show(world, COMPLAINER);
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    const lines = result.stdout.split('\n');
    expect(lines.slice(0, 5)).toEqual([
      'm***@example.com',
      '  unsubscribed from everything: no',
      `  ${TOPIC}: OPT_OUT`,
      `  suppressed: complaint since ${COMPLAINED_AT}, does not expire — sends skip this address`,
      `  complained (marked a statement as spam) once, the latest ${COMPLAINED_AT}: see History`,
    ]);
    expect(lines.find((line) => line.startsWith(COMPLAINED_AT))).toMatch(
      new RegExp(
        `^${COMPLAINED_AT}\\s+unsubscribe\\s+${TOPIC}\\s+complaint\\s+ops@example\\.com\\s+complaint \\(abuse\\)`,
      ),
    );
  });

  it('--json: { suppression, complaints } next to the preferences and history', async () => {
    const world = await worldWithOutcomes();
    const bounced = (await show(world, '--json', BOUNCED)).json();
    expect(bounced).toEqual({
      email: BOUNCED,
      preferences: null,
      history: [],
      suppression: {
        email: BOUNCED,
        reason: 'bounce',
        at: '2025-02-01T10:04:00.000Z',
        expirationTime: seconds('2025-05-02T10:04:00.000Z'),
        expiresAt: '2025-05-02T10:04:00.000Z',
        expired: false,
      },
      complaints: [],
    });
    const complainer = (await show(world, '--json', COMPLAINER)).json<{ complaints: AuditEntry[] }>();
    expect(complainer).toMatchObject({
      suppression: { reason: 'complaint', expiresAt: null, expired: false },
      complaints: [complaint],
    });
  });

  it('an expired suppression is shown as expired, not as blocking', async () => {
    const world = createMemoryWorld();
    await world.suppressions.add([
      {
        email: BOUNCED,
        reason: 'bounce',
        at: '2024-11-01T00:00:00.000Z',
        expirationTime: seconds('2025-01-30T00:00:00.000Z'),
      },
    ]);
    const result = await show(world, BOUNCED);
    expect(result.stdout).toContain(
      '  suppressed: bounce since 2024-11-01T00:00:00.000Z, expired 2025-01-30T00:00:00.000Z (it still blocks until removed from the suppression table)\n',
    );
    expect(result.stdout).not.toContain('sends skip this address');
  });

  it('a contact with neither reads as before', async () => {
    const world = await worldWithOutcomes();
    const result = await show(world, 'nobody@example.com');
    expect(result.stdout).toBe(
      'n***@example.com\n  not on the contact list (every topic follows its default)\n\nNo changes recorded.\n',
    );
  });
});
