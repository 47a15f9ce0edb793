import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/common/errors.js';
import {
  SendFatalError,
  SendOutcomeUnknownError,
  SendRejectedError,
} from '../../src/core/send/send-errors.js';
import type { OutgoingMessage } from '../../src/ports.js';
import { DEMO_CONFIG } from '../support/cli.js';
import type { ManifestJson } from '../support/demo.js';
import { createMemoryWorld, type MemoryWorld, runInProcess } from '../support/memory-backend.js';
import { scriptedMailer } from '../support/memory-ports.js';
import type { SendJson } from '../support/send-world.js';

// In-process: `main(io, makeDeps)` on the demo workspace with an in-memory mailer, ledger, tracking and files.
const NOW = new Date('2025-02-10T12:00:00Z');
// The demo's January 2025 findings (a payout warning, an ambiguous report), reviewed: every send accepts them.
const JANUARY = ['--month', 'January', '--year', '2025', '--accept', 'payout-warnings,ambiguous-reports'];
const DEMO_DIR = path.dirname(DEMO_CONFIG);
const CAMPAIGN = 'financial-2025-01';
const SUBJECT = 'Your January 2025 financial report';
/** The demo's January 2025 recipients that get a message, in plan order. */
const PLANNED = [
  'dylan@example.com',
  'mollie@example.com',
  'jody@example.org',
  'aria.collective@example.net',
  'badid@example.com',
  'ambrose@example.com',
  'zoe@example.com',
];
const UNMASKED = ['nora@example.com', 'creator2@example.com', ...PLANNED];

function expectMasked(output: string): void {
  for (const address of UNMASKED) expect(output).not.toContain(address);
}

type DryRunJson = ManifestJson & { dryRun: boolean; outDir: string };
type ErrorJson = { error: { message: string; exitCode: number; hint: string | null } };

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'dn-cli-send-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

function sendReport(args: readonly string[], options: { world?: MemoryWorld; interactive?: boolean } = {}) {
  return runInProcess(['send-report', '--config', DEMO_CONFIG, ...JANUARY, ...args], {
    cwd,
    now: NOW,
    ...options,
  });
}

function fileOf(world: MemoryWorld, file: string): string {
  const content = world.files.get(file);
  if (content === undefined) throw new Error(`not written: ${file} (written: ${[...world.files.keys()]})`);
  return content;
}

function manifestOf(world: MemoryWorld, outDir: string): ManifestJson {
  return JSON.parse(fileOf(world, path.join(outDir, 'manifest.json'))) as ManifestJson;
}

/** The `data-count` cells of report.html, by state. */
function countsOf(html: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of html.matchAll(/<td class="num" data-count="([a-z-]+)">(\d+)<\/td>/g))
    counts[m[1] ?? ''] = Number(m[2]);
  return counts;
}

function expectNothingSent(world: MemoryWorld): void {
  expect(world.sent).toEqual([]);
  expect(world.ledger.rows.size).toBe(0);
  expect(world.tracking.rows).toEqual([]);
}

/** A mailer that refuses chosen addresses with `error`, records the rest, and counts every call. */
function refusingMailer(refuse: (message: OutgoingMessage) => Error | undefined) {
  return scriptedMailer((message) => {
    const error = refuse(message);
    if (error) throw error;
    return { messageId: `ses-${message.messageId}` };
  });
}

describe('send-report --dry-run', () => {
  it('writes previews, manifest.json and report.html under --out, sends nothing and exits 0', async () => {
    const world = createMemoryWorld();
    const result = await sendReport(['--dry-run', '--out', 'previews'], { world });
    expect(result.code, result.stderr).toBe(0);

    const outDir = path.join(cwd, 'previews');
    const manifest = manifestOf(world, outDir);
    expect(manifest.campaignId).toBe(CAMPAIGN);
    expect(manifest.generatedAt).toBe(NOW.toISOString());
    expect(manifest.linksExpireAt).toBe('2025-03-07T12:00:00.000Z'); // NOW + 25 days (links.expiresInDays)
    expect(manifest.counts).toMatchObject({ userRows: 15, recipients: 9, messages: 7, nothingToSend: 2 });
    expect(manifest.counts).toMatchObject({ heldBack: 0, payoutWarnings: 1, links: 11 });
    expect(manifest.messages.map((m) => m.to)).toEqual(PLANNED);
    expect(manifest.messages.every((m) => m.subject === SUBJECT)).toBe(true);
    expect(manifest.unsent.map((u) => `${u.email} ${u.reason}`)).toEqual([
      'nora@example.com nothing-to-send',
      'creator2@example.com nothing-to-send',
    ]);

    const expected = PLANNED.flatMap((to) => [`${to}.html`, `${to}.txt`]).concat(
      'manifest.json',
      'report.html',
    );
    expect([...world.files.keys()].sort()).toEqual(expected.map((name) => path.join(outDir, name)).sort());
    expect(fileOf(world, path.join(outDir, 'dylan@example.com.html'))).toContain('<html');
    expect(fileOf(world, path.join(outDir, 'dylan@example.com.txt'))).toContain('DYLVN');
    const report = fileOf(world, path.join(outDir, 'report.html'));
    expect(countsOf(report)).toMatchObject({ recipients: 9, messages: 7, 'nothing-to-send': 2 });
    expect(report).not.toContain('nora@example.com'); // masked without --verbose

    expectNothingSent(world);
    expect(world.opens).toBe(0); // the sending part (mailer, ledger) is never opened
    expect(existsSync(outDir)).toBe(false);
  });

  it('prints a human summary on stdout and the not-mailed notes on stderr', async () => {
    const result = await sendReport(['--dry-run', '--out', 'human']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      `Dry run of ${CAMPAIGN} (January 2025) — nothing sent, no ledger rows written`,
    );
    expect(result.stdout).toMatch(/#\s+TO\s+CUSTOM IDS\s+LINKS\s+CLOSING \(USD\)/);
    expect(result.stdout).toMatch(/^1\s+d\*\*\*@example\.com\s+DYLVN, DYLVN-2\s+3\s+847\.05$/m);
    expect(result.stdout).toContain('9 recipients → 7 messages · 2 nothing to send · 0 held back');
    expect(result.stdout).toContain('11 links valid until 7 Mar 2025 · 1 payout warning');
    expect(result.stdout).toContain(`Previews: ${path.join(cwd, 'human')} (manifest.json`);
    expectMasked(result.stdout);
    expect(result.stderr).toContain('not mailed: n***@example.com — nothing-to-send');
    expect(result.stderr).toContain('payout warning: ART_02 DST-ART02-01');
  });

  it('--json prints one JSON document (masked addresses); --campaign-id names the campaign', async () => {
    const world = createMemoryWorld();
    const result = await sendReport(
      ['--dry-run', '--json', '--out', 'json', '--campaign-id', 'jan.rehearsal'],
      {
        world,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    const json = result.json<DryRunJson>();
    expect(json.dryRun).toBe(true);
    expect(json.outDir).toBe(path.join(cwd, 'json'));
    expect(json.campaignId).toBe('jan.rehearsal');
    expect(json.counts).toEqual(manifestOf(world, json.outDir).counts);
    expect(json.messages[0]?.to).toBe('d***@example.com');
    expect(json.unsent.map((u) => u.email)).toEqual(['n***@example.com', 'c***@example.com']);
    expectMasked(result.stdout);
    // The manifest file keeps the full addresses for review.
    expect(manifestOf(world, json.outDir).messages[0]?.to).toBe('dylan@example.com');
  });

  it('--verbose --json shows full addresses', async () => {
    const result = await sendReport(['--dry-run', '--json', '--verbose', '--out', 'v', '--only', 'ZOE']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json<DryRunJson>().messages.map((m) => m.to)).toEqual(['zoe@example.com']);
  });

  it('without --out writes under previews/<campaign-id> beside the config file (in memory only)', async () => {
    const world = createMemoryWorld();
    const campaignId = `cli-test-${process.pid}-${Date.now()}`;
    const result = await sendReport(['--dry-run', '--campaign-id', campaignId], { world });
    expect(result.code, result.stderr).toBe(0);
    const outDir = path.join(DEMO_DIR, 'previews', campaignId);
    expect(manifestOf(world, outDir).campaignId).toBe(campaignId);
    expect(world.files.has(path.join(outDir, 'report.html'))).toBe(true);
    expect(existsSync(outDir)).toBe(false);
  });

  it('--only DYLVN plans exactly the message of the recipient that owns DYLVN', async () => {
    const world = createMemoryWorld();
    const result = await sendReport(['--dry-run', '--out', 'only', '--only', 'DYLVN'], { world });
    expect(result.code, result.stderr).toBe(0);
    const manifest = manifestOf(world, path.join(cwd, 'only'));
    expect(manifest.messages.map((m) => [m.to, m.customIds])).toEqual([
      ['dylan@example.com', ['DYLVN', 'DYLVN-2']],
    ]);
    expect(manifest.counts.messages).toBe(1);
  });

  it('--only takes several IDs and addresses', async () => {
    const world = createMemoryWorld();
    const result = await sendReport(['--dry-run', '--out', 'only2', '--only', 'MOLS, zoe@example.com'], {
      world,
    });
    expect(result.code, result.stderr).toBe(0);
    const manifest = manifestOf(world, path.join(cwd, 'only2'));
    expect(manifest.messages.map((m) => m.to)).toEqual(['mollie@example.com', 'zoe@example.com']);
  });

  it('--limit 2 plans the first two messages', async () => {
    const world = createMemoryWorld();
    const result = await sendReport(['--dry-run', '--out', 'limit', '--limit', '2'], { world });
    expect(result.code, result.stderr).toBe(0);
    const manifest = manifestOf(world, path.join(cwd, 'limit'));
    expect(manifest.messages.map((m) => m.to)).toEqual(PLANNED.slice(0, 2));
  });

  it('--shard 1/2 and 2/2 split the plan into two disjoint halves', async () => {
    const shard = async (which: string) => {
      const result = await sendReport([
        '--dry-run',
        '--json',
        '--verbose',
        '--out',
        `s${which[0]}`,
        '--shard',
        which,
      ]);
      expect(result.code, result.stderr).toBe(0);
      return result.json<DryRunJson>().messages.map((m) => m.to);
    };
    const first = await shard('1/2');
    const second = await shard('2/2');
    expect(first.length).toBeGreaterThan(0);
    expect(second.length).toBeGreaterThan(0);
    expect(first.filter((to) => second.includes(to))).toEqual([]);
    expect([...first, ...second].sort()).toEqual([...PLANNED].sort());
    // Deterministic: the same slice twice.
    expect(await shard('1/2')).toEqual(first);
  });
});

describe('send-report (real send into the memory world)', () => {
  const world = createMemoryWorld();
  let first: Awaited<ReturnType<typeof sendReport>>;

  beforeAll(async () => {
    first = await sendReport(['--yes', '--report', 'reports/first.html'], { world });
  });

  it('sends every planned message once and exits 0 with a one-line summary', () => {
    expect(first.code, first.stderr).toBe(0);
    expect(world.sent.map((m) => m.to)).toEqual(PLANNED);
    for (const message of world.sent) {
      expect(message.subject).toBe(SUBJECT);
      expect(message.from).toBe('Distro Nation Finance <reports@distro-nation.test>');
      expect(message.bcc).toEqual(['equity@distro-nation.test']);
      expect(message.date).toEqual(NOW);
    }
    expect(first.stdout).toMatch(
      new RegExp(
        `^✔ ${CAMPAIGN}: 7 sent · 0 failed · 0 unknown · 0 skipped · 0 already sent · 0 held for retry \\(0\\.0 s, run \\S+\\)\\n$`,
      ),
    );
    expect(first.stderr).toContain(`Campaign ${CAMPAIGN} — backend local (test)`);
    expect(first.stderr).toContain('to send: 7 · already sent: 0 · skipped: 0 · held for retry: 0');
    expect(world.opens).toBe(1);
    expect(world.closes).toBe(1);
  });

  it('records each recipient as sent in the ledger with the provider message ID', () => {
    const rows = [...world.ledger.rows.values()];
    expect(rows.map((r) => r.email)).toEqual(PLANNED);
    for (const row of rows) {
      const message = world.sent.find((m) => m.to === row.email);
      expect(row).toMatchObject({
        campaignId: CAMPAIGN,
        status: 'sent',
        attempts: 1,
        messageId: `ses-${message?.messageId}`,
        updatedAt: NOW.toISOString(),
      });
    }
  });

  it('writes one tracking row per message', () => {
    expect(world.tracking.rows.map((t) => t.email)).toEqual(PLANNED);
    for (const row of world.tracking.rows) {
      expect(row).toMatchObject({
        campaignId: CAMPAIGN,
        eventType: 'financial_send',
        sendStatus: 'success',
        month: '01',
        year: '2025',
      });
      expect(row.sesMessageId).toBe(world.ledger.rows.get(`${CAMPAIGN}\n${row.email}`)?.messageId);
    }
    // The timestamp is the table's sort key: from the run's clock, unique within the run.
    expect(world.tracking.rows.map((t) => t.timestamp - NOW.getTime())).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('writes --report (relative to the cwd) with the counts of the run, and prints its path', () => {
    const file = path.join(cwd, 'reports', 'first.html');
    expect(first.stderr).toContain(`report: ${file}`);
    expect(countsOf(fileOf(world, file))).toMatchObject({ total: 7, sent: 7, failed: 0, unknown: 0 });
    expect(existsSync(file)).toBe(false);
  });

  it('a second run sends nothing new, exits 0, says why and writes its report beside the config', async () => {
    const before = world.sent.length;
    const result = await sendReport(['--yes', '--json'], { world });
    expect(result.code, result.stderr).toBe(0);
    expect(world.sent.length).toBe(before);
    const summary = result.json<SendJson & { data: { batchId: string } }>();
    expect(summary.success).toBe(true);
    expect(summary.data).toMatchObject({ successful: 0, alreadySent: 7, failed: 0, unknown: 0 });
    expect(result.stderr).toContain('nothing new to send: 7 recipients already have this campaign (ledger)');
    expect([...world.ledger.rows.values()].every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
    expect(world.tracking.rows).toHaveLength(7);
    const file = path.join(DEMO_DIR, '.dn-mailer', 'reports', `${CAMPAIGN}-${summary.data.batchId}.html`);
    expect(countsOf(fileOf(world, file))).toMatchObject({ sent: 0, 'already-sent': 7 });
    expect(existsSync(file)).toBe(false);
  });
});

describe('send-report --json', () => {
  it('prints exactly one JSON document on stdout (masked) and the human summary on stderr', async () => {
    const world = createMemoryWorld();
    const result = await sendReport(['--yes', '--json'], { world });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trimStart().startsWith('{')).toBe(true);
    const summary = result.json<SendJson>();
    expect(summary.success).toBe(true);
    expect(summary.data).toMatchObject({
      campaignId: CAMPAIGN,
      provider: 'test',
      totalRecipients: 7,
      successful: 7,
      failed: 0,
      unknown: 0,
      skipped: 0,
      alreadySent: 0,
      stopped: null,
    });
    expect(summary.data.results.successful.map((r) => r.email)).toEqual([
      'd***@example.com',
      'm***@example.com',
      'j***@example.org',
      'a***@example.net',
      'b***@example.com',
      'a***@example.com',
      'z***@example.com',
    ]);
    expectMasked(result.stdout);
    expect(result.stderr).toMatch(new RegExp(`✔ ${CAMPAIGN}: 7 sent`));
  });

  it('--verbose shows full addresses', async () => {
    const result = await sendReport(['--yes', '--json', '--verbose', '--only', 'ZOE']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json<SendJson>().data.results.successful.map((r) => r.email)).toEqual(['zoe@example.com']);
  });
});

describe('send-report flags → what is sent', () => {
  it('--only DYLVN sends one message, to its owner', async () => {
    const world = createMemoryWorld();
    const result = await sendReport(['--yes', '--only', 'DYLVN'], { world });
    expect(result.code, result.stderr).toBe(0);
    expect(world.sent.map((m) => m.to)).toEqual(['dylan@example.com']);
    expect([...world.ledger.rows.values()].map((r) => [r.email, r.status])).toEqual([
      ['dylan@example.com', 'sent'],
    ]);
  });

  it('--limit 2 sends the first two and says the campaign is unfinished (exit 6); reruns continue until none is left', async () => {
    const world = createMemoryWorld();
    const first = await sendReport(['--yes', '--limit', '2', '--json'], { world });
    expect(first.code).toBe(ExitCode.partial);
    expect(first.json<SendJson>()).toMatchObject({
      success: false,
      message: '5 recipient(s) left for the next run (--limit): run the same command again to continue',
      data: { successful: 2, deferred: 5 },
    });
    expect(world.sent.map((m) => m.to)).toEqual(PLANNED.slice(0, 2));
    // Every recipient is planned in the ledger; only two are sent.
    const statuses = () => [...world.ledger.rows.values()].map((r) => r.status);
    expect(statuses().filter((s) => s === 'sent')).toHaveLength(2);
    expect(statuses().filter((s) => s === 'planned')).toHaveLength(5);
    expect((await sendReport(['--yes', '--limit', '2'], { world })).code).toBe(ExitCode.partial);
    expect(world.sent.map((m) => m.to)).toEqual(PLANNED.slice(0, 4));
    expect((await sendReport(['--yes', '--limit', '2'], { world })).code).toBe(ExitCode.partial);
    const last = await sendReport(['--yes', '--limit', '2'], { world });
    expect(last.code).toBe(ExitCode.ok); // the seventh and last: nothing left
    expect(world.sent).toHaveLength(7);
  });

  it('--shard 1/2 and 2/2 together send every message exactly once', async () => {
    const world = createMemoryWorld();
    expect((await sendReport(['--yes', '--shard', '1/2'], { world })).code).toBe(0);
    const firstHalf = world.sent.map((m) => m.to);
    expect(firstHalf.length).toBeGreaterThan(0);
    expect(firstHalf.length).toBeLessThan(PLANNED.length);
    expect((await sendReport(['--yes', '--shard', '2/2'], { world })).code).toBe(0);
    expect(world.sent.map((m) => m.to).sort()).toEqual([...PLANNED].sort());
  });

  it('--redirect-to sends every message to the canary with [TEST], under <campaign>-canary-1 rows', async () => {
    const world = createMemoryWorld();
    const result = await sendReport(
      ['--yes', '--redirect-to', ' Me@Example.com ', '--limit', '3', '--json'],
      {
        world,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.json<SendJson>().data).toMatchObject({ campaignId: `${CAMPAIGN}-canary-1`, successful: 3 });
    expect(result.stderr).toContain('canary: every message goes to me@example.com, subject marked [TEST]');
    expect(world.sent).toHaveLength(3);
    for (const message of world.sent) {
      expect(message.to).toBe('me@example.com');
      expect(message.bcc).toEqual([]);
      expect(message.subject).toBe(`[TEST] ${SUBJECT}`);
    }
    const rows = [...world.ledger.rows.values()];
    expect(rows.every((r) => r.campaignId === `${CAMPAIGN}-canary-1`)).toBe(true);
    // The canary rows name the real recipients.
    expect(rows.filter((r) => r.status === 'sent').map((r) => r.email)).toEqual(PLANNED.slice(0, 3));
  });

  it('--campaign-id names the ledger rows and the tracking rows', async () => {
    const world = createMemoryWorld();
    const result = await sendReport(['--yes', '--only', 'MOL', '--campaign-id', 'jan-2025.rerun_1'], {
      world,
    });
    expect(result.code, result.stderr).toBe(0);
    expect([...world.ledger.rows.values()].map((r) => r.campaignId)).toEqual(['jan-2025.rerun_1']);
    expect(world.tracking.rows.map((r) => r.campaignId)).toEqual(['jan-2025.rerun_1']);
    expect(world.sent[0]?.messageId).toMatch(/^jan-2025\.rerun_1\./);
  });

  it('--rate shows in the confirmation (rate and ETA)', async () => {
    const result = await sendReport(['--yes', '--rate', '2']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('rate: 2/s · ETA 4 s');
  });

  it('--concurrency bounds the sends in flight', async () => {
    const maxInFlight = async (concurrency: string) => {
      let inFlight = 0;
      let max = 0;
      const { mailer, calls } = scriptedMailer(async (message) => {
        inFlight += 1;
        max = Math.max(max, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 10));
        inFlight -= 1;
        return { messageId: message.messageId };
      });
      const result = await sendReport(['--yes', '--concurrency', concurrency], {
        world: createMemoryWorld({ mailer }),
      });
      expect(result.code, result.stderr).toBe(0);
      expect(calls()).toBe(7);
      return max;
    };
    expect(await maxInFlight('1')).toBe(1);
    expect(await maxInFlight('3')).toBe(3);
  });
});

describe('send-report refusals', () => {
  it('without --yes and without a terminal: exit 2 naming --yes, nothing sent, no ledger rows', async () => {
    const world = createMemoryWorld();
    const result = await sendReport(['--json'], { world, interactive: false });
    expect(result.code).toBe(2);
    const { error } = result.json<ErrorJson>();
    expect(error).toMatchObject({
      exitCode: 2,
      message: 'refusing to go on without confirmation: no terminal to ask on',
    });
    expect(error.hint).toContain('--yes');
    expect(result.stderr).toContain('✘ refusing to go on without confirmation');
    expectNothingSent(world);
    expect(world.files.size).toBe(0);
  });

  it.each([
    [['--redirect-to', 'not-an-address'], '--redirect-to: "not-an-address" is not an e-mail address'],
    [['--campaign-id', 'bad id'], '--campaign-id: "bad id" may only use letters'],
    [['--campaign-id', 'a..b'], '--campaign-id: "a..b"'],
    [['--limit', '0'], '--limit: "0" is not a positive whole number'],
    [['--limit', '2.5'], '--limit: "2.5" is not a positive whole number'],
    [['--shard', '3/2'], '--shard: "3/2" is not i/n with 1 ≤ i ≤ n'],
    [['--shard', '0/2'], '--shard: "0/2"'],
    [['--rate', '-1'], '--rate: "-1" is not a positive number'],
    [['--rate', '0'], '--rate: "0" is not a positive number'],
    [['--concurrency', 'many'], '--concurrency: "many" is not a positive whole number'],
    [['--month', '13'], '--month: "13" is not a month'],
  ])('%j → exit 2 naming the flag, nothing sent', async (flags, message) => {
    const world = createMemoryWorld();
    const result = await sendReport(['--yes', ...flags], { world });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expectNothingSent(world);
    expect(world.opens).toBe(0);
  });

  it('a usage error with --json is also a JSON document on stdout', async () => {
    const result = await sendReport(['--yes', '--json', '--shard', '3/2']);
    expect(result.code).toBe(2);
    expect(result.json<ErrorJson>().error).toMatchObject({
      exitCode: 2,
      hint: 'e.g. --shard 2/3 (the second of three parallel jobs)',
    });
  });

  it('without --month: exit 2 naming --month, nothing sent', async () => {
    const world = createMemoryWorld();
    const result = await runInProcess(['send-report', '--config', DEMO_CONFIG, '--yes'], {
      world,
      cwd,
      now: NOW,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("required option '-m, --month <month>' not specified");
    expectNothingSent(world);
  });

  it('an unknown flag is a usage error', async () => {
    const result = await sendReport(['--yes', '--limt', '2']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--limt'");
  });
});

describe('send-report when the provider refuses or fails', () => {
  it('a rejected message is recorded failed, the others sent: exit 6 with the failed row', async () => {
    const scripted = refusingMailer((message) =>
      message.to === 'mollie@example.com'
        ? new SendRejectedError('MessageRejected: Email address is not verified')
        : undefined,
    );
    const world = createMemoryWorld({ mailer: scripted.mailer });
    const result = await sendReport(['--yes', '--json', '--verbose'], { world });
    expect(result.code, result.stderr).toBe(6);
    expect(scripted.calls()).toBe(7); // each message tried once: a rejection is not retried
    expect(scripted.sent.map((m) => m.to)).toEqual(PLANNED.filter((to) => to !== 'mollie@example.com'));

    const summary = result.json<SendJson>();
    expect(summary.success).toBe(false);
    expect(summary.data).toMatchObject({ successful: 6, failed: 1, unknown: 0 });
    expect(summary.data.results.failed).toEqual([
      expect.objectContaining({
        email: 'mollie@example.com',
        reason: 'MessageRejected: Email address is not verified',
        messageId: null,
      }),
    ]);
    expect(result.stderr).toContain(
      '  failed: mollie@example.com — MessageRejected: Email address is not verified',
    );
    expect(world.ledger.rows.get(`${CAMPAIGN}\nmollie@example.com`)).toMatchObject({
      status: 'failed',
      reason: 'MessageRejected: Email address is not verified',
    });
    expect(world.tracking.rows.find((t) => t.email === 'mollie@example.com')).toMatchObject({
      sendStatus: 'failed',
      reason: 'MessageRejected: Email address is not verified',
    });
  });

  it('the failed row is held on a rerun (exit 6) and resent with --retry-failed (exit 0)', async () => {
    let refuse = true;
    const scripted = refusingMailer((message) =>
      refuse && message.to === 'zoe@example.com' ? new SendRejectedError('MessageRejected: nope') : undefined,
    );
    const world = createMemoryWorld({ mailer: scripted.mailer });
    expect((await sendReport(['--yes'], { world })).code).toBe(6);
    refuse = false;

    const held = await sendReport(['--yes'], { world });
    expect(held.code).toBe(6);
    expect(held.stdout).toContain(
      'failed earlier: z***@example.com — MessageRejected: nope (resend with --retry-failed)',
    );
    expect(scripted.calls()).toBe(7);

    const retried = await sendReport(['--yes', '--retry-failed', '--json'], { world });
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.json<SendJson>().data).toMatchObject({ successful: 1, alreadySent: 6 });
    expect(scripted.calls()).toBe(8);
    expect(world.ledger.rows.get(`${CAMPAIGN}\nzoe@example.com`)).toMatchObject({
      status: 'sent',
      attempts: 2,
    });
  });

  it('an outcome-unknown send is recorded unknown and never resent without --retry-unknown (exit 6)', async () => {
    const scripted = refusingMailer((message) =>
      message.to === 'jody@example.org' ? new SendOutcomeUnknownError('timed out after 10000 ms') : undefined,
    );
    const world = createMemoryWorld({ mailer: scripted.mailer });
    const result = await sendReport(['--yes', '--json'], { world });
    expect(result.code).toBe(6);
    expect(result.json<SendJson>().data).toMatchObject({ successful: 6, failed: 0, unknown: 1 });
    expect(world.ledger.rows.get(`${CAMPAIGN}\njody@example.org`)?.status).toBe('unknown');
    const calls = scripted.calls();
    expect((await sendReport(['--yes'], { world })).code).toBe(6);
    expect(scripted.calls()).toBe(calls);
  });

  it('a fatal provider error stops the run: the summary on stdout, exit 5, resumable', async () => {
    let fatal = true;
    const scripted = scriptedMailer((message, call) => {
      if (fatal && call === 3) throw new SendFatalError('sending is paused for this account');
      return { messageId: message.messageId };
    });
    const world = createMemoryWorld({ mailer: scripted.mailer });
    const result = await sendReport(['--yes', '--json', '--concurrency', '1'], { world });
    expect(result.code).toBe(5);
    const summary = result.json<SendJson>();
    expect(summary.success).toBe(false);
    expect(summary.data.stopped).toContain('sending is paused for this account');
    expect(summary.data.successful).toBe(2);
    expect(result.stderr).toContain('✘ the run stopped');
    fatal = false;
    const resumed = await sendReport(['--yes', '--json'], { world });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(scripted.sent.map((m) => m.to).sort()).toEqual([...PLANNED].sort());
  });
});

describe('send-report writes nothing on disk', () => {
  it('left the temp cwd empty (previews and reports went to memory)', async () => {
    expect(await readdir(cwd)).toEqual([]);
  });
});
