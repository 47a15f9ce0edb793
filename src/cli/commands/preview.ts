import path from 'node:path';
import type { Command } from 'commander';
import { ExitCode, InputError } from '../../core/common/errors.js';
import { parsePeriod } from '../../core/common/months.js';
import { planCampaign } from '../../core/plan/plan-campaign.js';
import type { CommandRuntime } from '../runtime.js';
import { printable } from '../ui/printable.js';

interface PreviewOptions {
  month?: string;
  year?: string;
  customId: string;
  out?: string;
  open: boolean;
}

export function registerPreview(program: Command, runtime: CommandRuntime): void {
  program
    .command('preview')
    .description("render one creator's e-mail to an HTML file (and open it)")
    .requiredOption('-m, --month <month>', 'January, jan, 1, 01 or previous')
    .option('-y, --year <year>', 'four-digit year (inferred with --month previous)')
    .requiredOption('--custom-id <id>', 'the creator (custom ID, before or after its alias)')
    .option('--out <file>', 'where to write the HTML (default: a new private folder in the temp folder)')
    .option('--open', 'open it in the default browser', false)
    .addHelpText(
      'after',
      `
Examples:
  $ dn-mailer preview --month January --year 2025 --custom-id DYLVN --open
  $ dn-mailer preview -m previous --custom-id MOLS --out mols.html`,
    )
    .action(
      runtime.handle(async (options: PreviewOptions, command: Command) => {
        const run = await runtime.open(command);
        const period = parsePeriod(options.month, options.year, run.deps.clock.now());
        const campaign = run.deps.campaign();
        const { plan } = await planCampaign(
          { ...run.deps, ...campaign, onProgress: run.progress.onProgress },
          { period, only: [options.customId] },
        ).finally(() => run.progress.stop());
        const message = plan.messages[0];
        if (!message) {
          throw new InputError(
            `nothing to preview for ${options.customId}: ${plan.unsent[0]?.detail ?? 'no message'}`,
            {
              hint: 'dn-mailer resolve-paths --only <id> shows what exists for it',
            },
          );
        }
        const { files } = run.deps;
        // Without --out: a new private folder in the temp folder, never a guessable path there.
        const file = options.out
          ? await files.writePreviewHtml(path.resolve(run.io.cwd, options.out), message.html)
          : await files.writeTempPreviewHtml(
              run.io.tmpdir,
              `${plan.campaignId}-${options.customId}.html`,
              message.html,
            );
        run.io.stdout.write(
          run.globals.json ? `${JSON.stringify({ file, subject: message.subject })}\n` : `${file}\n`,
        );
        run.progress.note(`Subject: ${printable(message.subject)}`);
        if (options.open) await run.deps.files.openInBrowser(file);
        return ExitCode.ok;
      }),
    );
}
