/**
 * The local backend's send: prepareSend + executeSend with the SQLite store (WAL, synchronous=FULL) and the outbox
 * mailer (one `.eml` per message), as `send-report` runs them. Group commit (concurrent claims and finishes share a
 * transaction) against the former path (one commit per claim and per finish), in the same process, alternating,
 * each run on a fresh file and folder. Every run is checked: ledger rows, outbox files and tracking rows agree,
 * each recipient exactly once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { type LocalSendMeasure, type LocalSendSpec, runLocalSend } from './support/send-local-run.js';

const GOAL_RATIO = 2;

export async function run(): Promise<void> {
  const messages = positiveInt(process.env.BENCH_SEND_LOCAL_MESSAGES, 2_000);
  const concurrency = positiveInt(process.env.BENCH_SEND_LOCAL_CONCURRENCY, 32);
  const rounds = positiveInt(process.env.BENCH_SEND_LOCAL_ROUNDS, 2);
  const tmpDir = await mkdtemp(path.join(tmpdir(), 'dn-mailer-bench-send-local-'));
  try {
    printSetup(messages, concurrency, rounds, tmpDir);
    const runs: LocalSendMeasure[] = [];
    const go = async (spec: LocalSendSpec) => {
      const measured = await runLocalSend(spec, tmpDir);
      printRow(measured);
      runs.push(measured);
    };
    printHeader();
    await go({ label: 'warmup', messages: 200, concurrency, groupCommit: true });
    for (let round = 1; round <= rounds; round++) {
      // Alternating, the former path first in odd rounds and second in even ones: drift on a shared machine
      // (other processes, the page cache) falls on both.
      const order = round % 2 === 1 ? [false, true] : [true, false];
      for (const groupCommit of order)
        await go({
          label: `${groupCommit ? 'group' : 'percall'}-${round}`,
          messages,
          concurrency,
          groupCommit,
        });
    }
    printSummary(runs.filter((r) => r.spec.label !== 'warmup'));
    if (runs.some((r) => r.check.mismatches > 0)) process.exitCode = 1;
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
}

function positiveInt(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`expected a positive integer, got "${raw}"`);
  return value;
}

function printSetup(messages: number, concurrency: number, rounds: number, tmpDir: string): void {
  console.log(
    `wiring: prepareSend + executeSend; openSqliteStore on a temp file (WAL, synchronous=FULL) as ledger, gates ` +
      `and tracking; createOutboxMailer (atomic .eml per message, the same MIME as a dry run); no --rate`,
  );
  console.log(
    `runs: ${messages} messages each (unique addresses, bench/support/send-fixture.ts), concurrency ${concurrency} ` +
      `(ses.concurrency's default), ${rounds} rounds of per-call then group commit, alternating; files under ` +
      `${tmpDir}; ${availableParallelism()} CPUs shared with whatever else runs`,
  );
}

const COLUMNS: [string, number][] = [
  ['run', 10],
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

function printRow(m: LocalSendMeasure): void {
  const claimsAndFinishes = m.moves;
  const moveCommits = m.ledgerCommits - 1; // one is ensurePlanned
  const values = [
    m.spec.label,
    m.spec.groupCommit ? 'group' : 'per-call',
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

function printSummary(runs: readonly LocalSendMeasure[]): void {
  const modes = [false, true].map((groupCommit) => {
    const mine = runs.filter((r) => r.spec.groupCommit === groupCommit);
    const messages = mine.reduce((sum, r) => sum + r.spec.messages, 0);
    const seconds = mine.reduce((sum, r) => sum + r.seconds, 0);
    const transactions = mine.reduce((sum, r) => sum + r.ledgerCommits + r.trackingCommits, 0);
    const rates = mine.map((r) => (r.spec.messages / r.seconds).toFixed(0)).join(', ');
    return { rate: messages / seconds, perMessage: transactions / messages, rates };
  }) as [
    { rate: number; perMessage: number; rates: string },
    { rate: number; perMessage: number; rates: string },
  ];
  const [before, after] = modes;
  const ratio = after.rate / before.rate;
  console.log(
    '\nmsg/s = messages / (prepareSend + executeSend); ledger tx = ledger commits (1 planning + claims + finishes); ' +
      'track tx = tracking commits (batches of 25); tx/msg = (ledger tx + track tx) / messages; moves/tx = claims ' +
      'and finishes per claim-or-finish commit',
  );
  console.log(
    `local send, one commit per claim and per finish (before): ${before.rate.toFixed(0)} msg/s (runs: ${before.rates}), ` +
      `${before.perMessage.toFixed(3)} transactions a message`,
  );
  console.log(
    `local send, group commit (after):                          ${after.rate.toFixed(0)} msg/s (runs: ${after.rates}), ` +
      `${after.perMessage.toFixed(3)} transactions a message`,
  );
  console.log(
    `  ratio after/before: ${ratio.toFixed(2)}× — goal ≥ ${GOAL_RATIO}×: ${ratio >= GOAL_RATIO ? 'met' : 'NOT met'}`,
  );
  const mismatches = runs.reduce((sum, r) => sum + r.check.mismatches, 0);
  console.log(
    `correctness: ${mismatches} mismatches over ${runs.length} runs (ledger sent once with its ID, exactly one .eml ` +
      `per recipient filed under that ID, one success tracking row with the same ID) — must be 0`,
  );
}
