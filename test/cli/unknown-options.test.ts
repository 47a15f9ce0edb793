import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEMO_CONFIG } from '../support/cli.js';
import { runInProcess } from '../support/memory-backend.js';

// A misspelt flag must be named as such (with commander's suggestion) before anything else is said about the
// command line: `send-report --mnth December` used to answer "required option '-m, --month <month>' not specified".

let empty: string;
beforeEach(async () => {
  empty = await mkdtemp(path.join(tmpdir(), 'dn-unknown-'));
});

describe('an unknown option is reported before a missing required one', () => {
  it.each([
    [['send-report', '--mnth', 'December', '-y', '2025', '--config', DEMO_CONFIG], '--mnth', '--month'],
    [['send-report', '--month', 'January', '--dry-rn', '-y', '2025'], '--dry-rn', '--dry-run'],
    [['preview', '--mnth', 'January', '--year', '2025', '--custom-id', 'MOL'], '--mnth', '--month'],
    [['preview', '--month', 'January', '--custm-id', 'MOL'], '--custm-id', '--custom-id'],
    [['resolve-paths', '--yaer', '2025', '--mnth', 'jan'], '--yaer', '--year'],
    [['status', '--mnth', 'January'], '--mnth', '--month'],
    [['campaigns', '--limt', '3'], '--limt', '--limit'],
    [['unsubscribe', 'a@example.com', '--reasn', 'asked'], '--reasn', '--reason'],
    [['contacts', 'show', 'a@example.com', '--verbos'], '--verbos', '--verbose'],
    [['doctor', '--jsn'], '--jsn', '--json'],
    [['init', '--backnd', 'local'], '--backnd', '--backend'],
  ])('%j: unknown option %s, did you mean %s (exit 2, nothing run)', async (args, flag, suggestion) => {
    const result = await runInProcess(args, { cwd: empty });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: unknown option '${flag}'\n(Did you mean ${suggestion}?)`);
    expect(result.stderr).not.toContain('required option');
    expect(result.stderr).not.toContain('distronationrc');
    expect(result.stdout).toBe('');
  });

  it('a missing required option alone is still reported as such', async () => {
    const result = await runInProcess(['send-report', '--year', '2025'], { cwd: empty });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: required option '-m, --month <month>' not specified");
  });

  it('an unknown option with nothing close to it is named without a suggestion', async () => {
    const result = await runInProcess(['send-report', '--zzzzzzzz'], { cwd: empty });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: unknown option '--zzzzzzzz'\n");
    expect(result.stderr).not.toContain('Did you mean');
  });

  it('--help still wins over an unknown option, as in commander', async () => {
    const result = await runInProcess(['send-report', '--mnth', 'December', '--help'], { cwd: empty });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: dn-mailer send-report');
  });

  it('an unknown command is still reported as a command, and a global option before it still works', async () => {
    const unknown = await runInProcess(['send-reprot', '--mnth', 'x'], { cwd: empty });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error: unknown command 'send-reprot'");
    const global = await runInProcess(['--mnth', 'x', 'status'], { cwd: empty });
    expect(global.code).toBe(2);
    expect(global.stderr).toContain("error: unknown option '--mnth'");
  });

  it('a control character in a typed flag is not echoed raw', async () => {
    const result = await runInProcess(['status', '--m\u001b]0;pwned\u0007onth', 'January'], { cwd: empty });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: unknown option '--m\uFFFD]0;pwned\uFFFDonth'");
    expect(result.stderr).not.toContain('\u0007');
    expect(result.stderr).not.toContain('\u001b');
  });
});
