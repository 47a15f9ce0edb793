import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { renderConfigExample } from '../../src/config/example.js';
import { applyEnvOverrides, loadConfig } from '../../src/config/load.js';
import { validateConfig } from '../../src/config/validate.js';
import { ConfigError } from '../../src/core/common/errors.js';

const identity = (p: string) => p;
const localConfig = { users: { file: 'users.json' }, reports: { dir: 'reports' } };

function problemsOf(raw: unknown): string[] {
  try {
    validateConfig(raw, identity, 'test');
  } catch (error) {
    if (error instanceof ConfigError) return [...error.details];
    throw error;
  }
  return [];
}

describe('validateConfig', () => {
  it('fills defaults for the local backend', () => {
    const config = validateConfig(localConfig, identity, 'test');
    expect(config.backend).toBe('local');
    expect(config.users.source).toBe('file');
    expect(config.users.excludeEmails).toEqual([]);
    expect(config.reports.patterns).toHaveLength(4);
  });

  it('defaults the aws backend to the Korrect source', () => {
    const config = validateConfig(
      {
        backend: 'aws',
        users: { korrect: { baseUrl: 'https://api.example.com/staging/', apiKey: { env: 'K' } } },
        reports: { bucket: 'b' },
      },
      identity,
      'test',
    );
    expect(config.users.source).toBe('korrect');
    expect(config.users.korrect?.baseUrl).toBe('https://api.example.com/staging');
    expect(config.users.korrect?.timeoutMs).toBe(30_000);
  });

  it('reports every problem at once, each with its dotted path', () => {
    const problems = problemsOf({
      backend: 'cloud',
      users: { korrect: { baseUrl: 'http://api.example.com', apiKey: 'plain-text-key' }, excludeEmail: [] },
      reports: { patterns: [{ type: 'youtube', label: 'Y', pattern: 'x/{month}/{id}.pdf' }] },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^backend: /),
        'users.korrect.baseUrl: must be an https URL (http only for 127.0.0.1 / localhost)',
        expect.stringMatching(/^users\.korrect\.apiKey: /),
        'users.excludeEmail: unknown key',
        'reports.patterns.0.pattern: must contain {year}',
      ]),
    );
    expect(problems.length).toBeGreaterThanOrEqual(5);
  });

  it('users.sharedCustomIds defaults to none and takes valid custom IDs only', () => {
    expect(validateConfig(localConfig, identity, 'test').users.sharedCustomIds).toEqual([]);
    const allowed = { ...localConfig, users: { ...localConfig.users, sharedCustomIds: ['MOL', 'art-01'] } };
    expect(validateConfig(allowed, identity, 'test').users.sharedCustomIds).toEqual(['MOL', 'art-01']);
    expect(
      problemsOf({ ...localConfig, users: { ...localConfig.users, sharedCustomIds: ['MOL', '../x'] } }),
    ).toEqual(['users.sharedCustomIds.1: expected a custom ID (1–64 letters, digits, "-" or "_")']);
  });

  it('reports.required names only types of reports.patterns: a typo must not turn the gate off', () => {
    const withRequired = (required: string[], patterns?: unknown[]) => ({
      ...localConfig,
      reports: { ...localConfig.reports, required, ...(patterns ? { patterns } : {}) },
    });
    expect(validateConfig(withRequired(['youtube', 'distro']), identity, 'test').reports.required).toEqual([
      'youtube',
      'distro',
    ]);
    expect(problemsOf(withRequired(['yt', 'youtube', 'YouTube']))).toEqual([
      'reports.required.0: "yt" is not a report type (known: youtube, distro)',
      'reports.required.2: "YouTube" is not a report type (known: youtube, distro)',
    ]);
    const own = [{ type: 'statement', label: 'Statement', pattern: 's/{year}/{month}/{id}.pdf' }];
    expect(problemsOf(withRequired(['statement'], own))).toEqual([]);
    expect(problemsOf(withRequired(['youtube'], own))).toEqual([
      'reports.required.0: "youtube" is not a report type (known: statement)',
    ]);
  });

  it('requires the source and store of the chosen backend', () => {
    expect(problemsOf({})).toEqual([
      'users.file: required when users.source is file',
      'reports.dir: required for the local backend',
    ]);
    expect(problemsOf({ backend: 'aws' })).toEqual([
      'users.korrect: required when users.source is korrect',
      'reports.bucket: required for the aws backend',
    ]);
  });

  it('secret references name exactly one source', () => {
    const base = { backend: 'aws', reports: { bucket: 'b' } };
    const withKey = (apiKey: unknown) => ({
      ...base,
      users: { korrect: { baseUrl: 'https://k.example', apiKey } },
    });
    expect(problemsOf(withKey({ env: 'A', file: 'b' }))).toEqual([
      expect.stringContaining('exactly one of env, file or secret'),
    ]);
    expect(problemsOf(withKey({ env: 'A', key: 'k' }))).toEqual([
      'users.korrect.apiKey: key is only for secret',
    ]);
    expect(problemsOf(withKey({ secret: 'name', key: 'k' }))).toEqual([]);
  });

  it('allows http only for loopback', () => {
    const withUrl = (baseUrl: string) => ({
      ...localConfig,
      users: { file: 'u', korrect: { baseUrl, apiKey: { env: 'K' } } },
    });
    expect(problemsOf(withUrl('http://127.0.0.1:8080'))).toEqual([]);
    expect(problemsOf(withUrl('http://10.0.0.1'))).toHaveLength(1);
  });
});

describe('applyEnvOverrides', () => {
  it('maps DN_MAILER_A__B_C to a.bC and parses booleans and JSON', () => {
    const target: Record<string, unknown> = { users: { file: 'x' } };
    applyEnvOverrides(target, {
      DN_MAILER_BACKEND: 'aws',
      DN_MAILER_USERS__KORRECT__BASE_URL: 'https://k.example',
      DN_MAILER_USERS__KORRECT__API_KEY: '{"env":"KEY"}',
      DN_MAILER_USERS__EXCLUDE_EMAILS: '["a@example.com"]',
      DN_MAILER_REPORTS__FORCE_PATH_STYLE: 'true',
      DN_MAILER_CONFIG: 'ignored.json',
      OTHER: 'x',
    });
    expect(target).toEqual({
      backend: 'aws',
      users: {
        file: 'x',
        korrect: { baseUrl: 'https://k.example', apiKey: { env: 'KEY' } },
        excludeEmails: ['a@example.com'],
      },
      reports: { forcePathStyle: true },
    });
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dn-config-'));
  });

  it('finds .distronationrc upward and resolves paths against its folder', async () => {
    await writeFile(
      path.join(dir, '.distronationrc'),
      'users:\n  file: data/users.json\nreports:\n  dir: reports\n',
    );
    const nested = path.join(dir, 'a', 'b');
    await mkdir(nested, { recursive: true });
    const loaded = await loadConfig({ cwd: nested, env: {} });
    expect(loaded.path).toBe(path.join(dir, '.distronationrc'));
    expect(loaded.config.users.file).toBe(path.join(dir, 'data/users.json'));
  });

  it('flags beat env, env beats the file', async () => {
    await writeFile(
      path.join(dir, '.distronationrc.json'),
      JSON.stringify({ ...localConfig, backend: 'local' }),
    );
    const env = {
      DN_MAILER_REPORTS__BUCKET: 'from-env',
      DN_MAILER_USERS__SOURCE: 'file',
    };
    const loaded = await loadConfig({ cwd: dir, env, overrides: { backend: 'aws' } });
    expect(loaded.config.backend).toBe('aws');
    expect(loaded.config.reports.bucket).toBe('from-env');
  });

  it('--config to a missing file is a config error with a hint', async () => {
    await expect(loadConfig({ cwd: dir, env: {}, configPath: 'nope.json' })).rejects.toMatchObject({
      exitCode: 3,
      hint: expect.stringContaining('--config'),
    });
  });

  it('a YAML syntax error names the file', async () => {
    await writeFile(path.join(dir, '.distronationrc.yaml'), 'users: [unclosed\n');
    await expect(loadConfig({ cwd: dir, env: {} })).rejects.toThrow(/not valid YAML/);
  });

  it('no config anywhere says where it looked, before any schema problem', async () => {
    await expect(loadConfig({ cwd: dir, env: {} })).rejects.toMatchObject({
      exitCode: 3,
      message: `no .distronationrc found in ${dir} or above; run \`dn-mailer init\`, or pass --config`,
      details: [],
    });
  });

  it('DN_MAILER_* variables alone still make a config (CI)', async () => {
    const env = { DN_MAILER_USERS__FILE: 'users.json', DN_MAILER_REPORTS__DIR: 'reports' };
    const loaded = await loadConfig({ cwd: dir, env });
    expect(loaded.path).toBeUndefined();
    expect(loaded.config.users.file).toBe(path.join(dir, 'users.json'));
  });

  it('DN_MAILER_CONFIG alone is not an env-only config', async () => {
    await expect(loadConfig({ cwd: dir, env: { DN_MAILER_CONFIG: '' } })).rejects.toThrow(
      /no \.distronationrc found/,
    );
  });
});

describe('.distronationrc.example', () => {
  it('is generated from the schema (run npm run docs:config after changing it)', async () => {
    const committed = await readFile(new URL('../../.distronationrc.example', import.meta.url), 'utf8');
    expect(committed).toBe(renderConfigExample());
  });
  it('is itself a valid configuration', async () => {
    const committed = await readFile(new URL('../../.distronationrc.example', import.meta.url), 'utf8');
    expect(() => validateConfig(parseYaml(committed), identity, 'example')).not.toThrow();
  });
});
