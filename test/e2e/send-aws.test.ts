import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type AwsWorld, CONTACT_LIST, startAwsWorld, TOPIC } from '../support/aws-world.js';
import { DEMO } from '../support/demo.js';
import { htmlLinks, textLinks } from '../support/email-content.js';
import {
  JANUARY,
  parseJson,
  plannedMessages,
  SEND_JANUARY,
  type SendJson,
  type StatusJson,
  signedReportKeys,
  startCli,
  stopStrayClis,
} from '../support/send-world.js';

const CAMPAIGN = 'financial-2025-01';
const BCC = DEMO.email.bcc.map((a) => a.toLowerCase());
const TTL_S = 90 * 86_400;

let world: AwsWorld;
let dir: string;
let planned: Awaited<ReturnType<typeof plannedMessages>>;

const cli = (args: readonly string[], cwd = dir) =>
  startCli([...args, '--backend', 'aws'], { cwd, env: world.env }).done;
const send = (...extra: string[]) =>
  cli(['send-report', ...SEND_JANUARY, '--yes', '--json', '--verbose', ...extra]);

beforeAll(async () => {
  // DynamoDB Local: the ledger's claims and finishes go out in transactions, as against DynamoDB.
  world = await startAwsWorld(inject('s3Endpoint'), {}, 'dynamodb-local');
  dir = await world.workspace();
  planned = await plannedMessages(path.join(dir, '.distronationrc.json'), world.env);
  expect(planned.length).toBeGreaterThan(4);
}, 60_000);
afterAll(async () => {
  stopStrayClis();
  await world?.stop();
});

describe('send-report --backend aws (built CLI → SES emulator, DynamoDB Local, s3rver)', () => {
  it('sends every demo recipient exactly once through SES and records ledger and tracking rows', async () => {
    const startedS = Date.now() / 1000;
    const result = await send();
    expect(result.code, result.stderr).toBe(0);
    const summary = parseJson<SendJson>(result);
    expect(summary.data).toMatchObject({
      provider: 'SES',
      successful: planned.length,
      failed: 0,
      unknown: 0,
    });
    expect(result.stderr).not.toContain('NodeVersionSupportWarning');

    expect(await world.ses.emails()).toHaveLength(planned.length);
    const ledger = await world.ledgerRows(CAMPAIGN);
    expect(ledger.map((r) => r.email).sort()).toEqual(planned.map((p) => p.to).sort());
    for (const message of planned) {
      const stored = await world.sentTo(message.to);
      expect(stored, message.to).toHaveLength(1);
      const [mail] = stored;
      expect(mail?.from).toBe(DEMO.email.from);
      expect(mail?.replyTo).toEqual([DEMO.email.replyTo]);
      expect(mail?.destination).toEqual({ to: [message.to], cc: [], bcc: BCC });
      expect(mail?.subject).toBe(message.subject);
      const keys = message.links.map((l) => l.key).sort();
      expect(signedReportKeys(htmlLinks(mail?.body.html ?? ''))).toEqual(keys);
      expect(signedReportKeys(textLinks(mail?.body.text ?? ''))).toEqual(keys);
      // Own unsubscribe mode: RFC 8058 headers reach SES, and the footer carries the same per-recipient link.
      const headers = new Map((mail?.headers ?? []).map((h) => [h.name.toLowerCase(), h.value]));
      const listUnsubscribe = headers.get('list-unsubscribe') ?? '';
      const oneClick = /<(http[^>]+\?data=[A-Za-z0-9_-]+)>/.exec(listUnsubscribe)?.[1];
      expect(oneClick, listUnsubscribe).toBeDefined();
      // The mailto target carries the same token in its subject, so an opt-out by e-mail is authenticated by it.
      const token = new URL(oneClick ?? 'x:').searchParams.get('data');
      expect(listUnsubscribe).toContain(`<mailto:${DEMO.unsubscribe.mailto}?subject=unsubscribe%20${token}>`);
      expect(headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
      expect(htmlLinks(mail?.body.html ?? '')).toContain(oneClick);
      expect(mail?.body.text).toContain(oneClick);
      const row = ledger.find((r) => r.email === message.to);
      expect(row).toMatchObject({ status: 'sent', attempts: 1, messageId: mail?.messageId });
    }

    const tracking = await world.trackingRows(CAMPAIGN);
    expect(tracking.map((t) => t.email).sort()).toEqual(planned.map((p) => p.to).sort());
    for (const row of tracking) {
      const sent = ledger.find((r) => r.email === row.email);
      expect(row).toMatchObject({
        eventType: 'financial_send',
        sendStatus: 'success',
        recipient: row.email,
        sesMessageId: sent?.messageId,
        provider: 'SES',
        year: '2025',
      });
      const expiration = Number(row.expirationTime);
      expect(expiration).toBe(Math.floor(Number(row.timestamp) / 1000) + TTL_S);
      expect(expiration - startedS).toBeGreaterThan(TTL_S - 5);
      expect(expiration - Date.now() / 1000).toBeLessThan(TTL_S + 5);
    }
  });

  it('a rerun sends nothing new and says why', async () => {
    const before = (await world.ses.emails()).length;
    const result = await send();
    expect(result.code, result.stderr).toBe(0);
    expect(parseJson<SendJson>(result).data).toMatchObject({ successful: 0, alreadySent: planned.length });
    expect(result.stderr).toMatch(/nothing new to send/);
    expect(await world.ses.emails()).toHaveLength(before);
  });

  it('status reads the DynamoDB ledger', async () => {
    const result = await cli(['status', ...JANUARY, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const status = parseJson<StatusJson>(result);
    expect(status.counts).toMatchObject({ sent: planned.length, sending: 0, unknown: 0, failed: 0 });
    expect(status.total).toBe(planned.length);
  });

  it('a --redirect-to canary goes to the canary only, marked [TEST], without Bcc', async () => {
    await world.clearStore();
    const result = await send('--redirect-to', 'canary@example.com', '--limit', '1');
    expect(result.code, result.stderr).toBe(0);
    const stored = await world.ses.emails();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.destination).toEqual({ to: ['canary@example.com'], cc: [], bcc: [] });
    expect(stored[0]?.subject).toMatch(/^\[TEST\] /);
    const rows = await world.ledgerRows(`${CAMPAIGN}-canary-1`);
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(1);
    expect(rows.filter((r) => r.status === 'planned')).toHaveLength(rows.length - 1);
  });
});

describe('gating on the aws backend: SES contact list, SES suppression list, DynamoDB suppression table', () => {
  it('skips every opted-out or suppressed address with its reason, and never sends to it', async () => {
    await world.clearStore();
    const campaign = 'financial-2025-01-gated';
    const [all, topic, sesSuppressed, tableSuppressed] = planned.map((p) => p.to);
    if (!all || !topic || !sesSuppressed || !tableSuppressed) throw new Error('the plan is too small');
    world.fake.seedContacts(CONTACT_LIST, [
      { EmailAddress: all, UnsubscribeAll: true },
      { EmailAddress: topic.toUpperCase(), TopicPreferences: { [TOPIC]: 'OPT_OUT' } },
    ]);
    world.fake.suppress(sesSuppressed, 'COMPLAINT');
    await world.suppress(tableSuppressed, 'BOUNCE');
    const gatedDir = await world.workspace((config) => {
      (config.unsubscribe as Record<string, unknown>).contactList = CONTACT_LIST;
    });
    const run = () =>
      cli(
        ['send-report', ...SEND_JANUARY, '--campaign-id', campaign, '--yes', '--json', '--verbose'],
        gatedDir,
      );

    const result = await run();
    expect(result.code, result.stderr).toBe(0);
    const summary = parseJson<SendJson>(result);
    expect(summary.data).toMatchObject({ skipped: 4, successful: planned.length - 4 });
    const reasons = {
      [all]: 'unsubscribed from all',
      [topic]: `unsubscribed from ${TOPIC}`,
      [sesSuppressed]: 'suppressed (COMPLAINT)',
      [tableSuppressed]: 'suppressed (BOUNCE)',
    };
    expect(Object.fromEntries(summary.data.results.skipped.map((s) => [s.email, s.reason]))).toEqual(reasons);
    for (const blocked of Object.keys(reasons)) expect(await world.ses.emails(blocked)).toEqual([]);
    expect(await world.ses.emails()).toHaveLength(planned.length - 4);
    const ledger = await world.ledgerRows(campaign);
    for (const [email, reason] of Object.entries(reasons)) {
      expect(ledger.find((r) => r.email === email)).toMatchObject({ status: 'skipped', reason });
    }
    expect(world.fake.requestsFor('ListContacts').length).toBeGreaterThan(0);
    expect(world.fake.requestsFor('ListSuppressedDestinations').length).toBeGreaterThan(0);

    const again = await run();
    expect(again.code, again.stderr).toBe(0);
    expect(parseJson<SendJson>(again).data).toMatchObject({ successful: 0, alreadySkipped: 4 });
    expect(await world.ses.emails()).toHaveLength(planned.length - 4);
  });
});

describe('the aws backend never falls back', () => {
  it('without the ledger table it refuses to send (config error, exit 3), nothing sent', async () => {
    await world.clearStore();
    const bare = await world.workspace((config) => {
      config.tracking = {};
    });
    const result = await cli(['send-report', ...SEND_JANUARY, '--yes', '--json'], bare);
    expect(result.code).toBe(3);
    expect(result.stdout + result.stderr).toContain('tracking.ledgerTable');
    expect(await world.ses.emails()).toEqual([]);
  });
});
