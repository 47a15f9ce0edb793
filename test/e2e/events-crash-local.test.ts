/**
 * Issue #12, "Done when" (local backend): a send SIGKILLed at random moments ten times, then a plain rerun — every
 * recipient has exactly one message in the outbox, no row is left `unknown`, and no run used --retry-unknown. The
 * outbox is the provider's own record: a message's `.eml` appears atomically, so present = sent, absent = never sent
 * (src/core/events/resolve-unknowns.ts), and a killed run's rows are settled with it before the next run decides.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRandom, pick } from '../../bench/support/random.js';
import { messageIdFor } from '../../src/core/send/message-id.js';
import {
  generatedWorkspace,
  parseJson,
  readOutbox,
  SEND_JANUARY,
  type SendJson,
  type SqliteLedgerRow,
  sleep,
  sqliteLedger,
  startCli,
  stopStrayClis,
  tally,
  waitFor,
  watchOutbox,
} from '../support/send-world.js';

const CAMPAIGN = 'financial-2025-01';
const CREATORS = 150;
const KILLS = 10;
/** Seeded, and printed: a failure names the seed that reproduces its kill moments (DN_CRASH_SEED=<seed>). */
const SEED = Number(process.env.DN_CRASH_SEED ?? Date.now() % 1_000_000);

afterAll(stopStrayClis);

function ledger(sqlite: string): SqliteLedgerRow[] {
  try {
    return sqliteLedger(sqlite, CAMPAIGN);
  } catch {
    return [];
  }
}

type Workspace = Awaited<ReturnType<typeof generatedWorkspace>>;

/**
 * Makes the outbox's write of `email`'s message hang (its temp file is a named pipe nobody reads), so a kill can land
 * while that message is certainly in flight. `crashLeftover` then puts what a crash mid-write leaves instead: a
 * partial temp file, and no `.eml`.
 */
async function hangWriteOf(ws: Workspace, email: string, from: string) {
  await mkdir(ws.outbox, { recursive: true });
  const base = messageIdFor(CAMPAIGN, email, from).replace(/[^A-Za-z0-9._@-]/g, '_');
  const fifo = path.join(ws.outbox, `${base}.eml.tmp`);
  const made = spawnSync('mkfifo', [fifo]);
  if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}`);
  return {
    async crashLeftover() {
      // A reader lets a write that is still blocked go on (only if the run is still alive), then the pipe goes.
      const fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
      closeSync(fd);
      await rm(fifo, { force: true });
      await writeFile(fifo, `From: ${from}\r\nTo: ${email}\r\nSubject: Your Jan`);
    },
  };
}

describe('local backend: ten SIGKILLs at random moments, then a plain rerun', () => {
  it('every recipient has exactly one .eml, no row is unknown, no --retry-unknown', async () => {
    console.info(`events-crash-local: seed ${SEED} (rerun with DN_CRASH_SEED=${SEED})`);
    const random = createRandom(SEED);
    const ws = await generatedWorkspace(CREATORS);
    const from = (JSON.parse(await readFile(ws.config, 'utf8')) as { email: { from: string } }).email.from;
    const watcher = await watchOutbox(ws.outbox);
    // --rate spreads the messages out, so a kill lands in the middle of the send, not after it.
    const send = ['send-report', ...SEND_JANUARY, '--yes', '--json', '--verbose', '--rate', '20'];
    const args: string[][] = [];
    const kills: string[] = [];
    try {
      for (let kill = 0; kill < KILLS; kill += 1) {
        const before = ledger(ws.sqlite);
        const sentBefore = before.filter((r) => r.status === 'sent').length;
        const planned =
          before.length === 0
            ? ws.recipients
            : before.filter((r) => r.status === 'planned').map((r) => r.email);
        // Every other kill lands while a chosen message (one of the next few the run takes) is certainly in flight —
        // its write hangs; the rest at a random moment of the run: starting up, settling the last run's rows, sending.
        const victim = kill % 2 === 1 && planned.length > 0 ? pick(random, planned.slice(0, 5)) : undefined;
        const hang = victim === undefined ? undefined : await hangWriteOf(ws, victim, from);
        const cli = startCli([...send, '--config', ws.config]);
        args.push([...send]);
        if (victim !== undefined) {
          await waitFor(
            'the victim in flight',
            () => ledger(ws.sqlite).some((r) => r.email === victim && r.status === 'sending'),
            30_000,
          );
        } else if (random() < 0.7) {
          await waitFor(
            'the run to send',
            () =>
              cli.child.exitCode !== null ||
              ledger(ws.sqlite).filter((r) => r.status === 'sent').length > sentBefore,
            30_000,
          );
        }
        const delayMs = Math.floor(random() * (victim === undefined ? 1_500 : 300));
        await sleep(delayMs);
        const alive = cli.child.exitCode === null && cli.child.signalCode === null;
        if (alive) cli.child.kill('SIGKILL');
        const result = await cli.done;
        await hang?.crashLeftover();
        const rows = ledger(ws.sqlite);
        const counts = Object.fromEntries(tally(rows.map((r) => r.status)));
        kills.push(
          `kill ${kill + 1}: ${victim === undefined ? '' : `${victim} in flight, `}+${delayMs} ms ${alive ? 'SIGKILL' : `finished first (exit ${result.code})`} → ${JSON.stringify(counts)}`,
        );
      }
      console.info(kills.join('\n'));
      // The kills must have interrupted sends: otherwise this test proves nothing.
      expect(kills.filter((k) => k.includes('SIGKILL')).length, kills.join('\n')).toBeGreaterThanOrEqual(5);
      // …and left messages in flight: rows `sending` whose outcome only the outbox can prove (held as unknown before).
      expect(kills.filter((k) => k.includes('"sending"')).length, kills.join('\n')).toBeGreaterThan(0);

      const rerun = await startCli([...send, '--config', ws.config]).done;
      args.push([...send]);
      await watcher.settle();
      const context = `seed ${SEED}\n${kills.join('\n')}\n${rerun.stderr}`;
      expect(rerun.code, context).toBe(0);
      expect(parseJson<SendJson>(rerun).data, context).toMatchObject({ unknown: 0, failed: 0 });

      const outbox = await readOutbox(ws.outbox);
      const copies = tally(outbox.flatMap((m) => m.to));
      expect(
        ws.recipients.filter((r) => copies.get(r) !== 1),
        `${context}\nnot exactly one .eml`,
      ).toEqual([]);
      expect(outbox.flatMap((m) => m.to).sort()).toEqual(ws.recipients);
      // The outbox names a file after its Message-ID: a second send would replace it silently, so count renames.
      const written = [...watcher.appeared.entries()].filter(([, times]) => times !== 1);
      expect(written, `${context}\n.eml files written more than once`).toEqual([]);
      const rows = ledger(ws.sqlite);
      expect(rows.map((r) => r.email).sort()).toEqual(ws.recipients);
      expect(
        rows.filter((r) => r.status !== 'sent'),
        context,
      ).toEqual([]);
      expect(args.flat()).not.toContain('--retry-unknown');
    } finally {
      watcher.close();
    }
  }, 240_000);
});
