import type { Command } from 'commander';
import { MAX_CONCURRENCY } from '../../config/sections/sending.js';
import { isValidEmail, normalizeEmail } from '../../core/common/email-address.js';
import { UsageError } from '../../core/common/errors.js';
import { parsePeriod } from '../../core/common/months.js';
import type { CampaignRequest } from '../../core/plan/plan-campaign.js';
import { FINDING_NAMES, parseFindingNames } from '../../core/plan/plan-findings.js';
import { syncBeforeRun } from '../event-ports.js';
import type { CommandRuntime } from '../runtime.js';
import { parseCount, parseList, parseRate, parseShard } from './options.js';
import { runDryRun } from './send-report-dry-run.js';
import { runSend, type SendFlags } from './send-report-send.js';

export interface SendReportOptions {
  month?: string;
  year?: string;
  dryRun: boolean;
  yes: boolean;
  only?: string;
  limit?: string;
  out?: string;
  campaignId?: string;
  redirectTo?: string;
  rate?: string;
  concurrency?: string;
  retryFailed: boolean;
  retryUnknown: boolean;
  /** commander's `--no-sync`: false skips applying the event queue first. */
  sync: boolean;
  shard?: string;
  report?: string;
  accept?: string;
  approve?: string;
  approveFile?: string;
}

export function registerSendReport(program: Command, runtime: CommandRuntime): void {
  program
    .command('send-report')
    .description('run the monthly campaign: plan every e-mail, confirm, send (or --dry-run: write previews)')
    .requiredOption('-m, --month <month>', 'January, jan, 1, 01 or previous')
    .option('-y, --year <year>', 'four-digit year (inferred with --month previous)')
    .option('--dry-run', 'plan and render everything, write previews, send nothing', false)
    .option('--yes', 'send without asking (required without a terminal, e.g. in CI)', false)
    .option('--only <ids|emails>', 'comma-separated custom IDs or addresses')
    .option(
      '--limit <n>',
      'send to the first n recipients not sent yet (exit 6 while some are left); dry run: the first n',
    )
    .option(
      '--redirect-to <addr>',
      'canary: every message to this address, [TEST] in the subject, its own campaign <id>-canary-<n>',
    )
    .option('--rate <n>', 'messages per second at most (also capped by ses.maxRate and the account)')
    .option('--concurrency <n>', `sends in flight (default: ses.concurrency; at most ${MAX_CONCURRENCY})`)
    .option(
      '--shard <i/n>',
      "this job's deterministic slice of the recipients (parallel CI jobs), e.g. 2/3; with --approve-file, the slice is checked against the same slice of the reviewed plan",
    )
    .option(
      '--accept <findings>',
      `send although the plan found these (comma-separated: ${FINDING_NAMES.join(', ')}); --yes never accepts one`,
    )
    .option(
      '--approve <digest>',
      "send only if the fresh plan equals the reviewed dry run's (plan-digest.txt)",
    )
    .option(
      '--approve-file <manifest>',
      "like --approve, from the reviewed dry run's manifest.json (or its folder): says what changed",
    )
    .option('--retry-failed', 'resend messages that failed in an earlier run', false)
    .option('--retry-unknown', 'resend messages whose outcome is unknown (they may have arrived)', false)
    .option(
      '--no-sync',
      'do not apply the event queue (events.queueUrl) first: bounces, complaints and proofs for unknown rows',
    )
    .option('--out <dir>', 'dry run: preview folder (default: previews/<campaign-id> beside the config file)')
    .option('--campaign-id <id>', 'campaign identifier (default: financial-<yyyy>-<mm>)')
    .option(
      '--report <file>',
      'HTML campaign report (default: .dn-mailer/reports/<campaign-id>-<batch-id>.html beside the config file)',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ dn-mailer send-report --month January --year 2025 --dry-run
  $ dn-mailer send-report --month January --year 2025 --redirect-to me@distro-nation.com --limit 3
  $ dn-mailer send-report --month January --year 2025
  $ dn-mailer send-report --month January --year 2025 --accept payout-warnings   # after reviewing the dry run
  $ dn-mailer send-report --month January --year 2025 --yes --approve-file previews/financial-2025-01
  $ dn-mailer send-report --month previous --yes --json > summary.json
  $ dn-mailer send-report -m 01 -y 2025 --yes --retry-failed
  $ dn-mailer send-report --month previous --yes --shard 2/3      # job 2 of 3, same ledger`,
    )
    .action(
      runtime.handle(async (options: SendReportOptions, command: Command) => {
        // Every flag is checked in every mode, before the config is read: a dry run rehearses the send it names.
        const redirectTo = options.redirectTo === undefined ? undefined : checkAddress(options.redirectTo);
        const flags: SendFlags = {
          redirectTo,
          rate: options.rate === undefined ? undefined : parseRate(options.rate, '--rate'),
          concurrency:
            options.concurrency === undefined
              ? undefined
              : Math.min(parseCount(options.concurrency, '--concurrency'), MAX_CONCURRENCY),
          retryFailed: options.retryFailed,
          retryUnknown: options.retryUnknown,
          yes: options.yes,
          report: options.report,
          accept: options.accept === undefined ? [] : parseFindingNames(options.accept),
          approve: options.approve === undefined ? undefined : checkDigest(options.approve),
          approveFile: options.approveFile,
        };
        const approving = flags.approve !== undefined || flags.approveFile !== undefined;
        if (approving && options.accept !== undefined) {
          throw new UsageError('--accept and --approve/--approve-file do not go together', {
            hint: 'an approved plan already carries its reviewed findings; to accept others, review a new dry run',
          });
        }
        if (options.dryRun && approving) {
          throw new UsageError('--approve and --approve-file are for a real send, not --dry-run', {
            hint: 'the dry run writes the digest to approve (plan-digest.txt beside manifest.json)',
          });
        }
        const run = await runtime.open(command);
        const request: CampaignRequest = {
          period: parsePeriod(options.month, options.year, run.deps.clock.now()),
          ...(options.only === undefined ? {} : { only: parseList(options.only) ?? [] }),
          ...(options.limit === undefined ? {} : { limit: parseCount(options.limit, '--limit') }),
          ...(options.campaignId === undefined ? {} : { campaignId: checkCampaignId(options.campaignId) }),
          ...(options.shard === undefined ? {} : { shard: parseShard(options.shard) }),
        };
        if (options.dryRun) return runDryRun(run, request, { out: options.out, redirectTo });
        await syncBeforeRun(run, options.sync);
        return runSend(run, request, flags);
      }),
    );
}

function checkCampaignId(id: string): string {
  if (id.length > 100 || !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(id)) {
    throw new UsageError(
      `--campaign-id: "${id}" may only use letters, digits, "_", "-" and single dots inside`,
    );
  }
  return id;
}

function checkDigest(digest: string): string {
  const value = digest.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(value)) {
    throw new UsageError(`--approve: "${digest}" is not a plan digest (64 hex characters)`, {
      hint: "copy it from plan-digest.txt beside the dry run's manifest.json",
    });
  }
  return value;
}

function checkAddress(address: string): string {
  const email = normalizeEmail(address);
  if (!isValidEmail(email)) throw new UsageError(`--redirect-to: "${address}" is not an e-mail address`);
  return email;
}
