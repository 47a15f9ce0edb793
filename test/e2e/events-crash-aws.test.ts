/**
 * Issue #12, "Done when" (aws backend): a send SIGKILLed at random moments ten times while the event pump publishes
 * what SES accepted; after `events sync` and a rerun, every recipient has exactly one message in the SES store, none
 * is missing, no row is `unknown` — without --retry-unknown and without a human decision. Replaying the whole queue
 * changes nothing; a malformed message is reported and ends in the dead-letter queue.
 *
 * The peers: the aws e2e world (aws-ses-v2-local behind a fault proxy, the SES fake, dynalite, s3rver), fauxqs with an
 * SNS topic subscribed to the events queue (redrive to a dead-letter queue), and the event pump turning the SES store
 * into Send / Delivery (and chosen Bounce / Complaint) events on that topic.
 *
 * Time: `events.settleMinutes` is 0 here, so proof rests on the stream alone (events for messages SES accepted after a
 * row's claim); no clock is moved. A row claimed after the last message that has events can only be proven by the
 * events of a later send: the rerun sends the rest, then waits for its own sends' events (its second pass), proves
 * such rows unsent and sends them — so ONE rerun finishes the month.
 */
import { randomUUID } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPlanWorkspace } from '../../bench/support/plan-workspace.js';
import { createRandom } from '../../bench/support/random.js';
import { PLANNING_LEASE_MS } from '../../src/adapters/aws/dynamo-ledger.js';
import { auditTableInput } from '../../src/adapters/aws/dynamo-tables.js';
import { type AwsWorld, CONTACT_LIST, SEND_PATH, startAwsWorld, TOPIC } from '../support/aws-world.js';
import { DEMO, DEMO_DIR } from '../support/demo.js';
import { createDocClient } from '../support/dynalite.js';
import { createEventPump, type EventPump } from '../support/event-pump.js';
import { type Fault, route } from '../support/fault-proxy.js';
import { type Fauxqs, type FauxqsQueue, startFauxqs } from '../support/fauxqs.js';
import { createBucket, createS3rverClient } from '../support/s3-client.js';
import {
  parseJson,
  SEND_JANUARY,
  type SendJson,
  sleep,
  startCli,
  stopStrayClis,
  tally,
  waitFor,
} from '../support/send-world.js';

const CAMPAIGN = 'crash-aws';
const CREATORS = 120;
const KILLS = 10;
const SETTLE_MINUTES = 0;
/** Runs after the crashes: one rerun finishes the month (see above). */
const MAX_RERUNS = 1;
/** Receives before a message that is left on the queue moves to the dead-letter queue. */
const MAX_RECEIVES = 3;
const VISIBILITY_SECONDS = 2;
/** Seeded, and printed: a failure names the seed that reproduces its kill moments (DN_CRASH_SEED=<seed>). */
const SEED = Number(process.env.DN_CRASH_SEED ?? Date.now() % 1_000_000);
const SEND = route('POST', SEND_PATH);

let world: AwsWorld;
let fauxqs: Fauxqs;
let queue: FauxqsQueue;
let pump: EventPump;
let dir: string;
let recipients: string[];
let suppressionTable: string;
let bounced: string;
let complained: string;
const random = createRandom(SEED);
/** Every argument list a CLI run of this file was given (none may hold --retry-unknown). */
const runs: string[][] = [];

const cli = (args: readonly string[], env: Record<string, string> = {}) => {
  runs.push([...args]);
  return startCli([...args, '--backend', 'aws'], {
    cwd: dir,
    env: { ...world.env, AWS_ENDPOINT_URL_SQS: fauxqs.endpoint, ...env },
  });
};
const SEND_ARGS = [
  'send-report',
  ...SEND_JANUARY,
  ...['--campaign-id', CAMPAIGN, '--yes', '--json', '--verbose', '--rate', '8', '--concurrency', '4'],
];
const sync = () => cli(['events', 'sync', '--json', '--verbose']).done;

beforeAll(async () => {
  console.info(`events-crash-aws: seed ${SEED} (rerun with DN_CRASH_SEED=${SEED})`);
  world = await startAwsWorld(inject('s3Endpoint'), { maxSendRate: 50 });
  fauxqs = await startFauxqs();
  queue = await fauxqs.createQueue(`dn-events-${randomUUID().slice(0, 8)}`, {
    visibilityTimeoutSeconds: VISIBILITY_SECONDS,
    maxReceiveCount: MAX_RECEIVES,
  });
  const topicArn = await fauxqs.createTopic(`ses-events-${randomUUID().slice(0, 8)}`, queue.arn);
  const audit = `dn-audit-${randomUUID().slice(0, 8)}`;
  await world.dynamo.createTables([auditTableInput(audit)]);
  suppressionTable = world.tables.suppression;
  const generated = await generatedAwsWorkspace(audit);
  dir = generated.dir;
  recipients = generated.recipients;
  bounced = recipients[7] ?? '';
  complained = recipients[11] ?? '';
  pump = createEventPump({
    ses: world.ses,
    fauxqs,
    topicArn,
    campaign: CAMPAIGN,
    bounces: { [bounced]: 'Permanent' },
    complaints: [complained],
  });
}, 120_000);

afterAll(async () => {
  stopStrayClis();
  await pump?.stop().catch(() => {});
  await fauxqs?.stop();
  await world?.stop();
});

/**
 * A generated workspace of CREATORS recipients (bench/support/plan-workspace.ts) on the aws backend: its users and
 * payouts files, its reports in a bucket of the suite's s3rver, this world's tables, the events queue.
 */
async function generatedAwsWorkspace(auditTable: string) {
  const ws = await createPlanWorkspace(CREATORS, SEED);
  const local = JSON.parse(await readFile(ws.configPath, 'utf8')) as Record<string, Record<string, unknown>>;
  const bucket = `dn-crash-${randomUUID().slice(0, 8)}`;
  const s3 = createS3rverClient(inject('s3Endpoint'));
  try {
    await createBucket(s3, bucket);
    const reports = path.join(ws.dir, 'reports');
    const files = (await readdir(reports, { recursive: true, withFileTypes: true })).filter((e) =>
      e.isFile(),
    );
    for (const file of files) {
      const full = path.join(file.parentPath, file.name);
      const key = path.relative(reports, full).split(path.sep).join('/');
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(full) }));
    }
  } finally {
    s3.destroy();
  }
  const config = {
    backend: 'aws',
    users: { ...local.users, source: 'file', file: path.join(ws.dir, 'users.json') },
    reports: { bucket, forcePathStyle: true },
    payouts: { ...local.payouts, source: 'file', file: path.join(ws.dir, 'payouts.json') },
    links: { ...local.links, privateKey: { file: path.join(ws.dir, 'keys', 'private.pem') } },
    email: local.email,
    unsubscribe: {
      ...DEMO.unsubscribe,
      tokenKey: { file: path.join(DEMO_DIR, 'keys', 'unsubscribe-token-demo.key') },
      topic: TOPIC,
      contactList: CONTACT_LIST,
    },
    tracking: {
      ledgerTable: world.tables.ledger,
      table: world.tables.tracking,
      suppressionTable: world.tables.suppression,
      auditTable,
    },
    ses: { sendTimeoutMs: 5_000 },
    events: { queueUrl: queue.url, settleMinutes: SETTLE_MINUTES },
  };
  await writeFile(path.join(ws.dir, '.distronationrc.json'), JSON.stringify(config, null, 2));
  return { dir: ws.dir, recipients: [...ws.expected.keys()].sort() };
}

/**
 * Each SendEmail is held 30–300 ms by the fault proxy, before SES sees it (a kill then means SES never got it) or
 * after SES accepted it (a kill then means SES has it and dn-mailer never heard): both kinds of in-flight row.
 */
function slowSends(count: number): Fault[] {
  return Array.from({ length: count }, () => {
    const delayMs = 30 + Math.floor(random() * 270);
    return random() < 0.5 ? { kind: 'delay-before', delayMs } : { kind: 'delay-after', delayMs };
  });
}

async function scanSuppressions() {
  const doc = createDocClient(world.dynamo.createClient());
  try {
    const answer = await doc.send(new ScanCommand({ TableName: suppressionTable, ConsistentRead: true }));
    return (answer.Items ?? []).sort((a, b) => String(a.email).localeCompare(String(b.email)));
  } finally {
    doc.destroy();
  }
}

const byEmail = (rows: Record<string, unknown>[]) =>
  [...rows].sort((a, b) => String(a.email).localeCompare(String(b.email)));
const statusCounts = async () =>
  Object.fromEntries(tally((await world.ledgerRows(CAMPAIGN)).map((r) => String(r.status))));
async function queueDepth(url: string): Promise<number> {
  const answer = await fauxqs.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

describe('aws backend: ten SIGKILLs at random moments while the pump publishes SES events', () => {
  const log: string[] = [];

  it('after events sync and one rerun (no --retry-unknown, no human decision): one message per recipient in the SES store, 0 missing, 0 unknown', async () => {
    world.proxy.inject(SEND, ...slowSends(CREATORS * 4));
    pump.start(100);
    for (let kill = 0; kill < KILLS; kill += 1) {
      const sendsBefore = world.proxy.count(SEND);
      const run = cli(SEND_ARGS);
      // A random moment of the run: most once it is sending, some while it starts (syncing, planning, settling).
      // A kill while the previous run planned left its planning lease behind: this run waits for it to expire first.
      if (random() < 0.75)
        await waitFor(
          'the run to send',
          () => run.child.exitCode !== null || world.proxy.count(SEND) > sendsBefore,
          PLANNING_LEASE_MS + 60_000,
        );
      const delayMs = Math.floor(random() * 1_500);
      await sleep(delayMs);
      const alive = run.child.exitCode === null && run.child.signalCode === null;
      if (alive) run.child.kill('SIGKILL');
      const result = await run.done;
      log.push(
        `kill ${kill + 1}: +${delayMs} ms ${alive ? 'SIGKILL' : `finished first (exit ${result.code})`}, ` +
          `${world.proxy.count(SEND) - sendsBefore} SendEmail → ${JSON.stringify(await statusCounts())}`,
      );
    }
    // Everything SES holds so far is on the queue before the sync; the pump goes on publishing during the rerun, as
    // SES does for the messages the rerun sends.
    await pump.pumpOnce();
    console.info(`seed ${SEED}\n${log.join('\n')}`);
    const context = () => `seed ${SEED}\n${log.join('\n')}`;
    expect(log.filter((l) => l.includes('SIGKILL')).length, context()).toBeGreaterThanOrEqual(5);
    // Rows were in flight at kills: only SES events (or their absence after later sends) can tell what became of
    // them. (Each run settles the earlier kills' rows first, so after the last kill there may be none left.)
    expect(
      log.some((line) => /"(sending|unknown)":/.test(line)),
      context(),
    ).toBe(true);

    const synced = await sync();
    log.push(`events sync: exit ${synced.code}\n${synced.stderr}`);
    expect(synced.code, context()).toBe(0);
    log.push(`after sync: ${JSON.stringify(await statusCounts())}`);

    let rerun = await cli(SEND_ARGS).done;
    log.push(`rerun 1: exit ${rerun.code}\n${rerun.stderr}`);
    for (let n = 2; n <= MAX_RERUNS && rerun.code !== 0; n += 1) {
      await sleep(500);
      await pump.pumpOnce();
      rerun = await cli(SEND_ARGS).done;
      log.push(`rerun ${n}: exit ${rerun.code}\n${rerun.stderr}`);
    }
    await pump.stop();
    console.info(`events-crash-aws: done after ${log.filter((l) => l.startsWith('rerun')).length} rerun(s)`);
    expect(rerun.code, context()).toBe(0);
    expect(parseJson<SendJson>(rerun).data, context()).toMatchObject({ unknown: 0, failed: 0 });

    const copies = tally((await world.ses.emails()).flatMap((e) => e.destination.to));
    const wrong = recipients.filter((r) => copies.get(r) !== 1).map((r) => `${r}: ${copies.get(r) ?? 0}`);
    expect(wrong, `${context()}\nrecipients without exactly one stored message`).toEqual([]);
    const rows = await world.ledgerRows(CAMPAIGN);
    expect(rows.map((r) => r.email).sort()).toEqual(recipients);
    expect(
      rows.filter((r) => r.status !== 'sent').map((r) => `${r.email}: ${r.status} (${r.reason})`),
      context(),
    ).toEqual([]);
    expect(runs.flat()).not.toContain('--retry-unknown');
  }, 600_000);

  it('replaying the whole queue a second time changes nothing', async () => {
    // Whatever the rerun sent has events too; apply them, so the replay below repeats everything.
    await pump.pumpOnce();
    expect((await sync()).code).toBe(0);
    const before = {
      ledger: byEmail(await world.ledgerRows(CAMPAIGN)),
      tracking: byEmail(await world.trackingRows(CAMPAIGN)),
      suppressions: await scanSuppressions(),
    };
    // The chosen bounce and complaint of the messages SES holds were applied: the replay has them to repeat.
    const chosen: [string, string][] = [];
    if ((await world.sentTo(bounced)).length > 0) chosen.push([bounced, 'bounce']);
    if ((await world.sentTo(complained)).length > 0) chosen.push([complained, 'complaint']);
    expect(chosen.length).toBeGreaterThan(0);
    expect(before.suppressions.map((s) => [s.email, s.reason])).toEqual(
      chosen.sort((a, b) => a[0].localeCompare(b[0])),
    );
    const replayed = await pump.replay();
    expect(replayed).toBe(pump.published.length);
    // A Send and a Delivery (or Bounce) per stored message, and the complaint.
    expect(replayed).toBe((await world.ses.emails()).length * 2 + 1);
    const again = await sync();
    expect(again.code, again.stderr).toBe(0);
    expect(await queueDepth(queue.url)).toBe(0);
    expect(byEmail(await world.ledgerRows(CAMPAIGN))).toEqual(before.ledger);
    expect(byEmail(await world.trackingRows(CAMPAIGN))).toEqual(before.tracking);
    expect(await scanSuppressions()).toEqual(before.suppressions);
  }, 120_000);

  it('a malformed message is reported (exit 6), left on the queue, and ends in the dead-letter queue', async () => {
    const broken = { eventType: 'Bounce', bounce: { bounceType: 'Permanent', bouncedRecipients: [] } };
    await pump.publishRaw(broken);
    const ledgerBefore = byEmail(await world.ledgerRows(CAMPAIGN));
    const codes: (number | null)[] = [];
    for (let round = 0; round < MAX_RECEIVES + 5; round += 1) {
      if ((await queueDepth(queue.deadLetter.url)) > 0) break;
      const result = await sync();
      codes.push(result.code);
      if (result.code === 6) expect(result.stdout).toContain('without mail.messageId');
      // Left on the queue, it comes back once its visibility timeout ends.
      await sleep(VISIBILITY_SECONDS * 1_000 + 300);
    }
    // Received (and reported) once per sync until the redrive policy moved it: never deleted, never applied.
    expect(codes.filter((code) => code === 6)).toHaveLength(MAX_RECEIVES);
    expect(await queueDepth(queue.deadLetter.url)).toBe(1);
    const dead = await fauxqs.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.deadLetter.url, MaxNumberOfMessages: 10 }),
    );
    expect(JSON.parse(JSON.parse(dead.Messages?.[0]?.Body ?? '{}').Message)).toEqual(broken);
    const clean = await sync();
    expect(clean.code, clean.stderr).toBe(0);
    expect(byEmail(await world.ledgerRows(CAMPAIGN))).toEqual(ledgerBefore);
  }, 120_000);
});
