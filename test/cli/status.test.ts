import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendOutcomeUnknownError, SendRejectedError } from '../../src/core/send/send-errors.js';
import { DEMO_CONFIG } from '../support/cli.js';
import { createMemoryWorld, type MemoryWorld, runInProcess } from '../support/memory-backend.js';
import { scriptedMailer } from '../support/memory-ports.js';
import type { StatusJson } from '../support/send-world.js';

// In-process: a send and then `status` on the same memory world (its ledger), nothing spawned.
const NOW = new Date('2025-02-10T12:00:00Z');
// The demo's January 2025 findings (a payout warning, an ambiguous report), reviewed: every send accepts them.
const JANUARY = ['--month', 'January', '--year', '2025'];
const SEND_JANUARY = [...JANUARY, '--accept', 'payout-warnings,ambiguous-reports'];
const CAMPAIGN = 'financial-2025-01';

type Status = StatusJson & {
  ledger: string;
  problems: { email: string; status: string; reason?: string; customIds: string[] }[];
  rows: { email: string; status: string; messageId?: string; customIds: string[]; updatedAt: string }[];
};

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'dn-cli-status-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

function cli(world: MemoryWorld, args: readonly string[]) {
  return runInProcess([...args, '--config', DEMO_CONFIG], { world, cwd, now: NOW });
}

const status = (world: MemoryWorld, ...args: string[]) => cli(world, ['status', ...args]);

/** The table rows of `status` output (masked recipients). */
const tableRows = (stdout: string) => stdout.split('\n').filter((line) => /^[a-z]\*\*\*@/.test(line));

/** The `data-count` cells of report.html, by state. */
function countsOf(html: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of html.matchAll(/<td class="num" data-count="([a-z-]+)">(\d+)<\/td>/g))
    counts[m[1] ?? ''] = Number(m[2]);
  return counts;
}

/** A world where January was sent: mollie rejected (failed), jody timed out (unknown), the rest sent. */
async function sentWorld(): Promise<MemoryWorld> {
  const { mailer } = scriptedMailer((message) => {
    if (message.to === 'mollie@example.com') throw new SendRejectedError('MessageRejected: not verified');
    if (message.to === 'jody@example.org') throw new SendOutcomeUnknownError('timed out');
    return { messageId: `ses-${message.messageId}` };
  });
  const world = createMemoryWorld({ mailer });
  const sent = await cli(world, ['send-report', ...SEND_JANUARY, '--yes']);
  expect(sent.code, sent.stderr).toBe(6);
  return world;
}

describe('status after a clean send', () => {
  const world = createMemoryWorld();
  beforeAll(async () => {
    const sent = await cli(world, ['send-report', ...SEND_JANUARY, '--yes']);
    expect(sent.code, sent.stderr).toBe(0);
  });

  it('--all prints the counts line, a table of every row (masked) and "finished", exit 0', async () => {
    const result = await status(world, ...JANUARY, '--all');
    expect(result.code, result.stderr).toBe(0);
    const [counts, blank, header, ...rest] = result.stdout.trimEnd().split('\n');
    const rows = rest.slice(0, -2);
    expect(rest.slice(-2)).toEqual(['', '✔ finished: every row is sent or skipped']);
    expect(counts).toBe(
      `${CAMPAIGN} (memory ledger): 7 rows · 7 sent · 0 skipped · 0 failed · 0 unknown · 0 sending · 0 planned`,
    );
    expect(blank).toBe('');
    expect(header).toMatch(/^RECIPIENT\s+STATUS\s+CUSTOM IDS\s+MESSAGE ID\s+REASON\s+UPDATED$/);
    expect(rows).toHaveLength(7);
    const dylan = world.ledger.rows.get(`${CAMPAIGN}\ndylan@example.com`);
    expect(rows[0]).toMatch(
      new RegExp(
        `^d\\*\\*\\*@example\\.com\\s+sent\\s+DYLVN,DYLVN-2\\s+${dylan?.messageId?.replaceAll('.', '\\.')}\\s+2025-02-10T12:00:00\\.000Z$`,
      ),
    );
    expect(result.stdout).not.toContain('dylan@example.com');
  });

  it('--json --all prints one document: campaign, counts, total, ledger, finished, problems and every row', async () => {
    const result = await status(world, ...JANUARY, '--json', '--all');
    expect(result.code, result.stderr).toBe(0);
    const json = result.json<Status>();
    expect(Object.keys(json).sort()).toEqual([
      'campaignId',
      'counts',
      'finished',
      'ledger',
      'problems',
      'rows',
      'toFinish',
      'total',
      'view',
    ]);
    expect(json).toMatchObject({
      campaignId: CAMPAIGN,
      total: 7,
      ledger: 'memory ledger',
      problems: [],
      finished: true,
      toFinish: [],
      view: 'all',
    });
    expect(json.counts).toEqual({ planned: 0, sending: 0, sent: 7, failed: 0, skipped: 0, unknown: 0 });
    expect(json.rows.map((r) => r.email)).toEqual([
      'd***@example.com',
      'm***@example.com',
      'j***@example.org',
      'a***@example.net',
      'b***@example.com',
      'a***@example.com',
      'z***@example.com',
    ]);
    expect(json.rows.every((r) => r.status === 'sent' && r.messageId?.startsWith('ses-'))).toBe(true);
  });

  it('--verbose shows full addresses', async () => {
    const result = await status(world, ...JANUARY, '--json', '--all', '--verbose');
    expect(result.json<Status>().rows[0]?.email).toBe('dylan@example.com');
  });

  it('by default and with --failed, lists no rows when nothing failed', async () => {
    for (const flags of [[], ['--failed']]) {
      const result = await status(world, ...JANUARY, ...flags);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe(
        `${CAMPAIGN} (memory ledger): 7 rows · 7 sent · 0 skipped · 0 failed · 0 unknown · 0 sending · 0 planned\n\n✔ finished: every row is sent or skipped\n`,
      );
    }
  });

  it('--month previous and --campaign-id name the same campaign', async () => {
    const previous = await status(world, '--month', 'previous', '--json');
    expect(previous.code, previous.stderr).toBe(0);
    expect(previous.json<Status>()).toMatchObject({ campaignId: CAMPAIGN, total: 7 });
    const byId = await status(world, '--campaign-id', CAMPAIGN, '--json');
    expect(byId.json()).toEqual(previous.json());
  });

  it('--html writes the campaign report from the ledger (relative to the cwd) and prints its path', async () => {
    const before = world.files.size;
    const result = await status(world, ...JANUARY, '--json', '--html', 'status.html');
    expect(result.code, result.stderr).toBe(0);
    const file = path.join(cwd, 'status.html');
    expect(result.stderr).toContain(`report: ${file}`);
    expect(world.files.size).toBe(before + 1);
    const html = world.files.get(file) ?? '';
    expect(html).toContain('<html lang="en">');
    expect(html).toContain(CAMPAIGN);
    expect(html).toContain('from the ledger');
    const json = result.json<Status>();
    expect(countsOf(html)).toMatchObject({ total: json.total, ...json.counts });
    expect(countsOf(html).sent).toBe(7);
    expect(html).not.toContain('dylan@example.com');
    expect(existsSync(file)).toBe(false);
  });

  it('reads the ledger without changing it and closes what it opened', async () => {
    const rowsBefore = JSON.stringify([...world.ledger.rows.values()]);
    const trackingBefore = world.tracking.rows.length;
    const sentBefore = world.sent.length;
    expect((await status(world, ...JANUARY)).code).toBe(0);
    expect(JSON.stringify([...world.ledger.rows.values()])).toBe(rowsBefore);
    expect(world.tracking.rows).toHaveLength(trackingBefore);
    expect(world.sent).toHaveLength(sentBefore);
    expect(world.closes).toBe(world.opens);
  });
});

describe('status with failed and unknown rows', () => {
  let world: MemoryWorld;
  beforeAll(async () => {
    world = await sentWorld();
  });

  it('counts each state and exits 6 (the campaign needs attention); --all lists every row', async () => {
    const result = await status(world, ...JANUARY);
    expect(result.code).toBe(6);
    expect(result.stdout.split('\n')[0]).toBe(
      `${CAMPAIGN} (memory ledger): 7 rows · 5 sent · 0 skipped · 1 failed · 1 unknown · 0 sending · 0 planned`,
    );
    expect(tableRows(result.stdout)).toHaveLength(2);
    expect(result.stdout).toContain('✘ not finished: 1 unknown · 1 failed');
    const all = await status(world, ...JANUARY, '--all');
    expect(all.code).toBe(6);
    expect(tableRows(all.stdout)).toHaveLength(7);
  });

  it('--failed lists only the failed and unknown rows with their reasons', async () => {
    const result = await status(world, ...JANUARY, '--failed');
    expect(result.code).toBe(6);
    const rows = tableRows(result.stdout);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(
      /^m\*\*\*@example\.com\s+failed\s+MOL\s+MessageRejected: not verified\s+2025-02-10T/,
    );
    expect(rows[1]).toMatch(/^j\*\*\*@example\.org\s+unknown\s+RIFFRAFF\s+timed out\s+2025-02-10T/);
  });

  it('--json --failed: rows are the problems; problems keep their reasons', async () => {
    const result = await status(world, ...JANUARY, '--json', '--failed');
    expect(result.code).toBe(6);
    const json = result.json<Status>();
    expect(json.counts).toEqual({ planned: 0, sending: 0, sent: 5, failed: 1, skipped: 0, unknown: 1 });
    expect(json.problems.map((p) => [p.email, p.status, p.reason])).toEqual([
      ['m***@example.com', 'failed', 'MessageRejected: not verified'],
      ['j***@example.org', 'unknown', 'timed out'],
    ]);
    expect(json.rows.map((r) => r.email)).toEqual(json.problems.map((p) => p.email));
  });

  it('--html shows the failed and unknown counts', async () => {
    const result = await status(world, ...JANUARY, '--html', path.join(cwd, 'problems.html'));
    expect(result.code).toBe(6);
    const html = world.files.get(path.join(cwd, 'problems.html')) ?? '';
    expect(countsOf(html)).toMatchObject({ total: 7, sent: 5, failed: 1, unknown: 1 });
  });

  it('a row stuck in `sending` is a problem too', async () => {
    const stuck = createMemoryWorld();
    await stuck.ledger.ensurePlanned(CAMPAIGN, [{ email: 'zoe@example.com', customIds: ['ZOE'] }], NOW);
    await stuck.ledger.claim(CAMPAIGN, 'zoe@example.com', ['planned'], 'run-1', NOW);
    const result = await status(stuck, ...JANUARY, '--json', '--verbose');
    expect(result.code).toBe(6);
    expect(result.json<Status>().problems).toEqual([
      expect.objectContaining({ email: 'zoe@example.com', status: 'sending' }),
    ]);
  });
});

describe('status: other campaigns and errors', () => {
  it('a canary run has its own campaign ID', async () => {
    const world = createMemoryWorld();
    const sent = await cli(world, [
      'send-report',
      ...SEND_JANUARY,
      '--yes',
      '--redirect-to',
      'me@example.com',
      '--limit',
      '2',
    ]);
    expect(sent.code, sent.stderr).toBe(0);
    const canary = await status(world, '--campaign-id', `${CAMPAIGN}-canary-1`, '--json');
    // A canary is a sample: rows only for what it sent, so it is finished — and never "continued" to the inbox.
    expect(canary.code, canary.stderr).toBe(0);
    expect(canary.json<Status>().counts).toMatchObject({ sent: 2, planned: 0 });
    const real = await status(world, ...JANUARY, '--json');
    expect(real.code).toBe(4);
    expect(real.stderr).toContain(`no rows for campaign "${CAMPAIGN}"`);
    expect(real.stderr).toContain(`  - ${CAMPAIGN}-canary-1: 2 rows`);
  });

  it('a campaign with no rows is unknown: exit 4, nothing on stdout (status-truth.test.ts has more)', async () => {
    const result = await status(createMemoryWorld(), '--month', 'March', '--year', '2024');
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('✘ no rows for campaign "financial-2024-03" in memory ledger');
    expect(result.stdout).toBe('');
  });

  it('without --month or --campaign-id: exit 2 with a hint, nothing opened', async () => {
    const world = createMemoryWorld();
    const result = await status(world, '--json');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('✘ give --month and --year, or --campaign-id');
    expect(result.stderr).toContain('hint: dn-mailer status --month January --year 2025');
    expect(result.json()).toMatchObject({ error: { exitCode: 2 } });
    expect(world.opens).toBe(0);
  });

  it('a bad month is a usage error naming the flag', async () => {
    const result = await status(createMemoryWorld(), '--month', 'Smarch', '--year', '2025');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--month: "Smarch"');
  });

  it('left the temp cwd empty', async () => {
    expect(await readdir(cwd)).toEqual([]);
  });
});
