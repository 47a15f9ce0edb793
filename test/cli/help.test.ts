import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runInProcess } from '../support/memory-backend.js';

const GLOBAL_FLAGS = ['--config', '--backend', '--json', '--no-color', '--verbose'];
const COMMANDS = [
  ['send-report'],
  ['resolve-paths'],
  ['preview'],
  ['status'],
  ['campaigns'],
  ['unsubscribe'],
  ['resubscribe'],
  ['contacts', 'show'],
  ['events', 'sync'],
  ['events', 'import'],
  ['serve'],
  ['init'],
  ['doctor'],
  ['completion'],
];

/** A working folder with no .distronationrc in it or above (the OS temp folder has none). */
let empty: string;
beforeEach(async () => {
  empty = await mkdtemp(path.join(tmpdir(), 'dn-empty-'));
});

describe('help shows everything', () => {
  it.each(COMMANDS.map((command) => [command.join(' '), command] as const))(
    '%s --help lists the global options and an example',
    async (_name, command) => {
      const result = await runInProcess([...command, '--help'], { cwd: empty });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Global Options:');
      for (const flag of GLOBAL_FLAGS) expect(result.stdout).toContain(flag);
      expect(result.stdout).toMatch(/Examples:\n\s+\$ .*dn-mailer /);
    },
  );

  it('dn-mailer help <command> prints that command’s help and exits 0', async () => {
    const viaHelp = await runInProcess(['help', 'send-report'], { cwd: empty });
    const viaFlag = await runInProcess(['send-report', '--help'], { cwd: empty });
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toContain('Usage: dn-mailer send-report');
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
  });

  it('dn-mailer help names help <command> and completion', async () => {
    const result = await runInProcess(['help'], { cwd: empty });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('dn-mailer help <command>');
    expect(result.stdout).toContain('dn-mailer completion bash|zsh|fish');
  });
});

describe('errors in the order a person needs them', () => {
  it('no config at all: says where it looked, exit 3, no schema problems', async () => {
    const result = await runInProcess(['status', '--month', 'January', '--year', '2025'], { cwd: empty });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      `✘ no .distronationrc found in ${empty} or above; run \`dn-mailer init\`, or pass --config`,
    );
    expect(result.stderr).not.toMatch(/problem|users\.file/);
  });

  it('unsubscribe with no arguments asks for an address or --token, before the config', async () => {
    const result = await runInProcess(['unsubscribe'], { cwd: empty });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('✘ give an address or --token\n');
    expect(result.stderr).not.toContain('distronationrc');
  });

  it('unsubscribe with both says not both, before the config', async () => {
    const result = await runInProcess(['unsubscribe', 'a@example.com', '--token', 'x'], { cwd: empty });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('✘ give an address or --token, not both');
    expect(result.stderr).not.toContain('distronationrc');
  });

  it('completion needs no config', async () => {
    const result = await runInProcess(['completion', 'bash'], { cwd: empty });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });
});
