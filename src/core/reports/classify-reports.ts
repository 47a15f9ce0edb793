import { normalizeCustomId } from '../recipients/custom-ids.js';
import type { SharedCustomId } from '../recipients/shared-custom-ids.js';
import type { ContestedMatch, IdResolution, ReportMatch } from './report-paths.js';

/**
 * One custom ID's report files, in the one vocabulary of the dry run, the send, `resolve-paths`, the manifest and
 * report.html. Exactly one applies, first match wins:
 * - `shared-custom-id`: another address claims the ID; its recipient is held back, whatever files exist.
 * - `ambiguous`: a type matched more than one file, or a file another ID matches too, whatever else is missing.
 * - `none`: no report file at all.
 * - `partial`: a file for some report types, not every one.
 * - `complete`: a file for every report type.
 * "IDs without every report type" are `partial` + `none`.
 */
export type ReportStatus = 'complete' | 'partial' | 'none' | 'ambiguous' | 'shared-custom-id';

export const REPORT_STATUSES: readonly ReportStatus[] = [
  'complete',
  'partial',
  'none',
  'ambiguous',
  'shared-custom-id',
];

export interface ReportType {
  type: string;
  label: string;
}

export interface ReportClassification {
  id: string;
  status: ReportStatus;
  /** Types with a file to link. */
  found: ReportType[];
  /** Types with no file to link (one whose only file another ID matches too included). */
  missing: ReportType[];
  /** Of `missing`, the types `reports.required` lists. */
  missingRequired: ReportType[];
  /** Types that matched more than one file: the first in precedence is linked. */
  ambiguous: (ReportType & { chosen: ReportMatch; others: ReportMatch[] })[];
  /** Files another of the month's IDs matches too: linked to neither. */
  contested: (ReportType & ContestedMatch)[];
}

export interface ClassifyOptions {
  /** `reports.required`: the report types every mailed creator must have. */
  required?: readonly string[];
  /** Another address claims this ID too (see `isSharedCustomId`). */
  shared?: boolean;
}

/** Classifies one custom ID from its resolution (undefined: nothing was found for it). */
export function classifyReports(
  id: string,
  resolution: IdResolution | undefined,
  options: ClassifyOptions = {},
): ReportClassification {
  const required = new Set(options.required ?? []);
  const reports = resolution?.reports ?? [];
  const typeOf = ({ type, label }: ReportType): ReportType => ({ type, label });
  const found = reports.filter((report) => report.chosen).map(typeOf);
  const missing = reports.filter((report) => !report.chosen).map(typeOf);
  const ambiguous = reports.flatMap((report) =>
    report.chosen && report.others.length > 0
      ? [{ ...typeOf(report), chosen: report.chosen, others: report.others }]
      : [],
  );
  const contested = reports.flatMap((report) =>
    (report.contested ?? []).map((match) => ({ ...typeOf(report), ...match })),
  );
  const status: ReportStatus = options.shared
    ? 'shared-custom-id'
    : ambiguous.length > 0 || contested.length > 0
      ? 'ambiguous'
      : found.length === 0
        ? 'none'
        : missing.length > 0
          ? 'partial'
          : 'complete';
  const missingRequired = missing.filter((report) => required.has(report.type));
  return { id, status, found, missing, missingRequired, ambiguous, contested };
}

/** True when `shared` (a recipient's `SharedCustomId`s) lists this ID: another address claims it too. */
export function isSharedCustomId(id: string, shared: readonly SharedCustomId[]): boolean {
  const key = normalizeCustomId(id);
  return shared.some((entry) => entry.id === key);
}

/** How many custom IDs have each status. */
export interface ReportStatusCounts {
  ids: number;
  complete: number;
  partial: number;
  none: number;
  ambiguous: number;
  shared: number;
}

export function countReportStatuses(statuses: Iterable<ReportStatus>): ReportStatusCounts {
  const counts: ReportStatusCounts = { ids: 0, complete: 0, partial: 0, none: 0, ambiguous: 0, shared: 0 };
  for (const status of statuses) {
    counts.ids += 1;
    counts[status === 'shared-custom-id' ? 'shared' : status] += 1;
  }
  return counts;
}

/** The IDs a creator gets fewer report types for than exist: `partial` + `none`. */
export function isWithoutEveryReportType(status: ReportStatus): boolean {
  return status === 'partial' || status === 'none';
}

export function countWithoutEveryReportType(counts: ReportStatusCounts): number {
  return counts.partial + counts.none;
}

/** The label of `partial` + `none`, the same in the dry run, the CI summary and report.html. */
export const WITHOUT_EVERY_REPORT_TYPE = 'IDs without every report type';

/** Each status's count in words, in `REPORT_STATUSES` order: `4 complete`, `3 partial (without every report type)`… */
export function describeReportStatusCounts(
  counts: ReportStatusCounts,
): { status: ReportStatus; count: number; words: string; text: string }[] {
  const words: Record<ReportStatus, [count: number, words: string]> = {
    complete: [counts.complete, 'complete'],
    partial: [counts.partial, 'partial (without every report type)'],
    none: [counts.none, 'none (no report file)'],
    ambiguous: [counts.ambiguous, 'ambiguous'],
    'shared-custom-id': [counts.shared, 'shared (held back)'],
  };
  return REPORT_STATUSES.map((status) => {
    const [count, said] = words[status];
    return { status, count, words: said, text: `${count} ${said}` };
  });
}
