import type { Command } from 'commander';
import { ExitCode, UsageError } from '../../core/common/errors.js';
import type { CommandRuntime } from '../runtime.js';
import { printable } from '../ui/printable.js';

/** Reverse proxies `--trust-proxy` accepts; more is a typo, not a topology. */
const MAX_PROXY_HOPS = 10;

interface ServeOptions {
  port: string;
  host: string;
  /** `--trust-proxy` alone is true (one proxy); `--trust-proxy <hops>` a count. */
  trustProxy?: boolean | string;
}

export interface ServeHooks {
  /** Resolves with the reason to stop (default: the first SIGINT or SIGTERM). Tests pass their own. */
  waitForStop?: () => Promise<string>;
  /** Called once the server listens (tests read the URL from it). */
  onListening?: (url: string) => void;
}

const DEFAULT_BRAND = 'Distro Nation';

/** `dn-mailer serve`: the one-click unsubscribe endpoint on this machine, for local use and development. */
export function registerServe(program: Command, runtime: CommandRuntime, hooks: ServeHooks = {}): void {
  program
    .command('serve')
    .description('run the one-click unsubscribe endpoint (local/dev; production uses the exported handler)')
    .option('-p, --port <n>', 'port to listen on (0: any free port)', '8787')
    .option('--host <address>', 'address to bind (only this machine by default)', '127.0.0.1')
    .option(
      '--trust-proxy [hops]',
      'clients come through <hops> reverse proxies (the flag alone: 1): the client IP is the X-Forwarded-For entry <hops> from the right (without it: the socket address)',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ dn-mailer serve
  $ dn-mailer serve --port 9000
  $ dn-mailer serve --host 0.0.0.0 --trust-proxy        # behind one reverse proxy (nginx, a load balancer)
  $ dn-mailer serve --trust-proxy 2                      # a CDN in front of a load balancer
  $ curl -X POST -d List-Unsubscribe=One-Click 'http://127.0.0.1:8787/?data=<token>'`,
    )
    .action(
      runtime.handle(async (options: ServeOptions, command: Command) => {
        const port = parsePort(options.port);
        const trustProxy = parseTrustProxy(options.trustProxy);
        const run = await runtime.open(command);
        const parts = run.deps.subscriptions();
        try {
          const onError = (error: unknown) =>
            run.io.stderr.write(
              `✘ unsubscribe endpoint: ${printable(error instanceof Error ? error.message : String(error))}\n`,
            );
          const server = await run.deps.listener.serveUnsubscribe(
            {
              contacts: parts.contacts,
              audit: parts.audit,
              tokens: await parts.tokens(),
              maxAgeDays: parts.maxAgeDays,
              brandName: run.deps.config.email?.brandName ?? DEFAULT_BRAND,
              clock: run.deps.clock,
              publicUrl: run.deps.config.unsubscribe?.baseUrl,
            },
            { port, host: options.host, trustProxy, onError },
          );
          const { url } = server;
          run.io.stdout.write(
            run.globals.json
              ? `${JSON.stringify({ url })}\n`
              : `Unsubscribe endpoint listening on ${url} (contacts: ${parts.contacts.location})\nlinks look like ${url}?data=<token>; stop with Ctrl+C\n`,
          );
          if (!isLoopback(options.host)) {
            run.io.stderr.write(
              `⚠ bound to ${options.host}: reachable from the network; put HTTPS in front of it\n`,
            );
          }
          hooks.onListening?.(url);
          const reason = await (hooks.waitForStop ?? waitForSignal)();
          run.io.stderr.write(`${reason}: stopping\n`);
          await server.close();
          return ExitCode.ok;
        } finally {
          parts.close();
        }
      }),
    );
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || port > 65535) {
    throw new UsageError(`--port: "${text}" is not a port number (0–65535)`, {
      hint: 'dn-mailer serve --port 8787',
    });
  }
  return port;
}

function parseTrustProxy(value: boolean | string | undefined): number {
  if (value === undefined || typeof value === 'boolean') return value === true ? 1 : 0;
  const hops = Number(value);
  if (!/^\d+$/.test(value.trim()) || hops > MAX_PROXY_HOPS) {
    throw new UsageError(`--trust-proxy: "${value}" is not a number of proxies (0–${MAX_PROXY_HOPS})`, {
      hint: 'dn-mailer serve --trust-proxy 1 (one reverse proxy in front); leave it out when clients connect directly',
    });
  }
  return hops;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
