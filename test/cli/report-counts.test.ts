import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_CONFIG } from '../support/cli.js';
import { createMemoryWorld, runInProcess } from '../support/memory-backend.js';

// One vocabulary, one set of numbers: the dry run (its --json manifest and report.html) and resolve-paths classify
// the demo's January 2025 custom IDs with the same function, so they must say the same. In-process, nothing spawned.
const NOW = new Date('2025-02-10T12:00:00Z');
const JANUARY = ['--month', 'January', '--year', '2025'];

interface StatusCounts {
  ids: number;
  complete: number;
  partial: number;
  none: number;
  ambiguous: number;
  shared: number;
}

interface DryRunJson {
  counts: { missingReports: number };
  reportStatus: StatusCounts;
  missingReports: { customId: string; labels: string[] }[];
}

interface AuditJson {
  summary: StatusCounts & { invalid: number; reports: number };
  rows: { resolvedId: string | null; status: string; reports: { label: string; key: string | null }[] }[];
}

/** The number in `data-count="<state>"` of report.html. */
function countIn(html: string, state: string): number | undefined {
  const match = new RegExp(`data-count="${state}">(\\d+)<`).exec(html);
  return match ? Number(match[1]) : undefined;
}

describe('report files: the same words and counts in the dry run, its manifest, report.html and resolve-paths', () => {
  it('the demo January 2025', async () => {
    const world = createMemoryWorld();
    const outDir = path.resolve('previews-report-counts');
    const dryRun = await runInProcess(
      ['send-report', '--config', DEMO_CONFIG, ...JANUARY, '--dry-run', '--json', '--out', outDir],
      { world, now: NOW },
    );
    expect(dryRun.code, dryRun.stderr).toBe(0);
    const manifest = dryRun.json<DryRunJson>();
    const audit = await runInProcess(
      ['resolve-paths', '--config', DEMO_CONFIG, ...JANUARY, '--format', 'json'],
      { now: NOW },
    );
    expect(audit.code, audit.stderr).toBe(0);
    const { summary, rows } = audit.json<AuditJson>();
    const html = world.files.get(path.join(outDir, 'report.html')) ?? '';

    // The demo's month, pinned: two IDs with every report type, six with some, one with none, AMBI ambiguous.
    const expected = { ids: 10, complete: 2, partial: 6, none: 1, ambiguous: 1, shared: 0 };
    const { invalid, reports: _keys, ...statuses } = summary;
    expect(invalid).toBe(1);
    expect({ ...statuses, ids: statuses.ids - invalid }).toEqual(expected);
    expect(manifest.reportStatus).toEqual(expected);

    // "IDs without every report type" = partial + none, everywhere.
    const without = expected.partial + expected.none;
    expect(manifest.counts.missingReports).toBe(without);
    expect(manifest.missingReports).toHaveLength(without);
    const partialOrNone = rows.filter((row) => row.status === 'partial' || row.status === 'none');
    expect(manifest.missingReports.map((m) => m.customId).sort()).toEqual(
      partialOrNone.map((row) => row.resolvedId).sort(),
    );
    for (const row of partialOrNone) {
      const missing = row.reports.filter((report) => !report.key).map((report) => report.label);
      expect(manifest.missingReports.find((m) => m.customId === row.resolvedId)?.labels).toEqual(missing);
    }

    expect(countIn(html, 'missing-reports')).toBe(without);
    expect(html).toContain('<th scope="row">IDs without every report type</th>');
    expect(html).toContain(`<caption>${without} IDs without every report type (partial or none)</caption>`);
    expect(countIn(html, 'report-complete')).toBe(expected.complete);
    expect(countIn(html, 'report-partial')).toBe(expected.partial);
    expect(countIn(html, 'report-none')).toBe(expected.none);
    expect(countIn(html, 'report-ambiguous')).toBe(expected.ambiguous);
    expect(countIn(html, 'report-shared-custom-id')).toBe(expected.shared);

    // The terminal lines, in the same words.
    const words =
      '2 complete · 6 partial (without every report type) · 1 none (no report file) · 1 ambiguous · 0 shared (held back)';
    expect(audit.stderr).toContain(`January 2025: 11 IDs · ${words} · 1 invalid`);
    const human = await runInProcess(
      ['send-report', '--config', DEMO_CONFIG, ...JANUARY, '--dry-run', '--out', outDir],
      { world: createMemoryWorld(), now: NOW },
    );
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`· ${without} IDs without every report type\n`);
    expect(human.stdout).toContain(`Report files: 10 IDs · ${words}\n`);
  });
});
