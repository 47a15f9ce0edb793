/**
 * `events sync` at a month's scale (issue #12): 20,000 SES events for one campaign's `sent` rows, in the SNS
 * envelope, on an SQS queue in fauxqs; the real syncEvents with the real SQS event source (the SDK client pointed at
 * fauxqs) and the local backend's SQLite ports (ledger, tracking, suppressions from the sending store; contacts and
 * audit from the subscription store, a second connection to the same file, as `events sync` opens them). Only
 * counting wrappers are added. Baseline: the same client receiving and deleting as many messages with the same
 * number of receivers, applying nothing. Every run is checked against the ledger, tracking, suppressions, contacts.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SQSClient } from '@aws-sdk/client-sqs';
import Database from 'better-sqlite3';
import { createSqsEventSource } from '../src/adapters/aws/sqs-events.js';
import { openSqliteStore, type SqliteStore } from '../src/adapters/local/sqlite-store.js';
import type { EventPorts } from '../src/core/events/apply-events.js';
import { type SyncSummary, syncEvents } from '../src/core/events/sync-events.js';
import type { EventSource } from '../src/ports.js';
import { FAUXQS_CREDENTIALS, FAUXQS_REGION, type Fauxqs, startFauxqs } from '../test/support/fauxqs.js';
import { type GroupedRate, measureLedgerGrouping } from './support/events-batching.js';
import {
  addressOf,
  bodyOf,
  buildSentLedger,
  CAMPAIGN,
  drainBare,
  kindOf,
  publish,
  STATE_OF,
} from './support/events-fixture.js';
import { createRssSampler } from './support/plan-full-run.js';

const TARGET_RATE = 1_000;
/** Bounded memory: the sync's RSS may grow at most this much over what the process held when it started. */
const RSS_BOUND_MB = 150;
const TOPIC = 'financial-reports';
const TOOLS = fileURLToPath(new URL('../test/tools/node_modules/', import.meta.url));

export async function run(): Promise<void> {
  if (
    !existsSync(path.join(TOOLS, 'fauxqs/dist/app.js')) ||
    !existsSync(path.join(TOOLS, 'node22/bin/node'))
  ) {
    console.log(
      'skipped: fauxqs (the SQS emulator) or its Node 22 build is not installed in test/tools — run `npm ci --prefix test/tools`',
    );
    return;
  }
  const total = positiveInt('BENCH_EVENTS', 20_000);
  const receivers = positiveInt('BENCH_EVENTS_RECEIVERS', 4);
  const foreign = Math.max(1, Math.round(total * 0.0025));
  const ledgerRows = total;
  const fauxqs = await startFauxqs();
  const tmpDir = await mkdtemp(path.join(tmpdir(), 'dn-mailer-bench-events-'));
  // Its own client, as `events sync` makes one: the helper's clients stay for setup.
  const sqs = new SQSClient({
    endpoint: fauxqs.endpoint,
    region: FAUXQS_REGION,
    credentials: FAUXQS_CREDENTIALS,
  });
  try {
    const file = path.join(tmpDir, 'dn-mailer.sqlite');
    let t = performance.now();
    await buildSentLedger(file, ledgerRows);
    const ledgerSeconds = (performance.now() - t) / 1000;
    const queue = await fauxqs.createQueue('dn-bench-events', {
      visibilityTimeoutSeconds: 300,
      maxReceiveCount: 5,
    });
    t = performance.now();
    await publish(fauxqs.sqs, queue.url, total, (i) => bodyOf(i, total, foreign));
    const publishSeconds = (performance.now() - t) / 1000;
    const source = createSqsEventSource(sqs, queue.url);
    const before = await source.depth();
    printSetup({
      total,
      foreign,
      ledgerRows,
      receivers,
      ledgerSeconds,
      publishSeconds,
      fauxqs,
      waiting: before.visible,
    });

    const measured = await measureSync(file, source, receivers, total);
    const after = await source.depth();
    const check = checkStore(file, measured.summary, { total, foreign, ledgerRows, queueLeft: after });

    const baselineQueue = await fauxqs.createQueue('dn-bench-baseline', { visibilityTimeoutSeconds: 300 });
    await publish(fauxqs.sqs, baselineQueue.url, total, (i) => bodyOf(i, total, foreign));
    t = performance.now();
    const drained = await drainBare(sqs, baselineQueue.url, receivers);
    const baselineSeconds = (performance.now() - t) / 1000;
    const baselineLeft = await createSqsEventSource(sqs, baselineQueue.url).depth();
    if (drained !== total || baselineLeft.visible + baselineLeft.inFlight > 0)
      check.problems.push(`baseline deleted ${drained} of ${total}, ${baselineLeft.visible} left`);

    const grouping = await measureLedgerGrouping(
      path.join(tmpDir, 'grouping.sqlite'),
      Math.min(total, 6_000),
      [1, 10, 100],
    );
    printResults(measured, { drained, seconds: baselineSeconds }, total, receivers);
    printGrouping(grouping);
    printCheck(check);
    if (check.problems.length > 0) process.exitCode = 1;
  } finally {
    sqs.destroy();
    await fauxqs.stop();
    await rm(tmpDir, { recursive: true, force: true });
  }
}

interface Measured {
  summary: SyncSummary;
  seconds: number;
  startRss: number;
  peakRss: number;
  calls: Map<string, number>;
  /** Milliseconds the event loop spent inside each store method (they are synchronous underneath). */
  busy: Map<string, number>;
  /** Milliseconds from call to answer of the queue's calls, summed over the receivers (they overlap). */
  queueMs: { receive: number; acknowledge: number };
}

async function measureSync(
  file: string,
  source: EventSource,
  receivers: number,
  total: number,
): Promise<Measured> {
  // As the local backend opens them for `events sync`: the sending store and the subscription store.
  const sending = openSqliteStore(file, { topic: TOPIC, openTimeoutMs: 5_000, busyTimeoutMs: 10_000 });
  const subscriptions = openSqliteStore(file, { topic: TOPIC, openTimeoutMs: 2_000, busyTimeoutMs: 250 });
  const calls = new Map<string, number>();
  const busy = new Map<string, number>();
  const ports: EventPorts = {
    ledger: counted(sending.ledger, 'ledger', calls, busy),
    tracking: counted(sending.tracking, 'tracking', calls, busy),
    suppressions: counted(sending.suppressionStore, 'suppressions', calls, busy),
    contacts: counted(subscriptions.contactList, 'contacts', calls, busy),
    audit: counted(subscriptions.audit, 'audit', calls, busy),
    topic: TOPIC,
    clock: { now: () => new Date() },
    actor: 'bench',
    trackingTtlDays: 90,
    suppressionDays: 365,
  };
  const queueMs = { receive: 0, acknowledge: 0 };
  const timed: EventSource = {
    location: source.location,
    depth: () => source.depth(),
    async receive(max) {
      const start = performance.now();
      try {
        return await source.receive(max);
      } finally {
        queueMs.receive += performance.now() - start;
      }
    },
    async acknowledge(receipts) {
      const start = performance.now();
      try {
        await source.acknowledge(receipts);
      } finally {
        queueMs.acknowledge += performance.now() - start;
      }
    },
  };
  try {
    const startRss = process.memoryUsage.rss();
    const rss = createRssSampler(100);
    const start = performance.now();
    let summary: SyncSummary;
    try {
      summary = await syncEvents(timed, ports, { receivers });
    } finally {
      rss.stop();
    }
    const seconds = (performance.now() - start) / 1000;
    rss.sample();
    if (summary.received !== total) console.log(`  note: the sync received ${summary.received} of ${total}`);
    return { summary, seconds, startRss, peakRss: rss.peak(), calls, busy, queueMs };
  } finally {
    closeBoth(sending, subscriptions);
  }
}

function closeBoth(a: SqliteStore, b: SqliteStore): void {
  try {
    a.close();
  } finally {
    b.close();
  }
}

/** The same object, each method counting its calls as `<name>.<method>` and, given an array, its rows. */
function counted<T extends object>(
  target: T,
  name: string,
  calls: Map<string, number>,
  busy: Map<string, number>,
): T {
  const wrapped: Record<string, unknown> = {};
  for (const key of Object.keys(target) as (keyof T & string)[]) {
    const value = target[key];
    if (typeof value !== 'function') {
      wrapped[key] = value;
      continue;
    }
    const method = value as (...args: unknown[]) => unknown;
    wrapped[key] = (...args: unknown[]) => {
      const label = `${name}.${key}`;
      calls.set(label, (calls.get(label) ?? 0) + 1);
      if (Array.isArray(args[0]))
        calls.set(`${label} rows`, (calls.get(`${label} rows`) ?? 0) + args[0].length);
      // The SQLite adapters do their work before returning: this is the time the event loop is blocked in them.
      const start = performance.now();
      const result = method.apply(target, args);
      busy.set(label, (busy.get(label) ?? 0) + performance.now() - start);
      return result;
    };
  }
  return wrapped as T;
}

interface Check {
  problems: string[];
  facts: string[];
}

/** Reads the file back: every row's delivery state, tracking rows by type, suppressions, complained opt-outs. */
function checkStore(
  file: string,
  summary: SyncSummary,
  expected: {
    total: number;
    foreign: number;
    ledgerRows: number;
    queueLeft: { visible: number; inFlight: number };
  },
): Check {
  const problems: string[] = [];
  const facts: string[] = [];
  const own = expected.total - expected.foreign;
  const { visible, inFlight } = expected.queueLeft;
  facts.push(`queue after the sync: ${visible} waiting, ${inFlight} in flight`);
  if (visible + inFlight > 0) problems.push(`the queue still holds ${visible + inFlight} messages`);
  const expect = (what: string, got: number, want: number) => {
    if (got !== want) problems.push(`${what}: ${got}, expected ${want}`);
  };
  expect('received', summary.received, expected.total);
  expect('acknowledged', summary.acknowledged, expected.total);
  expect('applied', summary.applied, own);
  expect('unmatched (foreign)', summary.unmatched, expected.foreign);
  expect('left on the queue', summary.leftOnQueue, 0);
  expect('malformed', summary.malformed.length, 0);

  const db = new Database(file, { readonly: true });
  try {
    const rows = db
      .prepare('SELECT email, status, delivery_state FROM ledger WHERE campaign_id = ?')
      .all(CAMPAIGN) as { email: string; status: string; delivery_state: string | null }[];
    const byEmail = new Map(rows.map((row) => [row.email, row]));
    const suppressed = new Map(
      (db.prepare('SELECT email, reason FROM suppressions').all() as { email: string; reason: string }[]).map(
        (row) => [row.email, row.reason],
      ),
    );
    const contacts = new Map(
      (db.prepare('SELECT email, topics FROM contacts').all() as { email: string; topics: string }[]).map(
        (row) => [row.email, JSON.parse(row.topics) as Record<string, string>],
      ),
    );
    let wrongState = 0;
    let wrongSuppression = 0;
    let wrongOptOut = 0;
    const wantSuppressed = new Map<string, string>();
    for (let i = 0; i < expected.ledgerRows; i += 1) {
      const email = addressOf(i);
      const row = byEmail.get(email);
      const kind = i < own ? kindOf(i) : undefined;
      const want = kind ? STATE_OF[kind] : null;
      if (row?.status !== 'sent' || row.delivery_state !== want) wrongState += 1;
      if (kind === 'bounce' || kind === 'complaint') wantSuppressed.set(email, kind);
      if ((suppressed.get(email) ?? null) !== (wantSuppressed.get(email) ?? null)) wrongSuppression += 1;
      const optedOut = contacts.get(email)?.[TOPIC] === 'OPT_OUT';
      if (optedOut !== (kind === 'complaint')) wrongOptOut += 1;
    }
    if (wrongState > 0)
      problems.push(`${wrongState} ledger rows without the delivery state their event gives`);
    if (wrongSuppression > 0) problems.push(`${wrongSuppression} addresses suppressed wrongly or not at all`);
    if (wrongOptOut > 0) problems.push(`${wrongOptOut} contacts opted out wrongly or not at all`);
    expect('suppressions in the table', suppressed.size, wantSuppressed.size);
    const tracking = db
      .prepare(
        'SELECT event_type AS type, COUNT(*) AS n FROM tracking WHERE campaign_id = ? GROUP BY event_type',
      )
      .all(CAMPAIGN) as { type: string; n: number }[];
    const trackingBy = new Map(tracking.map((row) => [row.type, row.n]));
    const wantBy = { delivery: 0, bounce: 0, complaint: 0 };
    for (let i = 0; i < own; i += 1) wantBy[kindOf(i)] += 1;
    for (const [type, want] of Object.entries(wantBy))
      expect(`tracking ${type} rows`, trackingBy.get(type) ?? 0, want);
    const audits = (
      db.prepare("SELECT COUNT(*) AS n FROM audit WHERE source = 'complaint'").get() as { n: number }
    ).n;
    expect('complaint audit rows', audits, wantBy.complaint);
    facts.push(
      `ledger: ${rows.length} rows, ${rows.filter((r) => r.delivery_state === 'delivered').length} delivered, ` +
        `${rows.filter((r) => r.delivery_state === 'bounced').length} bounced, ` +
        `${rows.filter((r) => r.delivery_state === 'complained').length} complained, ` +
        `${rows.filter((r) => r.delivery_state === null).length} without an event (no event published for them); ` +
        `tracking: ${tracking.map((r) => `${r.type} ${r.n}`).join(', ')}; suppressions ${suppressed.size} ` +
        `(${[...suppressed.values()].filter((r) => r === 'bounce').length} bounce, ` +
        `${[...suppressed.values()].filter((r) => r === 'complaint').length} complaint); ` +
        `complaint opt-outs audited ${audits}`,
    );
  } finally {
    db.close();
  }
  return { problems, facts };
}

function printSetup(s: {
  total: number;
  foreign: number;
  ledgerRows: number;
  receivers: number;
  ledgerSeconds: number;
  publishSeconds: number;
  fauxqs: Fauxqs;
  waiting: number;
}): void {
  const own = s.total - s.foreign;
  const bounces = countKinds(own, 'bounce');
  const complaints = countKinds(own, 'complaint');
  console.log(
    `peer: fauxqs 2.4.1 (Node 22 child process, ${s.fauxqs.endpoint}); ${availableParallelism()} CPUs shared by the ` +
      'bench and fauxqs',
  );
  console.log(
    `ledger: ${s.ledgerRows} sent rows of ${CAMPAIGN} in a temp SQLite file (built in ${s.ledgerSeconds.toFixed(1)} s ` +
      'through createSqliteLedger); the sync opens it as the local backend does (WAL, synchronous=FULL)',
  );
  console.log(
    `events: ${s.total} in the SNS envelope — ${own - bounces - complaints} Delivery, ${bounces} permanent Bounce, ` +
      `${complaints} Complaint, ${s.foreign} foreign (another sender, no dn-mailer tags); put on the queue with ` +
      `SendMessageBatch ×10, 16 calls in flight, in ${s.publishSeconds.toFixed(1)} s; ${s.waiting} waiting`,
  );
  console.log(
    `wiring: syncEvents + createSqsEventSource (its own SQSClient) with ${s.receivers} receivers; EventPorts: ` +
      'ledger, tracking, suppressions of openSqliteStore (sending) + contacts, audit of a second openSqliteStore ' +
      '(subscriptions); counting wrappers only',
  );
}

function countKinds(own: number, kind: ReturnType<typeof kindOf>): number {
  let n = 0;
  for (let i = 0; i < own; i += 1) if (kindOf(i) === kind) n += 1;
  return n;
}

const WRITES = [
  'ledger.recordDeliveries',
  'ledger.recordDelivery',
  'ledger.finish',
  'tracking.record',
  'suppressions.add',
  'contacts.setTopic',
  'audit.record',
] as const;

function printResults(
  m: Measured,
  baseline: { drained: number; seconds: number },
  total: number,
  receivers: number,
): void {
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const rate = m.summary.received / m.seconds;
  const baseRate = baseline.drained / baseline.seconds;
  const mb = (bytes: number) => bytes / 1024 / 1024;
  const growth = mb(m.peakRss - m.startRss);
  const per = (n: number) => (n / total).toFixed(3);
  const get = (key: string) => m.calls.get(key) ?? 0;
  console.log(
    `\nsync: ${m.summary.received} messages in ${m.seconds.toFixed(2)} s → ${rate.toFixed(0)} events/s ` +
      `(applied ${m.summary.applied}, unmatched ${m.summary.unmatched}, acknowledged ${m.summary.acknowledged})`,
  );
  console.log(
    `baseline — bare ReceiveMessage ×10 + DeleteMessageBatch, same client, ${receivers} receivers, nothing applied: ` +
      `${baseline.drained} in ${baseline.seconds.toFixed(2)} s → ${baseRate.toFixed(0)} messages/s`,
  );
  console.log(
    `  ratio dn-mailer/baseline: ${(rate / baseRate).toFixed(2)}× (${rate.toFixed(0)} vs ${baseRate.toFixed(0)})`,
  );
  const calls = [...m.calls]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
  console.log(`calls: ${calls}`);
  const writes = WRITES.reduce((sum, key) => sum + get(key), 0);
  console.log(
    `store writes (each one SQLite transaction, fsync'd): ${writes} → ${per(writes)} per event; reads: ` +
      `ledger.listRows ${get('ledger.listRows')}, suppressions.get ${get('suppressions.get')}, contacts.get ${get('contacts.get')}`,
  );
  console.log(whereTimeGoes(m, receivers));
  console.log(
    `\nevents/s ≥ ${TARGET_RATE.toLocaleString('en')}: ${met(rate >= TARGET_RATE)} (${rate.toFixed(0)})`,
  );
  console.log(
    `peak RSS bounded (growth ≤ ${RSS_BOUND_MB} MB over the start, sampled every 100 ms): ` +
      `${met(growth <= RSS_BOUND_MB)} (start ${mb(m.startRss).toFixed(0)} MB, peak ${mb(m.peakRss).toFixed(0)} MB, ` +
      `+${growth.toFixed(0)} MB)`,
  );
  const ledgerWrites = get('ledger.recordDeliveries') + get('ledger.recordDelivery') + get('ledger.finish');
  console.log(
    `ledger writes/event: ${per(ledgerWrites)} (recordDeliveries ${get('ledger.recordDeliveries')} with ` +
      `${get('ledger.recordDeliveries rows')} updates, one transaction each; recordDelivery ` +
      `${get('ledger.recordDelivery')}, finish ${get('ledger.finish')})`,
  );
  console.log(
    `tracking rows/event: ${per(get('tracking.record rows'))} (${get('tracking.record rows')} rows in ` +
      `${get('tracking.record')} record calls → ${per(get('tracking.record'))} tracking writes/event)`,
  );
  console.log(
    `other writes/event: suppressions.add ${per(get('suppressions.add'))} (${get('suppressions.add rows')} entries), ` +
      `contacts.setTopic ${per(get('contacts.setTopic'))}, audit.record ${per(get('audit.record'))}`,
  );
}

/** Where a sync's wall time went: the event loop blocked in each store method, and the queue calls' waits. */
function whereTimeGoes(m: Measured, receivers: number): string {
  const blocked = [...m.busy].sort(([, a], [, b]) => b - a);
  const blockedTotal = blocked.reduce((sum, [, ms]) => sum + ms, 0);
  const perCall = (name: string, ms: number) => (ms / (m.calls.get(name) || 1)).toFixed(2);
  return (
    `where the time goes (${m.seconds.toFixed(1)} s wall): the event loop blocked in the stores ` +
    `${(blockedTotal / 1000).toFixed(1)} s — ${blocked
      .filter(([, ms]) => ms >= 1)
      .map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)} s (${perCall(name, ms)} ms a call)`)
      .join(', ')}; queue calls (summed over ${receivers} receivers, overlapping): ReceiveMessage ` +
    `${(m.queueMs.receive / 1000).toFixed(1)} s, DeleteMessageBatch ${(m.queueMs.acknowledge / 1000).toFixed(1)} s`
  );
}

function printGrouping(rates: readonly GroupedRate[]): void {
  console.log(
    `what-if, ledger.recordDeliveries alone (real createSqliteLedger, WAL + synchronous=FULL, fresh ledger): ${rates
      .map((r) => `${r.perTransaction} a transaction ${r.eventsPerSecond.toFixed(0)}/s`)
      .join(', ')} — the sync writes one transaction per receive batch (≤ 10 events)`,
  );
}

function printCheck(check: Check): void {
  for (const fact of check.facts) console.log(`  ${fact}`);
  console.log(
    `correctness: ${check.problems.length} mismatches (queue empty, every row's delivery state, suppressions, ` +
      'complaint opt-outs + audit, tracking rows by type, sync counts) — must be 0',
  );
  for (const problem of check.problems) console.log(`    mismatch: ${problem}`);
}

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}
