import pLimit from 'p-limit';
import type { ReportStore } from '../../ports.js';
import { monthVariants, type Period } from '../common/months.js';
import { ignoreProgress, type OnProgress } from '../common/progress-events.js';

/** One layout of the report bucket; `pattern` uses `{year}`, `{month}` and `{id}`. */
export interface ReportPattern {
  type: string;
  label: string;
  pattern: string;
}

/** The four layouts of DESIGN.md, in precedence order. */
export const DEFAULT_REPORT_PATTERNS: readonly ReportPattern[] = [
  { type: 'youtube', label: 'YouTube Report', pattern: 'financial-reports/{year}/{month}/{id}-youtube.pdf' },
  {
    type: 'distro',
    label: 'Distribution Report',
    pattern: 'financial-reports/{year}/{month}/{id}-distro.pdf',
  },
  { type: 'youtube', label: 'YouTube Report', pattern: 'Exports/{year}/{month}/{id}/{id}.zip' },
  { type: 'distro', label: 'Distribution Report', pattern: 'Distro/{year}/{month}/{id}/{id}.zip' },
];

export interface ReportMatch {
  key: string;
  pattern: string;
}

/** A key that matches this ID and another of the month's IDs too: whose file it is cannot be told. */
export interface ContestedMatch extends ReportMatch {
  /** The month's other custom IDs that match the key. */
  alsoMatches: string[];
}

export interface ReportResolution {
  type: string;
  label: string;
  /** The first match in precedence order (pattern order, then month and ID variant order). */
  chosen: ReportMatch | undefined;
  /** Every other key that also matched this type: more than zero means ambiguous. */
  others: ReportMatch[];
  /** Keys that another of the month's IDs matches too: ambiguous, never chosen, given to neither ID. */
  contested?: ContestedMatch[];
}

/** What matched for one ID, per report type; `classifyReports` says what that means (complete, partial, …). */
export interface IdResolution {
  id: string;
  reports: ReportResolution[];
}

/** ID spellings used by legacy uploads, in precedence order: as given, upper-case, without and with `-`/`_`. */
export function idVariants(id: string): string[] {
  const variants = new Set<string>();
  for (const form of [id, id.toUpperCase()]) {
    variants.add(form);
    variants.add(form.replace(/[-_]/g, ''));
    variants.add(form.replace(/_/g, '-'));
    variants.add(form.replace(/-/g, '_'));
  }
  return [...variants].filter((variant) => variant !== '');
}

function fillPeriod(pattern: string, period: Period, month: string): string {
  return pattern.replaceAll('{year}', String(period.year)).replaceAll('{month}', month);
}

/**
 * The prefixes to list for a period: each pattern with year and month filled in, cut before the first `{id}`.
 * A prefix that another prefix already covers is dropped, so every key is listed at most once.
 */
export function listingPrefixes(patterns: readonly ReportPattern[], period: Period): string[] {
  const prefixes = new Set<string>();
  for (const { pattern } of patterns) {
    for (const month of monthVariants(period.month)) {
      const filled = fillPeriod(pattern, period, month);
      const cut = filled.indexOf('{id}');
      prefixes.add(cut < 0 ? filled : filled.slice(0, cut));
    }
  }
  const sorted = [...prefixes].sort();
  const kept: string[] = [];
  for (const prefix of sorted) {
    const last = kept[kept.length - 1];
    if (last === undefined || !prefix.startsWith(last)) kept.push(prefix);
  }
  return kept;
}

/** Lists every prefix once (paginated inside the store) and returns the union of keys. */
export async function listReportKeys(
  store: ReportStore,
  prefixes: readonly string[],
  options: { concurrency?: number; onProgress?: OnProgress } = {},
): Promise<Set<string>> {
  const onProgress = options.onProgress ?? ignoreProgress;
  const limit = pLimit(options.concurrency ?? 4);
  const keys = new Set<string>();
  let done = 0;
  onProgress({ type: 'listing', prefixes: prefixes.length, location: store.location });
  await Promise.all(
    prefixes.map((prefix) =>
      limit(async () => {
        const listed = await store.listKeys(prefix);
        for (const key of listed) keys.add(key);
        done += 1;
        onProgress({ type: 'listed', prefix, keys: listed.length, done, total: prefixes.length });
      }),
    ),
  );
  return keys;
}

/** Matches one (resolved) custom ID against the listed keys, in memory. */
export function matchReports(
  id: string,
  keys: ReadonlySet<string>,
  patterns: readonly ReportPattern[],
  period: Period,
): IdResolution {
  const byType = new Map<string, ReportResolution>();
  const seen = new Set<string>();
  const months = monthVariants(period.month);
  const ids = idVariants(id);
  for (const { type, label, pattern } of patterns) {
    let resolution = byType.get(type);
    if (!resolution) {
      resolution = { type, label, chosen: undefined, others: [] };
      byType.set(type, resolution);
    }
    for (const month of months) {
      const withPeriod = fillPeriod(pattern, period, month);
      for (const variant of ids) {
        const key = withPeriod.replaceAll('{id}', variant);
        if (seen.has(key) || !keys.has(key)) continue;
        seen.add(key);
        if (resolution.chosen) resolution.others.push({ key, pattern });
        else resolution.chosen = { key, pattern };
      }
    }
  }
  return { id, reports: [...byType.values()] };
}

/**
 * Matches `ids` against the listed keys, in memory. A key that two of the month's IDs match (`monthIds`: every
 * recipient's ID, not just this run's `--only` or shard) is ambiguous and given to neither — `ART01-youtube.pdf`
 * is matched by `ART-01` and by `A-R-T-0-1` alike, and must not reach the wrong creator.
 */
export function matchMonthReports(
  ids: readonly string[],
  keys: ReadonlySet<string>,
  patterns: readonly ReportPattern[],
  period: Period,
  monthIds: readonly string[] = ids,
): Map<string, IdResolution> {
  const all = new Map<string, IdResolution>();
  for (const id of [...ids, ...monthIds]) {
    if (!all.has(id)) all.set(id, matchReports(id, keys, patterns, period));
  }
  const claimants = new Map<string, string[]>();
  for (const [id, resolution] of all) {
    for (const match of resolution.reports.flatMap(matchesOf)) {
      claimants.set(match.key, [...(claimants.get(match.key) ?? []), id]);
    }
  }
  const resolutions = new Map<string, IdResolution>();
  for (const id of ids) {
    const resolution = all.get(id);
    if (resolution && !resolutions.has(id)) resolutions.set(id, withoutContested(resolution, claimants));
  }
  return resolutions;
}

function matchesOf(report: ReportResolution): ReportMatch[] {
  return report.chosen ? [report.chosen, ...report.others] : [];
}

/** Moves every key another ID also matches from `chosen`/`others` to `contested`. */
function withoutContested(
  resolution: IdResolution,
  claimants: ReadonlyMap<string, readonly string[]>,
): IdResolution {
  const alsoMatching = (key: string) => (claimants.get(key) ?? []).filter((other) => other !== resolution.id);
  if (!resolution.reports.flatMap(matchesOf).some((match) => alsoMatching(match.key).length > 0)) {
    return resolution;
  }
  const reports = resolution.reports.map((report): ReportResolution => {
    const kept = matchesOf(report).filter((match) => alsoMatching(match.key).length === 0);
    const contested = matchesOf(report)
      .filter((match) => alsoMatching(match.key).length > 0)
      .map((match) => ({ ...match, alsoMatches: alsoMatching(match.key) }));
    if (contested.length === 0) return report;
    return { ...report, chosen: kept[0], others: kept.slice(1), contested };
  });
  return { id: resolution.id, reports };
}

/**
 * Resolves many IDs: list each prefix once, then match every ID in memory. `monthIds` are the month's other IDs a
 * key may also match (see `matchMonthReports`); default: `ids` themselves.
 */
export async function resolveReportKeys(
  store: ReportStore,
  ids: readonly string[],
  patterns: readonly ReportPattern[],
  period: Period,
  onProgress: OnProgress = ignoreProgress,
  monthIds: readonly string[] = ids,
): Promise<Map<string, IdResolution>> {
  const keys = await listReportKeys(store, listingPrefixes(patterns, period), { onProgress });
  return matchMonthReports(ids, keys, patterns, period, monthIds);
}
