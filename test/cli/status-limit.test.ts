import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeps } from '../../src/cli/deps.js';
import type { CliIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { choosePager, writePaged } from '../../src/cli/ui/pager.js';
import { SendOutcomeUnknownError, SendRejectedError } from '../../src/core/send/send-errors.js';
import { DEMO_CONFIG } from '../support/cli.js';
import { createMemoryWorld, type MemoryWorld, runInProcess } from '../support/memory-backend.js';
import { scriptedMailer } from '../support/memory-ports.js';
import type { StatusJson } from '../support/send-world.js';

// `status --limit` and the pager, in-process on a memory world where January was sent with one failure, one unknown.
const NOW = new Date('2025-02-10T12:00:00Z');
const JANUARY = ['--month', 'January', '--year', '2025'];

let cwd: string;
let world: MemoryWorld;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'dn-cli-status-limit-'));
  const { mailer } = scriptedMailer((message) => {
    if (message.to === 'mollie@example.com') throw new SendRejectedError('MessageRejected: not verified');
    if (message.to === 'jody@example.org') throw new SendOutcomeUnknownError('timed out');
    return { messageId: `ses-${message.messageId}` };
  });
  world = createMemoryWorld({ mailer });
  const args = ['send-report', ...JANUARY, '--accept', 'payout-warnings,ambiguous-reports', '--yes'];
  const sent = await runInProcess([...args, '--config', DEMO_CONFIG], { world, cwd, now: NOW });
  expect(sent.code, sent.stderr).toBe(6);
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const status = (...args: string[]) =>
  runInProcess(['status', ...JANUARY, ...args, '--config', DEMO_CONFIG], { world, cwd, now: NOW });
const tableRows = (stdout: string) => stdout.split('\n').filter((line) => /^[a-z]\*\*\*@/.test(line));

describe('status --limit', () => {
  it('lists at most n rows and says how many more there are', async () => {
    const all = await status('--all');
    const total = tableRows(all.stdout).length;
    expect(total).toBe(7);
    const result = await status('--all', '--limit', '3');
    expect(result.code).toBe(6);
    expect(tableRows(result.stdout)).toEqual(tableRows(all.stdout).slice(0, 3));
    expect(result.stdout).toContain(`… 4 more rows not shown (--limit 7 lists all 7)`);
    // The counts and the commands that finish the campaign are still there.
    expect(result.stdout).toMatch(/7 rows · 5 sent/);
    expect(result.stdout).toContain('--retry-failed');
  });

  it('a limit larger than the list changes nothing; the default view is limited the same way', async () => {
    expect((await status('--all', '--limit', '50')).stdout).toBe((await status('--all')).stdout);
    const one = await status('--limit', '1');
    expect(tableRows(one.stdout)).toHaveLength(1);
    expect(one.stdout).toContain('… 1 more row not shown (--limit 2 lists all 2)');
  });

  it('--json: rows limited, with rowsNotShown', async () => {
    const json = (await status('--all', '--limit', '2', '--json')).json<
      StatusJson & { limit: number; rowsNotShown: number }
    >();
    expect(json.rows).toHaveLength(2);
    expect(json).toMatchObject({ limit: 2, rowsNotShown: 5, total: 7 });
    expect(json.problems).toHaveLength(2);
  });

  it('refuses a limit that is not a positive whole number (exit 2)', async () => {
    const result = await status('--limit', '0');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--limit: "0" is not a positive whole number');
  });
});

/** `main` with a terminal-like stdout (isTTY, `rows` lines), to see whether the pager is used. */
async function statusOnTerminal(args: readonly string[], env: Record<string, string>, interactive = true) {
  let stdout = '';
  const out = Object.assign(new PassThrough(), { isTTY: true, rows: 5 });
  out.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const io: CliIO = {
    argv: ['status', ...JANUARY, ...args, '--config', DEMO_CONFIG],
    env,
    cwd,
    tmpdir: cwd,
    stdout: out,
    stderr: new PassThrough(),
    interactive,
    now: () => NOW,
  };
  const code = await main(io, (loaded, clockIo, options) =>
    createDeps(loaded, clockIo, { ...options, backends: world.backends, sleep: async () => {} }),
  );
  return { code, stdout };
}

describe('status through a pager on a terminal', () => {
  it('pipes a long list through $PAGER (run by the shell) instead of writing it', async () => {
    const file = path.join(cwd, 'paged.txt');
    const direct = await status('--all');
    const result = await statusOnTerminal(['--all'], { PAGER: `cat > '${file}'` });
    expect(result.code).toBe(6);
    expect(result.stdout).toBe('');
    expect(await readFile(file, 'utf8')).toBe(direct.stdout);
  });

  it('never with --json, never without a person at the terminal, never with PAGER=cat or empty', async () => {
    const file = path.join(cwd, 'never.txt');
    const env = { PAGER: `cat > '${file}'` };
    expect((await statusOnTerminal(['--all', '--json'], env)).stdout).toMatch(/^\{/);
    expect((await statusOnTerminal(['--all'], env, false)).stdout).toMatch(/7 rows/);
    expect((await statusOnTerminal(['--all'], { PAGER: '' })).stdout).toMatch(/7 rows/);
    expect((await statusOnTerminal(['--all'], { PAGER: 'cat' })).stdout).toMatch(/7 rows/);
    await expect(readFile(file, 'utf8')).rejects.toThrow();
  });

  it('choosePager: less -FRX by default, only for text longer than the screen, only on a TTY', () => {
    const tty = { isTTY: true, rows: 10, write: () => true } as unknown as NodeJS.WritableStream;
    const target = { env: {}, interactive: true, stdout: tty };
    const long = 'line\n'.repeat(20);
    expect(choosePager(target, long, false)).toBe('less -FRX');
    expect(choosePager(target, 'line\n'.repeat(3), false)).toBeUndefined();
    expect(choosePager({ ...target, env: { PAGER: 'most' } }, long, false)).toBe('most');
    expect(choosePager({ ...target, stdout: new PassThrough() }, long, false)).toBeUndefined();
    expect(choosePager(target, long, true)).toBeUndefined();
  });

  it('a pager that cannot start falls back to writing the text', async () => {
    let written = '';
    const stdout = Object.assign(new PassThrough(), { isTTY: true, rows: 2 });
    stdout.on('data', (chunk: Buffer) => {
      written += chunk.toString();
    });
    const text = 'a\nb\nc\nd\n';
    const run = async () => {
      throw new Error('spawn less ENOENT');
    };
    await writePaged({ env: {}, interactive: true, stdout }, text, { json: false, run });
    expect(written).toBe(text);
  });
});
