/**
 * The local backend's send: prepareSend + executeSend with the SQLite store (WAL, synchronous=FULL) and the outbox
 * mailer (one `.eml` per message), as `send-report` runs them. Three paths in the same process, in rotating order,
 * each run on a fresh file and folder:
 * - before #15: the send as it was when the issue was filed (support/send-local-baseline.ts: a pinned commit's code,
 *   one commit per claim and per finish) — the goal's baseline, "the current local send rate";
 * - per-call: today's code with group commit off (what group commit alone changes);
 * - group: today's send.
 * Every run is checked: ledger rows, outbox files and tracking rows agree, each recipient exactly once. What a
 * commit's sync costs on this disk is measured too: the ratio depends on it.
 */
import { closeSync, fdatasyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import {
  BEFORE_15_LOCAL_SEND_REF,
  type LocalSendBaseline,
  loadLocalSendBaseline,
} from './support/send-local-baseline.js';
import { type LocalSendMeasure, type LocalSendSpec, runLocalSend } from './support/send-local-run.js';

const GOAL_RATIO = 2;
const REPO = path.resolve(import.meta.dirname, '..');

type Mode = 'before' | 'per-call' | 'group';
const MODES: readonly Mode[] = ['before', 'per-call', 'group'];

interface Run {
  mode: Mode;
  measure: LocalSendMeasure;
}

export async function run(): Promise<void> {
  const messages = positiveInt(process.env.BENCH_SEND_LOCAL_MESSAGES, 2_000);
  const concurrency = positiveInt(process.env.BENCH_SEND_LOCAL_CONCURRENCY, 32);
  const rounds = positiveInt(process.env.BENCH_SEND_LOCAL_ROUNDS, 3);
  const ref = process.env.BENCH_SEND_LOCAL_BASELINE_REF || BEFORE_15_LOCAL_SEND_REF;
  const tmpDir = await mkdtemp(path.join(tmpdir(), 'dn-mailer-bench-send-local-'));
  let baseline: LocalSendBaseline | undefined;
  try {
    try {
      baseline = await loadLocalSendBaseline(REPO, ref);
    } catch (error) {
      console.log(
        `before #15: could not export or load commit ${ref.slice(0, 12)}: ${(error as Error).message}`,
      );
    }
    printSetup(messages, concurrency, rounds, tmpDir, ref);
    const syncBefore = measureSync(tmpDir);
    type Spec = Omit<LocalSendSpec, 'groupCommit'>;
    const before = baseline;
    // The paths in MODES order; before #15 only when its commit could be loaded.
    type SendPath = { mode: Mode; send(spec: Spec): Promise<LocalSendMeasure> };
    const paths: SendPath[] = [
      ...(before ? [{ mode: 'before' as const, send: (spec: Spec) => before.run(spec, tmpDir) }] : []),
      { mode: 'per-call', send: (spec) => runLocalSend({ ...spec, groupCommit: false }, tmpDir) },
      { mode: 'group', send: (spec) => runLocalSend({ ...spec, groupCommit: true }, tmpDir) },
    ];
    const runs: Run[] = [];
    const go = async ({ mode, send }: SendPath, spec: Spec) => {
      const measure = await send(spec);
      printRow(mode, measure);
      runs.push({ mode, measure });
    };
    printHeader();
    for (const entry of paths) await go(entry, { label: `warmup-${entry.mode}`, messages: 200, concurrency });
    for (let round = 1; round <= rounds; round++) {
      // Each path takes each place in the order in turn: drift on a shared machine (other processes, the page
      // cache) falls on all of them.
      for (let i = 0; i < paths.length; i++) {
        const entry = paths[(i + round - 1) % paths.length] as SendPath;
        await go(entry, { label: `${entry.mode}-${round}`, messages, concurrency });
      }
    }
    const syncAfter = measureSync(tmpDir);
    printSummary(
      runs.filter((r) => !r.measure.spec.label.startsWith('warmup')),
      [syncBefore, syncAfter],
      ref,
    );
    if (runs.some((r) => r.measure.check.mismatches > 0)) process.exitCode = 1;
  } finally {
    await baseline?.remove();
    await rm(tmpDir, { recursive: true, force: true });
  }
}

/** Median milliseconds of a 4 KiB write + fdatasync, what a WAL commit at synchronous=FULL waits for at least. */
function measureSync(dir: string, samples = 200): number {
  const file = path.join(dir, 'sync-probe');
  const fd = openSync(file, 'w', 0o600);
  const block = Buffer.alloc(4096, 7);
  const times: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const start = performance.now();
      writeSync(fd, block);
      fdatasyncSync(fd);
      times.push(performance.now() - start);
    }
  } finally {
    closeSync(fd);
    unlinkSync(file);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

function positiveInt(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`expected a positive integer, got "${raw}"`);
  return value;
}

function printSetup(
  messages: number,
  concurrency: number,
  rounds: number,
  tmpDir: string,
  ref: string,
): void {
  console.log(
    `wiring: prepareSend + executeSend; openSqliteStore on a temp file (WAL, synchronous=FULL) as ledger, gates ` +
      `and tracking; createOutboxMailer (atomic .eml per message, the same MIME as a dry run); no --rate`,
  );
  console.log(
    `paths: before #15 = commit ${ref.slice(0, 12)}'s send with group commit off (the send when #15 was filed); ` +
      `per-call = today's code, group commit off; group = today's send`,
  );
  console.log(
    `runs: ${messages} messages each (unique addresses, bench/support/send-fixture.ts), concurrency ${concurrency} ` +
      `(ses.concurrency's default), ${rounds} rounds of the three paths in rotating order; files under ` +
      `${tmpDir}; ${availableParallelism()} CPUs shared with whatever else runs`,
  );
}

const COLUMNS: [string, number][] = [
  ['run', 15],
  ['commit', 8],
  ['msgs', 6],
  ['conc', 5],
  ['seconds', 8],
  ['msg/s', 7],
  ['ledger tx', 10],
  ['track tx', 9],
  ['tx/msg', 7],
  ['moves/tx', 9],
  ['max grp', 8],
  ['cpu s', 6],
  ['mismatch', 9],
];

function printHeader(): void {
  console.log(
    `\n${COLUMNS.map(([name, width], i) => (i < 2 ? name.padEnd(width) : name.padStart(width))).join(' ')}`,
  );
}

function printRow(mode: Mode, m: LocalSendMeasure): void {
  const claimsAndFinishes = m.moves;
  const moveCommits = m.ledgerCommits - 1; // one is ensurePlanned
  const values = [
    m.spec.label,
    mode === 'before' ? 'pre-#15' : mode,
    String(m.spec.messages),
    String(m.spec.concurrency),
    m.seconds.toFixed(2),
    (m.spec.messages / m.seconds).toFixed(0),
    String(m.ledgerCommits),
    String(m.trackingCommits),
    transactionsPerMessage(m).toFixed(3),
    (claimsAndFinishes / Math.max(1, moveCommits)).toFixed(1),
    String(m.largestGroup),
    m.cpuSeconds.toFixed(1),
    String(m.check.mismatches),
  ];
  console.log(
    values
      .map((v, i) => (i < 2 ? v.padEnd(COLUMNS[i]?.[1] ?? 0) : v.padStart(COLUMNS[i]?.[1] ?? 0)))
      .join(' '),
  );
  for (const reason of m.check.reasons) console.log(`    mismatch: ${reason}`);
}

const transactionsPerMessage = (m: LocalSendMeasure) =>
  (m.ledgerCommits + m.trackingCommits) / m.spec.messages;

function printSummary(runs: readonly Run[], syncMs: [number, number], ref: string): void {
  const figures = new Map(
    MODES.map((mode) => {
      const mine = runs.filter((r) => r.mode === mode).map((r) => r.measure);
      const messages = mine.reduce((sum, r) => sum + r.spec.messages, 0);
      const seconds = mine.reduce((sum, r) => sum + r.seconds, 0);
      const transactions = mine.reduce((sum, r) => sum + r.ledgerCommits + r.trackingCommits, 0);
      const rates = mine.map((r) => (r.spec.messages / r.seconds).toFixed(0)).join(', ');
      return [
        mode,
        mine.length === 0
          ? undefined
          : { rate: messages / seconds, perMessage: transactions / messages, rates },
      ];
    }),
  );
  console.log(
    '\nmsg/s = messages / (prepareSend + executeSend); ledger tx = ledger commits (1 planning + claims + finishes); ' +
      'track tx = tracking commits (batches of 25); tx/msg = (ledger tx + track tx) / messages; moves/tx = claims ' +
      'and finishes per claim-or-finish commit',
  );
  const line = (label: string, mode: Mode) => {
    const f = figures.get(mode);
    console.log(
      f === undefined
        ? `${label} not measured`
        : `${label} ${f.rate.toFixed(0)} msg/s (runs: ${f.rates}), ${f.perMessage.toFixed(3)} transactions a message`,
    );
  };
  line(`local send before #15 (commit ${ref.slice(0, 12)}):`.padEnd(46), 'before');
  line('local send today, group commit off (per-call):'.padEnd(46), 'per-call');
  line('local send today (group commit):'.padEnd(46), 'group');
  const [before, perCall, group] = MODES.map((mode) => figures.get(mode));
  if (group && before) {
    const ratio = group.rate / before.rate;
    console.log(
      `  goal, today / before #15: ${ratio.toFixed(2)}× — goal ≥ ${GOAL_RATIO}×: ${ratio >= GOAL_RATIO ? 'met' : 'NOT met'}`,
    );
  } else {
    console.log(`  goal, today / before #15: no baseline, so no verdict (goal ≥ ${GOAL_RATIO}×)`);
  }
  if (group && perCall) {
    console.log(
      `  group commit alone, group / per-call in today's code: ${(group.rate / perCall.rate).toFixed(2)}×` +
        (before ? `; today's per-call / before #15: ${(perCall.rate / before.rate).toFixed(2)}×` : ''),
    );
  }
  console.log(
    `  a 4 KiB write + fdatasync on this disk: median ${syncMs[0].toFixed(3)} ms before the runs, ` +
      `${syncMs[1].toFixed(3)} ms after — the per-call paths wait for about two a message, group commit for ` +
      `one per group; the slower the disk's sync, the larger the ratio`,
  );
  const mismatches = runs.reduce((sum, r) => sum + r.measure.check.mismatches, 0);
  console.log(
    `correctness: ${mismatches} mismatches over ${runs.length} runs (ledger sent once with its ID, exactly one .eml ` +
      `per recipient filed under that ID, one success tracking row with the same ID) — must be 0`,
  );
}
