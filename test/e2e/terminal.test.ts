import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, CLI_NODE, DEMO_CONFIG, REPO_ROOT, spawnCli } from '../support/cli.js';

// Spawns the BUILT CLI (`npm run build` first): what only a real process shows — a reader that goes away (EPIPE)
// and a pseudo-terminal that reports zero columns.

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'dn-e2e-terminal-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('a closed stdout or stderr ends the output quietly', () => {
  it('preview --help | head -3: the reader is gone before the help is written → exit 0, no stack trace', async () => {
    const run = spawnCli(['preview', '--help']);
    run.child.stdout?.destroy();
    const result = await run.done;
    expect(result.stderr, result.stderr).not.toMatch(/EPIPE|Unhandled|Error|\n\s+at /);
    expect(result.code, result.stderr).toBe(0);
  });

  it('resolve-paths with its stdout closed early exits with the code it has with stdout read', async () => {
    const args = ['--config', DEMO_CONFIG, 'resolve-paths', '--month', 'January', '--year', '2025'];
    const read = await spawnCli(args).done;
    expect(read.stdout).toContain('CUSTOM ID');
    const closed = spawnCli(args);
    closed.child.stdout?.destroy();
    const result = await closed.done;
    expect(result.stderr, result.stderr).not.toMatch(/EPIPE|Unhandled|\n\s+at /);
    expect(result.code, result.stderr).toBe(read.code);
  });

  it('a closed stderr: the error is lost, its exit code is not (3: no config)', async () => {
    const run = spawnCli(['status', '--month', 'January', '--year', '2025'], { cwd: work });
    run.child.stderr?.destroy();
    const result = await run.done;
    expect(result.code).toBe(3);
  });
});

const hasScript = ['/usr/bin/script', '/bin/script'].some((file) => existsSync(file));
/** Output a dry run of the demo writes is a few KB; a spinner redrawing at zero width writes megabytes. */
const OUTPUT_BOUND = 1024 * 1024;
/** A process still running after this is stopped by the test (this is a safety net, not a time assertion). */
const KILL_AFTER_MS = 90_000;

/** What a spinner writes (ora on a tty): the cursor hidden, moved to column 1 or up, the line erased. */
const SPINNER_CODES = new RegExp(`${'\u001b'}\\[(\\?25l|1G|0K|\\d*A)`);

const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

/**
 * Runs a command line inside `script` (a pseudo-terminal) from this non-terminal process, the terminal set to zero
 * columns. Collects at most OUTPUT_BOUND (+ one chunk): past that, or after KILL_AFTER_MS, `script` and the command
 * it runs are killed by PID.
 */
function runInZeroColumnTerminal(
  command: string,
): Promise<{ code: number | null; output: string; killed: string }> {
  // The shell says its PID, which the command keeps (exec): the test can stop it by PID too, since killing `script`
  // alone may leave a process that writes without end running.
  const shell = `echo "dn-mailer-pid $$" && stty cols 0 rows 0 && exec ${command}`;
  const child = spawn('script', ['-qec', shell, '/dev/null'], {
    cwd: REPO_ROOT,
    // No CI variable: this is the case of an operator at a terminal, where spinners and prompts are allowed.
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? work,
      TERM: 'xterm-256color',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let killed = '';
  const kill = (why: string) => {
    if (killed || child.exitCode !== null || child.pid === undefined) return;
    killed = why;
    const inner = Number(/dn-mailer-pid (\d+)/.exec(output)?.[1]);
    for (const pid of [inner, child.pid]) {
      try {
        if (pid > 0) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  const collect = (chunk: Buffer) => {
    if (output.length > OUTPUT_BOUND) return kill(`output over ${OUTPUT_BOUND} bytes`);
    output += chunk.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const timer = setTimeout(() => kill(`still running after ${KILL_AFTER_MS} ms`), KILL_AFTER_MS);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, killed });
    });
  });
}

describe.skipIf(!hasScript)('a terminal that reports zero columns (script from a non-terminal)', () => {
  it('the dry run ends, with plain progress lines and bounded output', {
    timeout: KILL_AFTER_MS + 30_000,
  }, async () => {
    const out = path.join(work, 'previews');
    const command = [
      CLI_NODE,
      CLI,
      'send-report',
      '--config',
      DEMO_CONFIG,
      '--month',
      'January',
      '--year',
      '2025',
    ]
      .concat(['--dry-run', '--out', out])
      .map(quote)
      .join(' ');
    const result = await runInZeroColumnTerminal(command);
    expect(result.killed).toBe('');
    expect(result.code, result.output.slice(-2000)).toBe(0);
    expect(result.output.length).toBeLessThan(OUTPUT_BOUND);
    expect(result.output).toContain('Loading users from');
    expect(result.output).toContain('Dry run of financial-2025-01');
    // No spinner: no hidden cursor, no line erased, no cursor moved up.
    expect(result.output).not.toMatch(SPINNER_CODES);
  });
});
