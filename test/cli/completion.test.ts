import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runInProcess } from '../support/memory-backend.js';

/** Every command path and flag the program has, read from `--help` so the test does not share the walker. */
const COMMANDS = ['send-report', 'resolve-paths', 'preview', 'status', 'campaigns', 'unsubscribe'];
const COMMANDS_2 = ['resubscribe', 'contacts', 'show', 'serve', 'init', 'doctor', 'completion', 'help'];
const OPTIONS = ['--config', '--backend', '--json', '--no-color', '--verbose', '--dry-run', '--retry-failed'];

async function script(shell: string): Promise<string> {
  const result = await runInProcess(['completion', shell], {
    cwd: await mkdtemp(path.join(tmpdir(), 'dn-c-')),
  });
  expect(result.code).toBe(0);
  return result.stdout;
}

describe('dn-mailer completion bash (sourced in a real bash)', () => {
  let file: string;
  beforeAll(async () => {
    file = path.join(await mkdtemp(path.join(tmpdir(), 'dn-completion-')), 'dn-mailer.bash');
    await writeFile(file, await script('bash'));
  });

  /** Completes the last word of `line` the way bash would on TAB. */
  function complete(line: string): string[] {
    const words = line.split(' ');
    const program = `source "$1"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _dn_mailer; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const out = execFileSync('bash', ['--norc', '--noprofile', '-c', program, 'bash', file], {
      encoding: 'utf8',
    });
    return out.split('\n').filter(Boolean);
  }

  it('completes a command', () => {
    expect(complete('dn-mailer send-')).toEqual(['send-report']);
  });
  it("completes a command's option", () => {
    expect(complete('dn-mailer send-report --dry')).toEqual(['--dry-run']);
  });
  it('offers global options after a command, and subcommands of contacts', () => {
    expect(complete('dn-mailer status --js')).toEqual(['--json']);
    expect(complete('dn-mailer contacts ')).toContain('show');
    expect(complete('dn-mailer --verbose contacts show --verb')).toEqual(['--verbose']);
  });
  it('completes the shells of completion and the commands of help', () => {
    expect(complete('dn-mailer completion z')).toEqual(['zsh']);
    expect(complete('dn-mailer help resol')).toEqual(['resolve-paths']);
  });
  it('registers itself for dn-mailer', () => {
    const out = execFileSync(
      'bash',
      ['--norc', '--noprofile', '-c', 'source "$1"; complete -p dn-mailer', 'bash', file],
      {
        encoding: 'utf8',
      },
    );
    expect(out).toContain('-F _dn_mailer dn-mailer');
  });
});

describe.each(['zsh', 'fish'])('dn-mailer completion %s', (shell) => {
  it('names every command and option', async () => {
    const text = await script(shell);
    for (const word of [...COMMANDS, ...COMMANDS_2])
      expect(text).toMatch(new RegExp(`(^|[\\s(|'])${word}([\\s)|']|$)`, 'm'));
    for (const option of OPTIONS) {
      expect(text).toContain(shell === 'fish' ? `-l ${option.slice(2)}` : option);
    }
  });
});

describe('dn-mailer completion', () => {
  it('follows the program: every option of every command is in the bash script', async () => {
    const text = await script('bash');
    const help = await runInProcess(['send-report', '--help']);
    const flags = [...help.stdout.matchAll(/^\s+(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]);
    expect(flags.length).toBeGreaterThan(10);
    for (const flag of flags) expect(text).toMatch(new RegExp(`[ "]${flag}[ "]`));
  });
  it('rejects an unknown shell as a usage error', async () => {
    const result = await runInProcess(['completion', 'pwsh']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bash, zsh, fish/);
  });
});
