import type { Command } from 'commander';
import { ExitCode, UsageError } from '../../core/common/errors.js';
import { parsePeriod } from '../../core/common/months.js';
import { auditReportPaths } from '../../core/reports/audit-report-paths.js';
import { describeReportStatusCounts } from '../../core/reports/classify-reports.js';
import type { CommandRuntime } from '../runtime.js';
import {
  renderAuditCsv,
  renderAuditJson,
  renderAuditSummary,
  renderAuditTable,
  renderUserNotes,
  type ViewOptions,
} from '../ui/audit-view.js';
import { parseList } from './options.js';

interface ResolvePathsOptions {
  month?: string;
  year?: string;
  only?: string;
  format: string;
  strict: boolean;
}

const FORMATS = ['table', 'json', 'csv'] as const;

export function registerResolvePaths(program: Command, runtime: CommandRuntime): void {
  program
    .command('resolve-paths')
    .description(
      'audit which report files exist for every recipient custom ID (complete / partial / none / ambiguous / shared)',
    )
    .requiredOption('-m, --month <month>', 'January, jan, 1, 01 or previous')
    .option('-y, --year <year>', 'four-digit year (inferred with --month previous)')
    .option('--only <ids|emails>', 'comma-separated custom IDs or addresses to audit')
    .option('--format <format>', `output: ${FORMATS.join(' | ')}`, 'table')
    .option(
      '--strict',
      'exit 6 unless every custom ID is complete (any partial, none, ambiguous, shared or invalid ID)',
      false,
    )
    .addHelpText(
      'after',
      `
Examples:
  $ dn-mailer resolve-paths --month January --year 2025
  $ dn-mailer resolve-paths --month previous --only MOL,ART-01 --verbose
  $ dn-mailer resolve-paths -m 01 -y 2025 --format csv > audit.csv
  $ dn-mailer resolve-paths -m jan -y 2025 --strict --json`,
    )
    .action(
      runtime.handle(async (options: ResolvePathsOptions, command: Command) => {
        const run = await runtime.open(command);
        const format = run.globals.json ? 'json' : options.format;
        if (!FORMATS.includes(format as (typeof FORMATS)[number])) {
          throw new UsageError(`--format: "${format}" is not one of ${FORMATS.join(', ')}`);
        }
        const period = parsePeriod(options.month, options.year, run.deps.clock.now());
        const only = parseList(options.only);
        const result = await auditReportPaths(
          { ...run.deps, onProgress: run.progress.onProgress },
          { period, ...(only ? { only } : {}) },
        ).finally(() => run.progress.stop());

        const view: ViewOptions = { revealEmails: run.globals.verbose, chalk: run.chalk };
        if (format === 'json') run.io.stdout.write(renderAuditJson(result, view));
        else if (format === 'csv') run.io.stdout.write(renderAuditCsv(result, view));
        else run.io.stdout.write(renderAuditTable(result, view));
        for (const line of renderUserNotes(result, view)) run.progress.note(line);
        if (format !== 'table') run.progress.note(renderAuditSummary(result, run.chalk));

        // Stricter than a send, never laxer: whatever could make it refuse (reports.required, no report at all,
        // ambiguous, shared) is an ID that is not complete.
        const { summary } = result;
        const notComplete = summary.ids - summary.complete;
        const strictFailure = options.strict && notComplete > 0;
        if (strictFailure) {
          const parts = describeReportStatusCounts(summary)
            .filter(({ status, count }) => status !== 'complete' && count > 0)
            .map(({ text }) => text);
          if (summary.invalid > 0) parts.push(`${summary.invalid} invalid`);
          run.progress.note(
            run.chalk.red(
              `--strict: ${notComplete} of ${summary.ids} custom IDs are not complete (${parts.join(', ')})`,
            ),
          );
        }
        return strictFailure ? ExitCode.partial : ExitCode.ok;
      }),
    );
}
