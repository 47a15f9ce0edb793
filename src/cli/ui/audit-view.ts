import type { ChalkInstance } from 'chalk';
import { maskEmail } from '../../core/common/email-address.js';
import { monthName } from '../../core/common/months.js';
import type { AuditResult, AuditRow, AuditStatus } from '../../core/reports/audit-report-paths.js';
import { describeReportStatusCounts } from '../../core/reports/classify-reports.js';
import { printable } from './printable.js';
import { renderCsv, renderTable } from './table.js';

export interface ViewOptions {
  /** Show full addresses (`--verbose`); masked otherwise. */
  revealEmails: boolean;
  chalk: ChalkInstance;
}

// Every value these views draw from the data goes through printable() (printable.ts), before it is coloured.
const revealCell = (email: string | null, options: ViewOptions) =>
  email === null ? '' : options.revealEmails ? email : maskEmail(email);
const show = (email: string | null, options: ViewOptions) =>
  email === null ? '—' : printable(revealCell(email, options));

export function renderAuditJson(result: AuditResult, options: ViewOptions): string {
  const reveal = (email: string) => (options.revealEmails ? email : maskEmail(email));
  const document = {
    period: { ...result.period, monthName: monthName(result.period.month) },
    summary: result.summary,
    rows: result.rows.map((row) => ({
      ...row,
      recipient: row.recipient === null ? null : reveal(row.recipient),
      ...(row.sharedWith ? { sharedWith: row.sharedWith.map(reveal) } : {}),
    })),
    users: {
      origin: result.users.origin,
      rows: result.users.totalRows,
      recipients: result.users.recipients,
      skipped: result.users.skipped.map((s) => ({ ...s, email: reveal(s.email) })),
      rejectedIds: result.users.rejectedIds.map((r) => ({ ...r, email: reveal(r.email) })),
      rowProblems: result.users.rowProblems,
      sharedCustomIds: result.users.sharedCustomIds.map((shared) => ({
        id: shared.id,
        claims: shared.claims.map((claim) => ({ ...claim, email: reveal(claim.email) })),
      })),
    },
    unmatched: result.unmatched.map(reveal),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

const CSV_HEADER = [
  'customId',
  'resolvedId',
  'recipient',
  'status',
  'type',
  'label',
  'key',
  'alsoMatched',
  'note',
];

export function renderAuditCsv(result: AuditResult, options: ViewOptions): string {
  const lines = result.rows.flatMap((row) => {
    // CSV is a data export: exact values, as in JSON.
    const head = [row.customId, row.resolvedId ?? '', revealCell(row.recipient, options), row.status];
    if (row.reports.length === 0) return [[...head, '', '', '', '', row.note]];
    return row.reports.map((report) => [
      ...head,
      report.type,
      report.label,
      report.key ?? '',
      [...report.alsoMatched, ...(report.contested ?? [])].map((m) => m.key).join(' '),
      row.note,
    ]);
  });
  return renderCsv(CSV_HEADER, lines);
}

export function renderAuditTable(result: AuditResult, options: ViewOptions): string {
  const { chalk } = options;
  const lines: string[][] = [];
  for (const row of result.rows) {
    const head = [
      printable(row.customId),
      printable(row.resolvedId ?? '—'),
      show(row.recipient, options),
      paintStatus(row.status, chalk),
    ];
    const [first = '', ...rest] = describeReports(row, options);
    lines.push([...head, first], ...rest.map((detail) => ['', '', '', '', detail]));
  }
  const table = renderTable(['CUSTOM ID', 'RESOLVED', 'RECIPIENT', 'STATUS', 'REPORTS'], lines);
  return `${table}\n\n${renderAuditSummary(result, chalk)}\n`;
}

function describeReports(row: AuditRow, options: ViewOptions): string[] {
  const { chalk } = options;
  if (row.status === 'invalid') return [chalk.magenta(printable(row.note))];
  const shared =
    row.status === 'shared-custom-id'
      ? [
          chalk.red(`held back: ${printable(row.note)}`),
          chalk.red(
            `  shared with: ${(row.sharedWith ?? []).map((email) => show(email, options)).join(', ')}`,
          ),
        ]
      : [];
  return [
    ...shared,
    ...row.reports.flatMap((report) => [
      report.key ? printable(`${report.label}: ${report.key}`) : chalk.dim(`${printable(report.label)}: —`),
      ...report.alsoMatched.map((match) => chalk.yellow(`  also: ${printable(match.key)}`)),
      ...(report.contested ?? []).map((match) =>
        chalk.yellow(printable(`  not linked, also matches ${match.alsoMatches.join(', ')}: ${match.key}`)),
      ),
    ]),
  ];
}

const PAINT: Record<AuditStatus, (chalk: ChalkInstance) => ChalkInstance> = {
  complete: (chalk) => chalk.green,
  partial: (chalk) => chalk.yellow,
  none: (chalk) => chalk.red,
  ambiguous: (chalk) => chalk.yellow,
  'shared-custom-id': (chalk) => chalk.red,
  invalid: (chalk) => chalk.magenta,
};

function paintStatus(status: AuditStatus, chalk: ChalkInstance): string {
  return PAINT[status](chalk)(status);
}

/** `January 2025: 11 IDs · 4 complete · 3 partial (without every report type) · 1 none (no report file) · …`. */
export function renderAuditSummary(result: AuditResult, chalk: ChalkInstance): string {
  const { summary, period } = result;
  const parts = [
    `${summary.ids} IDs`,
    ...describeReportStatusCounts(summary).map(({ status, count, text }) =>
      (status === 'complete' || count > 0 ? PAINT[status](chalk) : chalk.dim)(text),
    ),
    (summary.invalid ? chalk.magenta : chalk.dim)(`${summary.invalid} invalid`),
    `${summary.reports} report keys`,
  ];
  return `${monthName(period.month)} ${period.year}: ${parts.join(' · ')}`;
}

/** Lines for stderr: the users the rules left out and the rows that could not be read. */
export function renderUserNotes(result: AuditResult, options: ViewOptions): string[] {
  const { users } = result;
  const reasons = new Map<string, number>();
  for (const skipped of users.skipped) reasons.set(skipped.reason, (reasons.get(skipped.reason) ?? 0) + 1);
  const skippedText = [...reasons].map(([reason, n]) => `${n} ${reason}`).join(', ');
  const lines = [
    `Users: ${users.totalRows} rows → ${users.recipients} recipients${skippedText ? ` (skipped: ${skippedText})` : ''}`,
  ];
  for (const problem of users.rowProblems) {
    lines.push(
      options.chalk.yellow(
        printable(`  row ${problem.index}: ${problem.field}: ${problem.message} — row skipped`),
      ),
    );
  }
  for (const rejected of users.rejectedIds) {
    lines.push(
      options.chalk.yellow(
        `  row ${rejected.index}: custom ID "${printable(rejected.customId)}" rejected (${printable(rejected.reason)}) — ${show(rejected.email, options)}`,
      ),
    );
  }
  for (const email of result.unmatched)
    lines.push(options.chalk.yellow(`  --only ${show(email, options)}: not a recipient`));
  return lines;
}
