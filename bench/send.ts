/**
 * Sending a month's messages: prepareSend + executeSend with the real SES v2 mailer and account adapters against
 * aws-ses-v2-local, and the SQLite store or the DynamoDB ledger + tracking against Amazon's DynamoDB Local (it runs
 * TransactWriteItems, which the ledger's grouped claims and finishes use; dynalite does not). Unthrottled runs at a
 * few concurrencies, a `--rate 50` run per backend, and the old Lambda's loop (sequential SendEmail, 100 ms apart)
 * on a sample as the baseline. Every run is checked: ledger, emulator store and tracking rows must agree.
 *
 * The aws goal (#15): the DynamoDB send against a bare SendEmail loop (same SES client, messages and concurrency,
 * no ledger), in the same process, in rounds of bare → the path before #15 (per-row planning, one UpdateItem per
 * claim and finish) → batched planning alone → batched planning + grouped claims and finishes (the default);
 * DynamoDB requests per message for each path.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { startDynamoDbLocal } from '../test/support/dynamodb-local.js';
import { startSesLocal } from '../test/support/ses-local.js';
import {
  AWS_GOAL_CONCURRENCY,
  AWS_GOAL_ROUNDS,
  type AwsRound,
  printAwsGoal,
} from './support/send-aws-goal.js';
import { type BareRun, runBareLoop } from './support/send-bare.js';
import { type BaselineRun, OLD_LAMBDA_DELAY_MS, runOldLambdaLoop } from './support/send-baseline.js';
import { averageSize, buildSendPlan } from './support/send-fixture.js';
import type { Backend } from './support/send-ports.js';
import { runSend, type SendMeasure, type SendPeers, type SendSpec } from './support/send-run.js';

const QUOTA = { maxSendRate: 10_000, max24HourSend: 1_000_000, sentLast24Hours: 0, sendingEnabled: true };
const TARGET_RATE = 50;
const TARGET_TOLERANCE = 0.05;
const TARGET_UNTHROTTLED = 200;
const RATE_MESSAGES = 500;
const BASELINE_MESSAGES = 50;
const BACKENDS: readonly Backend[] = ['sqlite', 'dynamo'];

export async function run(): Promise<void> {
  const messages = positiveInt(process.env.BENCH_SEND_MESSAGES, 2_000);
  const concurrencies = (process.env.BENCH_SEND_CONCURRENCY ?? '8,16,32')
    .split(',')
    .map((v) => positiveInt(v, 16));
  const tmpDir = await mkdtemp(path.join(tmpdir(), 'dn-mailer-bench-send-'));
  const ses = await startSesLocal(QUOTA);
  try {
    // DynamoDB is a remote service in production: its emulator runs in a process of its own (a JVM), so its work
    // is not billed to dn-mailer's event loop.
    const dynamo = await startDynamoDbLocal();
    try {
      const peers: SendPeers = { ses, dynamo, tmpDir };
      printSetup(ses.pid, dynamo.pid, messages);
      const runs: SendMeasure[] = [];
      const go = async (spec: SendSpec) => {
        const measured = await runSend(spec, peers);
        printRow(measured);
        runs.push(measured);
        return measured;
      };
      printHeader();
      await go({ label: 'warmup', backend: 'sqlite', messages: 200, concurrency: 16 });
      await runBareLoop(ses, 'warmup-bare', 200, AWS_GOAL_CONCURRENCY);
      const rounds: AwsRound[] = [];
      for (let round = 1; round <= AWS_GOAL_ROUNDS; round++) {
        const bare = await runBareLoop(ses, `bare-r${round}`, messages, AWS_GOAL_CONCURRENCY);
        printBareRow(bare);
        const spec = { backend: 'dynamo', messages, concurrency: AWS_GOAL_CONCURRENCY } as const;
        const perRow = await go({ ...spec, label: `perrow-r${round}`, batching: false, grouping: false });
        const batched = await go({ ...spec, label: `batched-r${round}`, batching: true, grouping: false });
        const grouped = await go({ ...spec, label: `grouped-r${round}`, batching: true, grouping: true });
        rounds.push({ bare, perRow, batched, grouped });
      }
      for (const backend of BACKENDS)
        for (const concurrency of concurrencies)
          await go({ label: `${backend}-c${concurrency}`, backend, messages, concurrency });
      for (const backend of BACKENDS)
        await go({
          label: `${backend}-r${TARGET_RATE}`,
          backend,
          messages: RATE_MESSAGES,
          concurrency: 16,
          rate: TARGET_RATE,
        });
      const baseline = await runOldLambdaLoop(ses, BASELINE_MESSAGES);
      printDetails(runs);
      printSummary(runs, baseline, messages);
      printAwsGoal(rounds);
      const mismatches =
        runs.reduce((sum, r) => sum + r.check.mismatches, 0) +
        baseline.mismatches +
        rounds.reduce((sum, r) => sum + r.bare.mismatches, 0);
      if (mismatches > 0) process.exitCode = 1;
    } finally {
      await dynamo.stop();
    }
  } finally {
    await ses.stop();
    await rm(tmpDir, { recursive: true, force: true });
  }
}

function positiveInt(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`expected a positive integer, got "${raw}"`);
  return value;
}

function printSetup(pid: number, dynamoPid: number, messages: number): void {
  const size = averageSize(buildSendPlan(50, 'size', 'size'));
  console.log(
    `peers: aws-ses-v2-local (child process ${pid}; MaxSendRate ${QUOTA.maxSendRate}/s, Max24HourSend ` +
      `${QUOTA.max24HourSend}) and DynamoDB Local (JVM child process ${dynamoPid}, in memory); ${availableParallelism()} CPUs ` +
      `shared by the bench and both emulators`,
  );
  console.log(
    `messages: ${messages} a run (rate runs ${RATE_MESSAGES}), unique addresses; HTML ${(size.html / 1024).toFixed(1)} KB + ` +
      `text ${(size.text / 1024).toFixed(1)} KB, 2 signed links, List-Unsubscribe headers; SES Simple content, no Bcc`,
  );
  console.log(
    `wiring: prepareSend + executeSend, createSesSendClient (maxAttempts 1) + createSesMailer, createSesAccount; ` +
      `SQLite: openSqliteStore on a temp file (WAL, synchronous=FULL); Dynamo: createDynamoLedger + ` +
      `createDynamoTracking + an empty suppression table; "unthrottled" = no --rate, paced at MaxSendRate ` +
      `${QUOTA.maxSendRate}/s`,
  );
}

const COLUMNS: [string, number][] = [
  ['run', 12],
  ['backend', 8],
  ['msgs', 6],
  ['conc', 5],
  ['paced/s', 8],
  ['seconds', 8],
  ['msg/s', 7],
  ['send s', 7],
  ['plan-rows s', 12],
  ['throttled', 10],
  ['peak/1s', 8],
  ['p50/p99 ms', 11],
  ['cpu ours', 9],
  ['cpu ses', 8],
  ['cpu ddb', 8],
  ['mismatch', 9],
];

function printHeader(): void {
  console.log(
    `\n${COLUMNS.map(([name, width], i) => (i < 2 ? name.padEnd(width) : name.padStart(width))).join(' ')}`,
  );
}

function printRow(m: SendMeasure): void {
  const values = [
    m.spec.label,
    m.spec.backend,
    String(m.spec.messages),
    String(m.spec.concurrency),
    Number.isFinite(m.pacedAt) ? String(m.pacedAt) : '∞',
    m.seconds.toFixed(2),
    (m.spec.messages / m.seconds).toFixed(0),
    m.sendSeconds.toFixed(2),
    m.planningSeconds.toFixed(2),
    String(m.throttled),
    String(m.peakPerSecond),
    `${m.latencyMs.p50.toFixed(1)}/${m.latencyMs.p99.toFixed(1)}`,
    `${m.cpu.ours.toFixed(1)} s`,
    `${m.cpu.emulator.toFixed(1)} s`,
    m.spec.backend === 'dynamo' ? `${m.cpu.dynamo.toFixed(1)} s` : '-',
    String(m.check.mismatches),
  ];
  console.log(
    values
      .map((v, i) => (i < 2 ? v.padEnd(COLUMNS[i]?.[1] ?? 0) : v.padStart(COLUMNS[i]?.[1] ?? 0)))
      .join(' '),
  );
  for (const reason of m.check.reasons) console.log(`    mismatch: ${reason}`);
}

/** A bare SendEmail loop in the runs table: no ledger, so no planning and no DynamoDB. */
function printBareRow(m: BareRun): void {
  const values = [
    m.label,
    'none',
    String(m.messages),
    String(m.concurrency),
    '∞',
    m.seconds.toFixed(2),
    m.rate.toFixed(0),
    m.seconds.toFixed(2),
    '-',
    '0',
    '-',
    '-',
    `${m.cpu.ours.toFixed(1)} s`,
    `${m.cpu.emulator.toFixed(1)} s`,
    '-',
    String(m.mismatches),
  ];
  console.log(
    values
      .map((v, i) => (i < 2 ? v.padEnd(COLUMNS[i]?.[1] ?? 0) : v.padStart(COLUMNS[i]?.[1] ?? 0)))
      .join(' '),
  );
}

function printDetails(runs: readonly SendMeasure[]): void {
  console.log(
    '\nseconds = prepareSend + executeSend (wall); send s = first SendEmail start → last completion; plan-rows s = ' +
      'ensurePlanned before the first send; peak/1s = most SendEmail starts in any 1 s window; p50/p99 ms = one ' +
      'SendEmail round trip through the SDK; cpu ours / ses / ddb = user+system of this process, of aws-ses-v2-local, of the DynamoDB Local JVM',
  );
  for (const backend of BACKENDS) {
    const m = runs.find(
      (r) => r.spec.backend === backend && r.spec.rate === undefined && r.spec.label !== 'warmup',
    );
    if (!m) continue;
    const perMessage = (count: number) => (count / m.spec.messages).toFixed(2);
    const calls = [...m.calls]
      .map(([name, count]) => `${name} ${count} (${perMessage(count)}/msg)`)
      .join(', ');
    console.log(`calls, ${m.spec.label}: ${calls}`);
    if (m.dynamoCommands) {
      const commands = [...m.dynamoCommands].map(([name, count]) => `${name} ${count}`).join(', ');
      const total = [...m.dynamoCommands.values()].reduce((a, b) => a + b, 0);
      console.log(`  DynamoDB requests: ${commands} — ${perMessage(total)} a message`);
    }
  }
}

function printSummary(runs: readonly SendMeasure[], baseline: BaselineRun, messages: number): void {
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const unthrottled = runs.filter((r) => r.spec.rate === undefined && r.spec.label !== 'warmup');
  console.log('\nbest unthrottled (messages / (prepareSend + executeSend)):');
  const best = new Map<Backend, number>();
  for (const backend of BACKENDS) {
    const mine = unthrottled.filter((r) => r.spec.backend === backend);
    const top = mine.reduce((a, b) => (b.spec.messages / b.seconds > a.spec.messages / a.seconds ? b : a));
    const rate = top.spec.messages / top.seconds;
    best.set(backend, rate);
    console.log(
      `  ${backend.padEnd(7)} ${rate.toFixed(0)} messages/s at concurrency ${top.spec.concurrency} ` +
        `(${messages} in ${top.seconds.toFixed(2)} s; send phase alone ${(top.spec.messages / top.sendSeconds).toFixed(0)}/s) — ` +
        `target ≥ ${TARGET_UNTHROTTLED}/s ${met(rate >= TARGET_UNTHROTTLED)}`,
    );
  }
  console.log(
    `rate-limited (--rate ${TARGET_RATE}, ${RATE_MESSAGES} messages, concurrency 16): achieved = sent / send s`,
  );
  for (const m of runs.filter((r) => r.spec.rate !== undefined)) {
    const achieved = m.sent / m.sendSeconds;
    const deviation = (100 * (achieved - TARGET_RATE)) / TARGET_RATE;
    const ok = Math.abs(achieved - TARGET_RATE) <= TARGET_RATE * TARGET_TOLERANCE;
    console.log(
      `  ${m.spec.backend.padEnd(7)} ${achieved.toFixed(2)}/s (${deviation >= 0 ? '+' : ''}${deviation.toFixed(2)}%), ` +
        `peak ${m.peakPerSecond} starts in a 1 s window, ${m.throttled} throttle events — target ±5% ${met(ok)}`,
    );
  }
  console.log(
    `baseline — the old Lambda's loop, sequential SendEmail + ${OLD_LAMBDA_DELAY_MS} ms sleep, ${baseline.messages} ` +
      `messages: ${baseline.seconds.toFixed(2)} s → ${baseline.rate.toFixed(1)} messages/s; extrapolated to ` +
      `${messages}: ${(messages / baseline.rate).toFixed(0)} s (mismatches ${baseline.mismatches})`,
  );
  for (const backend of BACKENDS) {
    const rate = best.get(backend) ?? 0;
    console.log(
      `  ratio ours/baseline, ${backend}: ${(rate / baseline.rate).toFixed(1)}× (${rate.toFixed(0)} vs ${baseline.rate.toFixed(1)})`,
    );
  }
  const throttles = runs.reduce((sum, r) => sum + r.throttled, 0);
  console.log(
    `throttle events at or below MaxSendRate (every run): ${throttles} — target 0 ${met(throttles === 0)} ` +
      `(note: aws-ses-v2-local never throttles; the peak/1s column is what SES would see)`,
  );
  const mismatches = runs.reduce((sum, r) => sum + r.check.mismatches, 0);
  console.log(
    `correctness: ${mismatches} mismatches over ${runs.length} runs (ledger sent + SES id, emulator store exactly ` +
      `once, tracking rows = messages) + ${baseline.mismatches} baseline — must be 0`,
  );
}
