import { describe, expect, it } from 'vitest';
import { BackendError, ConfigError, ExitCode } from '../../src/core/common/errors.js';
import { type DoctorCheck, doctorExitCode, runDoctor } from '../../src/core/doctor/run-doctor.js';

const pass = (name: string, extra: Partial<DoctorCheck> = {}): DoctorCheck => ({
  name,
  needs: ['config'],
  run: async () => ({ ok: true, detail: `${name} fine` }),
  ...extra,
});
const config = (ok = true): DoctorCheck => ({
  name: 'config',
  failure: 'config',
  failedAs: 'config invalid',
  run: async () => {
    if (!ok)
      throw new ConfigError('.distronationrc has 1 problem:', {
        details: ['links: required'],
        hint: 'fix it',
      });
    return { ok: true, detail: 'valid' };
  },
});

describe('runDoctor', () => {
  it('all checks pass → ok, exit 0, results in the given order', async () => {
    const report = await runDoctor([config(), pass('users'), pass('reports')]);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => [c.name, c.ok, c.skipped, c.hint])).toEqual([
      ['config', true, false, null],
      ['users', true, false, null],
      ['reports', true, false, null],
    ]);
    expect(doctorExitCode(report)).toBe(ExitCode.ok);
  });

  it('one check failing → not ok, with its detail and hint; reachability only → exit 5', async () => {
    const down = pass('users', {
      run: async () => ({ ok: false, detail: 'Korrect did not answer', hint: 'try later' }),
    });
    const report = await runDoctor([config(), down, pass('reports')]);
    expect(report.ok).toBe(false);
    expect(report.checks[1]).toEqual({
      name: 'users',
      ok: false,
      skipped: false,
      detail: 'Korrect did not answer',
      hint: 'try later',
      failure: 'reachability',
    });
    expect(report.checks[2]?.ok).toBe(true);
    expect(doctorExitCode(report)).toBe(ExitCode.backend);
  });

  it('a throwing check becomes a failed result (not a crash): ConfigError → exit 3, with its hint', async () => {
    const refused = pass('signing key', {
      run: async () => {
        throw new ConfigError('links.privateKey: not a PEM private key', { hint: 'give the PEM file' });
      },
    });
    const buggy = pass('templates', {
      run: () => {
        throw new TypeError('boom');
      },
    });
    const flaky = pass('reports', {
      run: async () => {
        throw new BackendError('S3 answered 503', { hint: 'try again' });
      },
    });
    const report = await runDoctor([config(), refused, buggy, flaky]);
    expect(report.checks.slice(1).map((c) => [c.name, c.ok, c.detail, c.hint, c.failure])).toEqual([
      ['signing key', false, 'links.privateKey: not a PEM private key', 'give the PEM file', 'config'],
      ['templates', false, 'boom', null, 'reachability'],
      ['reports', false, 'S3 answered 503', 'try again', 'reachability'],
    ]);
    expect(doctorExitCode(report)).toBe(ExitCode.config);
  });

  it('a check that hangs fails after its timeout and is aborted; the others still finish', async () => {
    let aborted = false;
    const hang = pass('AWS identity', {
      run: (signal) =>
        new Promise(() => {
          signal.addEventListener('abort', () => (aborted = true));
        }),
    });
    const started = Date.now();
    const report = await runDoctor([config(), hang, pass('users')], { timeoutMs: 50 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(report.checks[1]).toMatchObject({
      ok: false,
      detail: 'no answer within 50 ms',
      failure: 'reachability',
    });
    expect(report.checks[1]?.hint).toMatch(/--timeout-ms/);
    expect(aborted).toBe(true);
    expect(report.checks[2]?.ok).toBe(true);
    expect(doctorExitCode(report)).toBe(ExitCode.backend);
  });

  it('an invalid config skips every dependent check with "skipped: config invalid" and exits 3', async () => {
    let ran = 0;
    const counted = pass('users', {
      run: async () => {
        ran += 1;
        return { ok: true, detail: '' };
      },
    });
    const report = await runDoctor([config(false), counted, pass('reports')]);
    expect(ran).toBe(0);
    expect(report.checks[0]).toMatchObject({
      ok: false,
      detail: '.distronationrc has 1 problem: links: required',
      hint: 'fix it',
    });
    for (const check of report.checks.slice(1)) {
      expect(check).toMatchObject({
        ok: false,
        skipped: true,
        detail: 'skipped: config invalid',
        hint: null,
      });
    }
    expect(doctorExitCode(report)).toBe(ExitCode.config);
  });

  it('a check needing one that is not listed before it fails instead of waiting forever', async () => {
    const report = await runDoctor([pass('users', { needs: ['nope'] })]);
    expect(report.checks[0]).toMatchObject({ ok: false, failure: 'config' });
  });
});
