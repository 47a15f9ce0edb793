import { readFile } from 'node:fs/promises';
import type { Env } from '../config/load.js';
import type { SecretRef } from '../config/schema.js';
import { ConfigError } from '../core/common/errors.js';
import type { SecretsManagerStore } from './aws/secrets-manager.js';

/** Resolves a secret reference of the config to its value. `field` names the config key, for errors. */
export type ResolveSecret = (ref: SecretRef, field: string) => Promise<string>;

export function createSecretResolver(deps: {
  env: Env;
  /** Created on first use: a run without `{ secret }` references never builds an AWS client. */
  secretsManager: () => SecretsManagerStore;
}): ResolveSecret {
  let store: SecretsManagerStore | undefined;
  return async (ref, field) => {
    if (ref.env !== undefined) {
      const value = deps.env[ref.env];
      if (value === undefined || value === '') {
        throw new ConfigError(`${field}: environment variable ${ref.env} is not set`, {
          hint: `export ${ref.env}=… before running, or point ${field} at a { file } or { secret }`,
        });
      }
      return value;
    }
    if (ref.file !== undefined) {
      try {
        return (await readFile(ref.file, 'utf8')).trim();
      } catch (error) {
        throw new ConfigError(`${field}: cannot read ${ref.file}`, {
          cause: error,
          hint: 'check the file path',
        });
      }
    }
    if (ref.secret === undefined) throw new ConfigError(`${field}: empty secret reference`);
    store ??= deps.secretsManager();
    const value = await store.getSecretString(ref.secret);
    return ref.key === undefined ? value : pickKey(value, ref.key, ref.secret, field);
  };
}

function pickKey(value: string, key: string, name: string, field: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ConfigError(`${field}: secret "${name}" is not JSON, so it has no key "${key}"`, {
      hint: `drop "key" to use the whole secret string`,
    });
  }
  const picked =
    typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[key] : undefined;
  if (typeof picked !== 'string' || picked === '') {
    throw new ConfigError(`${field}: secret "${name}" has no string field "${key}"`);
  }
  return picked;
}
