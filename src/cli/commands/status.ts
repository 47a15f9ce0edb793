import path from 'node:path';
import type { Command } from 'commander';
import { buildReportFromLedger } from '../../core/campaign-report/campaign-report.js';
import { maskEmail } from '../../core/common/email-address.js';
import { ExitCode, UsageError } from '../../core/common/errors.js';
import { parsePeriod } from '../../core/common/months.js';
import { defaultCampaignId } from '../../core/plan/plan-campaign.js';
import { loadCampaignStatus } from '../../core/send/campaign-status.js';
import type { CommandRuntime } from '../runtime.js';
import { renderCampaignReportHtml } from '../ui/report-html.js';
import { renderTable } from '../ui/table.js';

interface StatusOptions {
  month?: string;
  year?: string;
  campaignId?: string;
  failed: boolean;
  html?: string;
}

export function registerStatus(program: Command, runtime: CommandRuntime): void {
  program
    .command('status')
    .description(
      'what the ledger says about a campaign: counts per state, failed and unknown rows with reasons',
    )
    .option('-m, --month <month>', 'January, jan, 1, 01 or previous')
    .option('-y, --year <year>', 'four-digit year')
    .option('--campaign-id <id>', 'instead of --month/--year (e.g. financial-2025-01-canary)')
    .option('--failed', 'list only failed, unknown and stuck rows', false)
    .option('--html <file>', 'also write the HTML campaign report (counts, sends over time, problems)')
    .addHelpText(
      'after',
      `
Examples:
  $ dn-mailer status --month January --year 2025
  $ dn-mailer status --campaign-id financial-2025-01 --failed --json
  $ dn-mailer status --month January --year 2025 --html report.html`,
    )
    .action(
      runtime.handle(async (options: StatusOptions, command: Command) => {
        const run = await runtime.open(command);
        const campaignId = options.campaignId ?? campaignFromPeriod(options, run.deps.clock.now());
        const sending = run.deps.sending();
        try {
          const status = await loadCampaignStatus(sending.ledger, campaignId);
          if (options.html !== undefined) {
            const report = buildReportFromLedger(status, { reveal: run.globals.verbose });
            const file = path.resolve(run.io.cwd, options.html);
            run.progress.note(
              `report: ${await run.deps.files.writeReport(file, renderCampaignReportHtml(report))}`,
            );
          }
          const reveal = (email: string) => (run.globals.verbose ? email : maskEmail(email));
          const rows = (options.failed ? status.problems : status.rows).map((row) => ({
            ...row,
            email: reveal(row.email),
          }));
          if (run.globals.json) {
            const { rows: _all, problems, ...rest } = status;
            const document = {
              ...rest,
              ledger: sending.ledgerLocation,
              problems: problems.map((r) => ({ ...r, email: reveal(r.email) })),
              rows,
            };
            run.io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
          } else {
            const c = status.counts;
            run.io.stdout.write(
              `${campaignId} (${sending.ledgerLocation}): ${status.total} rows · ${c.sent} sent · ${c.skipped} skipped · ${c.failed} failed · ${c.unknown} unknown · ${c.sending} sending · ${c.planned} planned\n`,
            );
            if (rows.length > 0) {
              const table = rows.map((r) => [
                r.email,
                r.status,
                r.customIds.join(','),
                r.messageId ?? '',
                r.reason ?? '',
                r.updatedAt,
              ]);
              run.io.stdout.write(
                `\n${renderTable(['RECIPIENT', 'STATUS', 'CUSTOM IDS', 'MESSAGE ID', 'REASON', 'UPDATED'], table)}\n`,
              );
            }
          }
          return status.problems.length > 0 ? ExitCode.partial : ExitCode.ok;
        } finally {
          sending.close();
        }
      }),
    );
}

function campaignFromPeriod(options: StatusOptions, today: Date): string {
  if (options.month === undefined) {
    throw new UsageError('give --month and --year, or --campaign-id', {
      hint: 'dn-mailer status --month January --year 2025',
    });
  }
  return defaultCampaignId(parsePeriod(options.month, options.year, today));
}
