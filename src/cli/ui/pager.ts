import { spawn } from 'node:child_process';
import type { Env } from '../../config/load.js';

/** Where a long text goes: `less -FRX` (or `$PAGER`) on a terminal, straight to stdout everywhere else. */
export interface PagerTarget {
  env: Env;
  /** A person is at the terminal (`io.interactive`). */
  interactive: boolean;
  stdout: NodeJS.WritableStream & { isTTY?: boolean; rows?: number };
}

/** Runs a pager command (through the shell, as git does) with `text` on its stdin and the terminal as its output. */
export type RunPager = (command: string, text: string, env: Env) => Promise<void>;

export const DEFAULT_PAGER = 'less -FRX';

/**
 * The pager to use, or undefined to write directly: never without a terminal on both ends (a pipe, CI, a file),
 * never for JSON, never for text that fits the screen; `PAGER=` (empty) or `PAGER=cat` turns it off.
 */
export function choosePager(target: PagerTarget, text: string, json: boolean): string | undefined {
  if (json || !target.interactive || target.stdout.isTTY !== true) return undefined;
  const command = (target.env.PAGER ?? DEFAULT_PAGER).trim();
  if (command === '' || command === 'cat') return undefined;
  const rows = target.stdout.rows ?? 24;
  // A terminal that reports no height (0 rows, like the zero-column ones `script` makes) has no screen to fill.
  if (!(rows > 0)) return undefined;
  const lines = text.split('\n').length - 1;
  return lines > rows - 1 ? command : undefined;
}

/** Writes `text` through the pager when `choosePager` picks one; a pager that cannot start falls back to stdout. */
export async function writePaged(
  target: PagerTarget,
  text: string,
  options: { json: boolean; run?: RunPager },
): Promise<void> {
  const command = choosePager(target, text, options.json);
  if (command !== undefined) {
    try {
      await (options.run ?? runPager)(command, text, target.env);
      return;
    } catch {
      // No such pager (or it failed to start): the text is still wanted.
    }
  }
  target.stdout.write(text);
}

const runPager: RunPager = (command, text, env) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, {
      shell: true,
      stdio: ['pipe', 'inherit', 'inherit'],
      env: { LESS: 'FRX', ...env },
    });
    let started = false;
    child.once('spawn', () => {
      started = true;
    });
    child.once('error', (error) => (started ? resolve() : reject(error)));
    // A pager quit early (q in less) closes its stdin: that is not an error.
    child.stdin.on('error', () => {});
    child.stdin.end(text);
    child.once('close', (code) =>
      // 127: the shell found no such command; nothing was shown.
      code === 127 ? reject(new Error(`pager not found: ${command}`)) : resolve(),
    );
  });
