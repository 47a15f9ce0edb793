import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, EXAMPLES_DIR, snapshotTree } from '../support/demo.js';
import { htmlLinks, textLinks } from '../support/email-content.js';
import {
  demoWorkspace,
  JANUARY,
  parseJson,
  plannedMessages,
  readOutbox,
  SEND_JANUARY,
  type SendJson,
  type StatusJson,
  seedLocalGates,
  signedReportKeys,
  sqliteLedger,
  sqliteTracking,
  startCli,
  stopStrayClis,
} from '../support/send-world.js';

afterAll(stopStrayClis);

const CAMPAIGN = 'financial-2025-01';
const BCC = DEMO.email.bcc.map((a) => a.toLowerCase());
type Planned = Awaited<ReturnType<typeof plannedMessages>>;

const send = (config: string, ...extra: string[]) =>
  startCli(['send-report', ...SEND_JANUARY, '--config', config, ...extra]).done;

describe('send-report on the local backend (the README main command, on a copy of the demo)', () => {
  let ws: Awaited<ReturnType<typeof demoWorkspace>>;
  let planned: Planned;
  let examplesBefore: Record<string, string>;

  beforeAll(async () => {
    examplesBefore = await snapshotTree(EXAMPLES_DIR);
    ws = await demoWorkspace();
    planned = await plannedMessages(ws.config);
    expect(planned.length).toBeGreaterThan(3);
  });

  it('sends every planned message once into the outbox and records each as sent', async () => {
    const result = await send(ws.config, '--yes', '--json');
    expect(result.code, result.stderr).toBe(0);
    const summary = parseJson<SendJson>(result);
    expect(summary.success).toBe(true);
    expect(summary.data).toMatchObject({
      campaignId: CAMPAIGN,
      provider: 'outbox',
      successful: planned.length,
      failed: 0,
      unknown: 0,
      alreadySent: 0,
    });
    // Without --verbose the summary masks addresses.
    expect(summary.data.results.successful.every((r) => /^.\*\*\*@/.test(r.email))).toBe(true);

    const outbox = await readOutbox(ws.outbox);
    expect(outbox.map((m) => m.to).sort()).toEqual(planned.map((p) => [p.to]).sort());
    const ledger = sqliteLedger(ws.sqlite, CAMPAIGN);
    expect(ledger.map((r) => r.email).sort()).toEqual(planned.map((p) => p.to).sort());
    for (const message of planned) {
      const [mail, ...more] = outbox.filter((m) => m.to.includes(message.to));
      expect(more, message.to).toEqual([]);
      expect(mail?.subject).toBe(message.subject);
      expect(mail?.bcc).toEqual(BCC);
      expect(mail?.html).toContain('<html');
      expect(mail?.text.length).toBeGreaterThan(100);
      const keys = message.links.map((l) => l.key).sort();
      expect(signedReportKeys(htmlLinks(mail?.html ?? ''))).toEqual(keys);
      expect(signedReportKeys(textLinks(mail?.text ?? ''))).toEqual(keys);
      const row = ledger.find((r) => r.email === message.to);
      expect(row).toMatchObject({ status: 'sent', attempts: 1, reason: null, message_id: mail?.messageId });
    }
    const tracking = sqliteTracking(ws.sqlite, CAMPAIGN);
    expect(tracking.filter((t) => t.send_status === 'success')).toHaveLength(planned.length);
  });

  it('a second run sends nothing, exits 0 and says why', async () => {
    const before = await Promise.all(
      (await readOutbox(ws.outbox)).map((m) => stat(`${ws.outbox}/${m.file}`)),
    );
    const result = await send(ws.config, '--yes', '--json');
    expect(result.code, result.stderr).toBe(0);
    const summary = parseJson<SendJson>(result);
    expect(summary.data).toMatchObject({ successful: 0, alreadySent: planned.length, failed: 0 });
    expect(result.stderr).toMatch(/nothing new to send: \d+ recipients already have this campaign/);
    const after = await Promise.all((await readOutbox(ws.outbox)).map((m) => stat(`${ws.outbox}/${m.file}`)));
    expect(after.map((s) => s.mtimeMs)).toEqual(before.map((s) => s.mtimeMs));
    expect(sqliteLedger(ws.sqlite, CAMPAIGN).every((r) => r.status === 'sent' && r.attempts === 1)).toBe(
      true,
    );
  });

  it('status counts the ledger', async () => {
    const result = await startCli(['status', ...JANUARY, '--config', ws.config, '--json']).done;
    expect(result.code, result.stderr).toBe(0);
    const status = parseJson<StatusJson>(result);
    expect(status.campaignId).toBe(CAMPAIGN);
    expect(status.total).toBe(planned.length);
    expect(status.counts).toEqual({
      planned: 0,
      sending: 0,
      sent: planned.length,
      failed: 0,
      skipped: 0,
      unknown: 0,
    });
    expect(status.problems).toEqual([]);
  });

  it('--redirect-to --limit 2 sends two [TEST] messages to the canary under its own ledger rows', async () => {
    const before = (await readOutbox(ws.outbox)).length;
    const result = await send(
      ws.config,
      '--redirect-to',
      'me@example.com',
      '--limit',
      '2',
      '--yes',
      '--json',
    );
    expect(result.code, result.stderr).toBe(0);
    expect(parseJson<SendJson>(result).data).toMatchObject({
      campaignId: `${CAMPAIGN}-canary-1`,
      successful: 2,
    });
    const canary = (await readOutbox(ws.outbox)).filter((m) => m.to.includes('me@example.com'));
    expect(canary).toHaveLength(2);
    expect((await readOutbox(ws.outbox)).length).toBe(before + 2);
    for (const mail of canary) {
      expect(mail.to).toEqual(['me@example.com']);
      expect(mail.bcc).toEqual([]);
      expect(mail.subject).toMatch(/^\[TEST\] /);
    }
    // A canary is a sample: it has ledger rows only for the two it sent (a month of planned canary rows would read
    // as unfinished); its rows name the real recipients; the real campaign is untouched.
    const rows = sqliteLedger(ws.sqlite, `${CAMPAIGN}-canary-1`);
    expect(rows).toHaveLength(2);
    const sent = rows.filter((r) => r.status === 'sent');
    expect(rows.filter((r) => r.status === 'planned')).toHaveLength(0);
    expect(sent.map((r) => r.email).sort()).toEqual(
      planned
        .slice(0, 2)
        .map((p) => p.to)
        .sort(),
    );
    expect(sqliteLedger(ws.sqlite, CAMPAIGN).every((r) => r.attempts === 1)).toBe(true);
  });

  it('never wrote into examples/', async () => {
    expect(await snapshotTree(EXAMPLES_DIR)).toEqual(examplesBefore);
  });
});

describe('send-report refusals and gating (local backend)', () => {
  it('without --yes and without a terminal: exit 2 and nothing sent', async () => {
    const ws = await demoWorkspace();
    const result = await send(ws.config, '--json');
    expect(result.code).toBe(2);
    const error = parseJson<{ error: { message: string; hint: string; exitCode: number } }>(result).error;
    expect(error.exitCode).toBe(2);
    expect(`${error.message} ${error.hint}`).toContain('--yes');
    expect(await readOutbox(ws.outbox)).toEqual([]);
    expect(sqliteLedger(ws.sqlite, CAMPAIGN)).toEqual([]);
  });

  it('unsubscribed and suppressed addresses are skipped with the reason and never written', async () => {
    const ws = await demoWorkspace();
    const planned = await plannedMessages(ws.config);
    const [a, b, c] = planned.map((p) => p.to);
    if (!a || !b || !c) throw new Error('the demo plan has fewer than 3 messages');
    await seedLocalGates(ws.config, ws.sqlite, {
      contacts: [
        { email: a, unsubscribeAll: true },
        { email: b.toUpperCase(), topics: { [DEMO.unsubscribe.topic]: 'OPT_OUT', other: 'OPT_IN' } },
      ],
      suppressions: [{ email: c, reason: 'BOUNCE' }],
    });
    const result = await send(ws.config, '--yes', '--json', '--verbose');
    expect(result.code, result.stderr).toBe(0);
    const summary = parseJson<SendJson>(result);
    expect(summary.data).toMatchObject({ skipped: 3, successful: planned.length - 3 });
    const reasons = Object.fromEntries(summary.data.results.skipped.map((s) => [s.email, s.reason]));
    expect(reasons).toEqual({
      [a]: 'unsubscribed from all',
      [b]: `unsubscribed from ${DEMO.unsubscribe.topic}`,
      [c]: 'suppressed (BOUNCE)',
    });
    const sentTo = (await readOutbox(ws.outbox)).flatMap((m) => m.to);
    expect(sentTo).toHaveLength(planned.length - 3);
    for (const blocked of [a, b, c]) expect(sentTo).not.toContain(blocked);
    const ledger = sqliteLedger(ws.sqlite, CAMPAIGN);
    expect(ledger.filter((r) => r.status === 'skipped').map((r) => [r.email, r.reason])).toEqual(
      expect.arrayContaining(Object.entries(reasons)),
    );
    expect(sqliteTracking(ws.sqlite, CAMPAIGN).filter((t) => t.send_status === 'skipped')).toHaveLength(3);

    // Rerun: the skipped rows stay skipped, nothing new is written.
    const again = await send(ws.config, '--yes', '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(parseJson<SendJson>(again).data).toMatchObject({ successful: 0, alreadySkipped: 3 });
    expect(await readOutbox(ws.outbox)).toHaveLength(planned.length - 3);
  });
});
