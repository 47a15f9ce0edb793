import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { collectOutput } from './child-output.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/**
 * The CLI the e2e tests spawn and the node binary that runs it: this clone's bin/dn-mailer.js under the node running
 * the tests, unless DN_MAILER_E2E_CLI (an installed bin/dn-mailer.js) and DN_MAILER_E2E_NODE (another node binary)
 * say otherwise — scripts/e2e-node-lts.mjs sets both to run the e2e subset on Node 22 and 24.
 */
export const CLI =
  process.env.DN_MAILER_E2E_CLI || fileURLToPath(new URL('../../bin/dn-mailer.js', import.meta.url));
export const CLI_NODE = process.env.DN_MAILER_E2E_NODE || process.execPath;
export const DEMO_CONFIG = fileURLToPath(
  new URL('../../examples/demo/.distronationrc.json', import.meta.url),
);

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Another bin/dn-mailer.js than `CLI` (e.g. a copy installed differently). */
  cli?: string;
}

export interface SpawnedCli {
  child: ChildProcess;
  /** Everything written to stderr so far. */
  stderr(): string;
  done: Promise<CliResult>;
}

/** Spawns the built CLI (`npm run build` first; see `CLI`) with a clean environment plus `env`; hands back the child. */
export function spawnCli(args: readonly string[], options: CliOptions = {}): SpawnedCli {
  const baseEnv: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'SYSTEMROOT']) {
    const value = process.env[name];
    if (value !== undefined) baseEnv[name] = value;
  }
  const child = spawn(CLI_NODE, [options.cli ?? CLI, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: {
      ...baseEnv,
      CI: 'true',
      // Never pick up a developer's AWS profile or ask an instance metadata service.
      AWS_CONFIG_FILE: '/nonexistent/dn-mailer-test/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/dn-mailer-test/credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child);
  const done = output.closed.then(({ code, signal, stdout, stderr }) => ({
    code: code ?? (signal ? -1 : null),
    stdout,
    stderr,
  }));
  return { child, stderr: output.stderr, done };
}

/** Runs the built CLI to the end. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return spawnCli(args, options).done;
}

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now, for a server a test starts later (its URL often has to
 * be written into a config first). Chosen below the kernel's ephemeral range (ip_local_port_range), where neither a
 * listen on port 0 nor an outgoing connection is ever given a port: one from listen(0) could be handed to another
 * test's emulator before this test's server binds it.
 */
export async function freePort(): Promise<number> {
  const below = await ephemeralLow();
  for (let attempt = 0; below > FIXED_PORTS_FROM + 1000 && attempt < 50; attempt += 1) {
    const port = FIXED_PORTS_FROM + Math.floor(Math.random() * (below - FIXED_PORTS_FROM));
    if (await listens(port)) return port;
  }
  return listens(0);
}

const FIXED_PORTS_FROM = 10_000;

async function ephemeralLow(): Promise<number> {
  const range = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '');
  return Number.parseInt(range, 10) || 0;
}

/** Listens on `port` for a moment: the port it got, or 0 when it was taken. */
async function listens(port: number): Promise<number> {
  const server = createServer();
  const got = await new Promise<number>((resolve) => {
    server.once('error', () => resolve(0));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
  if (server.listening) await new Promise((resolve) => server.close(resolve));
  return got;
}
