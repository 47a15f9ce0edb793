import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CONFIG } from '../support/cli.js';
import { createMemoryWorld, type MemoryWorld, runInProcess } from '../support/memory-backend.js';

// In-process: `main(io, makeDeps)` on the demo workspace (users, reports from examples/demo), nothing spawned.
const NOW = new Date('2025-02-10T12:00:00Z');
const JANUARY = ['--month', 'January', '--year', '2025'];
const SUMMARY_LINE =
  'January 2025: 11 IDs · 2 complete · 6 partial (without every report type) · 1 none (no report file) · 1 ambiguous · 0 shared (held back) · 1 invalid · 11 report keys';

interface AuditJson {
  period: { year: number; month: number; monthName: string };
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
    reports: { type: string; label: string; key: string | null; alsoMatched: { key: string }[] }[];
  }[];
  users: { rows: number; recipients: number; skipped: { reason: string; email: string }[] };
  unmatched: string[];
}

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'dn-cli-audit-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

function resolvePaths(args: readonly string[], world: MemoryWorld = createMemoryWorld()) {
  return runInProcess(['resolve-paths', '--config', DEMO_CONFIG, ...args], { world, cwd, now: NOW });
}

describe('resolve-paths --format table (default)', () => {
  it('prints a table of every custom ID and a summary line, exit 0', async () => {
    const world = createMemoryWorld();
    const result = await resolvePaths(JANUARY, world);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^CUSTOM ID\s+RESOLVED\s+RECIPIENT\s+STATUS\s+REPORTS$/);
    expect(result.stdout).toMatch(
      /^DYLVN\s+DYLVN\s+d\*\*\*@example\.com\s+complete\s+YouTube Report: financial-reports\/2025\/January\/DYLVN-youtube\.pdf$/m,
    );
    expect(result.stdout).toMatch(/^MOLS\s+MOL\s+m\*\*\*@example\.com\s+complete\s/m);
    expect(result.stdout).toMatch(/^NOREP\s+NOREP\s+n\*\*\*@example\.com\s+none\s+YouTube Report: —$/m);
    expect(result.stdout).toMatch(/^AMBI\s+AMBI\s+a\*\*\*@example\.com\s+ambiguous\s/m);
    expect(result.stdout).toMatch(/^\s+also: financial-reports\/2025\/01\/AMBI-youtube\.pdf$/m);
    expect(result.stdout).toMatch(/^\.\.\/\.\.\/etc\/passwd\s+—\s+b\*\*\*@example\.com\s+invalid\s/m);
    expect(result.stdout.endsWith(`\n\n${SUMMARY_LINE}\n`)).toBe(true);
    expect(result.stdout).not.toContain('dylan@example.com');
    // The user notes go to stderr; the summary is not repeated there for a table.
    expect(result.stderr).toContain(
      'Users: 15 rows → 9 recipients (skipped: 1 inactive, 1 excluded, 1 duplicate, 1 no-email, 1 invalid-email)',
    );
    expect(result.stderr).not.toContain(SUMMARY_LINE);
    // An audit reads users and reports only: nothing sent, the sending part never opened, nothing written.
    expect(world.opens).toBe(0);
    expect(world.sent).toEqual([]);
    expect(world.files.size).toBe(0);
  });

  it('--verbose shows full addresses', async () => {
    const result = await resolvePaths([...JANUARY, '--verbose', '--only', 'DYLVN']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^DYLVN\s+DYLVN\s+dylan@example\.com\s+complete/m);
  });
});

describe('resolve-paths --format json / --json', () => {
  it('prints one JSON document with the summary and every row (masked)', async () => {
    const result = await resolvePaths([...JANUARY, '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const json = result.json<AuditJson>();
    expect(json.period).toEqual({ year: 2025, month: 1, monthName: 'January' });
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
    expect(byId.get('MOLS')).toMatchObject({
      resolvedId: 'MOL',
      status: 'complete',
      recipient: 'm***@example.com',
    });
    expect(byId.get('JODYHIGHROLLER')?.reports[0]?.key).toBe('Exports/2025/january/RIFFRAFF/RIFFRAFF.zip');
    expect(byId.get('ART_02')?.reports.map((r) => r.key)).toEqual([
      null,
      'Distro/2025/JANUARY/ART_02/ART_02.zip',
    ]);
    expect(byId.get('AMBI')?.reports[0]?.alsoMatched.map((m) => m.key)).toEqual([
      'financial-reports/2025/01/AMBI-youtube.pdf',
    ]);
    expect(byId.get('NOREP')?.status).toBe('none');
    // One report type of two: partial, never "found".
    expect(byId.get('ART_02')).toMatchObject({ status: 'partial', note: 'no YouTube Report' });
    expect(byId.get('../../etc/passwd')).toMatchObject({ status: 'invalid', resolvedId: null });
    expect(json.users).toMatchObject({ rows: 15, recipients: 9 });
    expect(json.users.skipped.map((s) => s.reason).sort()).toEqual(
      ['duplicate', 'excluded', 'inactive', 'invalid-email', 'no-email'].sort(),
    );
    expect(result.stdout).not.toMatch(/(dylan|mollie|nora)@example\.com/);
    // Machine output on stdout, the summary line on stderr.
    expect(result.stderr).toContain(SUMMARY_LINE);
  });

  it('--json is the same document and wins over --format', async () => {
    const format = await resolvePaths([...JANUARY, '--format', 'json']);
    const json = await resolvePaths([...JANUARY, '--json', '--format', 'csv']);
    expect(json.code, json.stderr).toBe(0);
    expect(json.json()).toEqual(format.json());
  });

  it('--only narrows the audit to the given IDs (before or after their alias) and addresses', async () => {
    const result = await resolvePaths([
      ...JANUARY,
      '--json',
      '--only',
      'MOL, JODYHIGHROLLER,zoe@example.com',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const json = result.json<AuditJson>();
    expect(json.rows.map((r) => r.customId)).toEqual(['MOLS', 'JODYHIGHROLLER', 'ZOE']);
    expect(json.summary).toMatchObject({ ids: 3, complete: 1, partial: 2, none: 0 });
  });
});

describe('resolve-paths --format csv', () => {
  it('prints RFC 4180 CSV: a header and one line per custom ID and report type', async () => {
    const result = await resolvePaths([...JANUARY, '--format', 'csv', '--only', 'DYLVN,NOREP']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\r\n')).toEqual([
      'customId,resolvedId,recipient,status,type,label,key,alsoMatched,note',
      'DYLVN,DYLVN,d***@example.com,complete,youtube,YouTube Report,financial-reports/2025/January/DYLVN-youtube.pdf,,',
      'DYLVN,DYLVN,d***@example.com,complete,distro,Distribution Report,financial-reports/2025/January/DYLVN-distro.pdf,,',
      'NOREP,NOREP,n***@example.com,none,youtube,YouTube Report,,,no report file',
      'NOREP,NOREP,n***@example.com,none,distro,Distribution Report,,,no report file',
      '',
    ]);
    expect(result.stderr).toContain(
      'January 2025: 2 IDs · 1 complete · 0 partial (without every report type) · 1 none',
    );
  });

  it('quotes a cell holding commas or quotes', async () => {
    const result = await resolvePaths([...JANUARY, '--format', 'csv']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      '../../etc/passwd,,b***@example.com,invalid,,,,,"expected 1–64 letters, digits, ""-"" or ""_"""\r\n',
    );
  });
});

describe('resolve-paths --strict and errors', () => {
  it('--strict exits 6 when any custom ID is not complete, and says how many of each on stderr', async () => {
    const result = await resolvePaths([...JANUARY, '--strict', '--json']);
    expect(result.code).toBe(6);
    expect(result.json<AuditJson>().summary.complete).toBe(2);
    expect(result.stderr).toContain(
      '--strict: 9 of 11 custom IDs are not complete (6 partial (without every report type), 1 none (no report file), 1 ambiguous, 1 invalid)',
    );
  });

  it.each([
    ['partial', 'ZOE'],
    ['none', 'NOREP'],
    ['ambiguous', 'AMBI'],
  ])('--strict exits 6 on one %s ID (%s), the same gaps a send refuses on or reports', async (_, id) => {
    const result = await resolvePaths([...JANUARY, '--strict', '--only', id]);
    expect(result.code, result.stderr).toBe(6);
    expect(result.stderr).toContain('--strict: 1 of 1 custom IDs are not complete');
  });

  it('--strict exits 0 when every audited ID is complete; without --strict a gap is exit 0', async () => {
    const complete = await resolvePaths([...JANUARY, '--strict', '--only', 'DYLVN,MOLS']);
    expect(complete.code, complete.stderr).toBe(0);
    expect(complete.stderr).not.toContain('--strict');
    const lenient = await resolvePaths([...JANUARY, '--only', 'NOREP']);
    expect(lenient.code, lenient.stderr).toBe(0);
    expect(lenient.stdout).toContain('1 none (no report file)');
  });

  it('a bad --format exits 2 naming the flag and the choices', async () => {
    const result = await resolvePaths([...JANUARY, '--format', 'xml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--format: "xml" is not one of table, json, csv');
    expect(result.stdout).toBe('');
  });

  it('a bad month or year exits 2 naming the flag, without a stack', async () => {
    const month = await resolvePaths(['--month', '13', '--year', '2025']);
    expect(month.code).toBe(2);
    expect(month.stderr).toContain('--month: "13" is not a month');
    const year = await resolvePaths(['--month', 'jan', '--year', '20x5', '--json']);
    expect(year.code).toBe(2);
    expect(year.stderr).toContain('--year');
    expect(year.stderr).not.toMatch(/\n\s+at /);
    expect(year.json()).toMatchObject({ error: { exitCode: 2 } });
  });

  it('without --month: exit 2 naming --month', async () => {
    const result = await resolvePaths(['--year', '2025']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("required option '-m, --month <month>' not specified");
  });

  it('--month previous is the month before the clock (January 2025 on 10 Feb 2025)', async () => {
    const result = await resolvePaths(['--month', 'previous', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json<AuditJson>().period).toEqual({ year: 2025, month: 1, monthName: 'January' });
  });

  it('left the temp cwd empty', async () => {
    expect(await readdir(cwd)).toEqual([]);
  });
});
