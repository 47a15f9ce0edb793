import { spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FINDING_NAMES } from '../../src/core/plan/plan-findings.js';
import { messageIdFor } from '../../src/core/send/message-id.js';
import {
  demoWorkspace,
  killAll,
  parseJson,
  plannedMessages,
  type RunningCli,
  readOutbox,
  type SendJson,
  sqliteLedger,
  startCli,
  stopStrayClis,
  waitFor,
  watchOutbox,
} from '../support/send-world.js';

const CAMPAIGN = 'financial-2025-01';
// Whatever the demo plan finds is accepted (not what this test is about); --rate 1 spreads its messages out.
const SEND = [
  'send-report',
  ...['--month', 'January', '--year', '2025'],
  ...['--yes', '--json', '--verbose', '--accept', FINDING_NAMES.join(',')],
];
const running: RunningCli[] = [];
const start = (config: string, ...extra: string[]) => {
  const cli = startCli([...SEND, '--config', config, ...extra]);
  running.push(cli);
  return cli;
};
afterEach(() => killAll(running.splice(0)));
afterAll(stopStrayClis);

type Workspace = Awaited<ReturnType<typeof demoWorkspace>>;
let recipients: string[];
let from: string;

beforeAll(async () => {
  const ws = await demoWorkspace();
  recipients = (await plannedMessages(ws.config)).map((m) => m.to);
  expect(recipients.length).toBeGreaterThanOrEqual(4);
  from = (JSON.parse(await readFile(ws.config, 'utf8')) as { email: { from: string } }).email.from;
});

/** The ledger rows; none while the first run has not created the file and its tables yet. */
function ledger(ws: Workspace) {
  try {
    return sqliteLedger(ws.sqlite, CAMPAIGN);
  } catch {
    return [];
  }
}
const statusOf = (ws: Workspace, email: string) => ledger(ws).find((r) => r.email === email)?.status;

/**
 * Makes the outbox's write of `email`'s message hang: its temp file is a named pipe nobody reads, so the send stays
 * in flight (its row `sending`) until a reader opens the pipe. Returns that reader.
 */
async function hangSendTo(ws: Workspace, email: string) {
  await mkdir(ws.outbox, { recursive: true });
  const base = messageIdFor(CAMPAIGN, email, from).replace(/[^A-Za-z0-9._@-]/g, '_');
  const fifo = path.join(ws.outbox, `${base}.eml.tmp`);
  const made = spawnSync('mkfifo', [fifo]);
  if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}`);
  let fd: number | undefined;
  return {
    fifo,
    /** Lets the blocked write go on (non-blocking open: never hangs the test itself). */
    unblock() {
      fd ??= openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

describe('send-report stopped by SIGTERM, then run again', () => {
  it('stops cleanly (exit 130, summary, report, nothing left sending); the rerun sends each message once', async () => {
    const ws = await demoWorkspace();
    const watcher = await watchOutbox(ws.outbox);
    const first = start(ws.config, '--rate', '1');
    await waitFor('the first message in the outbox', async () => (await readOutbox(ws.outbox)).length >= 1);
    first.child.kill('SIGTERM');
    const stopped = await first.done;

    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain('stopping — no new messages are started');
    expect(stopped.stderr).toContain('✘ stopped by you — run the same command again to continue');
    const summary = parseJson<SendJson & { data: { interrupted: boolean; notStarted: number } }>(stopped);
    expect(summary.data).toMatchObject({ stopped: 'stopped by you', interrupted: true });
    const report = /report: (.+\.html)/.exec(stopped.stderr)?.[1] ?? '';
    expect(existsSync(report), stopped.stderr).toBe(true);
    expect(await readFile(report, 'utf8')).toContain(CAMPAIGN);

    const rows = ledger(ws);
    const outboxBefore = await readOutbox(ws.outbox);
    expect(rows.filter((r) => r.status === 'sending')).toEqual([]);
    expect(
      rows
        .filter((r) => r.status === 'sent')
        .map((r) => r.email)
        .sort(),
    ).toEqual(outboxBefore.flatMap((m) => m.to).sort());
    const planned = rows.filter((r) => r.status === 'planned').length;
    expect(planned).toBeGreaterThan(0);
    expect(summary.data.notStarted).toBe(planned);

    const rerun = await start(ws.config).done;
    await watcher.settle();
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(parseJson<SendJson>(rerun).data.successful).toBe(planned);
    const outbox = await readOutbox(ws.outbox);
    expect(outbox.flatMap((m) => m.to).sort()).toEqual([...recipients].sort());
    expect([...watcher.appeared.values()]).toEqual(outbox.map(() => 1));
    expect(ledger(ws).map((r) => r.status)).toEqual(recipients.map(() => 'sent'));
  }, 60_000);
});

describe('send-report killed with a message in flight, then run again', () => {
  it('SIGKILL: the rerun does not wait on the dead run’s claim; the outbox proves that message never went, so it is sent once, like the rest', async () => {
    const ws = await demoWorkspace();
    const victim = recipients[1] ?? '';
    const pipe = await hangSendTo(ws, victim);
    try {
      const first = start(ws.config, '--rate', '1');
      await waitFor('the victim in flight', () => statusOf(ws, victim) === 'sending');
      first.child.kill('SIGKILL');
      expect((await first.done).code).toBe(-1);
      // What a killed write leaves: half a temp file beside where the message would have appeared.
      pipe.close();
      await rm(pipe.fifo);
      await writeFile(pipe.fifo, 'From: half a message');

      const rerun = await start(ws.config).done;
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.stderr).not.toContain('Waiting for');
      expect(rerun.stderr).toContain(
        "Unknown outcomes settled by the provider's record: 0 sent (kept), 1 never sent (sending again)",
      );
      for (const [, done, total] of rerun.stderr.matchAll(/Sending (\d+)\/(\d+)/g))
        expect(Number(done)).toBeLessThanOrEqual(Number(total));
      expect(parseJson<SendJson>(rerun).data.results.unknown).toEqual([]);
      expect(statusOf(ws, victim)).toBe('sent');
      const outbox = await readOutbox(ws.outbox);
      expect(outbox.flatMap((m) => m.to).sort()).toEqual([...recipients].sort());
      expect(ledger(ws).map((r) => r.status)).toEqual(recipients.map(() => 'sent'));
    } finally {
      pipe.close();
    }
  }, 60_000);

  it('a second SIGTERM while a send is in flight quits at once (exit 130)', async () => {
    const ws = await demoWorkspace();
    const victim = recipients[1] ?? '';
    const pipe = await hangSendTo(ws, victim);
    try {
      const first = start(ws.config, '--rate', '1');
      await waitFor('the victim in flight', () => statusOf(ws, victim) === 'sending');
      first.child.kill('SIGTERM');
      await waitFor('the stop noted', () => first.stderr().includes('stopping —'));
      // The clean stop waits for the send in flight, which hangs: the run is still there.
      expect(first.child.exitCode).toBeNull();
      first.child.kill('SIGTERM');
      await waitFor('the quit noted', () => first.stderr().includes('quitting at once'));
      // Node ends only once its blocked file write returns: let it.
      pipe.unblock();
      const quit = await first.done;
      expect(quit.code, quit.stderr).toBe(130);
      expect(quit.stdout).toBe('');
      expect(statusOf(ws, victim)).toBe('sending');
      expect(ledger(ws).filter((r) => r.status === 'sending')).toHaveLength(1);
    } finally {
      pipe.close();
    }
  }, 60_000);
});
