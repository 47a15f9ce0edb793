import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { type AwsWorld, SEND_PATH, startAwsWorld } from '../support/aws-world.js';
import { route, throttled } from '../support/fault-proxy.js';
import {
  parseJson,
  plannedMessages,
  SEND_JANUARY,
  type SendJson,
  type StatusJson,
  startCli,
  stopStrayClis,
  tally,
} from '../support/send-world.js';

const SEND = route('POST', SEND_PATH);
/** The smallest send timeout the config allows: a held-back answer turns into "unknown" after 1 s. */
const SEND_TIMEOUT_MS = 1_000;

let world: AwsWorld;
let dir: string;
let recipients: string[];

const cli = (args: readonly string[]) =>
  startCli([...args, '--backend', 'aws'], { cwd: dir, env: world.env }).done;
const send = (campaign: string, ...extra: string[]) =>
  cli(['send-report', ...SEND_JANUARY, '--campaign-id', campaign, '--yes', '--json', '--verbose', ...extra]);
/** How many stored messages each planned recipient got. */
const copies = async () => {
  const counts = tally((await world.ses.emails()).flatMap((e) => e.destination.to));
  return Object.fromEntries(recipients.map((r) => [r, counts.get(r) ?? 0]));
};
const once = () => Object.fromEntries(recipients.map((r) => [r, 1]));

beforeAll(async () => {
  world = await startAwsWorld(inject('s3Endpoint'));
  dir = await world.workspace((config) => {
    config.ses = { sendTimeoutMs: SEND_TIMEOUT_MS };
  });
  recipients = (await plannedMessages(path.join(dir, '.distronationrc.json'), world.env)).map((p) => p.to);
  expect(recipients.length).toBeGreaterThan(3);
}, 60_000);
afterAll(async () => {
  stopStrayClis();
  await world?.stop();
});
beforeEach(() => world.proxy.reset());

describe('SES answers 429 TooManyRequests (fault proxy in front of the emulator)', () => {
  it('retries only what SES refused: every message exactly once, exit 0', async () => {
    await world.clearStore();
    world.proxy.inject(SEND, throttled(), throttled(), throttled(), throttled());
    const result = await send('faults-429');
    expect(result.code, result.stderr).toBe(0);
    const summary = parseJson<SendJson>(result);
    expect(summary.data).toMatchObject({ successful: recipients.length, failed: 0, unknown: 0 });
    expect(await copies()).toEqual(once());
    // Four refused attempts plus one accepted attempt per recipient reached the proxy.
    expect(world.proxy.count(SEND)).toBe(recipients.length + 4);
    expect(world.proxy.requests.filter((r) => r.fault === 'answer')).toHaveLength(4);
    const ledger = await world.ledgerRows('faults-429');
    expect(ledger.map((r) => r.status)).toEqual(recipients.map(() => 'sent'));
  });
});

describe('SES accepts a message but its answer never arrives (timeout after acceptance)', () => {
  const campaign = 'faults-timeout';
  let victim: string;

  it('records the row unknown, exits 6, and the emulator holds exactly one copy', async () => {
    await world.clearStore();
    victim = recipients[1] ?? '';
    const toVictim = (req: { method: string; path: string; body: string }) =>
      SEND(req) && req.body.includes(`"ToAddresses":["${victim}"]`);
    world.proxy.inject(toVictim, { kind: 'delay-after', delayMs: SEND_TIMEOUT_MS * 4 });
    const result = await send(campaign);
    expect(result.code, result.stderr).toBe(6);
    const summary = parseJson<SendJson>(result);
    expect(summary.success).toBe(false);
    expect(summary.data).toMatchObject({ successful: recipients.length - 1, unknown: 1, failed: 0 });
    expect(summary.data.results.unknown.map((u) => u.email)).toEqual([victim]);
    expect(summary.data.results.unknown[0]?.reason).toMatch(/may have been sent/);
    // The proxy forwarded it and the emulator answered 200: SES has the message.
    expect(world.proxy.requests.find((r) => r.fault === 'delay-after')?.targetStatus).toBe(200);
    expect(await copies()).toEqual(once());
    const row = (await world.ledgerRows(campaign)).find((r) => r.email === victim);
    expect(row).toMatchObject({ status: 'unknown', attempts: 1 });
    const tracking = (await world.trackingRows(campaign)).filter((t) => t.email === victim);
    expect(tracking.map((t) => t.sendStatus)).toEqual(['unknown']);
  });

  it('a rerun does not resend it, and status --failed lists it', async () => {
    const result = await send(campaign);
    expect(result.stderr).toMatch(/unknown earlier: .*resend with --retry-unknown/);
    const summary = parseJson<SendJson>(result);
    expect(summary.data).toMatchObject({
      successful: 0,
      alreadySent: recipients.length - 1,
      heldForRetry: 1,
    });
    expect(summary.data.results.heldForRetry).toMatchObject([{ email: victim, status: 'unknown' }]);
    expect(world.proxy.count(SEND)).toBe(0);
    expect(await copies()).toEqual(once());

    const status = await cli(['status', '--campaign-id', campaign, '--failed', '--json', '--verbose']);
    expect(status.code).toBe(6);
    const document = parseJson<StatusJson>(status);
    expect(document.counts).toMatchObject({ unknown: 1, sent: recipients.length - 1 });
    expect(document.problems).toMatchObject([{ email: victim, status: 'unknown' }]);
    expect(document.rows).toMatchObject([{ email: victim, status: 'unknown' }]);
  });

  it('a rerun that leaves an unknown row held exits 6 (README), not 0', async () => {
    const result = await send(campaign);
    expect(result.code).toBe(6);
  });

  it('--retry-unknown resends it (the documented risk: the recipient may now have two copies)', async () => {
    const result = await send(campaign, '--retry-unknown');
    expect(result.code, result.stderr).toBe(0);
    expect(parseJson<SendJson>(result).data).toMatchObject({
      successful: 1,
      alreadySent: recipients.length - 1,
    });
    expect(world.proxy.count(SEND)).toBe(1);
    expect(await copies()).toEqual({ ...once(), [victim]: 2 });
    const row = (await world.ledgerRows(campaign)).find((r) => r.email === victim);
    expect(row).toMatchObject({ status: 'sent', attempts: 2 });
  });
});
