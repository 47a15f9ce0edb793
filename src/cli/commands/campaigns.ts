import type { Command } from 'commander';
import { ExitCode } from '../../core/common/errors.js';
import { listCampaigns } from '../../core/send/campaigns.js';
import type { CommandRuntime } from '../runtime.js';
import { renderCampaigns } from '../ui/status-view.js';
import { parseCount } from './options.js';

interface CampaignsOptions {
  limit: string;
}

export function registerCampaigns(program: Command, runtime: CommandRuntime): void {
  program
    .command('campaigns')
    .description('the campaigns in the ledger, newest first: finished or not, counts per state, last change')
    .option('--limit <n>', 'show at most n campaigns', '20')
    .addHelpText(
      'after',
      `
Examples:
  $ dn-mailer campaigns
  $ dn-mailer campaigns --limit 5 --json
  $ dn-mailer status --campaign-id financial-2025-01-canary-1     # then look at one`,
    )
    .action(
      runtime.handle(async (options: CampaignsOptions, command: Command) => {
        const limit = parseCount(options.limit, '--limit');
        const run = await runtime.open(command);
        const sending = run.deps.sending();
        try {
          const list = await listCampaigns(sending.ledger, { limit });
          const ledger = sending.ledgerLocation;
          run.io.stdout.write(
            run.globals.json
              ? `${JSON.stringify({ ledger, ...list }, null, 2)}\n`
              : renderCampaigns(list, run.deps.clock.now(), { chalk: run.chalk, ledger }),
          );
          return ExitCode.ok;
        } finally {
          sending.close();
        }
      }),
    );
}
