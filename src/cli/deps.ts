import path from 'node:path';
import {
  BACKENDS,
  type BackendMap,
  buildIamPolicy,
  SCOPED_BY_CONFIG,
  unscopedStatements,
} from '../adapters/backends.js';
import type { Backend, BackendDoctorChecks } from '../backend.js';
import type { LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { ignoreProgress, type OnProgress } from '../core/common/progress-events.js';
import { createSecretRegistry, type SecretRegistry } from '../core/common/secret-registry.js';
import type { RecipientRules } from '../core/recipients/recipients-from-users.js';
import type { ReportPattern } from '../core/reports/report-paths.js';
import type { Random, Sleep } from '../ports.js';
import type { CliIO } from './io.js';

/** Everything a command needs: the backend's ports plus the config and the rules read from it. */
export interface Deps extends Backend {
  config: Config;
  /** The config file that was read, if any. */
  configPath: string | undefined;
  /** The config file's folder, or the working folder without one: previews and reports go here. */
  workspaceDir: string;
  /** The dry run's default preview folder, where `--approve <digest>` looks for the reviewed plan. */
  previewFolder(campaignId: string): string;
  /** The default report.html of a send run. */
  reportFile(campaignId: string, batchId: string): string;
  rules: RecipientRules;
  patterns: readonly ReportPattern[];
  /**
   * The least-privilege IAM policy the aws backend needs for this config (generated from the code's SDK calls), and
   * what it cannot scope because the config names no resource for it (statement → the config key that would).
   */
  iamPolicy(): { document: unknown; unscoped: { statement: string; key: string }[] };
}

export interface DepsOptions {
  onProgress?: OnProgress;
  /** The backends to choose from (tests pass in-memory ones); default: `adapters/backends.ts`. */
  backends?: BackendMap;
  sleep?: Sleep;
  random?: Random;
  /** Where resolved secrets are registered; `main` passes the one its output is scrubbed with. */
  secrets?: SecretRegistry;
}

/** `io` gives the clock: the one clock of a run. */
export type DepsFactory = (
  loaded: LoadedConfig,
  io: Pick<CliIO, 'now'>,
  options?: DepsOptions,
) => Promise<Deps>;

/** A timer, cleared when `stop` aborts: a stopping run neither waits out its pacing nor keeps the process alive. */
const realSleep: Sleep = (ms, stop) =>
  new Promise((resolve) => {
    if (stop?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      stop?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stop?.addEventListener('abort', done, { once: true });
  });

/** Builds the configured backend (the one place it is chosen) and adds what the config says about recipients. */
export const createDeps: DepsFactory = async (loaded, io, options = {}) => {
  const { config } = loaded;
  const backends = options.backends ?? BACKENDS;
  const backend = await backends[config.backend].create(loaded, {
    onProgress: options.onProgress ?? ignoreProgress,
    clock: { now: io.now },
    sleep: options.sleep ?? realSleep,
    random: options.random ?? Math.random,
    secrets: options.secrets ?? createSecretRegistry(),
  });
  return {
    ...backend,
    config,
    configPath: loaded.path,
    workspaceDir: loaded.dir,
    previewFolder: (campaignId) => path.join(loaded.dir, 'previews', campaignId),
    reportFile: (campaignId, batchId) =>
      path.join(loaded.dir, '.dn-mailer', 'reports', `${campaignId}-${batchId}.html`),
    rules: {
      excludeEmails: config.users.excludeEmails,
      customIdAliases: config.users.customIdAliases,
      sharedCustomIds: config.users.sharedCustomIds,
    },
    patterns: config.reports.patterns,
    iamPolicy: () => {
      const document = buildIamPolicy(config);
      const unscoped = unscopedStatements(document).map((statement) => ({
        statement,
        key: SCOPED_BY_CONFIG[statement] ?? statement,
      }));
      return { document, unscoped };
    },
  };
};

/**
 * The doctor checks of a backend that could not be built (the config is invalid): their names only, so `doctor`
 * lists them as skipped. `backend` undefined lists every backend's.
 */
export function placeholderChecks(
  backend: Config['backend'] | undefined,
  backends: BackendMap = BACKENDS,
): BackendDoctorChecks {
  const entries = backend ? [backends[backend]] : Object.values(backends);
  const placeholder = (name: string) => ({
    name,
    failure: 'config' as const,
    run: () => Promise.reject(new Error(`${name}: the config did not load`)),
  });
  const named = (names: readonly string[]) => [...new Set(names)].map(placeholder);
  return {
    describe: () => 'unknown',
    identity: named(entries.flatMap((entry) => entry.doctorCheckNames.identity)),
    sending: named(entries.flatMap((entry) => entry.doctorCheckNames.sending)),
    ledger: placeholder('ledger/tracking'),
  };
}
