import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classifyReports,
  countReportStatuses,
  countWithoutEveryReportType,
  describeReportStatusCounts,
} from '../../src/core/reports/classify-reports.js';
import {
  DEFAULT_REPORT_PATTERNS,
  type IdResolution,
  idVariants,
  listingPrefixes,
  matchMonthReports,
  matchReports,
  resolveReportKeys,
} from '../../src/core/reports/report-paths.js';
import type { ReportStore } from '../../src/ports.js';

const january = { month: 1, year: 2025 };

const statusOf = (resolution: IdResolution | undefined) =>
  classifyReports(resolution?.id ?? '', resolution).status;

/** An in-memory ReportStore that counts calls. */
function memoryStore(keys: string[]): ReportStore & { calls: string[] } {
  const calls: string[] = [];
  return {
    location: 'memory',
    calls,
    listKeys: async (prefix) => {
      calls.push(prefix);
      return keys.filter((key) => key.startsWith(prefix));
    },
  };
}

describe('idVariants', () => {
  it('covers upper-case and with/without separators', () => {
    expect(idVariants('art-01')).toEqual(['art-01', 'art01', 'art_01', 'ART-01', 'ART01', 'ART_01']);
    expect(idVariants('MOL')).toEqual(['MOL']);
  });
  it('always starts with the ID itself and never repeats (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/), (id) => {
        const variants = idVariants(id);
        expect(variants[0]).toBe(id);
        expect(new Set(variants).size).toBe(variants.length);
        expect(variants).toContain(id.toUpperCase());
      }),
    );
  });
});

describe('listingPrefixes', () => {
  it('lists each distinct prefix of the four default layouts once per month spelling', () => {
    const prefixes = listingPrefixes(DEFAULT_REPORT_PATTERNS, january);
    expect(prefixes).toHaveLength(12);
    expect(prefixes).toContain('financial-reports/2025/January/');
    expect(prefixes).toContain('Exports/2025/01/');
    expect(prefixes).toContain('Distro/2025/JANUARY/');
  });
  it('drops prefixes covered by a shorter one', () => {
    const patterns = [
      { type: 'a', label: 'A', pattern: 'r/{year}/{month}/{id}.pdf' },
      { type: 'b', label: 'B', pattern: 'r/{year}/{month}/x/{id}.pdf' },
    ];
    expect(listingPrefixes(patterns, january)).toHaveLength(4);
  });
});

describe('matchReports', () => {
  it('chooses the first pattern in precedence order and lists the others (ambiguous)', () => {
    const keys = new Set([
      'financial-reports/2025/January/ID1-youtube.pdf',
      'Exports/2025/january/ID1/ID1.zip',
      'Distro/2025/01/ID1/ID1.zip',
    ]);
    const result = matchReports('ID1', keys, DEFAULT_REPORT_PATTERNS, january);
    expect(statusOf(result)).toBe('ambiguous');
    expect(result.reports).toEqual([
      {
        type: 'youtube',
        label: 'YouTube Report',
        chosen: {
          key: 'financial-reports/2025/January/ID1-youtube.pdf',
          pattern: DEFAULT_REPORT_PATTERNS[0]?.pattern,
        },
        others: [{ key: 'Exports/2025/january/ID1/ID1.zip', pattern: DEFAULT_REPORT_PATTERNS[2]?.pattern }],
      },
      {
        type: 'distro',
        label: 'Distribution Report',
        chosen: { key: 'Distro/2025/01/ID1/ID1.zip', pattern: DEFAULT_REPORT_PATTERNS[3]?.pattern },
        others: [],
      },
    ]);
  });

  it('finds ID variants and month variants', () => {
    const keys = new Set([
      'financial-reports/2025/01/ART01-youtube.pdf',
      'Distro/2025/JANUARY/ART_02/ART_02.zip',
    ]);
    expect(matchReports('art-01', keys, DEFAULT_REPORT_PATTERNS, january).reports[0]?.chosen?.key).toBe(
      'financial-reports/2025/01/ART01-youtube.pdf',
    );
    expect(matchReports('ART-02', keys, DEFAULT_REPORT_PATTERNS, january).reports[1]?.chosen?.key).toBe(
      'Distro/2025/JANUARY/ART_02/ART_02.zip',
    );
  });

  it('is none when nothing matches, and ignores other months and years', () => {
    const keys = new Set([
      'financial-reports/2025/February/X-youtube.pdf',
      'financial-reports/2024/January/X-distro.pdf',
    ]);
    const result = matchReports('X', keys, DEFAULT_REPORT_PATTERNS, january);
    expect(statusOf(result)).toBe('none');
    expect(result.reports.every((report) => report.chosen === undefined)).toBe(true);
  });

  it('does not confuse IDs that are prefixes of each other', () => {
    const keys = new Set(['financial-reports/2025/January/AB-youtube.pdf']);
    expect(statusOf(matchReports('A', keys, DEFAULT_REPORT_PATTERNS, january))).toBe('none');
  });
});

describe('resolveReportKeys', () => {
  it('lists each prefix once however many IDs are resolved (no per-ID calls)', async () => {
    const ids = Array.from({ length: 500 }, (_, i) => `ID${i}`);
    const store = memoryStore(ids.map((id) => `financial-reports/2025/January/${id}-youtube.pdf`));
    const result = await resolveReportKeys(store, ids, DEFAULT_REPORT_PATTERNS, january);
    expect(store.calls).toHaveLength(12);
    expect(new Set(store.calls).size).toBe(12);
    expect([...result.values()].every((r) => statusOf(r) === 'partial')).toBe(true);
  });

  it('the chosen key always exists and is one of the candidate spellings (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[A-Z0-9]{1,6}[-_]?[A-Z0-9]{0,4}$/),
        fc.subarray([0, 1, 2, 3]),
        fc.constantFrom('January', 'january', 'JANUARY', '01'),
        async (id, layouts, month) => {
          const keys = layouts.map((i) =>
            (DEFAULT_REPORT_PATTERNS[i]?.pattern ?? '')
              .replace('{year}', '2025')
              .replace('{month}', month)
              .replaceAll('{id}', id.replace(/[-_]/g, '')),
          );
          const result = await resolveReportKeys(memoryStore(keys), [id], DEFAULT_REPORT_PATTERNS, january);
          const resolution = result.get(id);
          const chosen = resolution?.reports.flatMap((r) => (r.chosen ? [r.chosen.key] : [])) ?? [];
          expect(chosen.every((key) => keys.includes(key))).toBe(true);
          const perType = (type: number) => layouts.filter((i) => i % 2 === type).length;
          const expected =
            layouts.length === 0
              ? 'none'
              : perType(0) > 1 || perType(1) > 1
                ? 'ambiguous'
                : perType(0) === 1 && perType(1) === 1
                  ? 'complete'
                  : 'partial';
          expect(statusOf(resolution)).toBe(expected);
        },
      ),
    );
  });
});

describe("matchMonthReports: a key two of the month's IDs match is given to neither", () => {
  const keys = new Set([
    'financial-reports/2025/January/ART01-youtube.pdf',
    'financial-reports/2025/January/ART-01-distro.pdf',
    'financial-reports/2025/January/DYLVN-youtube.pdf',
  ]);

  it('moves the shared key to `contested`, keeps the others, and calls the ID ambiguous', () => {
    const resolutions = matchMonthReports(
      ['ART-01', 'A-R-T-0-1', 'DYLVN'],
      keys,
      DEFAULT_REPORT_PATTERNS,
      january,
    );
    const art = resolutions.get('ART-01');
    expect(statusOf(art)).toBe('ambiguous');
    expect(art?.reports[0]).toMatchObject({
      type: 'youtube',
      chosen: undefined,
      others: [],
      contested: [{ key: 'financial-reports/2025/January/ART01-youtube.pdf', alsoMatches: ['A-R-T-0-1'] }],
    });
    // `ART-01-distro.pdf` is only ART-01's (A-R-T-0-1 never spells itself ART-01).
    expect(art?.reports[1]?.chosen?.key).toBe('financial-reports/2025/January/ART-01-distro.pdf');
    const copy = resolutions.get('A-R-T-0-1');
    expect(statusOf(copy)).toBe('ambiguous');
    expect(copy?.reports.every((report) => report.chosen === undefined)).toBe(true);
    expect(resolutions.get('DYLVN')).toEqual(matchReports('DYLVN', keys, DEFAULT_REPORT_PATTERNS, january));
  });

  it("checks against the month's IDs, not only the ones asked for (an --only or a shard)", () => {
    const alone = matchMonthReports(['ART-01'], keys, DEFAULT_REPORT_PATTERNS, january);
    expect(alone.get('ART-01')?.reports[0]?.chosen?.key).toBe(
      'financial-reports/2025/January/ART01-youtube.pdf',
    );
    const inMonth = matchMonthReports(['ART-01'], keys, DEFAULT_REPORT_PATTERNS, january, [
      'DYLVN',
      'A-R-T-0-1',
    ]);
    expect([...inMonth.keys()]).toEqual(['ART-01']);
    expect(inMonth.get('ART-01')?.reports[0]?.chosen).toBeUndefined();
  });

  it('one ID listed twice (two addresses allowed to share it) does not contest its own keys', () => {
    const resolutions = matchMonthReports(['DYLVN', 'DYLVN'], keys, DEFAULT_REPORT_PATTERNS, january, [
      'DYLVN',
    ]);
    expect(statusOf(resolutions.get('DYLVN'))).toBe('partial');
  });

  it("resolveReportKeys passes the month's IDs on", async () => {
    const store = memoryStore([...keys]);
    const resolutions = await resolveReportKeys(
      store,
      ['A-R-T-0-1'],
      DEFAULT_REPORT_PATTERNS,
      january,
      undefined,
      ['ART-01'],
    );
    expect(resolutions.get('A-R-T-0-1')?.reports[0]?.contested?.[0]?.alsoMatches).toEqual(['ART-01']);
  });
});

describe('classifyReports: one status per custom ID, the words of every command', () => {
  const keys = new Set([
    'financial-reports/2025/January/FULL-youtube.pdf',
    'financial-reports/2025/January/FULL-distro.pdf',
    'financial-reports/2025/January/HALF-youtube.pdf',
    'financial-reports/2025/January/TWICE-youtube.pdf',
    'financial-reports/2025/01/TWICE-youtube.pdf',
  ]);
  const classify = (id: string, options?: Parameters<typeof classifyReports>[2]) =>
    classifyReports(id, matchReports(id, keys, DEFAULT_REPORT_PATTERNS, january), options);

  it('complete, partial, none, ambiguous; shared wins over whatever files exist', () => {
    expect(classify('FULL').status).toBe('complete');
    expect(classify('HALF')).toMatchObject({
      status: 'partial',
      found: [{ type: 'youtube', label: 'YouTube Report' }],
      missing: [{ type: 'distro', label: 'Distribution Report' }],
      missingRequired: [],
    });
    expect(classify('NOPE')).toMatchObject({ status: 'none', found: [] });
    expect(classify('NOPE').missing).toHaveLength(2);
    // Ambiguous whatever else is missing: the ambiguity is what must be fixed first.
    expect(classify('TWICE')).toMatchObject({ status: 'ambiguous', missing: [{ type: 'distro' }] });
    expect(classify('TWICE').ambiguous[0]?.others).toEqual([
      { key: 'financial-reports/2025/01/TWICE-youtube.pdf', pattern: DEFAULT_REPORT_PATTERNS[0]?.pattern },
    ]);
    expect(classify('FULL', { shared: true }).status).toBe('shared-custom-id');
    expect(classifyReports('GONE', undefined).status).toBe('none');
  });

  it('lists the missing types reports.required names', () => {
    expect(classify('HALF', { required: ['distro'] }).missingRequired).toEqual([
      { type: 'distro', label: 'Distribution Report' },
    ]);
    expect(classify('HALF', { required: ['youtube'] }).missingRequired).toEqual([]);
  });

  it('counts statuses; "IDs without every report type" are partial + none', () => {
    const counts = countReportStatuses([
      'complete',
      'partial',
      'partial',
      'none',
      'ambiguous',
      'shared-custom-id',
    ]);
    expect(counts).toEqual({ ids: 6, complete: 1, partial: 2, none: 1, ambiguous: 1, shared: 1 });
    expect(countWithoutEveryReportType(counts)).toBe(3);
    expect(describeReportStatusCounts(counts).map((part) => part.text)).toEqual([
      '1 complete',
      '2 partial (without every report type)',
      '1 none (no report file)',
      '1 ambiguous',
      '1 shared (held back)',
    ]);
  });
});
