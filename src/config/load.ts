import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../core/common/errors.js';
import type { Config } from './schema.js';
import { validateConfig } from './validate.js';

export const CONFIG_FILE_NAMES = [
  '.distronationrc',
  '.distronationrc.json',
  '.distronationrc.yaml',
  '.distronationrc.yml',
] as const;

const ENV_PREFIX = 'DN_MAILER_';
/** DN_MAILER_* variables that are not config keys. */
const RESERVED_ENV = new Set(['DN_MAILER_CONFIG']);

export type Env = Readonly<Record<string, string | undefined>>;

export interface LoadConfigOptions {
  cwd: string;
  env: Env;
  /** `--config`. */
  configPath?: string;
  /** Flags that override the file and the environment. */
  overrides?: { backend?: string };
}

export interface LoadedConfig {
  config: Config;
  /** The file that was read, if any. */
  path: string | undefined;
  /** The workspace folder: the config file's folder, or the working folder when no file was read. */
  dir: string;
  /** The environment the run was started with (secret references `{ env }` read it). */
  env: Env;
}

/** flags > env (`DN_MAILER_*`) > file (`.distronationrc`, searched upward) > defaults. */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const explicit = options.configPath ?? options.env.DN_MAILER_CONFIG;
  const file = explicit ? path.resolve(options.cwd, explicit) : await findConfigFile(options.cwd);
  if (!file && !hasEnvConfig(options.env)) throw noConfigFound(options.cwd);
  const raw = file ? await readConfigFile(file) : {};
  applyEnvOverrides(raw, options.env);
  if (options.overrides?.backend !== undefined) raw.backend = options.overrides.backend;

  const baseDir = file ? path.dirname(file) : options.cwd;
  const source = file
    ? path.relative(options.cwd, file) || file
    : 'the configuration (no .distronationrc found)';
  try {
    const config = validateConfig(raw, (p) => path.resolve(baseDir, p), source);
    return { config, path: file, dir: baseDir, env: options.env };
  } catch (error) {
    if (error instanceof ConfigError && !file) {
      throw new ConfigError(error.message, {
        details: error.details,
        hint: `no ${CONFIG_FILE_NAMES.join(' / ')} in ${options.cwd} or above: pass --config PATH or run dn-mailer init`,
      });
    }
    throw error;
  }
}

/** Nothing to read at all: say so first, rather than list the schema problems of an empty config. */
function noConfigFound(cwd: string): ConfigError {
  return new ConfigError(
    `no .distronationrc found in ${path.resolve(cwd)} or above; run \`dn-mailer init\`, or pass --config`,
    { hint: `looked for ${CONFIG_FILE_NAMES.join(' / ')}; DN_MAILER_* variables can also supply every key` },
  );
}

/** An env-only config (CI): at least one DN_MAILER_* variable that is a config key. */
function hasEnvConfig(env: Env): boolean {
  return Object.entries(env).some(
    ([name, value]) => name.startsWith(ENV_PREFIX) && !RESERVED_ENV.has(name) && value !== undefined,
  );
}

export async function findConfigFile(startDir: string): Promise<string | undefined> {
  for (let dir = path.resolve(startDir); ; dir = path.dirname(dir)) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = path.join(dir, name);
      if (await isReadable(candidate)) return candidate;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

async function isReadable(file: string): Promise<boolean> {
  try {
    await readFile(file);
    return true;
  } catch {
    return false;
  }
}

async function readConfigFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the config file ${file}`, {
      cause: error,
      hint: 'check the --config path (or DN_MAILER_CONFIG)',
    });
  }
  let data: unknown;
  try {
    data = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML or JSON'}`, {
      details: [error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)],
      hint: 'fix the syntax; .distronationrc.example shows every key',
    });
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(`${file} must hold an object of settings`, { hint: 'see .distronationrc.example' });
  }
  return data as Record<string, unknown>;
}

/**
 * `DN_MAILER_USERS__KORRECT__BASE_URL=…` sets `users.korrect.baseUrl`: `__` separates levels, words in a level
 * become camelCase. `true`/`false` become booleans and `[…]`/`{…}` are read as JSON (lists, secret references).
 */
export function applyEnvOverrides(target: Record<string, unknown>, env: Env): void {
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || RESERVED_ENV.has(name) || value === undefined) continue;
    const keys = name.slice(ENV_PREFIX.length).split('__').map(toCamelCase);
    setPath(target, keys, parseEnvValue(name, value));
  }
}

function toCamelCase(word: string): string {
  return word.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function parseEnvValue(name: string, value: string): unknown {
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^\s*[[{]/.test(value)) {
    try {
      return JSON.parse(value);
    } catch {
      throw new ConfigError(`${name} looks like JSON but does not parse`, {
        hint: `e.g. ${name}='{"env":"KORRECT_API_KEY"}'`,
      });
    }
  }
  return value;
}

function setPath(target: Record<string, unknown>, keys: readonly string[], value: unknown): void {
  let node = target;
  keys.slice(0, -1).forEach((key) => {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  });
  const last = keys[keys.length - 1];
  if (last !== undefined) node[last] = value;
}
