import path from 'node:path';
import type { CampaignPorts } from '../../backend.js';
import { envelopeOf } from '../../config/envelope.js';
import { buildReportFromSummary } from '../../core/campaign-report/campaign-report.js';
import { maskEmail } from '../../core/common/email-address.js';
import { ExitCode, UsageError } from '../../core/common/errors.js';
import { type CampaignRequest, defaultCampaignId } from '../../core/plan/plan-campaign.js';
import type { Approval } from '../../core/plan/plan-digest.js';
import type { FindingName } from '../../core/plan/plan-findings.js';
import { loadCampaignStatus } from '../../core/send/campaign-status.js';
import {
  type SendCampaignResult,
  type SendPreview,
  type SendRequest,
  sendCampaign,
  stoppedError,
} from '../../core/send/send-campaign.js';
import type { SendSummary } from '../../core/send/send-summary.js';
import type { SendLedger } from '../../ports.js';
import type { RunContext } from '../context.js';
import { syncQueue } from '../event-ports.js';
import { collectingBeforeRendering } from '../heap.js';
import { watchInterrupts } from '../interrupts.js';
import { printable } from '../ui/printable.js';
import { askToConfirm } from '../ui/prompt.js';
import { renderCampaignReportHtml } from '../ui/report-html.js';
import { renderConfirmation, renderSendJson, renderSendSummary } from '../ui/send-view.js';

export interface SendFlags {
  redirectTo: string | undefined;
  rate: number | undefined;
  concurrency: number | undefined;
  retryFailed: boolean;
  retryUnknown: boolean;
  yes: boolean;
  /** report.html path (default: .dn-mailer/reports/<campaign>-<batch>.html beside the config file). */
  report: string | undefined;
  /** Plan findings accepted by name (`--accept`). */
  accept: readonly FindingName[];
  /** `--approve <digest>`: the reviewed plan's digest. */
  approve: string | undefined;
  /** `--approve-file`: the reviewed dry run's manifest.json or folder. */
  approveFile: string | undefined;
}

/**
 * `send-report`: plan, confirm, send; the summary on stdout; exit 0, 6 (some not sent), 5 (run stopped) or 130
 * (stopped by Ctrl-C / SIGTERM: the summary and report are still written).
 */
export async function runSend(
  run: RunContext,
  request: CampaignRequest,
  flags: SendFlags,
): Promise<ExitCode> {
  const campaign = run.deps.campaign();
  // An unwritable report (--report, or the default beside the config) fails now, before anything is sent, not
  // after a good send.
  if (flags.report !== undefined)
    await run.deps.files.checkWritable(path.resolve(run.io.cwd, flags.report), '--report');
  else await run.deps.files.checkWritable(run.deps.reportFile('campaign', 'batch'), 'the run report folder');
  const sending = run.deps.sending();
  const interrupts = watchInterrupts(run.io, run.progress.note);
  const onProgress: typeof run.progress.onProgress = collectingBeforeRendering((event) => {
    // From the first claim on, an interrupt stops cleanly instead of ending the process.
    if (event.type === 'send-started') interrupts.arm();
    run.progress.onProgress(event);
  });
  try {
    const result = await sendCampaign(
      {
        ...run.deps,
        ...campaign,
        ...sending,
        onProgress,
        syncEvents: run.deps.events() === undefined ? undefined : () => syncQueue(run),
      },
      await toSendRequest(run, request, flags, campaign.email, interrupts.stop),
      (preview) => confirmSend(run, preview, flags.yes),
    ).finally(() => run.progress.stop());
    writeSummary(run, result.summary);
    // A ✔ for part of the month must not read as the month: say which part this run covered.
    const part = partOfMonth(request, (item) =>
      item.includes('@') && !run.globals.verbose ? maskEmail(item) : item,
    );
    if (part) run.progress.note(run.chalk.yellow(part));
    await writeRunReport(run, sending.ledger, result, flags.report);
    return decideExitCode(run, result.summary);
  } finally {
    interrupts.dispose();
    sending.close();
  }
}

/** The flags and the config as the core's send request. */
async function toSendRequest(
  run: RunContext,
  request: CampaignRequest,
  flags: SendFlags,
  email: CampaignPorts['email'],
  stop: AbortSignal,
): Promise<SendRequest> {
  const { config } = run.deps;
  return {
    ...request,
    envelope: envelopeOf(email, config.unsubscribe, flags.redirectTo),
    retryFailed: flags.retryFailed,
    retryUnknown: flags.retryUnknown,
    eventStreamSettleMs:
      run.deps.events() === undefined ? undefined : run.deps.config.events.settleMinutes * 60_000,
    rate: flags.rate,
    maxRate: config.ses.maxRate,
    concurrency: flags.concurrency ?? config.ses.concurrency,
    circuitBreaker: config.ses.circuitBreaker,
    sendTimeoutMs: config.ses.sendTimeoutMs,
    ttlDays: config.tracking.ttlDays,
    accept: flags.accept,
    revealEmails: run.globals.verbose,
    approve: await readApproval(run, request, flags),
    stop,
  };
}

async function confirmSend(run: RunContext, preview: SendPreview, yes: boolean): Promise<boolean> {
  run.progress.stop();
  run.progress.note(renderConfirmation(preview, run.deps.config.backend, run.chalk, run.globals.verbose));
  return askToConfirm(run.io, `Send ${preview.toSend} e-mails now?`, yes, {
    cancelled: 'cancelled: nothing was sent',
  });
}

/** When this run covered only part of the month (`--only`, `--shard`), the sentence that says so. */
function partOfMonth(request: CampaignRequest, mask: (item: string) => string): string | undefined {
  const parts = [
    request.only && request.only.length > 0 ? `--only ${request.only.map(mask).join(',')}` : undefined,
    request.shard ? `--shard ${request.shard.index}/${request.shard.count}` : undefined,
  ].filter((part): part is string => part !== undefined);
  if (parts.length === 0) return undefined;
  return `  part of the month only (${parts.join(' ')}): recipients outside it were neither planned nor sent; the month is done when every part has run (dn-mailer status)`;
}

function writeSummary(run: RunContext, summary: SendSummary): void {
  const view = { revealEmails: run.globals.verbose, chalk: run.chalk };
  run.io.stdout.write(run.globals.json ? renderSendJson(summary, view) : renderSendSummary(summary, view));
  if (run.globals.json) run.progress.note(renderSendSummary(summary, view).trimEnd());
}

/** report.html of the run, with the ledger's rows of the campaign: `--report` or the workspace's default file. */
async function writeRunReport(
  run: RunContext,
  ledger: SendLedger,
  { summary, preview }: SendCampaignResult,
  reportFlag: string | undefined,
): Promise<void> {
  const { rows } = await loadCampaignStatus(ledger, summary.data.campaignId);
  const report = buildReportFromSummary(summary, {
    reveal: run.globals.verbose,
    ledgerRows: rows,
    plan: { unsubscribe: preview.unsubscribe, findings: preview.findings.findings },
  });
  const file = reportFlag ?? run.deps.reportFile(summary.data.campaignId, summary.data.batchId);
  const written = await run.deps.files.writeReport(
    path.resolve(run.io.cwd, file),
    renderCampaignReportHtml(report),
  );
  run.progress.note(`report: ${written}`);
}

function decideExitCode(run: RunContext, summary: SendSummary): ExitCode {
  // The summary is the one stdout document even for a stopped run; the reason goes to stderr (exit 5 or 130).
  const stopped = stoppedError(summary);
  if (stopped) {
    run.progress.note(run.chalk.red(`✘ ${printable(stopped.message)}`));
    if (stopped.hint) run.progress.note(run.chalk.dim(`hint: ${printable(stopped.hint)}`));
    return stopped.exitCode;
  }
  return summary.success ? ExitCode.ok : ExitCode.partial;
}

/**
 * What the operator approved: `--approve-file` reads the dry run's manifest (digest and reviewed plan);
 * `--approve <digest>` alone also picks up the reviewed plan from the default preview folder when it is the same
 * digest, so a refusal can say what changed.
 */
async function readApproval(
  run: RunContext,
  request: CampaignRequest,
  flags: SendFlags,
): Promise<Approval | undefined> {
  const { files } = run.deps;
  if (flags.approveFile !== undefined) {
    const approval = await files.readApproval(path.resolve(run.io.cwd, flags.approveFile));
    if (flags.approve !== undefined && flags.approve !== approval.digest) {
      throw new UsageError('--approve and --approve-file name different plans', {
        hint: 'give one of them: the digest in plan-digest.txt is the one in manifest.json',
      });
    }
    return approval;
  }
  if (flags.approve === undefined) return undefined;
  const folder = run.deps.previewFolder(request.campaignId ?? defaultCampaignId(request.period));
  const local = await files.readApproval(folder).catch(() => undefined);
  return { digest: flags.approve, reviewed: local?.digest === flags.approve ? local.reviewed : undefined };
}
