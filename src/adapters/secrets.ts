import { readFile } from 'node:fs/promises';
import type { Env } from '../config/load.js';
import type { SecretRef } from '../config/schema.js';
import { ConfigError } from '../core/common/errors.js';
import type { SecretsManagerStore } from './aws/secrets-manager.js';

/**
 * What a secret must look like: `header` — one HTTP header value (visible ASCII, no spaces or line breaks);
 * `pem` — a PEM private key (line breaks allowed); `text` — anything without control characters but line breaks
 * (a token key, a service-account JSON).
 */
export type SecretShape = 'header' | 'pem' | 'text';

/**
 * Resolves a secret reference of the config to its value, checks its shape and registers it for scrubbing.
 * `field` names the config key, for errors — which name the reference, never the value.
 */
export type ResolveSecret = (ref: SecretRef, field: string, shape?: SecretShape) => Promise<string>;

export function createSecretResolver(deps: {
  env: Env;
  /** Created on first use: a run without `{ secret }` references never builds an AWS client. */
  secretsManager: () => SecretsManagerStore;
  /** Every resolved value goes here first, so no later message can print it. */
  register?: (value: string, field: string) => void;
}): ResolveSecret {
  const resolve = createRawResolver(deps);
  return async (ref, field, shape = 'text') => {
    const value = await resolve(ref, field);
    deps.register?.(value, field);
    checkShape(value, ref, field, shape);
    return value;
  };
}

function createRawResolver(deps: { env: Env; secretsManager: () => SecretsManagerStore }) {
  let store: SecretsManagerStore | undefined;
  return async (ref: SecretRef, field: string): Promise<string> => {
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

/** Names where a value came from, for errors (never the value). */
export function describeSecretRef(ref: SecretRef): string {
  if (ref.env !== undefined) return `environment variable ${ref.env}`;
  if (ref.file !== undefined) return `file ${ref.file}`;
  return `secret "${ref.secret}"${ref.key === undefined ? '' : ` key "${ref.key}"`}`;
}

const EXPECTED: Record<SecretShape, string> = {
  header: 'one line of visible ASCII without spaces (an HTTP header value)',
  pem: 'a PEM private key (-----BEGIN … PRIVATE KEY-----)',
  text: 'text without control characters',
};

function checkShape(value: string, ref: SecretRef, field: string, shape: SecretShape): void {
  const from = describeSecretRef(ref);
  const bad = (problem: string) =>
    new ConfigError(`${field}: the value of ${from} ${problem}; expected ${EXPECTED[shape]}`, {
      hint: `fix the value at its source (${from}); it is not printed here`,
    });
  const allowed = shape === 'header' ? /[^\x21-\x7e]/ : /[^\t\n\r\x20-\x7e\u00a0-\uffff]/;
  const found = allowed.exec(value);
  if (found) {
    const code = found[0].codePointAt(0) ?? 0;
    const what =
      code < 0x20 || (code >= 0x7f && code <= 0x9f)
        ? 'a control character'
        : code === 0x20
          ? 'a space'
          : 'a character outside visible ASCII';
    throw bad(
      `contains ${what} (U+${code.toString(16).toUpperCase().padStart(4, '0')}) at position ${found.index + 1}`,
    );
  }
  if (shape === 'pem' && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value)) {
    throw bad('is not a PEM private key');
  }
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
