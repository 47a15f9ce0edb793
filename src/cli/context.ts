import { Chalk, type ChalkInstance } from 'chalk';
import { loadConfig } from '../config/load.js';
import { createSecretRegistry, type SecretRegistry } from '../core/common/secret-registry.js';
import { createDeps, type Deps, type DepsFactory } from './deps.js';
import type { CliIO, GlobalOptions } from './io.js';
import { createProgress, type Progress } from './ui/progress.js';

/** What a command action gets: the wired deps, a progress reporter and colours. */
export interface RunContext {
  io: CliIO;
  globals: GlobalOptions;
  deps: Deps;
  progress: Progress;
  chalk: ChalkInstance;
}

export type { DepsFactory };

export async function openRun(
  io: CliIO,
  globals: GlobalOptions,
  makeDeps: DepsFactory = createDeps,
  secrets: SecretRegistry = createSecretRegistry(),
): Promise<RunContext> {
  const loaded = await loadConfig({
    cwd: io.cwd,
    env: io.env,
    ...(globals.config === undefined ? {} : { configPath: globals.config }),
    ...(globals.backend === undefined ? {} : { overrides: { backend: globals.backend } }),
  });
  const chalk = createChalk(io, globals);
  const progress = await createProgress(io.stderr, io.interactive, globals.color);
  const deps = await makeDeps(loaded, io, { onProgress: (event) => progress.onProgress(event), secrets });
  return { io, globals, deps, progress, chalk };
}

export function createChalk(io: CliIO, globals: GlobalOptions): ChalkInstance {
  const noColor = io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '';
  const enabled = globals.color && !noColor && (io.stderr.isTTY === true || io.env.FORCE_COLOR !== undefined);
  return new Chalk({ level: enabled ? 1 : 0 });
}
