import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_CONFIG, freePort, runCli } from '../support/cli.js';

const audit = ['resolve-paths', '--month', 'January', '--year', '2025', '--config', DEMO_CONFIG];

interface AuditJson {
  summary: {
    ids: number;
    complete: number;
    partial: number;
    none: number;
    ambiguous: number;
    shared: number;
    invalid: number;
    reports: number;
  };
  rows: {
    customId: string;
    resolvedId: string | null;
    recipient: string | null;
    status: string;
    reports: { type: string; key: string | null }[];
  }[];
  users: {
    rows: number;
    recipients: number;
    skipped: { reason: string }[];
    rowProblems: { index: number; field: string }[];
  };
}

describe('dn-mailer resolve-paths (built CLI, demo workspace)', () => {
  it('prints the audit as one JSON document and exits 0', async () => {
    const result = await runCli([...audit, '--json']);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as AuditJson;
    expect(json.summary).toEqual({
      ids: 11,
      complete: 2,
      partial: 6,
      none: 1,
      ambiguous: 1,
      shared: 0,
      invalid: 1,
      reports: 11,
    });
    const byId = new Map(json.rows.map((row) => [row.customId, row]));
    expect(byId.get('MOLS')?.resolvedId).toBe('MOL');
    expect(byId.get('JODYHIGHROLLER')?.reports[0]?.key).toBe('Exports/2025/january/RIFFRAFF/RIFFRAFF.zip');
    expect(byId.get('ART-01')?.reports[0]?.key).toBe('financial-reports/2025/01/ART01-youtube.pdf');
    expect(byId.get('ART_02')?.reports[1]?.key).toBe('Distro/2025/JANUARY/ART_02/ART_02.zip');
    expect(byId.get('AMBI')?.status).toBe('ambiguous');
    expect(byId.get('NOREP')?.status).toBe('none');
    expect(byId.get('ART_02')?.status).toBe('partial');
    expect(byId.get('../../etc/passwd')?.status).toBe('invalid');
    expect(byId.get('DYLVN')?.recipient).toBe('d***@example.com');
    expect(json.users.rowProblems).toEqual([expect.objectContaining({ index: 10, field: 'emailsUser' })]);
    expect(json.users.skipped.map((s) => s.reason).sort()).toEqual(
      ['duplicate', 'excluded', 'inactive', 'invalid-email', 'no-email'].sort(),
    );
    expect(result.stderr).not.toContain('NodeVersionSupportWarning');
  });

  it('shows full addresses only with --verbose', async () => {
    const result = await runCli([...audit, '--json', '--verbose', '--only', 'DYLVN']);
    const json = JSON.parse(result.stdout) as AuditJson;
    expect(json.rows).toHaveLength(1);
    expect(json.rows[0]?.recipient).toBe('dylan@example.com');
  });

  it('prints a table with a summary line, and CSV on request', async () => {
    const table = await runCli(audit);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/CUSTOM ID\s+RESOLVED\s+RECIPIENT\s+STATUS\s+REPORTS/);
    expect(table.stdout).toContain(
      'January 2025: 11 IDs · 2 complete · 6 partial (without every report type) · 1 none (no report file) · 1 ambiguous · 0 shared (held back) · 1 invalid',
    );
    const csv = await runCli([...audit, '--format', 'csv']);
    expect(csv.stdout.split('\r\n')[0]).toBe(
      'customId,resolvedId,recipient,status,type,label,key,alsoMatched,note',
    );
  });

  it('--strict exits 6 when a custom ID is not complete', async () => {
    const strict = await runCli([...audit, '--strict', '--json']);
    expect(strict.code).toBe(6);
    expect(strict.stderr).toContain('--strict: 9 of 11 custom IDs are not complete');
    const onlyFound = await runCli([...audit, '--strict', '--only', 'DYLVN,MOLS']);
    expect(onlyFound.code).toBe(0);
  });

  it('a bad month is a usage error naming the flag', async () => {
    const result = await runCli([
      'resolve-paths',
      '--month',
      '13',
      '--year',
      '2025',
      '--config',
      DEMO_CONFIG,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--month: "13" is not a month');
    const year = await runCli(['resolve-paths', '--month', 'jan', '--year', '20x5', '--config', DEMO_CONFIG]);
    expect(year.code).toBe(2);
    expect(year.stderr).toContain('--year');
    expect(year.stderr).not.toMatch(/\n\s+at /);
  });

  it('a config with three mistakes names all three and exits 3', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dn-e2e-'));
    const config = path.join(dir, '.distronationrc.yaml');
    await writeFile(
      config,
      [
        'backend: aws',
        'users:',
        '  korrect:',
        '    baseUrl: ftp://korrect.example',
        '    apiKey: { env: K }',
        'reports:',
        '  bucketName: x',
        '',
      ].join('\n'),
    );
    const result = await runCli(['resolve-paths', '-m', 'jan', '-y', '2025'], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('3 problems');
    expect(result.stderr).toContain('users.korrect.baseUrl: must be an https URL');
    expect(result.stderr).toContain('reports.bucketName: unknown key');
    expect(result.stderr).toContain('reports.bucket: required for the aws backend');
  });

  it('an unreachable Korrect exits 5 after retries', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dn-e2e-'));
    const port = await freePort();
    await writeFile(
      path.join(dir, '.distronationrc.json'),
      JSON.stringify({
        users: {
          source: 'korrect',
          korrect: { baseUrl: `http://127.0.0.1:${port}`, apiKey: { env: 'K' }, retries: 1, timeoutMs: 2000 },
        },
        reports: { dir: '.' },
      }),
    );
    const result = await runCli(['resolve-paths', '-m', 'jan', '-y', '2025', '--json'], {
      cwd: dir,
      env: { K: 'secret-key' },
    });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('Korrect /dn_users_list is unavailable');
    expect(result.stderr).not.toContain('secret-key');
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { exitCode: 5 } });
  });

  it('--help shows an example for the command', async () => {
    const result = await runCli(['resolve-paths', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('$ dn-mailer resolve-paths --month January --year 2025');
  });

  it('an unknown flag is a usage error', async () => {
    const result = await runCli(['resolve-paths', '--mnth', 'jan']);
    expect(result.code).toBe(2);
  });
});
