import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { type AwsWorld, SEND_PATH, startAwsWorld } from '../support/aws-world.js';
import { route } from '../support/fault-proxy.js';
import {
  generatedWorkspace,
  JANUARY,
  killAll,
  parseJson,
  plannedMessages,
  type RunningCli,
  readOutbox,
  SEND_JANUARY,
  type SendJson,
  type StatusJson,
  sleep,
  sqliteLedger,
  sqliteTracking,
  startCli,
  stopStrayClis,
  tally,
  waitFor,
  watchOutbox,
} from '../support/send-world.js';

const CAMPAIGN = 'financial-2025-01';
const running: RunningCli[] = [];
const start = (args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}) => {
  const cli = startCli(args, options);
  running.push(cli);
  return cli;
};
afterEach(() => killAll(running.splice(0)));
afterAll(stopStrayClis);

/** Every recipient's successful tracking rows: a second send of one recipient would show as 2. */
const successesPer = (sqlite: string) =>
  tally(
    sqliteTracking(sqlite, CAMPAIGN)
      .filter((t) => t.send_status === 'success')
      .map((t) => t.email),
  );

describe('local backend: two send-report processes on the same campaign', () => {
  it('send every message once between them', async () => {
    const ws = await generatedWorkspace(60);
    const args = [
      'send-report',
      ...SEND_JANUARY,
      '--config',
      ws.config,
      '--yes',
      '--json',
      '--verbose',
      '--rate',
      '30',
    ];
    const watcher = await watchOutbox(ws.outbox);
    const [a, b] = await Promise.all([start(args).done, start(args).done]);
    await watcher.settle();
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const [sa, sb] = [parseJson<SendJson>(a).data, parseJson<SendJson>(b).data];
    expect(sa.successful + sb.successful).toBe(60);
    // Both walk the plan in the same order at the same pace: the later one finds the rows the earlier one claimed
    // or sent (which of them wins how many depends on which finished planning first).
    expect(sa.claimedElsewhere + sb.claimedElsewhere + sa.alreadySent + sb.alreadySent).toBeGreaterThan(0);

    const outbox = await readOutbox(ws.outbox);
    expect(outbox.flatMap((m) => m.to).sort()).toEqual(ws.recipients);
    // Each file was moved into place once: no message was written (sent) twice under the same name.
    expect([...watcher.appeared.values()]).toEqual(outbox.map(() => 1));
    const ledger = sqliteLedger(ws.sqlite, CAMPAIGN);
    expect(ledger.map((r) => [r.email, r.status, r.attempts])).toEqual(
      ws.recipients.map((r) => [r, 'sent', 1]),
    );
    expect([...successesPer(ws.sqlite).values()]).toEqual(ws.recipients.map(() => 1));
    const winners = new Set([...sa.results.successful, ...sb.results.successful].map((r) => r.email));
    expect(winners.size).toBe(60);
  }, 60_000);
});

describe('local backend: a run killed with SIGKILL, then rerun', () => {
  it('ends with every recipient sent exactly once, except rows left unknown, which status lists', async () => {
    const ws = await generatedWorkspace(40, { sendTimeoutMs: 1_000 });
    const args = [
      'send-report',
      ...SEND_JANUARY,
      '--config',
      ws.config,
      '--yes',
      '--json',
      '--verbose',
      '--rate',
      '10',
    ];
    const watcher = await watchOutbox(ws.outbox);
    const first = start(args);
    await waitFor('the first messages in the outbox', async () => (await readOutbox(ws.outbox)).length >= 1);
    await sleep(1_000);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.code).toBe(-1); // killed by a signal, not finished
    const sentBefore = (await readOutbox(ws.outbox)).length;
    expect(sentBefore).toBeGreaterThan(0);
    expect(sentBefore).toBeLessThan(40);

    const rerun = await start(args).done;
    await watcher.settle();
    expect([0, 6], rerun.stderr).toContain(rerun.code);
    const ledger = sqliteLedger(ws.sqlite, CAMPAIGN);
    const unknown = ledger.filter((r) => r.status === 'unknown').map((r) => r.email);
    expect(ledger.filter((r) => r.status !== 'unknown').map((r) => [r.status, r.attempts])).toEqual(
      ledger.filter((r) => r.status !== 'unknown').map(() => ['sent', 1]),
    );
    expect(rerun.code).toBe(unknown.length > 0 ? 6 : 0);

    const perRecipient = tally((await readOutbox(ws.outbox)).flatMap((m) => m.to));
    const successes = successesPer(ws.sqlite);
    for (const email of ws.recipients) {
      const file = (await readOutbox(ws.outbox)).find((m) => m.to.includes(email))?.file ?? '';
      expect(watcher.appeared.get(file) ?? 0, email).toBe(perRecipient.get(email) ?? 0);
      if (unknown.includes(email)) {
        expect(perRecipient.get(email) ?? 0).toBeLessThanOrEqual(1);
        expect(successes.get(email)).toBeUndefined();
      } else {
        expect([email, perRecipient.get(email)]).toEqual([email, 1]);
      }
      // Tracking rows are buffered (25 a batch): the killed run's may be lost, but none is ever doubled.
      expect(successes.get(email) ?? 0).toBeLessThanOrEqual(1);
    }
    const status = await start([
      'status',
      ...JANUARY,
      '--config',
      ws.config,
      '--failed',
      '--json',
      '--verbose',
    ]).done;
    expect(status.code).toBe(unknown.length > 0 ? 6 : 0);
    expect(
      parseJson<StatusJson>(status)
        .problems.map((p) => p.email)
        .sort(),
    ).toEqual(unknown.sort());
  }, 60_000);
});

describe('aws backend (dynalite + SES emulator)', () => {
  let world: AwsWorld;
  let dir: string;
  let recipients: string[];
  const env = () => world.env;

  beforeAll(async () => {
    world = await startAwsWorld(inject('s3Endpoint'));
    dir = await world.workspace((config) => {
      config.ses = { sendTimeoutMs: 1_000 };
    });
    recipients = (await plannedMessages(`${dir}/.distronationrc.json`, world.env)).map((p) => p.to).sort();
  }, 60_000);
  afterAll(async () => {
    killAll(running.splice(0));
    await world?.stop();
  });

  const sendArgs = (campaign: string, ...extra: string[]) => [
    'send-report',
    ...SEND_JANUARY,
    '--campaign-id',
    campaign,
    '--yes',
    '--json',
    '--verbose',
    ...extra,
  ];
  const copies = async () => tally((await world.ses.emails()).flatMap((e) => e.destination.to));

  it('two processes racing on one campaign send each message once', async () => {
    await world.clearStore();
    const args = sendArgs('race-2025-01', '--rate', '4');
    const [a, b] = await Promise.all([
      start(args, { cwd: dir, env: env() }).done,
      start(args, { cwd: dir, env: env() }).done,
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const total = parseJson<SendJson>(a).data.successful + parseJson<SendJson>(b).data.successful;
    expect(total).toBe(recipients.length);
    expect(Object.fromEntries(await copies())).toEqual(Object.fromEntries(recipients.map((r) => [r, 1])));
    const ledger = await world.ledgerRows('race-2025-01');
    expect(ledger.map((r) => [r.status, r.attempts])).toEqual(recipients.map(() => ['sent', 1]));
  }, 60_000);

  it('killed while SES holds an accepted message: the row becomes unknown, is not resent, status lists it', async () => {
    await world.clearStore();
    world.proxy.reset();
    const campaign = 'killed-2025-01';
    const victim = recipients[0] ?? '';
    const toVictim = (req: { method: string; path: string; body: string }) =>
      route('POST', SEND_PATH)(req) && req.body.includes(`"ToAddresses":["${victim}"]`);
    world.proxy.inject(toVictim, { kind: 'delay-after', delayMs: 30_000 });
    const first = start(sendArgs(campaign, '--concurrency', '1'), { cwd: dir, env: env() });
    await waitFor('the victim accepted by SES', () =>
      world.proxy.requests.some((r) => r.fault === 'delay-after' && r.targetStatus === 200),
    );
    first.child.kill('SIGKILL');
    await first.done;
    expect(await world.ses.emails(victim)).toHaveLength(1);
    const left = (await world.ledgerRows(campaign)).find((r) => r.email === victim);
    expect(left?.status).toBe('sending');

    // The rerun waits out the dead run's lease (2 × 1 s + 5 s), then records the row unknown; it never resends it.
    const rerun = await start(sendArgs(campaign), { cwd: dir, env: env() }).done;
    expect(rerun.code, rerun.stderr).toBe(6);
    expect(parseJson<SendJson>(rerun).data.results.unknown.map((u) => u.email)).toEqual([victim]);
    expect(Object.fromEntries(await copies())).toEqual(Object.fromEntries(recipients.map((r) => [r, 1])));
    const status = await start(
      ['status', '--campaign-id', campaign, '--failed', '--json', '--verbose', '--backend', 'aws'],
      {
        cwd: dir,
        env: env(),
      },
    ).done;
    expect(status.code).toBe(6);
    expect(parseJson<StatusJson>(status).problems).toMatchObject([{ email: victim, status: 'unknown' }]);
  }, 60_000);
});
