import path from 'node:path';
import { type Command, Option } from 'commander';
import { buildReportFromLedger } from '../../core/campaign-report/campaign-report.js';
import { ExitCode, UsageError } from '../../core/common/errors.js';
import { parsePeriod } from '../../core/common/months.js';
import { defaultCampaignId } from '../../core/plan/plan-campaign.js';
import {
  type CampaignProgress,
  checkCampaign,
  findRecipientRow,
  type RowView,
  selectRows,
} from '../../core/send/campaign-progress.js';
import { countDeliveries } from '../../core/send/campaign-status.js';
import type { RunContext } from '../context.js';
import { syncBeforeRun } from '../event-ports.js';
import type { CommandRuntime } from '../runtime.js';
import { writePaged } from '../ui/pager.js';
import { renderCampaignReportHtml } from '../ui/report-html.js';
import {
  maskRow,
  renderRecipient,
  renderStatus,
  type StatusViewOptions,
  showsDelivery,
} from '../ui/status-view.js';
import { parseCount } from './options.js';

interface StatusOptions {
  month?: string;
  year?: string;
  campaignId?: string;
  failed: boolean;
  unfinished: boolean;
  all: boolean;
  bounced: boolean;
  email?: string;
  html?: string;
  limit?: string;
  /** commander's `--no-sync`: false skips applying the event queue first. */
  sync: boolean;
}

const VIEWS = ['failed', 'unfinished', 'all', 'bounced', 'email'];
const conflicting = (flag: string) => VIEWS.filter((view) => view !== flag);

export function registerStatus(program: Command, runtime: CommandRuntime): void {
  program
    .command('status')
    .description(
      'is the campaign finished? counts per state, the rows that need attention, and the command that finishes it',
    )
    .option('-m, --month <month>', 'January, jan, 1, 01 or previous')
    .option('-y, --year <year>', 'four-digit year')
    .option('--campaign-id <id>', 'instead of --month/--year (e.g. financial-2025-01-canary-1)')
    .addOption(
      new Option('--failed', 'list the failed, unknown and stuck rows (the default list)')
        .default(false)
        .conflicts(conflicting('failed')),
    )
    .addOption(
      new Option('--unfinished', 'list every row not sent or skipped yet (planned ones too)')
        .default(false)
        .conflicts(conflicting('unfinished')),
    )
    .addOption(new Option('--all', 'list every row').default(false).conflicts(conflicting('all')))
    .addOption(
      new Option(
        '--bounced',
        'list the sent rows that bounced, were complained about or were rejected (delivery events)',
      )
        .default(false)
        .conflicts(conflicting('bounced')),
    )
    .addOption(
      new Option('--email <address>', "one recipient's row: did they get this campaign?").conflicts(
        conflicting('email'),
      ),
    )
    .option('--limit <n>', 'list at most n rows (and say how many more there are)')
    .option('--no-sync', 'do not apply the event queue (events.queueUrl) first')
    .option(
      '--html <file>',
      'also write the HTML campaign report (counts, delivery funnel, sends over time, problems)',
    )
    .addHelpText(
      'after',
      `
On a terminal a long list opens in $PAGER (default: less -FRX); never with --json or when output is piped.
Exit 0 only when every row is sent or skipped; 6 while any is planned, sending, failed or unknown (the output says
which command finishes it); 4 when the campaign has no rows (the known ones are listed: dn-mailer campaigns).
Once delivery events are synced (dn-mailer events sync; local: events import) it also counts delivered, bounced,
complained, rejected and delayed among the sent rows; bounces and complaints do not change the exit code (the send
is finished), the ✔ line names them.

Examples:
  $ dn-mailer status --month January --year 2025
  $ dn-mailer status --month October --year 2025 --email artist@example.com
  $ dn-mailer status --campaign-id financial-2025-01 --unfinished --json
  $ dn-mailer status --month January --year 2025 --all --html report.html
  $ dn-mailer status --month January --year 2025 --all --limit 50
  $ dn-mailer status --month January --year 2025 --bounced`,
    )
    .action(
      runtime.handle(async (options: StatusOptions, command: Command) => {
        const run = await runtime.open(command);
        const limit = options.limit === undefined ? undefined : parseCount(options.limit, '--limit');
        const campaignId = options.campaignId ?? campaignFromPeriod(options, run.deps.clock.now());
        await syncBeforeRun(run, options.sync, campaignId);
        const sending = run.deps.sending();
        try {
          const progress = await checkCampaign(sending.ledger, campaignId, sending.ledgerLocation);
          if (options.html !== undefined) await writeHtml(run, progress, options.html);
          const view: StatusViewOptions = {
            chalk: run.chalk,
            ledger: sending.ledgerLocation,
            reveal: run.globals.verbose,
            eventSource: run.deps.events() !== undefined,
          };
          if (options.email !== undefined) return showRecipient(run, progress, options.email, view);
          return await showCampaign(run, progress, { rowView: viewOf(options), limit }, view);
        } finally {
          sending.close();
        }
      }),
    );
}

/**
 * What "finished" rests on, said next to every ✔: the ledger only holds rows a send planned, and `sent` means the
 * provider accepted the message; whether it then arrived is known only from the delivery events synced so far.
 */
const LEDGER_LIMITS =
  'finished = every ledger row is sent or skipped. Rows exist for the recipients a send planned: a month sent in ' +
  'parts (--only, --shard) is done when every part has run. sent = accepted by the provider; delivered, bounced ' +
  'and complained are read from the delivery events synced so far (dn-mailer events sync; local: events import).';

function viewOf(options: StatusOptions): RowView {
  if (options.all) return 'all';
  if (options.bounced) return 'bounced';
  if (options.unfinished) return 'unfinished';
  return options.failed ? 'failed' : 'attention';
}

async function showCampaign(
  run: RunContext,
  progress: CampaignProgress,
  request: { rowView: RowView; limit: number | undefined },
  view: StatusViewOptions,
): Promise<ExitCode> {
  const { rowView, limit } = request;
  const selected = selectRows(progress, rowView);
  const rows = limit === undefined ? selected : selected.slice(0, limit);
  const hidden = selected.length - rows.length;
  if (run.globals.json) {
    const { rows: _all, problems, ...rest } = progress;
    const document = {
      ...rest,
      ledger: view.ledger,
      view: rowView,
      // Only where the text shows them, so a campaign without events keeps its document as it was.
      ...(showsDelivery(progress, view) ? { delivery: countDeliveries(progress.rows) } : {}),
      problems: problems.map((row) => maskRow(row, view.reveal)),
      rows: rows.map((row) => maskRow(row, view.reveal)),
      ...(limit === undefined ? {} : { limit, rowsNotShown: hidden }),
    };
    run.io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  } else {
    const text = renderStatus(progress, rows, rowView, view, hidden);
    await writePaged(run.io, text, { json: false });
  }
  if (progress.finished) run.progress.note(run.chalk.dim(LEDGER_LIMITS));
  return progress.finished ? ExitCode.ok : ExitCode.partial;
}

/** `--email`: exit 0 when that row is final (sent, or skipped on purpose), 6 while it is not. */
function showRecipient(
  run: RunContext,
  progress: CampaignProgress,
  email: string,
  view: StatusViewOptions,
): ExitCode {
  const row = findRecipientRow(progress, email);
  const final = row.status === 'sent' || row.status === 'skipped';
  if (run.globals.json) {
    const document = {
      campaignId: progress.campaignId,
      ledger: view.ledger,
      finished: final,
      row: maskRow(row, view.reveal),
      toFinish: progress.toFinish.filter((step) => step.status === row.status),
    };
    run.io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  } else {
    run.io.stdout.write(renderRecipient(progress, row, view));
  }
  return final ? ExitCode.ok : ExitCode.partial;
}

async function writeHtml(run: RunContext, progress: CampaignProgress, file: string): Promise<void> {
  const report = buildReportFromLedger(progress, { reveal: run.globals.verbose });
  const target = path.resolve(run.io.cwd, file);
  run.progress.note(`report: ${await run.deps.files.writeReport(target, renderCampaignReportHtml(report))}`);
}

function campaignFromPeriod(options: StatusOptions, today: Date): string {
  if (options.month === undefined) {
    throw new UsageError('give --month and --year, or --campaign-id', {
      hint: 'dn-mailer status --month January --year 2025',
    });
  }
  return defaultCampaignId(parsePeriod(options.month, options.year, today));
}
