import { describe, expect, it } from 'vitest';
import type { LedgerStatus } from '../../src/ports.js';
import { DEMO_CONFIG } from '../support/cli.js';
import { createMemoryWorld, type MemoryWorld, runInProcess } from '../support/memory-backend.js';

// `status` and `campaigns` tell the truth (issue 11, item 3): exit 0 only for a finished campaign, 6 with the
// command that finishes it, 4 for a campaign the ledger does not hold. In-process, on a ledger seeded directly.
const NOW = new Date('2025-11-10T12:00:00Z');
const OCTOBER = 'financial-2025-10';
const JANUARY = 'financial-2025-01';

function cli(world: MemoryWorld, args: readonly string[]) {
  return runInProcess([...args, '--config', DEMO_CONFIG], { world, now: NOW });
}
const status = (world: MemoryWorld, ...args: string[]) => cli(world, ['status', ...args]);
const campaigns = (world: MemoryWorld, ...args: string[]) => cli(world, ['campaigns', ...args]);

const address = (i: number) => `creator${String(i).padStart(4, '0')}@example.com`;

/** Plans `total` rows at `at`, then moves the first ones into the states given, in order. */
async function seed(
  world: MemoryWorld,
  campaignId: string,
  total: number,
  moves: [Exclude<LedgerStatus, 'planned'>, number][],
  at: Date,
): Promise<void> {
  const rows = Array.from({ length: total }, (_, i) => ({ email: address(i), customIds: [`ID${i}`] }));
  await world.ledger.ensurePlanned(campaignId, rows, at);
  let next = 0;
  for (const [state, count] of moves) {
    for (const { email } of rows.slice(next, next + count)) {
      if (state === 'skipped') {
        await world.ledger.finish(
          campaignId,
          email,
          'planned',
          { status: 'skipped', reason: 'unsubscribed' },
          at,
        );
        continue;
      }
      await world.ledger.claim(campaignId, email, ['planned'], 'run-1', at);
      if (state === 'sending') continue;
      const outcome =
        state === 'sent'
          ? { status: state, messageId: `m-${email}` }
          : { status: state, reason: state === 'failed' ? 'MessageRejected: not verified' : 'timed out' };
      await world.ledger.finish(campaignId, email, 'sending', outcome, at, 'run-1');
    }
    next += count;
  }
}

interface StatusDoc {
  campaignId: string;
  finished: boolean;
  view: string;
  counts: Record<LedgerStatus, number>;
  total: number;
  rows: { email: string; status: string }[];
  problems: { email: string; status: string }[];
  toFinish: { status: string; count: number; command: string }[];
}

describe('an interrupted campaign: 1,500 rows, 243 sent, 1,257 planned', () => {
  const world = createMemoryWorld();
  const ready = seed(world, OCTOBER, 1_500, [['sent', 243]], new Date('2025-11-03T09:00:00Z'));

  it('status exits 6, counts the planned rows and prints the command that continues', async () => {
    await ready;
    const result = await status(world, '--month', 'October', '--year', '2025');
    expect(result.code, result.stderr).toBe(6);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(
      `${OCTOBER} (memory ledger): 1500 rows · 243 sent · 0 skipped · 0 failed · 0 unknown · 0 sending · 1257 planned`,
    );
    expect(result.stdout).toContain('✘ not finished: 1257 planned');
    expect(result.stdout).toContain('1257 planned: not sent yet');
    expect(result.stdout).toContain('    dn-mailer send-report --month October --year 2025\n');
    expect(result.stdout).toContain('add --unfinished to list them');
    // Nothing needs a decision row by row: no table by default.
    expect(result.stdout).not.toContain('RECIPIENT');
  });

  it('--failed says not finished too (never "all clear" for planned rows)', async () => {
    await ready;
    const result = await status(world, '--campaign-id', OCTOBER, '--failed');
    expect(result.code).toBe(6);
    expect(result.stdout).toContain('✘ not finished: 1257 planned');
  });

  it('--unfinished lists every planned row (masked); --json carries the finishing command', async () => {
    await ready;
    const result = await status(world, '--campaign-id', OCTOBER, '--unfinished');
    expect(result.code).toBe(6);
    const rows = result.stdout.split('\n').filter((line) => /^c\*\*\*@example\.com\s+planned\s/.test(line));
    expect(rows).toHaveLength(1_257);
    expect(result.stdout).not.toContain('creator0243@example.com');

    const json = (await status(world, '--campaign-id', OCTOBER, '--unfinished', '--json')).json<StatusDoc>();
    expect(json).toMatchObject({ campaignId: OCTOBER, finished: false, view: 'unfinished', total: 1_500 });
    expect(json.rows).toHaveLength(1_257);
    expect(json.toFinish).toEqual([
      {
        status: 'planned',
        count: 1_257,
        why: 'not sent yet',
        command: 'dn-mailer send-report --month October --year 2025',
      },
    ]);
  });
});

describe('a campaign with every kind of unfinished row', () => {
  const world = createMemoryWorld();
  const ready = seed(
    world,
    JANUARY,
    10,
    [
      ['sent', 4],
      ['skipped', 1],
      ['failed', 2],
      ['unknown', 1],
      ['sending', 1],
    ],
    new Date('2025-02-10T12:00:00Z'),
  );

  it('default: the failed, unknown and stuck rows with reasons, and one command per state', async () => {
    await ready;
    const result = await status(world, '--month', 'jan', '--year', '2025');
    expect(result.code).toBe(6);
    const table = result.stdout.split('\n').filter((line) => line.startsWith('c***@'));
    expect(table.map((line) => line.split(/\s+/)[1])).toEqual(['failed', 'failed', 'unknown', 'sending']);
    expect(table[0]).toContain('MessageRejected: not verified');
    expect(result.stdout).toContain('✘ not finished: 1 sending · 1 unknown · 2 failed · 1 planned');
    const resume = 'dn-mailer send-report --month January --year 2025';
    expect(result.stdout).toContain(`    ${resume} --retry-unknown\n`);
    expect(result.stdout).toContain(`    ${resume} --retry-failed\n`);
    expect(result.stdout).toContain("check the provider's logs");
  });

  it('--failed lists the same rows; --all lists every row', async () => {
    await ready;
    const failed = await status(world, '--campaign-id', JANUARY, '--failed', '--json');
    expect(failed.json<StatusDoc>().rows.map((r) => r.status)).toEqual([
      'failed',
      'failed',
      'unknown',
      'sending',
    ]);
    const all = await status(world, '--campaign-id', JANUARY, '--all', '--json');
    expect(all.code).toBe(6);
    expect(all.json<StatusDoc>().rows).toHaveLength(10);
    expect(all.json<StatusDoc>().view).toBe('all');
  });

  it('--email answers for one recipient: sent → 0, failed → 6 with the command, masked unless --verbose', async () => {
    await ready;
    const sent = await status(world, '--campaign-id', JANUARY, '--email', 'Creator0000@Example.com');
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toContain(
      `${JANUARY} (memory ledger) · c***@example.com: sent (2025-02-10T12:00:00.000Z)`,
    );
    expect(sent.stdout).toContain('message m-creator0000@example.com');
    expect(sent.stdout).toContain('✔ sent to c***@example.com');

    const failed = await status(world, '--campaign-id', JANUARY, '--email', address(5), '--verbose');
    expect(failed.code).toBe(6);
    expect(failed.stdout).toContain(`${address(5)}: failed`);
    expect(failed.stdout).toContain('reason: MessageRejected: not verified');
    expect(failed.stdout).toContain('dn-mailer send-report --month January --year 2025 --retry-failed');

    const skipped = await status(world, '--campaign-id', JANUARY, '--email', address(4), '--json');
    expect(skipped.code).toBe(0);
    expect(skipped.json()).toMatchObject({
      finished: true,
      row: { email: 'c***@example.com', status: 'skipped', reason: 'unsubscribed' },
      toFinish: [],
    });
  });

  it('--email for an address without a row: exit 4 naming the campaign', async () => {
    await ready;
    const result = await status(world, '--campaign-id', JANUARY, '--email', 'nobody@example.com');
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`✘ no row for this address in ${JANUARY}`);
    expect(result.stdout).toBe('');
  });

  it('the view flags exclude each other (exit 2)', async () => {
    await ready;
    const result = await status(world, '--campaign-id', JANUARY, '--all', '--failed');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot be used with/);
  });
});

describe('a finished campaign', () => {
  const world = createMemoryWorld();
  const ready = seed(
    world,
    JANUARY,
    5,
    [
      ['sent', 4],
      ['skipped', 1],
    ],
    new Date('2025-02-10T12:00:00Z'),
  );

  it('exits 0 and says so; no rows listed by default', async () => {
    await ready;
    const result = await status(world, '--campaign-id', JANUARY);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      `${JANUARY} (memory ledger): 5 rows · 4 sent · 1 skipped · 0 failed · 0 unknown · 0 sending · 0 planned\n\n✔ finished: every row is sent or skipped\n`,
    );
    const json = (await status(world, '--campaign-id', JANUARY, '--json')).json<StatusDoc>();
    expect(json).toMatchObject({ finished: true, toFinish: [], rows: [], problems: [] });
  });
});

describe('campaign IDs that are not the month default', () => {
  it('a canary is continued as a canary (never a command that mails the real recipients)', async () => {
    const world = createMemoryWorld();
    await seed(world, `${JANUARY}-canary-2`, 3, [['sent', 1]], NOW);
    const result = await status(world, '--campaign-id', `${JANUARY}-canary-2`);
    expect(result.code).toBe(6);
    // It continues that canary, always to --redirect-to (a canary-looking ID without it is refused).
    expect(result.stdout).toContain(
      `    dn-mailer send-report --month January --year 2025 --campaign-id ${JANUARY}-canary-2 --redirect-to <your address>\n`,
    );
  });

  it('a custom ID keeps --campaign-id; one without a period asks for the month', async () => {
    const world = createMemoryWorld();
    await seed(world, `${JANUARY}-rerun`, 2, [], NOW);
    await seed(world, 'special-run', 2, [], NOW);
    const custom = await status(world, '--campaign-id', `${JANUARY}-rerun`);
    expect(custom.stdout).toContain(
      `dn-mailer send-report --month January --year 2025 --campaign-id ${JANUARY}-rerun\n`,
    );
    const special = await status(world, '--campaign-id', 'special-run');
    expect(special.stdout).toContain(
      'dn-mailer send-report --month <month> --year <year> --campaign-id special-run\n',
    );
  });
});

describe('an unknown campaign', () => {
  it('exits 4 and lists the campaigns the ledger holds, newest first', async () => {
    const world = createMemoryWorld();
    await seed(world, JANUARY, 2, [['sent', 2]], new Date('2025-02-10T12:00:00Z'));
    await seed(world, OCTOBER, 3, [['sent', 1]], new Date('2025-11-03T09:00:00Z'));
    const result = await status(world, '--campaign-id', 'financial-2025-1O', '--json');
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('✘ no rows for campaign "financial-2025-1O" in memory ledger');
    expect(result.stderr).toContain(
      `  - ${OCTOBER}: 3 rows, last change 2025-11-03T09:00:00.000Z\n  - ${JANUARY}: 2 rows, last change 2025-02-10T12:00:00.000Z`,
    );
    expect(result.stderr).toContain('hint: dn-mailer campaigns lists them');
    expect(result.json()).toMatchObject({ error: { exitCode: 4 } });
  });

  it('a wrong month on an empty ledger is exit 4 too, not "0 rows" and exit 0', async () => {
    const world = createMemoryWorld();
    const result = await status(world, '--month', 'March', '--year', '2024');
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('the ledger holds no campaigns yet');
    expect(world.closes).toBe(world.opens);
  });
});

describe('dn-mailer campaigns', () => {
  const world = createMemoryWorld();
  const ready = (async () => {
    await seed(world, 'financial-2025-08', 4, [['sent', 4]], new Date('2025-09-02T08:00:00Z'));
    await seed(world, OCTOBER, 1_500, [['sent', 243]], new Date('2025-11-10T09:00:00Z'));
    await seed(
      world,
      'financial-2025-09',
      3,
      [
        ['sent', 2],
        ['failed', 1],
      ],
      new Date('2025-10-05T08:00:00Z'),
    );
  })();

  it('lists the campaigns newest first with their state, counts and last change', async () => {
    await ready;
    const result = await campaigns(world);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('3 campaigns in memory ledger, newest first');
    expect(lines[2]).toMatch(/^STATE\s+CAMPAIGN\s+ROWS\s+COUNTS\s+LAST CHANGE$/);
    expect(lines[3]).toMatch(
      /^✘ unfinished\s+financial-2025-10\s+1500\s+243 sent · 1257 planned\s+2025-11-10T09:00:00\.000Z \(3 hours ago\)$/,
    );
    expect(lines[4]).toMatch(
      /^✘ unfinished\s+financial-2025-09\s+3\s+2 sent · 1 failed\s+.*\(36 days ago\)$/,
    );
    expect(lines[5]).toMatch(/^✔ finished\s+financial-2025-08\s+4\s+4 sent\s/);
    expect(world.closes).toBe(world.opens);
  });

  it('--json and --limit', async () => {
    await ready;
    const result = await campaigns(world, '--json', '--limit', '2');
    expect(result.code).toBe(0);
    const json = result.json<{ ledger: string; total: number; campaigns: Record<string, unknown>[] }>();
    expect(json.ledger).toBe('memory ledger');
    expect(json.total).toBe(3);
    expect(json.campaigns).toEqual([
      {
        campaignId: OCTOBER,
        finished: false,
        total: 1_500,
        counts: { planned: 1_257, sending: 0, sent: 243, failed: 0, skipped: 0, unknown: 0 },
        lastUpdatedAt: '2025-11-10T09:00:00.000Z',
      },
      expect.objectContaining({ campaignId: 'financial-2025-09', finished: false }),
    ]);
    const human = await campaigns(world, '--limit', '1');
    expect(human.stdout).toContain('2 older not shown: --limit 3');
  });

  it('an empty ledger lists nothing, exit 0; a bad --limit is exit 2', async () => {
    const empty = await campaigns(createMemoryWorld());
    expect(empty.code).toBe(0);
    expect(empty.stdout).toBe('no campaigns in memory ledger yet\n');
    const bad = await campaigns(createMemoryWorld(), '--limit', '0');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--limit: "0" is not a positive whole number');
  });
});
