import type { ReportStore, UserSource } from '../../ports.js';
import { normalizeEmail } from '../common/email-address.js';
import type { Period } from '../common/months.js';
import { ignoreProgress, type OnProgress } from '../common/progress-events.js';
import { normalizeCustomId, toCustomId } from '../recipients/custom-ids.js';
import { loadRecipients } from '../recipients/load-recipients.js';
import type { RecipientRules, RecipientSelection } from '../recipients/recipients-from-users.js';
import {
  describeSharedCustomIds,
  indexSharedCustomIds,
  resolvedCustomIds,
  type SharedCustomId,
} from '../recipients/shared-custom-ids.js';
import {
  classifyReports,
  countReportStatuses,
  type ReportClassification,
  type ReportStatus,
  type ReportStatusCounts,
} from './classify-reports.js';
import {
  type ContestedMatch,
  type IdResolution,
  type ReportMatch,
  type ReportPattern,
  resolveReportKeys,
} from './report-paths.js';

/**
 * A `ReportStatus` (`classifyReports`: complete, partial, none, ambiguous, shared-custom-id), or `invalid`: the ID
 * is not a custom ID at all, so nothing was looked up.
 */
export type AuditStatus = ReportStatus | 'invalid';

export interface AuditReport {
  type: string;
  label: string;
  key: string | null;
  pattern: string | null;
  /** Other keys that also matched (ambiguous). */
  alsoMatched: ReportMatch[];
  /** Keys another of the month's custom IDs matches too: given to neither (ambiguous). */
  contested?: ContestedMatch[];
}

export interface AuditRow {
  customId: string;
  resolvedId: string | null;
  /** Lower-cased address; null for an `--only` ID that no recipient carries. */
  recipient: string | null;
  status: AuditStatus;
  reports: AuditReport[];
  /** Why the ID is invalid or shared, which report types are missing, or why its recipient is held back. */
  note: string;
  /** `shared-custom-id`: the other addresses that claim it (lower-cased). */
  sharedWith?: string[];
}

/**
 * Rows per status: `ids` counts every row, invalid ones included; `shared` is `shared-custom-id` (held back).
 * `partial` + `none` are the dry run's "IDs without every report type".
 */
export interface AuditSummary extends ReportStatusCounts {
  invalid: number;
  /** Report keys found, not counting those of shared IDs (they are not sent). */
  reports: number;
}

export interface AuditResult {
  period: Period;
  rows: AuditRow[];
  summary: AuditSummary;
  users: Omit<RecipientSelection, 'recipients'> & { origin: string; recipients: number };
  /** `--only` addresses that are not recipients. */
  unmatched: string[];
}

export interface AuditRequest {
  period: Period;
  /** Custom IDs or e-mail addresses to restrict the audit to. */
  only?: readonly string[];
}

export interface AuditDeps {
  users: UserSource;
  reports: ReportStore;
  rules: RecipientRules;
  patterns: readonly ReportPattern[];
  onProgress?: OnProgress;
}

interface Subject {
  customId: string;
  resolvedId: string | null;
  recipient: string | null;
  invalid?: string;
}

/** `resolve-paths`: for every recipient custom ID (or `--only`), which report keys exist for the period. */
export async function auditReportPaths(deps: AuditDeps, request: AuditRequest): Promise<AuditResult> {
  const onProgress = deps.onProgress ?? ignoreProgress;
  const selection = await loadRecipients(deps.users, deps.rules, onProgress);
  const { subjects, unmatched } = pickSubjects(selection, deps.rules, request.only);
  const ids = subjects.flatMap((subject) => (subject.resolvedId ? [subject.resolvedId] : []));
  const monthIds = resolvedCustomIds(selection.recipients);
  const resolutions = await resolveReportKeys(
    deps.reports,
    ids,
    deps.patterns,
    request.period,
    onProgress,
    monthIds,
  );
  const sharedByEmail = indexSharedCustomIds(selection.sharedCustomIds);
  const rows = subjects.map((subject): AuditRow => {
    const resolution = subject.resolvedId ? resolutions.get(subject.resolvedId) : undefined;
    if (!resolution) {
      return { ...withoutInvalid(subject), status: 'invalid', reports: [], note: subject.invalid ?? '' };
    }
    const shared = subject.recipient === null ? undefined : sharedByEmail.get(subject.recipient);
    return toAuditRow(subject, resolution, shared ?? []);
  });
  const { recipients, ...rest } = selection;
  return {
    period: request.period,
    rows,
    summary: summarize(rows),
    users: { ...rest, recipients: recipients.length },
    unmatched,
  };
}

/**
 * One resolved ID as a row. An ID another address claims too is `shared-custom-id` whatever files exist (the plan
 * holds its recipient back, so none would be linked); the other IDs of that recipient say so in their note.
 */
function toAuditRow(subject: Subject, resolution: IdResolution, shared: readonly SharedCustomId[]): AuditRow {
  const reports = resolution.reports.map((report) => ({
    type: report.type,
    label: report.label,
    key: report.chosen?.key ?? null,
    pattern: report.chosen?.pattern ?? null,
    alsoMatched: report.others,
    ...(report.contested ? { contested: report.contested } : {}),
  }));
  const row = { ...withoutInvalid(subject), reports };
  const email = subject.recipient ?? '';
  const own = shared.filter((entry) => entry.id === normalizeCustomId(resolution.id));
  const classification = classifyReports(resolution.id, resolution, { shared: own.length > 0 });
  if (classification.status === 'shared-custom-id') {
    const sharedWith = own.flatMap((entry) => entry.claims.map((claim) => claim.email));
    return {
      ...row,
      status: 'shared-custom-id',
      note: describeSharedCustomIds(email, own),
      sharedWith: [...new Set(sharedWith)].filter((other) => other !== email),
    };
  }
  const notes = [
    describeGaps(classification),
    shared.length > 0 ? `recipient held back (shared-custom-id: ${shared.map((e) => e.id).join(', ')})` : '',
  ];
  return { ...row, status: classification.status, note: notes.filter(Boolean).join('; ') };
}

/** What keeps an ID from `complete`, in the findings' words. */
function describeGaps(c: ReportClassification): string {
  return [
    c.status === 'none' ? 'no report file' : c.missing.map((type) => `no ${type.label}`).join(', '),
    ...c.ambiguous.map(
      (a) => `${a.label}: ${a.chosen.key} chosen over ${a.others.map((o) => o.key).join(', ')}`,
    ),
    ...c.contested.map((m) => `${m.key} also matches ${m.alsoMatches.join(', ')}: given to neither`),
  ]
    .filter(Boolean)
    .join('; ');
}

function withoutInvalid(subject: Subject): Omit<Subject, 'invalid'> {
  return { customId: subject.customId, resolvedId: subject.resolvedId, recipient: subject.recipient };
}

function pickSubjects(
  selection: RecipientSelection,
  rules: RecipientRules,
  only: readonly string[] | undefined,
): { subjects: Subject[]; unmatched: string[] } {
  const all: Subject[] = [
    ...selection.recipients.flatMap((recipient) =>
      recipient.customIds.map((id) => ({
        customId: id.original,
        resolvedId: id.resolved,
        recipient: recipient.email,
      })),
    ),
    ...selection.rejectedIds.map((rejected) => ({
      customId: rejected.customId,
      resolvedId: null,
      recipient: rejected.email,
      invalid: rejected.reason,
    })),
  ];
  if (!only || only.length === 0) return { subjects: all, unmatched: [] };

  const emails = new Set(only.filter((token) => token.includes('@')).map(normalizeEmail));
  const ids = only.filter((token) => !token.includes('@'));
  const idKeys = new Set(ids.map((id) => id.toUpperCase()));
  const matches = (subject: Subject) =>
    (subject.recipient !== null && emails.has(subject.recipient)) ||
    idKeys.has(subject.customId.toUpperCase()) ||
    (subject.resolvedId !== null && idKeys.has(subject.resolvedId.toUpperCase()));
  const subjects = all.filter(matches);

  const carried = new Set(subjects.flatMap((s) => [s.customId.toUpperCase(), s.resolvedId?.toUpperCase()]));
  for (const id of ids) {
    if (carried.has(id.toUpperCase())) continue;
    const parsed = toCustomId(id, rules.customIdAliases);
    subjects.push(
      'invalid' in parsed
        ? { customId: id, resolvedId: null, recipient: null, invalid: parsed.invalid }
        : { customId: parsed.original, resolvedId: parsed.resolved, recipient: null },
    );
  }
  const known = new Set(selection.recipients.map((recipient) => recipient.email));
  return { subjects, unmatched: [...emails].filter((email) => !known.has(email)) };
}

function summarize(rows: readonly AuditRow[]): AuditSummary {
  const classified = rows.flatMap((row) => (row.status === 'invalid' ? [] : [row.status]));
  const invalid = rows.length - classified.length;
  return {
    ...countReportStatuses(classified),
    ids: rows.length,
    invalid,
    reports: rows
      .filter((row) => row.status !== 'shared-custom-id')
      .reduce((sum, row) => sum + row.reports.filter((report) => report.key).length, 0),
  };
}
