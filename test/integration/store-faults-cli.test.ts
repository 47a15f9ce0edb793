import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/common/errors.js';
import { runInProcess } from '../support/memory-backend.js';
import { DEMO_JANUARY_FINDINGS, demoWorkspace, JANUARY, sqliteLedger } from '../support/send-world.js';
import {
  damagePages,
  giveTo,
  holdLock,
  IS_ROOT,
  NOBODY,
  realDepsWith,
  runCliAs,
  SHORT_WAITS,
  seedStore,
} from '../support/store-faults.js';

/**
 * Store faults and the checks that must catch them, through the real program (`main`) on the REAL local backend:
 * a damaged, foreign, locked or read-only SQLite file ends a send as an environment fault (exit 5, or 3 for
 * permissions) with what to do — never "internal error … this is a bug" — and nothing is sent; `doctor` fails
 * (non-zero, the check named) on every condition the send would then trip on.
 */

const NOW = new Date('2025-02-10T12:00:00Z');
const SEND = ['send-report', ...JANUARY, ...DEMO_JANUARY_FINDINGS, '--yes'] as const;

type Workspace = Awaited<ReturnType<typeof demoWorkspace>>;

const run = (ws: Workspace, args: readonly string[]) =>
  runInProcess([...args, '--config', ws.config], {
    cwd: ws.dir,
    now: NOW,
    makeDeps: realDepsWith(SHORT_WAITS),
  });

const doctorArgs = ['doctor', ...JANUARY, '--json'] as const;

interface DoctorJson {
  ok: boolean;
  checks: { name: string; ok: boolean; skipped: boolean; detail: string; hint: string | null }[];
}

/** The failed (not skipped) checks of a doctor --json run. */
function failedChecks(stdout: string): DoctorJson['checks'] {
  return (JSON.parse(stdout) as DoctorJson).checks.filter((check) => !check.ok && !check.skipped);
}

async function outboxFiles(ws: Workspace): Promise<string[]> {
  return (await readdir(ws.outbox).catch(() => [] as string[])).filter((name) => name.endsWith('.eml'));
}

/** The send failed as an environment fault: the exit code, the message and hint, not a bug, nothing sent. */
async function expectRefusedSend(
  ws: Workspace,
  result: { code: number | null; stderr: string },
  exitCode: number,
  message: RegExp,
  hint: RegExp,
) {
  expect(result.code, result.stderr).toBe(exitCode);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).toMatch(hint);
  expect(result.stderr).not.toMatch(/internal error|this is a bug/);
  expect(await outboxFiles(ws)).toEqual([]);
}

describe('send-report on a faulty SQLite store (in-process, real local backend)', () => {
  it('damaged pages: exit 5 "is damaged" with the restore hint; nothing sent', async () => {
    const ws = await demoWorkspace();
    await mkdir(path.dirname(ws.sqlite), { recursive: true });
    seedStore(ws.sqlite);
    await damagePages(ws.sqlite);
    const result = await run(ws, SEND);
    await expectRefusedSend(
      ws,
      result,
      ExitCode.backend,
      new RegExp(`${ws.sqlite}.*(is damaged|not a SQLite database)`),
      /hint: restore tracking\.file from a backup/,
    );
  });

  it('a file that is not a database: exit 5 naming it; nothing sent', async () => {
    const ws = await demoWorkspace();
    await mkdir(path.dirname(ws.sqlite), { recursive: true });
    await writeFile(ws.sqlite, '{"not": "sqlite"}\n'.repeat(300));
    const result = await run(ws, SEND);
    await expectRefusedSend(
      ws,
      result,
      ExitCode.backend,
      new RegExp(`${ws.sqlite} is not a SQLite database`),
      /hint: check that tracking\.file points at dn-mailer's SQLite file/,
    );
  });

  it('locked by another process when the run opens it: exit 5 "locked by another process"; nothing sent', async () => {
    const ws = await demoWorkspace();
    await mkdir(path.dirname(ws.sqlite), { recursive: true });
    seedStore(ws.sqlite);
    const lock = holdLock(ws.sqlite);
    try {
      const result = await run(ws, SEND);
      await expectRefusedSend(
        ws,
        result,
        ExitCode.backend,
        new RegExp(`the SQLite store ${ws.sqlite} is locked by another process`),
        /hint: another dn-mailer run .* holds it; let it finish, then run the same command again/,
      );
    } finally {
      lock.release();
    }
  });

  it('the store locked in the middle of the send: exit 5, the summary printed, the ledger honest', async () => {
    const ws = await demoWorkspace();
    let lock: { release(): void } | undefined;
    const base = realDepsWith(SHORT_WAITS);
    const result = await runInProcess([...SEND, '--json', '--concurrency', '1', '--config', ws.config], {
      cwd: ws.dir,
      now: NOW,
      makeDeps: async (loaded, io, options) => {
        const deps = await base(loaded, io, options);
        const sending = deps.sending;
        deps.sending = () => {
          const ports = sending();
          const send = ports.mailer.send.bind(ports.mailer);
          // After the provider accepted the first message, another process takes the file and keeps it.
          ports.mailer = {
            ...ports.mailer,
            send: async (message) => {
              const answer = await send(message);
              lock ??= holdLock(ws.sqlite);
              return answer;
            },
          };
          return ports;
        };
        return deps;
      },
    });
    lock?.release();
    expect(result.code, result.stderr).toBe(ExitCode.backend);
    expect(result.stderr).not.toMatch(/internal error|this is a bug/);
    expect(result.stderr).toMatch(/locked by another process/);
    const summary = JSON.parse(
      result.stdout.slice(0, result.stdout.lastIndexOf('\n{\n  "error"') + 1 || undefined),
    );
    expect(summary.data.stopped).toMatch(/the ledger failed: .*locked by another process/);
    // One message left before the lock: the summary counts it as sent, saying the ledger could not record it (it
    // was, in the outbox); the rest were not started. Its row stays `sending` — a later run settles it as
    // unknown and never resends it — and no row claims `sent` that the ledger did not see.
    expect(await outboxFiles(ws)).toHaveLength(1);
    expect(summary.data.successful).toBe(1);
    expect(summary.data.notStarted).toBe(summary.data.totalRecipients - 1);
    expect(summary.data.results.successful[0].reason).toMatch(
      /the ledger could not record this .*locked by another process.*its row stays sending/,
    );
    const rows = sqliteLedger(ws.sqlite, summary.data.campaignId);
    expect(rows.filter((row) => row.status === 'sending')).toHaveLength(1);
    expect(rows.filter((row) => row.status === 'sent')).toHaveLength(0);
    expect(rows.filter((row) => row.status === 'planned')).toHaveLength(summary.data.totalRecipients - 1);
  });
});

describe('the unsubscribe commands on a faulty store (in-process, real local backend)', () => {
  it('unsubscribe while another process holds the file: exit 5 "locked by another process", nothing changed', async () => {
    const ws = await demoWorkspace();
    await mkdir(path.dirname(ws.sqlite), { recursive: true });
    seedStore(ws.sqlite);
    const lock = holdLock(ws.sqlite);
    try {
      const result = await run(ws, ['unsubscribe', 'dylan@example.com', '--reason', 'asked by phone']);
      expect(result.code, result.stderr).toBe(ExitCode.backend);
      expect(result.stderr).toMatch(/locked by another process/);
      expect(result.stderr).toMatch(/hint: /);
      expect(result.stderr).not.toMatch(/internal error|this is a bug/);
    } finally {
      lock.release();
    }
    const shown = await run(ws, ['contacts', 'show', 'dylan@example.com', '--json']);
    expect(shown.stdout).not.toContain('OPT_OUT');
  });

  it('resubscribe on a damaged store: exit 5 "is damaged", not a bug', async () => {
    const ws = await demoWorkspace();
    await mkdir(path.dirname(ws.sqlite), { recursive: true });
    seedStore(ws.sqlite);
    await damagePages(ws.sqlite);
    const result = await run(ws, ['resubscribe', 'dylan@example.com', '--yes']);
    expect(result.code, result.stderr).toBe(ExitCode.backend);
    expect(result.stderr).toMatch(/is damaged|not a SQLite database/);
    expect(result.stderr).not.toMatch(/internal error|this is a bug/);
  });
});

describe('doctor fails where the send would (in-process, real local backend)', () => {
  it('the demo workspace passes (the baseline of every case below)', async () => {
    const ws = await demoWorkspace();
    const result = await run(ws, doctorArgs);
    expect(result.code, result.stdout).toBe(ExitCode.ok);
  });

  it('unsubscribe.tokenKey file missing: ✘ unsubscribe, exit 3', async () => {
    const ws = await demoWorkspace();
    await rm(path.join(ws.dir, 'keys', 'unsubscribe-token-demo.key'));
    const result = await run(ws, doctorArgs);
    expect(result.code, result.stdout).toBe(ExitCode.config);
    const failed = failedChecks(result.stdout);
    expect(failed.map((check) => check.name)).toContain('unsubscribe');
    expect(failed.find((check) => check.name === 'unsubscribe')?.detail).toMatch(
      /unsubscribe\.tokenKey: cannot read/,
    );
  });

  it.each([
    ['too short', 'c2hvcnQ='],
    ['not base64 or hex', 'this is not a key at all, not even close!!!'],
    ['hex of the wrong length', 'ab'.repeat(31)],
  ])('unsubscribe.tokenKey %s: ✘ unsubscribe, exit 3', async (_what, key) => {
    const ws = await demoWorkspace();
    await writeFile(path.join(ws.dir, 'keys', 'unsubscribe-token-demo.key'), `${key}\n`);
    const result = await run(ws, doctorArgs);
    expect(result.code, result.stdout).toBe(ExitCode.config);
    const failed = failedChecks(result.stdout);
    expect(failed.find((check) => check.name === 'unsubscribe')?.detail).toMatch(
      /unsubscribe\.tokenKey: expected 32 random bytes/,
    );
  });

  it('a payouts file that is not JSON: ✘ month plan naming the file', async () => {
    const ws = await demoWorkspace();
    const payouts = path.join(ws.dir, 'payouts.json');
    const text = await readFile(payouts, 'utf8');
    await writeFile(payouts, text.slice(0, Math.floor(text.length / 2)));
    const result = await run(ws, doctorArgs);
    expect(result.code, result.stdout).not.toBe(ExitCode.ok);
    const failed = failedChecks(result.stdout);
    expect(failed.map((check) => check.name)).toEqual(['month plan']);
    expect(failed[0]?.detail).toContain(payouts);
  });

  it('a damaged ledger: ✘ ledger/tracking "is damaged", exit 5', async () => {
    const ws = await demoWorkspace();
    await mkdir(path.dirname(ws.sqlite), { recursive: true });
    seedStore(ws.sqlite);
    await damagePages(ws.sqlite);
    const result = await run(ws, doctorArgs);
    expect(result.code, result.stdout).toBe(ExitCode.backend);
    const failed = failedChecks(result.stdout);
    expect(failed.map((check) => check.name)).toContain('ledger/tracking');
    const ledger = failed.find((check) => check.name === 'ledger/tracking');
    expect(ledger?.detail).toMatch(/is damaged|not a SQLite database/);
    expect(ledger?.hint).toMatch(/restore tracking\.file from a backup/);
  });

  it('a ledger file that is not a database: ✘ ledger/tracking, exit 5', async () => {
    const ws = await demoWorkspace();
    await mkdir(path.dirname(ws.sqlite), { recursive: true });
    await writeFile(ws.sqlite, 'garbage\n'.repeat(1000));
    const result = await run(ws, doctorArgs);
    expect(result.code, result.stdout).toBe(ExitCode.backend);
    expect(failedChecks(result.stdout).map((check) => check.name)).toEqual(['ledger/tracking']);
  });

  it('a ledger locked by another process: ✘ ledger/tracking "locked by another process", exit 5', async () => {
    const ws = await demoWorkspace();
    await mkdir(path.dirname(ws.sqlite), { recursive: true });
    seedStore(ws.sqlite);
    const lock = holdLock(ws.sqlite);
    try {
      const result = await run(ws, doctorArgs);
      expect(result.code, result.stdout).toBe(ExitCode.backend);
      const failed = failedChecks(result.stdout);
      expect(failed.map((check) => check.name)).toEqual(['ledger/tracking']);
      expect(failed[0]?.detail).toContain('locked by another process');
    } finally {
      lock.release();
    }
  });

  it('a ledger others may read: ✔ with a warning naming the mode and chmod 600', async () => {
    const ws = await demoWorkspace();
    await mkdir(path.dirname(ws.sqlite), { recursive: true });
    seedStore(ws.sqlite);
    await chmod(ws.sqlite, 0o644);
    const result = await run(ws, doctorArgs);
    expect(result.code, result.stdout).toBe(ExitCode.ok);
    const ledger = (JSON.parse(result.stdout) as DoctorJson).checks.find((c) => c.name === 'ledger/tracking');
    expect(ledger?.detail).toContain(`warning: readable by other users (mode 0644)`);
    expect(ledger?.detail).toContain(`chmod 600 ${ws.sqlite}`);
  });
});

/**
 * Permission faults need a user that permissions stop: in-process when the tests run unprivileged; as `nobody`
 * (the CLI from source in a child process) when they run as root, who writes a 0444 file anyway.
 */
describe('permission faults, as a user the permissions apply to', () => {
  /** `fault` runs once the workspace belongs to the user who runs dn-mailer. */
  async function runAsOperator(ws: Workspace, args: readonly string[], fault: () => Promise<void>) {
    if (IS_ROOT) await giveTo(ws.dir, NOBODY);
    await fault();
    return IS_ROOT ? runCliAs(NOBODY, [...args, '--config', ws.config], ws.dir) : run(ws, args);
  }

  /** A workspace whose ledger lives alone in `state/`, so its folder can be made read-only by itself. */
  async function ledgerInOwnFolder(): Promise<Workspace> {
    const ws = await demoWorkspace();
    const config = JSON.parse(await readFile(ws.config, 'utf8')) as Record<string, unknown>;
    await writeFile(ws.config, JSON.stringify({ ...config, tracking: { file: 'state/ledger.sqlite' } }));
    const sqlite = path.join(ws.dir, 'state', 'ledger.sqlite');
    await mkdir(path.dirname(sqlite), { recursive: true });
    seedStore(sqlite);
    return { ...ws, sqlite };
  }

  const readOnlyFile = (ws: Workspace) => () => chmod(ws.sqlite, 0o444);
  const readOnlyFolder = (ws: Workspace) => () => chmod(path.dirname(ws.sqlite), 0o555);

  it('a read-only ledger file: send-report exit 3 "read-only", chmod hint, nothing sent', async () => {
    const ws = await ledgerInOwnFolder();
    const result = await runAsOperator(ws, SEND, readOnlyFile(ws));
    await expectRefusedSend(ws, result, ExitCode.config, /is read-only for this user/, /hint: .*chmod u\+w/);
  });

  it('a read-only ledger file: doctor ✘ ledger/tracking, exit 3', async () => {
    const ws = await ledgerInOwnFolder();
    const result = await runAsOperator(ws, doctorArgs, readOnlyFile(ws));
    expect(result.code, result.stdout + result.stderr).toBe(ExitCode.config);
    const failed = failedChecks(result.stdout);
    expect(failed.map((check) => check.name)).toEqual(['ledger/tracking']);
    expect(failed[0]?.detail).toContain(ws.sqlite);
    expect(failed[0]?.hint).toMatch(/chmod u\+w/);
  });

  it('an unwritable ledger folder: send-report exit 3, nothing sent', async () => {
    const ws = await ledgerInOwnFolder();
    const result = await runAsOperator(ws, SEND, readOnlyFolder(ws));
    await expectRefusedSend(ws, result, ExitCode.config, new RegExp(ws.sqlite), /hint: .*(writable|chmod)/);
  });

  it('an unwritable ledger folder: doctor ✘ ledger/tracking, exit 3', async () => {
    const ws = await ledgerInOwnFolder();
    const result = await runAsOperator(ws, doctorArgs, readOnlyFolder(ws));
    expect(result.code, result.stdout + result.stderr).toBe(ExitCode.config);
    const failed = failedChecks(result.stdout);
    expect(failed.map((check) => check.name)).toEqual(['ledger/tracking']);
    expect(failed[0]?.detail).toContain(`${path.dirname(ws.sqlite)} is not writable`);
  });
});
