import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/common/errors.js';
import { DEMO_CONFIG } from '../support/cli.js';
import { DEMO_DIR, DEMO_REPORTS, demoConfigCopy, freshDir, type ManifestJson } from '../support/demo.js';
import { createMemoryWorld, type MemoryWorld, runInProcess } from '../support/memory-backend.js';
import type { SendJson } from '../support/send-world.js';

/**
 * The gates of issue 11 in-process (`main(io, makeDeps)` on the memory world): a send stops on the plan's findings
 * until they are accepted by name, sends exactly an approved dry run's plan, needs an unsubscribe mode, and keeps
 * each canary apart. The demo's January 2025 plan has two findings: ART_02's balance is off by 3 cents
 * (payout-warnings) and AMBI's YouTube report exists in two month spellings (ambiguous-reports).
 */

const NOW = new Date('2025-02-10T12:00:00Z');
const LATER = new Date('2025-02-11T09:30:00Z');
const JANUARY = ['--month', 'January', '--year', '2025'];
const CAMPAIGN = 'financial-2025-01';
const SUBJECT = 'Your January 2025 financial report';
const DEMO_FINDINGS = 'payout-warnings,ambiguous-reports';
const ACCEPT_DEMO = ['--accept', DEMO_FINDINGS];
const PLANNED = [
  'dylan@example.com',
  'mollie@example.com',
  'jody@example.org',
  'aria.collective@example.net',
  'badid@example.com',
  'ambrose@example.com',
  'zoe@example.com',
];

type ErrorJson = { error: { message: string; exitCode: number; hint: string | null } };
type Json = Record<string, unknown>;

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'dn-cli-gates-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

function sendReport(
  args: readonly string[],
  options: { world?: MemoryWorld; config?: string; now?: Date; month?: readonly string[] } = {},
) {
  const month = options.month ?? JANUARY;
  return runInProcess(['send-report', '--config', options.config ?? DEMO_CONFIG, ...month, ...args], {
    cwd,
    now: options.now ?? NOW,
    ...(options.world ? { world: options.world } : {}),
  });
}

function expectNothingSent(world: MemoryWorld): void {
  expect(world.sent).toEqual([]);
  expect(world.ledger.rows.size).toBe(0);
  expect(world.tracking.rows).toEqual([]);
}

type GatesManifest = ManifestJson & {
  approval: { digest: string } | null;
  findings: { name: string; entries: { email: string }[] }[];
};

function manifestOf(world: MemoryWorld, outDir: string): GatesManifest {
  const text = world.files.get(path.join(outDir, 'manifest.json'));
  if (text === undefined) throw new Error(`no manifest in ${outDir} (written: ${[...world.files.keys()]})`);
  return JSON.parse(text) as GatesManifest;
}

function digestPrinted(stdout: string): string {
  const digest = /Plan digest: ([0-9a-f]{64})/.exec(stdout)?.[1];
  if (!digest) throw new Error(`no plan digest in:\n${stdout}`);
  return digest;
}

/** `demoConfigCopy` with the unsubscribe token key found from the copy's folder too, then changed by `edit`. */
function copyConfig(dir: string, edit: (config: Json) => void = () => {}): Promise<string> {
  return demoConfigCopy(dir, (config) => {
    (config.unsubscribe as Json).tokenKey = {
      file: path.join(DEMO_DIR, 'keys', 'unsubscribe-token-demo.key'),
    };
    edit(config);
  });
}

/** A copy of the demo config in a fresh folder, changed by `edit`. */
async function configWith(edit: (config: Json) => void = () => {}): Promise<string> {
  return copyConfig(await freshDir('dn-gates-config-'), edit);
}

/** A copy of the demo config reading a copy of the demo's payouts.json (to change it between two runs). */
async function configWithOwnPayouts(): Promise<{ config: string; payouts: string }> {
  const dir = await freshDir('dn-gates-payouts-');
  const payouts = path.join(dir, 'payouts.json');
  await cp(path.join(DEMO_DIR, 'payouts.json'), payouts);
  const config = await copyConfig(dir, (c) => {
    (c.payouts as Json).file = payouts;
  });
  return { config, payouts };
}

/** Sets one contract's `totalBal` in a payouts.json (the Korrect body shape). */
async function changeClosing(file: string, customId: string, totalBal: number): Promise<void> {
  const data = JSON.parse(await readFile(file, 'utf8')) as {
    body: { customId: string; payout: { monthPart: number; totalBal: number; periodBal: number }[] }[];
  };
  const contract = data.body.find((row) => row.customId === customId)?.payout.find((c) => c.monthPart === 1);
  if (!contract) throw new Error(`no January contract of ${customId}`);
  contract.totalBal = totalBal;
  await writeFile(file, JSON.stringify(data));
}

describe('a send stops on the plan findings until they are accepted by name', () => {
  it('--yes alone refuses: exit 4, each finding named with its recipients and the --accept flag, nothing sent', async () => {
    const world = createMemoryWorld();
    const result = await sendReport(['--yes'], { world });
    expect(result.code, result.stderr).toBe(ExitCode.input);
    expect(result.stderr).toContain('✘ the plan has 2 finding(s) nobody accepted — nothing was sent:');
    expect(result.stderr).toMatch(/payout-warnings: 1 contract\(s\) whose closing balance does not add up/);
    expect(result.stderr).toMatch(
      /a\*\*\*@example\.net \(ART-01, ART_02\): ART_02 DST-ART02-01: .*off by 0\.03/,
    );
    expect(result.stderr).toMatch(/ambiguous-reports: 1 report\(s\) matched more than one file/);
    expect(result.stderr).toContain(
      'a***@example.com (AMBI): AMBI YouTube Report: financial-reports/2025/January/AMBI-youtube.pdf chosen over financial-reports/2025/01/AMBI-youtube.pdf',
    );
    expect(result.stderr).toContain(`--accept ${DEMO_FINDINGS}`);
    // Addresses stay masked unless --verbose.
    expect(result.stderr).not.toContain('aria.collective@example.net');
    expect(result.stdout).toBe('');
    expectNothingSent(world);
  });

  it('--json: the refusal is the error document, exit 4', async () => {
    const world = createMemoryWorld();
    const result = await sendReport(['--yes', '--json'], { world });
    expect(result.code).toBe(ExitCode.input);
    const { error } = result.json<ErrorJson>();
    expect(error).toMatchObject({ exitCode: 4 });
    expect(error.message).toContain('nothing was sent');
    expect(error.hint).toContain(`--accept ${DEMO_FINDINGS}`);
    expectNothingSent(world);
  });

  it('accepting only some still refuses, listing only the rest', async () => {
    const world = createMemoryWorld();
    const result = await sendReport(['--yes', '--accept', 'payout-warnings'], { world });
    expect(result.code, result.stderr).toBe(ExitCode.input);
    expect(result.stderr).toContain('✘ the plan has 1 finding(s) nobody accepted — nothing was sent:');
    expect(result.stderr).toContain('ambiguous-reports: 1 report(s)');
    expect(result.stderr).not.toContain('payout-warnings: 1 contract(s)');
    expect(result.stderr).toContain('--accept ambiguous-reports');
    expectNothingSent(world);
  });

  it('every finding accepted: every message is sent, the confirmation names the accepted findings', async () => {
    const world = createMemoryWorld();
    const result = await sendReport(['--yes', ...ACCEPT_DEMO, '--json'], { world });
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(result.json<SendJson>().data).toMatchObject({ campaignId: CAMPAIGN, successful: 7, failed: 0 });
    expect(world.sent.map((m) => m.to)).toEqual(PLANNED);
    expect(result.stderr).toContain('accepted findings (--accept): payout-warnings, ambiguous-reports');
    expect(result.stderr).toContain('⚠ payout-warnings:');
    expect(result.stderr).toContain('unsubscribe: own: one-click links to http://127.0.0.1:8787/unsubscribe');
    expect(result.stderr).toContain('not mailed (nothing to send them): 2');
  });

  it('the names may come in any order, and accepting one the plan does not have is harmless', async () => {
    const world = createMemoryWorld();
    const result = await sendReport(
      ['--yes', '--accept', 'ambiguous-reports, held-back,payout-warnings', '--only', 'ZOE'],
      { world },
    );
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(world.sent.map((m) => m.to)).toEqual(['zoe@example.com']);
  });

  it('a plan without findings is sent with --yes alone', async () => {
    const world = createMemoryWorld();
    const result = await sendReport(['--yes', '--only', 'ZOE,MOL'], { world });
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(world.sent.map((m) => m.to)).toEqual(['mollie@example.com', 'zoe@example.com']);
  });

  it.each([
    [['--accept', 'payout-warning'], '--accept: unknown finding "payout-warning"'],
    [['--accept', ','], '--accept: no finding named'],
    [['--accept', 'payout-warning', '--dry-run'], '--accept: unknown finding "payout-warning"'],
  ])('%j is a usage error (exit 2), nothing sent or written', async (args, message) => {
    const world = createMemoryWorld();
    const result = await sendReport(['--yes', ...args], { world });
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('finding names: missing-reports, payout-warnings, ambiguous-reports');
    expectNothingSent(world);
    expect(world.files.size).toBe(0);
  });
});

describe('missing reports', () => {
  /** The demo with every January 2025 report deleted (the month's files not uploaded yet). */
  async function configWithoutJanuaryReports(): Promise<string> {
    const dir = await freshDir('dn-gates-reports-');
    const reports = path.join(dir, 'reports');
    const january = [
      'financial-reports/2025/January',
      'financial-reports/2025/01',
      'Exports/2025/january',
      'Distro/2025/JANUARY',
    ].map((folder) => path.join(DEMO_REPORTS, folder));
    await cp(DEMO_REPORTS, reports, {
      recursive: true,
      filter: (source) => !january.some((folder) => source.startsWith(folder)),
    });
    return copyConfig(dir, (c) => {
      (c.reports as Json).dir = reports;
    });
  }

  it('with the month reports deleted, a send refuses with missing-reports, nothing sent', async () => {
    const config = await configWithoutJanuaryReports();
    const world = createMemoryWorld();
    // payout-warnings accepted: what is left is the finding about the reports.
    const result = await sendReport(['--yes', '--accept', 'payout-warnings'], { world, config });
    expect(result.code, result.stderr).toBe(ExitCode.input);
    expect(result.stderr).toMatch(
      /missing-reports: \d+ recipient\(s\) would be mailed without a report they should get/,
    );
    expect(result.stderr).toContain(
      'd***@example.com (DYLVN, DYLVN-2): no report file at all: the e-mail would carry figures and no download link',
    );
    expect(result.stderr).toContain('--accept missing-reports');
    expectNothingSent(world);
  });

  it('a month with payouts and no report at all (December 2025): missing-reports, nothing sent', async () => {
    const world = createMemoryWorld();
    const result = await sendReport(['--yes'], { world, month: ['--month', 'December', '--year', '2025'] });
    expect(result.code, result.stderr).toBe(ExitCode.input);
    expect(result.stderr).toContain('✘ the plan has 1 finding(s) nobody accepted — nothing was sent:');
    expect(result.stderr).toContain(
      'missing-reports: 1 recipient(s) would be mailed without a report they should get',
    );
    expect(result.stderr).toContain('--accept missing-reports');
    expectNothingSent(world);
  });

  it('the dry run of that month lists the finding and says a send would refuse', async () => {
    const config = await configWithoutJanuaryReports();
    const world = createMemoryWorld();
    const result = await sendReport(['--dry-run', '--out', 'no-reports'], { world, config });
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(result.stdout).toMatch(
      /Findings: missing-reports \(\d+\), payout-warnings \(1\) — a send refuses until they are fixed or accepted: --accept missing-reports,payout-warnings/,
    );
    expect(result.stderr).toContain('⚠ missing-reports:');
    const manifest = manifestOf(world, path.join(cwd, 'no-reports'));
    expect(manifest.findings.map((f) => f.name)).toEqual(['missing-reports', 'payout-warnings']);
    expect(manifest.findings[0]?.entries.map((e) => e.email)).toContain('dylan@example.com');
    expectNothingSent(world);
  });

  it('reports.required turns a missing report type into a finding', async () => {
    const config = await configWith((c) => {
      (c.reports as Json).required = ['distro'];
    });
    const world = createMemoryWorld();
    const result = await sendReport(['--yes', ...ACCEPT_DEMO], { world, config });
    expect(result.code, result.stderr).toBe(ExitCode.input);
    expect(result.stderr).toContain(
      'z***@example.com (ZOE): ZOE (partial): no Distribution Report (required by reports.required)',
    );
    expect(result.stderr).toContain('--accept missing-reports');
    expectNothingSent(world);

    const accepted = await sendReport(['--yes', '--accept', `${DEMO_FINDINGS},missing-reports`], {
      world,
      config,
    });
    expect(accepted.code, accepted.stderr).toBe(ExitCode.ok);
    expect(world.sent).toHaveLength(7);
  });
});

describe('send exactly the approved plan (--approve, --approve-file)', () => {
  it('a dry run prints its digest and writes it in manifest.json; two dry runs at other times agree', async () => {
    const world = createMemoryWorld();
    const first = await sendReport(['--dry-run', '--out', 'digest-a'], { world });
    const second = await sendReport(['--dry-run', '--out', 'digest-b'], { world, now: LATER });
    expect(first.code, first.stderr).toBe(ExitCode.ok);
    const digest = digestPrinted(first.stdout);
    expect(first.stdout).toContain(`--approve-file ${path.join(cwd, 'digest-a')}`);
    expect(manifestOf(world, path.join(cwd, 'digest-a')).approval?.digest).toBe(digest);
    // Other links, signatures, expiry and tokens; the same plan.
    expect(manifestOf(world, path.join(cwd, 'digest-b')).linksExpireAt).not.toBe(
      manifestOf(world, path.join(cwd, 'digest-a')).linksExpireAt,
    );
    expect(digestPrinted(second.stdout)).toBe(digest);
  });

  it('--approve-file <dry-run folder> with unchanged data sends every message, without --accept', async () => {
    const world = createMemoryWorld();
    expect((await sendReport(['--dry-run', '--out', 'approved'], { world })).code).toBe(ExitCode.ok);
    const result = await sendReport(['--yes', '--approve-file', 'approved', '--json'], { world, now: LATER });
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(result.json<SendJson>().data).toMatchObject({ campaignId: CAMPAIGN, successful: 7 });
    expect(world.sent.map((m) => m.to)).toEqual(PLANNED);
  });

  it('--approve-file also takes the manifest.json itself', async () => {
    const world = createMemoryWorld();
    await sendReport(['--dry-run', '--out', 'approved-manifest'], { world });
    const result = await sendReport(
      ['--yes', '--approve-file', path.join('approved-manifest', 'manifest.json')],
      {
        world,
      },
    );
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(world.sent).toHaveLength(7);
  });

  it('--approve <digest> sends the unchanged plan', async () => {
    const reviewer = createMemoryWorld();
    const digest = digestPrinted(
      (await sendReport(['--dry-run', '--out', 'by-digest'], { world: reviewer })).stdout,
    );
    // The send job has only the digest (another machine: nothing of the dry run in its files).
    const world = createMemoryWorld();
    const result = await sendReport(['--yes', '--approve', digest.toUpperCase()], { world, now: LATER });
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(world.sent).toHaveLength(7);
  });

  it('payouts changed after the review: exit 4 listing the changed figures, nothing sent', async () => {
    const { config, payouts } = await configWithOwnPayouts();
    const world = createMemoryWorld();
    expect((await sendReport(['--dry-run', '--out', 'changed'], { world, config })).code).toBe(ExitCode.ok);
    await changeClosing(payouts, 'MOL', 999.99);
    const result = await sendReport(['--yes', '--approve-file', 'changed'], { world, config });
    expect(result.code, result.stderr).toBe(ExitCode.input);
    expect(result.stderr).toMatch(
      /✘ the plan changed since it was approved \(digest [0-9a-f]{12} → [0-9a-f]{12}\) — nothing was sent:/,
    );
    expect(result.stderr).toMatch(/m\*\*\*@example\.com: figures - MOL \S+ .*"closingCents":118462\b/);
    expect(result.stderr).toMatch(/m\*\*\*@example\.com: figures \+ MOL \S+ .*"closingCents":99999\b/);
    // The new balance does not add up either: a finding that was not in the reviewed plan.
    expect(result.stderr).toContain('findings: - payout-warnings (1)');
    expect(result.stderr).toContain('findings: + payout-warnings (2)');
    expect(result.stderr).toContain('run the dry run again, review it, and approve the new digest');
    expectNothingSent(world);
  });

  it('--approve <digest> alone finds the reviewed plan in the default preview folder and says what changed', async () => {
    const { config, payouts } = await configWithOwnPayouts();
    const world = createMemoryWorld();
    const dry = await sendReport(['--dry-run'], { world, config });
    const digest = digestPrinted(dry.stdout);
    expect(dry.stdout).toContain(path.join(path.dirname(config), 'previews', CAMPAIGN));
    await changeClosing(payouts, 'MOL', 999.99);
    const result = await sendReport(['--yes', '--approve', digest], { world, config });
    expect(result.code).toBe(ExitCode.input);
    expect(result.stderr).toContain('m***@example.com: figures - MOL');
    expectNothingSent(world);
  });

  it('--approve <digest> of a plan not at hand: refused, saying how to see what changed', async () => {
    const world = createMemoryWorld();
    const result = await sendReport(['--yes', '--approve', 'a'.repeat(64)], { world });
    expect(result.code).toBe(ExitCode.input);
    expect(result.stderr).toContain('the plan changed since it was approved (digest aaaaaaaaaaaa → ');
    expect(result.stderr).toContain('give --approve-file <dry-run folder>');
    expectNothingSent(world);
  });

  it('a new recipient since the review is named as added', async () => {
    const world = createMemoryWorld();
    await sendReport(['--dry-run', '--out', 'only-two', '--only', 'ZOE,MOL'], { world });
    const result = await sendReport(['--yes', '--approve-file', 'only-two', '--only', 'ZOE,MOL,RIFFRAFF'], {
      world,
    });
    expect(result.code).toBe(ExitCode.input);
    expect(result.stderr).toContain('recipient added: j***@example.org (JODYHIGHROLLER→RIFFRAFF)');
    expectNothingSent(world);
  });

  it('a --limit dry run shows part of the month and cannot be approved; the whole month approved sends in parts', async () => {
    const world = createMemoryWorld();
    const limited = await sendReport(['--dry-run', '--out', 'limited', '--limit', '3'], { world });
    expect(limited.stdout).toContain(
      'Plan digest: none — a dry run with --limit or --redirect-to shows part of the month',
    );
    const refused = await sendReport(['--yes', '--approve-file', 'limited', '--limit', '3'], { world });
    expect(refused.code).toBe(ExitCode.input);
    expect(refused.stderr).toContain('has no approval section');
    expectNothingSent(world);
    await sendReport(['--dry-run', '--out', 'whole'], { world });
    const part = await sendReport(['--yes', '--approve-file', 'whole', '--limit', '3'], { world });
    expect(part.code, part.stderr).toBe(ExitCode.partial); // 4 recipients left for the next run
    expect(world.sent).toHaveLength(3);
  });

  it.each([
    [['--approve', 'not-a-digest'], '--approve: "not-a-digest" is not a plan digest (64 hex characters)'],
    [['--approve', 'a'.repeat(63)], 'is not a plan digest'],
    [
      ['--approve', 'a'.repeat(64), '--dry-run'],
      '--approve and --approve-file are for a real send, not --dry-run',
    ],
    [
      ['--approve-file', 'approved', '--dry-run'],
      '--approve and --approve-file are for a real send, not --dry-run',
    ],
  ])('%j is a usage error (exit 2), nothing sent or written', async (args, message) => {
    const world = createMemoryWorld();
    const result = await sendReport(['--yes', ...args], { world });
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain(message);
    expectNothingSent(world);
    expect(world.files.size).toBe(0);
  });

  it('--approve and --approve-file naming different plans: exit 2, nothing sent', async () => {
    const world = createMemoryWorld();
    await sendReport(['--dry-run', '--out', 'two-plans'], { world });
    const result = await sendReport(['--yes', '--approve-file', 'two-plans', '--approve', 'b'.repeat(64)], {
      world,
    });
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain('--approve and --approve-file name different plans');
    expectNothingSent(world);
  });
});

describe('unsubscribe is on unless deliberately off', () => {
  const REASON = 'transactional statements required by contract';

  it('without unsubscribe.mode: a send refuses (exit 3, nothing sent); the dry run says "not set"', async () => {
    const config = await configWith((c) => {
      delete c.unsubscribe;
    });
    const world = createMemoryWorld();
    const send = await sendReport(['--yes', ...ACCEPT_DEMO], { world, config });
    expect(send.code, send.stderr).toBe(ExitCode.config);
    expect(send.stderr).toContain(
      'unsubscribe.mode is not set: a real send needs a way to unsubscribe — nothing was sent',
    );
    expect(send.stderr).toContain('unsubscribe.noneReason');
    expectNothingSent(world);

    const dry = await sendReport(['--dry-run', '--out', 'no-unsubscribe'], { world, config });
    expect(dry.code, dry.stderr).toBe(ExitCode.ok);
    expect(dry.stdout).toContain(
      'Unsubscribe: not set: e-mails carry no unsubscribe link (a real send refuses: set unsubscribe.mode)',
    );
    expectNothingSent(world);
  });

  it('the refusal comes before any finding: nothing to accept makes it go', async () => {
    const config = await configWith((c) => {
      delete c.unsubscribe;
    });
    const world = createMemoryWorld();
    const result = await sendReport(['--yes'], { world, config });
    expect(result.code).toBe(ExitCode.config);
    expectNothingSent(world);
  });

  it('mode none without noneReason is a config error (exit 3), send and dry run alike', async () => {
    const config = await configWith((c) => {
      c.unsubscribe = { mode: 'none' };
    });
    const world = createMemoryWorld();
    for (const args of [
      ['--yes', ...ACCEPT_DEMO],
      ['--dry-run', '--out', 'none-no-reason'],
    ]) {
      const result = await sendReport(args, { world, config });
      expect(result.code, result.stderr).toBe(ExitCode.config);
      expect(result.stderr).toContain('unsubscribe.noneReason: required when unsubscribe.mode is none');
    }
    expectNothingSent(world);
  });

  it('mode none with noneReason: the send goes, with no unsubscribe header; confirmation and dry run say why', async () => {
    const config = await configWith((c) => {
      c.unsubscribe = { mode: 'none', noneReason: REASON };
    });
    const world = createMemoryWorld();
    const dry = await sendReport(['--dry-run', '--out', 'none-with-reason'], { world, config });
    expect(dry.code, dry.stderr).toBe(ExitCode.ok);
    expect(dry.stdout).toContain(`Unsubscribe: none: no unsubscribe link (reason: ${REASON})`);

    const send = await sendReport(['--yes', ...ACCEPT_DEMO], { world, config });
    expect(send.code, send.stderr).toBe(ExitCode.ok);
    expect(send.stderr).toContain(`unsubscribe: none: no unsubscribe link (reason: ${REASON})`);
    expect(world.sent).toHaveLength(7);
    for (const message of world.sent) expect(message.headers['List-Unsubscribe']).toBeUndefined();
  });

  it('the campaign report (report.html) of a mode-none send carries the reason', async () => {
    // Issue 11 item 7: "mode: none requires unsubscribe.noneReason (printed in the confirmation and the report)".
    const config = await configWith((c) => {
      c.unsubscribe = { mode: 'none', noneReason: REASON };
    });
    const world = createMemoryWorld();
    const send = await sendReport(['--yes', ...ACCEPT_DEMO, '--report', 'none-report.html'], {
      world,
      config,
    });
    expect(send.code, send.stderr).toBe(ExitCode.ok);
    expect(world.files.get(path.join(cwd, 'none-report.html'))).toContain(REASON);
  });
});

describe('canaries (--redirect-to)', () => {
  const CANARY = 'canary@example.test';

  it('each --redirect-to send is its own campaign: <campaign>-canary-1, then -canary-2', async () => {
    const world = createMemoryWorld();
    const campaigns: string[] = [];
    for (const _ of [1, 2]) {
      const result = await sendReport(
        ['--yes', ...ACCEPT_DEMO, '--redirect-to', CANARY, '--limit', '2', '--json'],
        {
          world,
        },
      );
      expect(result.code, result.stderr).toBe(ExitCode.ok);
      expect(result.json<SendJson>().data.successful).toBe(2);
      campaigns.push(result.json<SendJson>().data.campaignId);
    }
    expect(campaigns).toEqual([`${CAMPAIGN}-canary-1`, `${CAMPAIGN}-canary-2`]);
    const rows = [...world.ledger.rows.values()];
    expect(new Set(rows.map((r) => r.campaignId))).toEqual(new Set(campaigns));
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(4);
    expect(world.sent).toHaveLength(4);
    for (const message of world.sent) {
      expect(message.to).toBe(CANARY);
      expect(message.subject).toBe(`[TEST] ${SUBJECT}`);
      expect(message.bcc).toEqual([]);
    }
    // The real campaign is untouched: its send still has everyone to go.
    const real = await sendReport(['--yes', ...ACCEPT_DEMO, '--json'], { world });
    expect(real.json<SendJson>().data).toMatchObject({ campaignId: CAMPAIGN, successful: 7, alreadySent: 0 });
  });

  it('a canary send refuses on findings like any send', async () => {
    const world = createMemoryWorld();
    const result = await sendReport(['--yes', '--redirect-to', CANARY], { world });
    expect(result.code).toBe(ExitCode.input);
    expectNothingSent(world);
  });

  it('--dry-run --redirect-to previews what the canary receives: its address, [TEST] subjects', async () => {
    const world = createMemoryWorld();
    const result = await sendReport(
      ['--dry-run', '--redirect-to', ` ${CANARY.toUpperCase()} `, '--out', 'canary'],
      {
        world,
      },
    );
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    const outDir = path.join(cwd, 'canary');
    const manifest = manifestOf(world, outDir);
    expect(manifest.messages).toHaveLength(7);
    for (const message of manifest.messages) {
      expect(message.to).toBe(CANARY);
      expect(message.subject).toBe(`[TEST] ${SUBJECT}`);
    }
    expect(world.files.get(path.join(outDir, `${CANARY}.html`))).toContain('<html');
    for (const to of PLANNED) expect(world.files.has(path.join(outDir, `${to}.html`))).toBe(false);
    expectNothingSent(world);
  });

  it.each([
    [['--dry-run', '--redirect-to', 'nope'], '--redirect-to: "nope" is not an e-mail address'],
    [['--yes', '--redirect-to', 'nope'], '--redirect-to: "nope" is not an e-mail address'],
    [['--dry-run', '--rate', '0'], '--rate: "0" is not a positive number'],
    [['--dry-run', '--concurrency', '0'], '--concurrency'],
  ])('%j is a usage error (exit 2) in every mode, nothing sent or written', async (args, message) => {
    const world = createMemoryWorld();
    const result = await sendReport(args, { world });
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain(message);
    expectNothingSent(world);
    expect(world.files.size).toBe(0);
  });
});

describe('doctor plans the month and checks the unsubscribe mode', () => {
  const doctor = (args: readonly string[], config = DEMO_CONFIG) =>
    runInProcess(['--config', config, 'doctor', ...args], { cwd, now: NOW });
  const lineOf = (stdout: string, name: string) =>
    stdout.split('\n').find((line) => line.slice(2).startsWith(`${name} — `));

  it('--month January --year 2025 lists the unsubscribe mode and the month plan with its findings', async () => {
    const result = await doctor(['--month', 'January', '--year', '2025']);
    expect(result.code, result.stdout + result.stderr).toBe(ExitCode.ok);
    expect(lineOf(result.stdout, 'unsubscribe')).toBe(
      '✔ unsubscribe — own: one-click links to http://127.0.0.1:8787/unsubscribe and a footer link; a test aes token made and read back',
    );
    expect(lineOf(result.stdout, 'month plan')).toBe(
      '✔ month plan — January 2025: 7 messages, 11 report links; findings a send refuses until accepted: payout-warnings (1), ambiguous-reports (1)',
    );
  });

  it('plans the previous month by default', async () => {
    const result = await doctor([]);
    expect(lineOf(result.stdout, 'month plan')).toMatch(/^✔ month plan — January 2025: 7 messages/);
  });

  it('a month without findings says so', async () => {
    const result = await doctor(['--month', 'February', '--year', '2025', '--json']);
    const report = result.json<{
      checks: { name: string; ok: boolean; detail: string; hint: string | null }[];
    }>();
    expect(report.checks.find((c) => c.name === 'month plan')).toMatchObject({
      ok: true,
      detail: 'February 2025: 1 messages, 1 report links; no findings',
    });
  });

  it('without unsubscribe.mode: ✘ unsubscribe (config), exit 3', async () => {
    const config = await configWith((c) => {
      delete c.unsubscribe;
    });
    const result = await doctor(['--month', 'January', '--year', '2025'], config);
    expect(result.code).toBe(ExitCode.config);
    expect(lineOf(result.stdout, 'unsubscribe')).toBe(
      '✘ unsubscribe — not set: e-mails carry no unsubscribe link (a real send refuses: set unsubscribe.mode)',
    );
    expect(result.stdout).toContain('hint: set unsubscribe.mode: own');
  });

  it('with mode none and its reason: ✔ unsubscribe naming the reason', async () => {
    const config = await configWith((c) => {
      c.unsubscribe = { mode: 'none', noneReason: 'by contract' };
    });
    const result = await doctor(['--month', 'January', '--year', '2025'], config);
    expect(lineOf(result.stdout, 'unsubscribe')).toBe(
      '✔ unsubscribe — none: no unsubscribe link (reason: by contract)',
    );
  });

  it('a month whose reports are not uploaded: the month plan names missing-reports', async () => {
    const result = await doctor(['--month', 'December', '--year', '2025', '--json']);
    const report = result.json<{
      checks: { name: string; ok: boolean; detail: string; hint: string | null }[];
    }>();
    expect(report.checks.find((c) => c.name === 'month plan')).toMatchObject({
      detail:
        'December 2025: 1 messages, 0 report links; findings a send refuses until accepted: missing-reports (1)',
      ok: true,
    });
  });
});

describe('payout figures that would reach nobody stop the send', () => {
  it('rows that came back under another spelling of the ID (dylvn for DYLVN) are a payout-warnings finding', async () => {
    const { config, payouts } = await configWithOwnPayouts();
    const data = JSON.parse(await readFile(payouts, 'utf8')) as { body: { customId: string }[] };
    for (const row of data.body) if (row.customId === 'DYLVN') row.customId = 'dylvn';
    await writeFile(payouts, JSON.stringify(data));
    const world = createMemoryWorld();
    const dry = await sendReport(['--dry-run', '--out', 'lost', '--json', '--verbose'], { world, config });
    expect(dry.code, dry.stderr).toBe(0);
    const warnings = manifestOf(world, path.join(cwd, 'lost')).findings.find(
      (f) => f.name === 'payout-warnings',
    );
    expect(warnings?.entries).toContainEqual(
      expect.objectContaining({
        email: 'dylan@example.com',
        detail: expect.stringContaining(
          'payout rows came back as "dylvn", which no recipient claims exactly',
        ),
      }),
    );
    const send = await sendReport(['--yes', '--accept', 'ambiguous-reports'], { world, config });
    expect(send.code).toBe(ExitCode.input);
    expect(send.stderr).toContain('payout-warnings');
    expectNothingSent(world);
  });

  it('a payout row without a usable customId is listed as reaching nobody', async () => {
    const { config, payouts } = await configWithOwnPayouts();
    const data = JSON.parse(await readFile(payouts, 'utf8')) as { body: unknown[] };
    data.body.push({ payout: [{ contractCode: 'ORPHAN-1', totalBal: 10 }] });
    await writeFile(payouts, JSON.stringify(data));
    const world = createMemoryWorld();
    const send = await sendReport(['--yes', '--accept', 'ambiguous-reports'], { world, config });
    expect(send.code).toBe(ExitCode.input);
    expect(send.stderr).toMatch(/\(no recipient\) \(\): payout row \d+ has no usable customId/);
    expectNothingSent(world);
  });
});

describe('the gate guards what a run would do', () => {
  it('a rerun with nothing left to send does not ask for the findings again (exit 0, nothing new)', async () => {
    const world = createMemoryWorld();
    const first = await sendReport(['--yes', '--accept', 'payout-warnings,ambiguous-reports'], { world });
    expect(first.code, first.stderr).toBe(ExitCode.ok);
    const rerun = await sendReport(['--yes'], { world });
    expect(rerun.code, rerun.stderr).toBe(ExitCode.ok);
    expect(rerun.stdout).toContain('nothing new to send');
    expect(world.sent).toHaveLength(7);
  });
});

describe('a ✔ for part of the month says it is part of the month', () => {
  it('--only and --shard runs say which part they covered (addresses masked); status says what finished rests on', async () => {
    const world = createMemoryWorld();
    const only = await sendReport(
      ['--yes', '--accept', 'payout-warnings,ambiguous-reports', '--only', 'DYLVN,mollie@example.com'],
      { world },
    );
    expect(only.code, only.stderr).toBe(ExitCode.ok);
    expect(only.stderr).toContain(
      'part of the month only (--only DYLVN,m***@example.com): recipients outside it were neither planned nor sent',
    );
    const shard = await sendReport(
      ['--yes', '--accept', 'payout-warnings,ambiguous-reports', '--shard', '1/2'],
      {
        world,
      },
    );
    expect(shard.stderr).toContain('part of the month only (--shard 1/2)');
    const status = await runInProcess(['status', '--config', DEMO_CONFIG, ...JANUARY], {
      world,
      cwd,
      now: NOW,
    });
    expect(status.code).toBe(ExitCode.ok);
    expect(status.stderr).toContain('Rows exist for the recipients a send planned: a month sent in parts');
    expect(status.stderr).toContain(
      'sent = accepted by the provider; delivered, bounced and complained are read from the delivery events synced so far',
    );
  });
});
