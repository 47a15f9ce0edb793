import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/common/errors.js';
import { DEMO_CONFIG } from '../support/cli.js';
import { DEMO_DIR, freshDir } from '../support/demo.js';
import { runInProcess } from '../support/memory-backend.js';

/** `doctor` in-process on the memory backend: the common checks on the demo files, the backend's own in memory. */

interface DoctorJson {
  ok: boolean;
  checks: { name: string; ok: boolean; skipped: boolean; detail: string; hint: string | null }[];
}

const USER_ROWS = (JSON.parse(readFileSync(path.join(DEMO_DIR, 'users.json'), 'utf8')) as { body: unknown[] })
  .body.length;
const NOW = new Date('2025-02-10T12:00:00.000Z');
const CHECKS = [
  'config',
  'backend',
  'users',
  'reports',
  'signing key',
  'memory',
  'ledger/tracking',
  'templates',
  'unsubscribe',
  'run reports',
  'month plan',
];

const doctor = (args: readonly string[], config = DEMO_CONFIG) =>
  runInProcess(['--config', config, 'doctor', ...args], { now: NOW });

async function badConfig(content: unknown): Promise<string> {
  const file = path.join(await freshDir('dn-doctor-bad-'), '.distronationrc.json');
  await writeFile(file, JSON.stringify(content));
  return file;
}

describe('dn-mailer doctor (in-process, memory backend)', () => {
  it('every check passes on the demo config: one ✔ line per check, in order, exit 0', async () => {
    const result = await doctor([]);
    expect(result.code, result.stdout + result.stderr).toBe(ExitCode.ok);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.map((line) => line.split(' — ')[0])).toEqual(CHECKS.map((name) => `✔ ${name}`));
    const detail = (name: string) => lines.find((line) => line.startsWith(`✔ ${name} — `))?.split(' — ')[1];
    expect(detail('config')).toBe(`${DEMO_CONFIG} is valid`);
    expect(detail('backend')).toBe('memory (in-process test)');
    expect(detail('users')).toBe(`${path.join(DEMO_DIR, 'users.json')} read: ${USER_ROWS} user rows`);
    expect(detail('signing key')).toBe('links.privateKey loads and signs for key pair KDEMO0000000000');
    expect(detail('memory')).toBe('in memory');
    expect(detail('templates')).toMatch(/subject, HTML and text compile, every variable known$/);
    expect(detail('unsubscribe')).toMatch(
      /^own: one-click links to .*; a test aes token made and read back$/,
    );
    // NOW is in February 2025: the month planned is January, with the demo's two reviewed findings.
    expect(detail('month plan')).toMatch(
      /^January 2025: \d+ messages, \d+ report links; findings a send refuses until accepted: payout-warnings \(1\), ambiguous-reports \(1\)$/,
    );
    expect(result.stderr).toBe('');
  });

  it('--json gives { ok, checks: [{ name, ok, skipped, detail, hint }] } in the same order', async () => {
    const result = await doctor(['--json']);
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    const report = result.json<DoctorJson>();
    expect(Object.keys(report)).toEqual(['ok', 'checks']);
    expect(report.ok).toBe(true);
    expect(report.checks.map((check) => check.name)).toEqual(CHECKS);
    for (const check of report.checks) {
      expect(Object.keys(check)).toEqual(['name', 'ok', 'skipped', 'detail', 'hint']);
      expect(check).toMatchObject({ ok: true, skipped: false, hint: null });
    }
    expect(report.checks[0]?.detail).toBe(`${DEMO_CONFIG} is valid`);
  });

  it('an invalid config: ✘ config with the problem, every later check listed as skipped, exit 3', async () => {
    const config = await badConfig({ backend: 'local', nope: 1 });
    // The config did not load, so the backend's own checks are the local backend's placeholders (--backend).
    const result = await runInProcess(['--config', config, '--backend', 'local', 'doctor'], { now: NOW });
    expect(result.code).toBe(ExitCode.config);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^✘ config — .*\.distronationrc\.json has \d+ problems: nope: unknown key; /);
    expect(lines[1]).toBe('  hint: every key is documented in .distronationrc.example');
    expect(lines.slice(2)).toEqual(
      [
        'backend',
        'users',
        'reports',
        'signing key',
        'outbox',
        'ledger/tracking',
        'templates',
        'unsubscribe',
        'run reports',
        'month plan',
      ].map((name) => `✘ ${name} — skipped: config invalid`),
    );
  });

  it('an invalid config with --json: config failed with a hint, the rest skipped', async () => {
    const config = await badConfig({ backend: 'local', users: { source: 'carrier-pigeon' } });
    const result = await doctor(['--json'], config);
    expect(result.code).toBe(ExitCode.config);
    const report = result.json<DoctorJson>();
    expect(report.ok).toBe(false);
    expect(report.checks[0]).toMatchObject({ name: 'config', ok: false, skipped: false });
    expect(report.checks[0]?.detail).toContain('users.source');
    expect(report.checks[0]?.hint).toBeTruthy();
    expect(report.checks.length).toBeGreaterThanOrEqual(CHECKS.length);
    for (const check of report.checks.slice(1)) {
      expect(check).toEqual({
        name: check.name,
        ok: false,
        skipped: true,
        detail: 'skipped: config invalid',
        hint: null,
      });
    }
  });

  it('a config file that does not exist: exit 3, every check after config skipped', async () => {
    const missing = path.join(await freshDir('dn-doctor-missing-'), 'nowhere.json');
    const result = await doctor(['--json'], missing);
    expect(result.code).toBe(ExitCode.config);
    const report = result.json<DoctorJson>();
    expect(report.checks[0]).toMatchObject({ name: 'config', ok: false });
    expect(report.checks.slice(1).every((check) => check.skipped)).toBe(true);
  });

  it.each(['x', '0', '1.5', '-5'])('--timeout-ms %s → exit 2, no check runs', async (value) => {
    const result = await doctor(['--timeout-ms', value]);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain(
      `--timeout-ms must be a positive whole number of milliseconds, not "${value}"`,
    );
    expect(result.stderr).toContain('hint: dn-mailer doctor --timeout-ms 20000');
    expect(result.stdout).toBe('');
  });
});
