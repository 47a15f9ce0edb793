import { cp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { CommanderError } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { createProgram } from '../../src/cli/program.js';
import type { ProgramState } from '../../src/cli/runtime.js';
import { ExitCode, isDnMailerError } from '../../src/core/common/errors.js';
import { createSecretRegistry } from '../../src/core/common/secret-registry.js';
import { type AwsWorld, CONTACT_LIST, startAwsWorld } from '../support/aws-world.js';
import { freePort } from '../support/cli.js';
import { DEMO_DIR, freshDir } from '../support/demo.js';
import { FAKE_ARN, type StsFake, startStsFake } from '../support/sts-fake.js';

interface DoctorJson {
  ok: boolean;
  checks: { name: string; ok: boolean; skipped: boolean; detail: string; hint: string | null }[];
}

/** `dn-mailer doctor …` in-process, through the real program. */
async function doctor(args: readonly string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const out = new PassThrough().on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const err = new PassThrough().on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const io: CliIO = {
    argv: ['doctor', '--month', 'January', '--year', '2025', ...args],
    env: {},
    cwd,
    tmpdir: tmpdir(),
    stdout: out,
    stderr: err,
    interactive: false,
    now: () => new Date(),
  };
  const state: ProgramState = { exitCode: ExitCode.ok, secrets: createSecretRegistry() };
  const program = createProgram(io, state);
  let code: number = ExitCode.ok;
  try {
    await program.parseAsync([...io.argv], { from: 'user' });
    code = state.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) code = error.exitCode === 0 ? 0 : ExitCode.usage;
    else if (isDnMailerError(error)) code = error.exitCode;
    else throw error;
  }
  return { code, stdout, stderr, json: () => JSON.parse(stdout) as DoctorJson };
}

const lineOf = (stdout: string, name: string) =>
  stdout.split('\n').find((l) => l.slice(2).startsWith(`${name} — `));

describe('dn-mailer doctor on the local backend (demo workspace copy)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await freshDir('dn-doctor-');
    await cp(DEMO_DIR, dir, { recursive: true });
  });

  it('every check passes on the demo workspace: one ✔ line each, exit 0', async () => {
    const result = await doctor([], dir);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(' — ')[0])).toEqual([
      '✔ config',
      '✔ backend',
      '✔ users',
      '✔ reports',
      '✔ signing key',
      '✔ outbox',
      '✔ ledger/tracking',
      '✔ templates',
      '✔ unsubscribe',
      '✔ run reports',
      '✔ month plan',
    ]);
    expect(lineOf(result.stdout, 'signing key')).toContain('KDEMO0000000000');
    expect(lineOf(result.stdout, 'users')).toMatch(/\d+ user rows/);
  });

  it('--json gives { ok, checks } with every check', async () => {
    const result = await doctor(['--json'], dir);
    expect(result.code).toBe(0);
    const report = result.json();
    expect(report.ok).toBe(true);
    expect(report.checks).toHaveLength(11);
    expect(report.checks[0]).toEqual({
      name: 'config',
      ok: true,
      skipped: false,
      detail: expect.stringContaining('.distronationrc.json is valid'),
      hint: null,
    });
  });

  it('a broken links.privateKey: ✘ signing key with a hint, exit 3, the rest still checked', async () => {
    const broken = await freshDir('dn-doctor-badkey-');
    await cp(DEMO_DIR, broken, { recursive: true });
    await writeFile(path.join(broken, 'keys', 'cloudfront-demo-private.pem'), 'not a key\n');
    const result = await doctor([], broken);
    expect(result.code).toBe(ExitCode.config);
    const lines = result.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('✘ signing key — '));
    expect(at, result.stdout).toBeGreaterThan(0);
    expect(lines[at]).toContain('links.privateKey');
    expect(lines[at + 1]).toMatch(/^ {2}hint: \S/);
    expect(lineOf(result.stdout, 'templates')).toMatch(/^✔/);
  });

  it('an invalid config: ✘ config with the problems and hint, every other check skipped, exit 3', async () => {
    const bad = await freshDir('dn-doctor-badconfig-');
    await writeFile(path.join(bad, '.distronationrc.json'), JSON.stringify({ backend: 'local', nope: 1 }));
    const result = await doctor(['--json'], bad);
    expect(result.code).toBe(ExitCode.config);
    const report = result.json();
    expect(report.ok).toBe(false);
    expect(report.checks[0]).toMatchObject({ name: 'config', ok: false, skipped: false });
    expect(report.checks[0]?.detail).toContain('nope: unknown key');
    expect(report.checks[0]?.hint).toBeTruthy();
    expect(report.checks.length).toBeGreaterThan(5);
    for (const check of report.checks.slice(1)) {
      expect(check).toMatchObject({ ok: false, skipped: true, detail: 'skipped: config invalid' });
    }
  });
});

describe('dn-mailer doctor --backend aws (aws-world peers + an STS fake)', () => {
  let world: AwsWorld;
  let sts: StsFake;
  let dir: string;
  const stubAwsEnv = (stsEndpoint: string) => {
    const env: Record<string, string> = {
      ...world.env,
      AWS_ENDPOINT_URL_STS: stsEndpoint,
      AWS_CONFIG_FILE: '/nonexistent/dn-mailer-test/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/dn-mailer-test/credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    // The SDK reads process.env, not the CLI's io.env.
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  };

  beforeAll(async () => {
    world = await startAwsWorld(inject('s3Endpoint'));
    sts = await startStsFake();
    dir = await world.workspace((config) => {
      (config.unsubscribe as Record<string, unknown>).contactList = CONTACT_LIST;
    });
  }, 60_000);
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  afterAll(async () => {
    await sts?.stop();
    await world?.stop();
  });

  it('every check passes against the peers: identity, bucket, SES account, contact list, tables; exit 0', async () => {
    stubAwsEnv(sts.endpoint);
    const result = await doctor(['--backend', 'aws'], dir);
    expect(result.code, result.stdout).toBe(0);
    expect(
      result.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(' — ')[0]),
    ).toEqual([
      '✔ config',
      '✔ backend',
      '✔ AWS identity',
      '✔ users',
      '✔ reports',
      '✔ signing key',
      '✔ SES account',
      '✔ contact list',
      '✔ ledger/tracking',
      '✔ templates',
      '✔ unsubscribe',
      '✔ run reports',
      '✔ month plan',
    ]);
    expect(lineOf(result.stdout, 'AWS identity')).toContain(FAKE_ARN);
    expect(lineOf(result.stdout, 'reports')).toContain(`s3://${world.bucket}`);
    expect(lineOf(result.stdout, 'SES account')).toMatch(/sending enabled; quota \d+ per 24 h/);
    expect(lineOf(result.stdout, 'contact list')).toContain(CONTACT_LIST);
    expect(lineOf(result.stdout, 'ledger/tracking')).toContain(`${world.tables.tracking} ACTIVE`);
    expect(sts.actions).toContain('GetCallerIdentity');
  });

  it('STS unreachable: ✘ AWS identity with a hint, exit 5 (reachability only)', async () => {
    stubAwsEnv(`http://127.0.0.1:${await freePort()}`);
    const result = await doctor(['--backend', 'aws', '--json'], dir);
    expect(result.code, result.stdout).toBe(ExitCode.backend);
    const report = result.json();
    const failed = report.checks.filter((c) => !c.ok);
    expect(failed.map((c) => c.name)).toEqual(['AWS identity']);
    expect(failed[0]?.detail).toMatch(/GetCallerIdentity/);
    expect(failed[0]?.hint).toBeTruthy();
  });

  it('a contact list that does not exist and a missing tracking table: ✘ both, exit 3', async () => {
    stubAwsEnv(sts.endpoint);
    const wrong = await world.workspace((config) => {
      (config.unsubscribe as Record<string, unknown>).contactList = 'no-such-list';
      (config.tracking as Record<string, unknown>).table = 'no-such-table';
    });
    const result = await doctor(['--backend', 'aws'], wrong);
    expect(result.code, result.stdout).toBe(ExitCode.config);
    expect(lineOf(result.stdout, 'contact list')).toMatch(/^✘ .*"no-such-list" does not exist/);
    expect(lineOf(result.stdout, 'ledger/tracking')).toMatch(/^✘ .*no-such-table/);
  });
});
