import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';
import {
  demoWorkspace,
  JANUARY,
  parseJson,
  plannedMessages,
  readOutbox,
  SEND_JANUARY,
  type SendJson,
  type StatusJson,
  sqliteLedger,
  startCli,
  stopStrayClis,
} from '../support/send-world.js';

afterAll(stopStrayClis);

// The README runbook's rehearsal, step by step, on a copy of the demo: the rehearsal config fakes a rejection, an
// unknown outcome and throttling; the operator sees them, fixes them as the README says, and finishes the month.
const CAMPAIGN = 'financial-2025-01';
const REJECTED = 'mollie@example.com';
const UNKNOWN = 'jody@example.org';

interface Rehearsal {
  outbox: { dir: string; simulate: { reject: string[]; unknown: string[]; throttle: number } };
  tracking: { file: string };
}

describe('the rehearsal (examples/demo/.distronationrc.rehearsal.json): a month that goes wrong, then finished', () => {
  let config: string;
  let outboxDir: string;
  let sqlite: string;
  let planned: Awaited<ReturnType<typeof plannedMessages>>;
  const cli = (...args: string[]) => startCli([...args, '--config', config]).done;
  const send = (...extra: string[]) => cli('send-report', ...SEND_JANUARY, '--yes', ...extra);
  const status = (...extra: string[]) => cli('status', ...JANUARY, '--verbose', ...extra);
  const edit = async (change: (c: Rehearsal) => void) => {
    const json = JSON.parse(await readFile(config, 'utf8')) as Rehearsal;
    change(json);
    await writeFile(config, JSON.stringify(json, null, 2));
  };

  beforeAll(async () => {
    const ws = await demoWorkspace();
    config = path.join(ws.dir, '.distronationrc.rehearsal.json');
    outboxDir = path.join(ws.dir, '.dn-mailer', 'rehearsal', 'outbox');
    sqlite = path.join(ws.dir, '.dn-mailer', 'rehearsal', 'dn-mailer.sqlite');
    planned = await plannedMessages(config);
    expect(planned.map((p) => p.to)).toEqual(expect.arrayContaining([REJECTED, UNKNOWN]));
  });

  it('is the rehearsal the README runbook walks through', async () => {
    const readme = await readFile(path.join(REPO_ROOT, 'README.md'), 'utf8');
    // One line per paragraph: the README's line breaks are not part of what it says.
    const section = readme.slice(readme.indexOf('**Rehearse step 5')).replace(/\s+/g, ' ');
    for (const step of [
      'examples/demo/.distronationrc.rehearsal.json',
      '--accept payout-warnings,ambiguous-reports',
      '--failed',
      `take \`${REJECTED}\` out of \`outbox.simulate.reject\``,
      '--retry-failed',
      "Unknown outcomes settled by the provider's record",
      `Take \`${UNKNOWN}\` out of \`outbox.simulate.unknown\``,
      'no `--retry-unknown`',
    ])
      expect(section).toContain(step);
  });

  it('doctor says the outbox is simulating failures', async () => {
    const result = await cli('doctor');
    expect(result.stdout + result.stderr).toMatch(/outbox .*SIMULATING FAILURES.*reject 1 · unknown 1/);
  });

  it('the send exits 6: one rejected, one unknown, throttling retried, the rest sent', async () => {
    const result = await send('--json');
    expect(result.code, result.stderr).toBe(6);
    const { data } = parseJson<SendJson>(result);
    expect(data).toMatchObject({
      provider: 'outbox (simulating failures)',
      successful: planned.length - 2,
      failed: 1,
      unknown: 1,
    });
    expect(result.stderr).toMatch(/Throttled by the provider/);
    const mailed = (await readOutbox(outboxDir)).flatMap((m) => m.to);
    expect(mailed).not.toContain(REJECTED);
    expect(mailed).not.toContain(UNKNOWN);
  });

  it('status --failed lists both, with the commands that finish them', async () => {
    const result = await status('--failed', '--json');
    expect(result.code).toBe(6);
    const json = parseJson<StatusJson>(result);
    expect(json.rows.map((r) => [r.email, r.status])).toEqual([
      [UNKNOWN, 'unknown'],
      [REJECTED, 'failed'],
    ]);
    const text = await status('--failed');
    expect(text.stdout).toContain('--retry-failed');
    expect(text.stdout).toContain('--retry-unknown');
  });

  it('fixed (taken out of simulate.reject), --retry-failed sends the failed row; the unknown one, proven unsent by the outbox, is tried again (and the simulation answers unknown again)', async () => {
    await edit((c) => {
      c.outbox.simulate.reject = [];
    });
    const result = await send('--retry-failed', '--json');
    expect(result.code, result.stderr).toBe(6);
    expect(parseJson<SendJson>(result).data).toMatchObject({ successful: 1, unknown: 1, heldForRetry: 0 });
    expect(result.stderr).toContain(
      "Unknown outcomes settled by the provider's record: 0 sent (kept), 1 never sent (sending again)",
    );
  });

  it('taken out of simulate.unknown, a plain rerun (no --retry-unknown) finishes the month: every row sent once', async () => {
    expect((await readOutbox(outboxDir)).flatMap((m) => m.to)).not.toContain(UNKNOWN);
    await edit((c) => {
      c.outbox.simulate.unknown = [];
    });
    const result = await send('--json');
    expect(result.code, result.stderr).toBe(0);
    expect(parseJson<SendJson>(result).data).toMatchObject({ successful: 1, failed: 0, unknown: 0 });

    const done = await status('--json');
    expect(done.code, done.stdout).toBe(0);
    expect(parseJson<StatusJson>(done).counts).toMatchObject({ sent: planned.length, failed: 0, unknown: 0 });
    const ledger = sqliteLedger(sqlite, CAMPAIGN);
    expect(ledger.map((r) => r.status)).toEqual(planned.map(() => 'sent'));
    const mailed = (await readOutbox(outboxDir)).flatMap((m) => m.to).sort();
    expect(mailed).toEqual(planned.map((p) => p.to).sort());
  });
});
