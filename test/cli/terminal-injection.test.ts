import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CONFIG } from '../support/cli.js';
import { createMemoryWorld, runInProcess } from '../support/memory-backend.js';

// What reaches the terminal: a value carrying escape sequences (from the command line, a users file, a ledger) is
// printed inert. These runs have no TTY, so chalk draws no colour: any ESC on stderr would be the data's own.
const ESC = '\u001b';
const NOW = new Date('2025-02-10T12:00:00Z');
const JANUARY = ['--month', 'January', '--year', '2025'];

let cwd: string;
let workspace: string;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'dn-cli-inject-'));
  // A copy of the demo workspace whose users file holds hostile rows.
  workspace = path.join(cwd, 'demo');
  await cp(path.dirname(DEMO_CONFIG), workspace, { recursive: true });
  const usersFile = path.join(workspace, 'users.json');
  const users = JSON.parse(await readFile(usersFile, 'utf8')) as { body: unknown[] };
  const hostile = (userName: string, email: string, customID: string) => ({
    userName,
    status: 'active',
    emailsUser: email,
    creators: [{ channels: [{ customID, channelName: 'Channel' }] }],
  });
  users.body.push(
    hostile('x'.repeat(200_000), 'long@example.com', 'MOL'),
    hostile(`Evil${ESC}]0;pwned${ESC}\\ Name`, 'esc@example.com', 'MOL'),
    hostile('Fine Name', 'id@example.com', `ID${ESC}[2J`),
  );
  await writeFile(usersFile, JSON.stringify(users));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('data with escape sequences reaches the terminal inert', () => {
  it('an --only token that matches nobody is echoed with its ESC made visible, and kept exact in JSON', async () => {
    const token = `EVIL${ESC}[2J${ESC}]0;x\u0007`;
    const args = ['send-report', '--config', DEMO_CONFIG, ...JANUARY, '--dry-run', '--only', `MOL,${token}`];
    const text = await runInProcess([...args, '--out', path.join(cwd, 'only')], { cwd, now: NOW });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stderr).toContain('--only EVIL\uFFFD[2J\uFFFD]0;x\uFFFD: matched no recipient');
    expect(text.stderr).not.toContain(ESC);
    expect(text.stdout).not.toContain(ESC);

    const json = await runInProcess([...args, '--json', '--out', path.join(cwd, 'only-json')], {
      cwd,
      now: NOW,
    });
    expect(json.code, json.stderr).toBe(0);
    expect(json.json<{ unmatched: string[] }>().unmatched).toEqual([token]);
    expect(json.stderr).not.toContain(ESC);
  });

  it('an error quoting input (the error funnel) shows it inert', async () => {
    const result = await runInProcess(
      ['send-report', '--config', DEMO_CONFIG, ...JANUARY, '--dry-run', '--campaign-id', `a${ESC}[2Jb`],
      { cwd, now: NOW },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('✘ --campaign-id: "a\uFFFD[2Jb" may only use letters');
    expect(result.stderr).not.toContain(ESC);
  });

  it('preview --custom-id with an ESC: the "no recipient" error is inert', async () => {
    const result = await runInProcess(
      ['preview', '--config', DEMO_CONFIG, ...JANUARY, '--custom-id', `EV${ESC}[31mIL`],
      { cwd, now: NOW },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('EV\uFFFD[31mIL');
    expect(result.stderr).not.toContain(ESC);
  });

  it('hostile user rows are refused at the boundary, row by row and field by field, and the e-mails stay small', async () => {
    const world = createMemoryWorld();
    const out = path.join(cwd, 'hostile');
    const config = path.join(workspace, '.distronationrc.json');
    const result = await runInProcess(
      ['send-report', '--config', config, ...JANUARY, '--dry-run', '--out', out],
      {
        cwd,
        now: NOW,
        world,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      'user row 15: userName: is 200,000 characters long; expected at most 200 (a name) — row skipped',
    );
    expect(result.stderr).toContain(
      'user row 16: userName: contains a control character U+001B; expected printable text (a name) — row skipped',
    );
    expect(result.stderr).toContain(
      'user row 17: creators.0.channels.0.customID: contains a control character U+001B; expected printable text (an ID) — row skipped',
    );
    expect(result.stderr).not.toContain(ESC);
    expect(result.stdout).not.toContain(ESC);
    // The previews (one .html and .txt per message) are of ordinary size, and no hostile row got a message.
    const previews = [...world.files].filter(([file]) => file.startsWith(out) && /\.(html|txt)$/.test(file));
    expect(previews.length).toBeGreaterThan(0);
    for (const [file, content] of previews) expect(content.length, file).toBeLessThan(100_000);
    const manifest = JSON.parse(world.files.get(path.join(out, 'manifest.json')) ?? '{}') as {
      messages: { to: string }[];
    };
    const recipients = manifest.messages.map((message) => message.to);
    expect(recipients).toContain('mollie@example.com');
    for (const address of ['long@example.com', 'esc@example.com', 'id@example.com'])
      expect(recipients).not.toContain(address);
  });
});
