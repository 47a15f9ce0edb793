import path from 'node:path';
import type { Command } from 'commander';
import { writePreviews } from '../../adapters/local/previews.js';
import { ExitCode, UsageError } from '../../core/errors.js';
import { buildManifest } from '../../core/manifest.js';
import { parsePeriod } from '../../core/months.js';
import { type CampaignPlan, planCampaign } from '../../core/plan-campaign.js';
import type { CommandRuntime } from '../program.js';
import { renderCampaignNotes, renderDryRunJson, renderDryRunSummary } from '../ui/campaign-view.js';
import { parseCount, parseList } from './options.js';

interface SendReportOptions {
  month?: string;
  year?: string;
  dryRun: boolean;
  only?: string;
  limit?: string;
  out?: string;
  campaignId?: string;
}

export function registerSendReport(program: Command, runtime: CommandRuntime): void {
  program
    .command('send-report')
    .description('run the monthly campaign: plan every e-mail, then (with --dry-run) write previews')
    .requiredOption('-m, --month <month>', 'January, jan, 1, 01 or previous')
    .option('-y, --year <year>', 'four-digit year (inferred with --month previous)')
    .option('--dry-run', 'plan and render everything, write previews, send nothing', false)
    .option('--only <ids|emails>', 'comma-separated custom IDs or addresses')
    .option('--limit <n>', 'only the first n recipients')
    .option('--out <dir>', 'preview folder (default: previews/<campaign-id> beside the config file)')
    .option('--campaign-id <id>', 'campaign identifier (default: financial-<yyyy>-<mm>)')
    .addHelpText(
      'after',
      `
Examples:
  $ dn-mailer send-report --month January --year 2025 --dry-run
  $ dn-mailer send-report --month previous --dry-run --only DYLVN,MOLS --out /tmp/preview
  $ dn-mailer send-report -m 01 -y 2025 --dry-run --limit 20 --json > plan.json`,
    )
    .action(
      runtime.handle(async (options: SendReportOptions, command: Command) => {
        const run = await runtime.open(command);
        const period = parsePeriod(options.month, options.year, run.io.now());
        if (!options.dryRun) {
          throw new UsageError(
            'sending is not available in this version of dn-mailer; rehearse with --dry-run',
            {
              hint: 'dn-mailer send-report --month … --year … --dry-run',
            },
          );
        }
        const campaign = run.deps.campaign();
        const request = {
          period,
          ...(options.only === undefined ? {} : { only: parseList(options.only) ?? [] }),
          ...(options.limit === undefined ? {} : { limit: parseCount(options.limit, '--limit') }),
          ...(options.campaignId === undefined ? {} : { campaignId: checkCampaignId(options.campaignId) }),
        };
        const planned: CampaignPlan = await planCampaign(
          { ...run.deps, ...campaign, onProgress: run.progress.onProgress },
          request,
        ).finally(() => run.progress.stop());

        const baseDir = run.loaded.path ? path.dirname(run.loaded.path) : run.io.cwd;
        const outDir = path.resolve(
          run.io.cwd,
          options.out ?? path.join(baseDir, 'previews', planned.plan.campaignId),
        );
        const manifest = buildManifest(planned, run.deps.clock.now());
        await writePreviews(outDir, planned.plan, manifest, {
          from: campaign.email.from,
          replyTo: campaign.email.replyTo,
          bcc: campaign.email.bcc,
          date: run.deps.clock.now(),
        });
        const view = { revealEmails: run.globals.verbose, chalk: run.chalk };
        if (run.globals.json) run.io.stdout.write(renderDryRunJson(manifest, outDir, view));
        else run.io.stdout.write(renderDryRunSummary(manifest, outDir, view));
        for (const line of renderCampaignNotes(manifest, view)) run.progress.note(line);
        return ExitCode.ok;
      }),
    );
}

function checkCampaignId(id: string): string {
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(id)) {
    throw new UsageError(`--campaign-id: "${id}" may only use letters, digits, ".", "_" and "-"`);
  }
  return id;
}
