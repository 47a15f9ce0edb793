import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createLocalListener } from '../../src/adapters/local/host.js';
import { registerServe } from '../../src/cli/commands/serve.js';
import type { RunContext } from '../../src/cli/context.js';
import type { CommandRuntime } from '../../src/cli/runtime.js';
import { ExitCode } from '../../src/core/common/errors.js';
import { memoryAuditLog, memoryContactList } from '../support/memory-contacts.js';
import { ADDRESS, TOKEN_KEY, TOPIC, tokenFor } from '../support/unsubscribe-endpoint.js';

/** `serve` with a fake runtime: the real command and server, in-memory contacts, a stop we control. */
async function runServe(args: string[], whileRunning: (url: string) => Promise<void>) {
  const contacts = memoryContactList();
  const audit = memoryAuditLog();
  let closed = 0;
  let stdout = '';
  let stderr = '';
  const out = new PassThrough().on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const err = new PassThrough().on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const run = {
    io: { stdout: out, stderr: err },
    globals: { json: false, verbose: false, color: false },
    deps: {
      config: { email: { brandName: 'Brand X' } },
      listener: createLocalListener(),
      clock: { now: () => new Date() },
      subscriptions: () => ({
        contacts,
        audit,
        tokenKey: async () => TOKEN_KEY,
        maxAgeDays: 30,
        topic: TOPIC,
        actor: async () => 'operator',
        close: () => {
          closed += 1;
        },
      }),
    },
  } as unknown as RunContext;
  let exitCode: ExitCode | undefined;
  const runtime: CommandRuntime = {
    io: run.io,
    workspace: {
      generateLocalKeys: () => ({ privateKey: '', publicKey: '', tokenKey: '' }),
      write: async () => [],
    },
    open: async () => run,
    handle:
      (action) =>
      async (...a) => {
        exitCode = await action(...a);
      },
  };
  let stop: (reason: string) => void = () => {};
  let failure: unknown;
  const program = new Command().exitOverride();
  registerServe(program, runtime, {
    waitForStop: () => new Promise((resolve) => (stop = resolve)),
    onListening: (url) => {
      whileRunning(url)
        .catch((error: unknown) => (failure = error))
        .finally(() => stop('test done'));
    },
  });
  await program.parseAsync(['serve', ...args], { from: 'user' });
  if (failure) throw failure;
  return { contacts, exitCode, closed, stdout, stderr };
}

describe('dn-mailer serve', () => {
  it('listens on 127.0.0.1, prints the URL, serves the endpoint and stops cleanly', async () => {
    let seen = '';
    const result = await runServe(['--port', '0'], async (url) => {
      seen = url;
      const token = encodeURIComponent(tokenFor());
      const page = await fetch(`${url}?data=${token}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Brand X');
      const post = await fetch(`${url}?data=${token}`, {
        method: 'POST',
        body: new URLSearchParams({ 'List-Unsubscribe': 'One-Click' }),
      });
      expect(post.status).toBe(200);
    });
    expect(seen).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(result.stdout).toContain(`listening on ${seen}`);
    expect(result.stderr).toContain('test done: stopping');
    expect(result.contacts.contacts.get(ADDRESS)?.topics[TOPIC]).toBe('OPT_OUT');
    expect(result.exitCode).toBe(ExitCode.ok);
    expect(result.closed).toBe(1);
  });

  it('refuses a port that is not a number', async () => {
    await expect(runServe(['--port', 'eighty'], async () => {})).rejects.toThrow(/--port: "eighty"/);
  });
});
