import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { BackendMap } from '../../src/adapters/backends.js';
import { createLocalListener } from '../../src/adapters/local/host.js';
import { createDirectoryReportStore } from '../../src/adapters/local/report-dir.js';
import { parseInboundMime } from '../../src/adapters/mime-parse.js';
import { createSharedPorts } from '../../src/adapters/shared-ports.js';
import type { Backend, BackendEntry, LocalFiles } from '../../src/backend.js';
import type { ServeHooks } from '../../src/cli/commands/serve.js';
import type { DepsFactory } from '../../src/cli/deps.js';
import { createDeps } from '../../src/cli/deps.js';
import type { CliIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { InputError } from '../../src/core/common/errors.js';
import type { EventSource, GateList, Mailer, ProviderRecord, SendingAccount } from '../../src/ports.js';
import { memoryAuditLog, memoryContactList } from './memory-contacts.js';
import {
  memoryLedger,
  memorySuppressions,
  memoryTracking,
  quotaAccount,
  scriptedMailer,
} from './memory-ports.js';

/**
 * A backend for in-process command tests: users, payouts, reports, signing and templates come from the config's
 * files (the demo workspace), everything with state — mailer, ledger, tracking, gates, contacts, audit, the files
 * a command writes — lives in memory, where the test can read it.
 */
export interface MemoryWorld {
  ledger: ReturnType<typeof memoryLedger>;
  tracking: ReturnType<typeof memoryTracking>;
  /** Bounces and complaints recorded by `events`; its gate blocks them in the next send, after `gates`. */
  suppressions: ReturnType<typeof memorySuppressions>;
  contacts: ReturnType<typeof memoryContactList>;
  audit: ReturnType<typeof memoryAuditLog>;
  mailer: Mailer;
  /** Every message the mailer was asked to send. */
  sent: ReturnType<typeof scriptedMailer>['sent'];
  /**
   * The memory provider's own record: a message the scripted mailer accepted is `sent`, any other `not-sent`; with a
   * mailer of the test's own it cannot tell (`unknown`).
   */
  providerRecord: ProviderRecord;
  account: SendingAccount;
  gates: GateList[];
  /** The event queue `events()` returns (e.g. `memoryQueue()` from memory-queue.ts); undefined: none configured. */
  events?: EventSource | undefined;
  /** Files the command wrote (absolute path → content); `.eml` previews as text. */
  files: Map<string, string>;
  /** Files the command asked to open in a browser. */
  opened: string[];
  /** How many times a part (sending, subscriptions) was opened and closed. */
  opens: number;
  closes: number;
  backends: BackendMap;
}

export function createMemoryWorld(options: { mailer?: Mailer; account?: SendingAccount } = {}): MemoryWorld {
  const scripted = scriptedMailer((message) => ({ messageId: `ses-${message.messageId}` }));
  const world: MemoryWorld = {
    ledger: memoryLedger(),
    tracking: memoryTracking(),
    suppressions: memorySuppressions(),
    contacts: memoryContactList(),
    audit: memoryAuditLog(),
    mailer: options.mailer ?? scripted.mailer,
    sent: scripted.sent,
    providerRecord: {
      lookup: async (messageId) => {
        if (options.mailer) return 'unknown';
        return scripted.sent.some((message) => message.messageId === messageId) ? 'sent' : 'not-sent';
      },
    },
    account: options.account ?? quotaAccount(),
    gates: [],
    files: new Map(),
    opened: [],
    opens: 0,
    closes: 0,
    backends: undefined as unknown as BackendMap,
  };
  const entry: BackendEntry = {
    create: (loaded, backendOptions) => createMemoryBackend(world, loaded, backendOptions),
    doctorCheckNames: { identity: [], sending: ['memory'] },
  };
  world.backends = { local: entry, aws: entry };
  return world;
}

function createMemoryBackend(
  world: MemoryWorld,
  loaded: Parameters<BackendEntry['create']>[0],
  options: Parameters<BackendEntry['create']>[1],
): Backend {
  const shared = createSharedPorts(loaded, options);
  const close = () => {
    world.closes += 1;
  };
  return {
    name: loaded.config.backend,
    users: shared.users,
    reports: createDirectoryReportStore(loaded.config.reports.dir ?? ''),
    campaign: shared.campaign,
    sending: () => {
      world.opens += 1;
      return {
        mailer: world.mailer,
        account: world.account,
        providerRecord: world.providerRecord,
        gates: [...world.gates, world.suppressions.gate],
        ledger: world.ledger,
        tracking: world.tracking,
        suppressions: world.suppressions,
        ledgerLocation: 'memory ledger',
        close,
      };
    },
    events: () => world.events,
    parseMime: parseInboundMime,
    subscriptions: () => {
      world.opens += 1;
      return {
        ...shared.subscriptionSettings,
        contacts: world.contacts,
        audit: world.audit,
        actor: async () => 'test-operator',
        close,
      };
    },
    files: memoryFiles(world),
    listener: createLocalListener(),
    doctor: {
      describe: () => 'memory (in-process test)',
      identity: [],
      sending: [{ name: 'memory', failure: 'config', run: async () => ({ ok: true, detail: 'in memory' }) }],
      ledger: {
        name: 'ledger/tracking',
        failure: 'reachability',
        run: async () => ({ ok: true, detail: 'in memory' }),
      },
    },
    clock: options.clock,
    sleep: options.sleep,
    random: options.random,
    // One live process: claims of this in-memory world are never judged abandoned.
    instance: { host: 'memory-host', pid: 1, isAlive: () => true },
  };
}

function memoryFiles(world: MemoryWorld): LocalFiles {
  return {
    checkPreviewFolder: async () => {},
    async openPreviews(dir) {
      return {
        async write(messages) {
          for (const message of messages) {
            world.files.set(path.join(dir, `${message.to}.html`), message.html);
            world.files.set(path.join(dir, `${message.to}.txt`), message.text);
          }
        },
        async finish(manifest) {
          world.files.set(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
        },
      };
    },
    async writePreviewHtml(file, html) {
      const absolute = path.resolve(file);
      world.files.set(absolute, html);
      return absolute;
    },
    // The real one makes a new folder with mkdtemp; here its random part is a fixed XXXXXX.
    async writeTempPreviewHtml(tmpdir, name, html) {
      const file = path.join(tmpdir, 'dn-mailer-preview-XXXXXX', name);
      world.files.set(file, html);
      return file;
    },
    async checkWritable() {},
    async writeReport(file, html) {
      const absolute = path.resolve(file);
      world.files.set(absolute, html);
      return absolute;
    },
    async openInBrowser(file) {
      world.opened.push(file);
    },
    // The approval comes from a dry run this world wrote: its manifest is in world.files.
    async readApproval(file) {
      const text =
        world.files.get(path.resolve(file)) ??
        world.files.get(path.join(path.resolve(file), 'manifest.json'));
      if (text === undefined) throw new Error(`memory files: no ${file}`);
      const approval = (JSON.parse(text) as { approval: { digest: string; plan: never } | null }).approval;
      if (!approval)
        throw new InputError(`--approve-file: ${file} has no approval section (digest and plan)`);
      return { digest: approval.digest, reviewed: approval.plan };
    },
  };
}

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  json<T = unknown>(): T;
}

/**
 * Runs `dn-mailer <args>` in this process through `main(io, makeDeps)` — the real program, flags and rendering —
 * on the memory world's backend. No build, no child process.
 */
export async function runInProcess(
  args: readonly string[],
  options: {
    world?: MemoryWorld;
    cwd?: string;
    env?: Record<string, string>;
    now?: Date;
    interactive?: boolean;
    makeDeps?: DepsFactory;
    /** For `serve`: learn the URL and say when to stop (instead of waiting for a signal). */
    serve?: ServeHooks;
  } = {},
): Promise<InProcessResult> {
  let stdout = '';
  let stderr = '';
  const out = new PassThrough().on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const err = new PassThrough().on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const world = options.world ?? createMemoryWorld();
  const io: CliIO = {
    argv: args,
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    tmpdir: path.join(options.cwd ?? process.cwd(), 'tmp'),
    stdout: out,
    stderr: err,
    interactive: options.interactive ?? false,
    now: () => options.now ?? new Date(),
  };
  const makeDeps: DepsFactory =
    options.makeDeps ??
    ((loaded, clockIo, depsOptions) =>
      createDeps(loaded, clockIo, { ...depsOptions, backends: world.backends, sleep: async () => {} }));
  const code = await main(io, makeDeps, { serve: options.serve });
  return { code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T };
}
