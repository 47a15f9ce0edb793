import path from 'node:path';
import { buildReportFromSummary } from '../../core/campaign-report/campaign-report.js';
import { ExitCode, UsageError } from '../../core/common/errors.js';
import { type CampaignRequest, defaultCampaignId } from '../../core/plan/plan-campaign.js';
import type { Approval } from '../../core/plan/plan-digest.js';
import type { FindingName } from '../../core/plan/plan-findings.js';
import { loadCampaignStatus } from '../../core/send/campaign-status.js';
import { sendCampaign, stoppedError } from '../../core/send/send-campaign.js';
import type { RunContext } from '../context.js';
import { watchInterrupts } from '../interrupts.js';
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
  const { config } = run.deps;
  const campaign = run.deps.campaign();
  const sending = run.deps.sending();
  const view = { revealEmails: run.globals.verbose, chalk: run.chalk };
  const interrupts = watchInterrupts(run.io, run.progress.note);
  const onProgress: typeof run.progress.onProgress = (event) => {
    // From the first claim on, an interrupt stops cleanly instead of ending the process.
    if (event.type === 'send-started') interrupts.arm();
    run.progress.onProgress(event);
  };
  try {
    const { summary, preview } = await sendCampaign(
      { ...run.deps, ...campaign, ...sending, onProgress },
      {
        ...request,
        envelope: {
          from: campaign.email.from,
          replyTo: campaign.email.replyTo,
          bcc: campaign.email.bcc,
          redirectTo: flags.redirectTo,
          listManagement:
            config.unsubscribe.mode === 'ses' && config.unsubscribe.contactList
              ? { contactList: config.unsubscribe.contactList, topic: config.unsubscribe.topic }
              : undefined,
        },
        retryFailed: flags.retryFailed,
        retryUnknown: flags.retryUnknown,
        rate: flags.rate,
        maxRate: config.ses.maxRate,
        concurrency: flags.concurrency ?? config.ses.concurrency,
        circuitBreaker: config.ses.circuitBreaker,
        sendTimeoutMs: config.ses.sendTimeoutMs,
        ttlDays: config.tracking.ttlDays,
        accept: flags.accept,
        revealEmails: run.globals.verbose,
        approve: await readApproval(run, request, flags),
        stop: interrupts.stop,
      },
      async (preview) => {
        run.progress.stop();
        run.progress.note(renderConfirmation(preview, config.backend, run.chalk, run.globals.verbose));
        return askToConfirm(run.io, `Send ${preview.toSend} e-mails now?`, flags.yes, {
          cancelled: 'cancelled: nothing was sent',
        });
      },
    ).finally(() => run.progress.stop());
    run.io.stdout.write(run.globals.json ? renderSendJson(summary, view) : renderSendSummary(summary, view));
    if (run.globals.json) run.progress.note(renderSendSummary(summary, view).trimEnd());
    const { rows } = await loadCampaignStatus(sending.ledger, summary.data.campaignId);
    const report = buildReportFromSummary(summary, {
      reveal: run.globals.verbose,
      ledgerRows: rows,
      plan: { unsubscribe: preview.unsubscribe, findings: preview.findings.findings },
    });
    const baseDir = run.deps.configPath ? path.dirname(run.deps.configPath) : run.io.cwd;
    const file =
      flags.report ??
      path.join(baseDir, '.dn-mailer', 'reports', `${summary.data.campaignId}-${summary.data.batchId}.html`);
    const written = await run.deps.files.writeReport(
      path.resolve(run.io.cwd, file),
      renderCampaignReportHtml(report),
    );
    run.progress.note(`report: ${written}`);
    // The summary is the one stdout document even for a stopped run; the reason goes to stderr (exit 5 or 130).
    const stopped = stoppedError(summary);
    if (stopped) {
      run.progress.note(run.chalk.red(`✘ ${stopped.message}`));
      if (stopped.hint) run.progress.note(run.chalk.dim(`hint: ${stopped.hint}`));
      return stopped.exitCode;
    }
    return summary.success ? ExitCode.ok : ExitCode.partial;
  } finally {
    interrupts.dispose();
    sending.close();
  }
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
  const baseDir = run.deps.configPath ? path.dirname(run.deps.configPath) : run.io.cwd;
  const folder = path.join(baseDir, 'previews', request.campaignId ?? defaultCampaignId(request.period));
  const local = await files.readApproval(folder).catch(() => undefined);
  return { digest: flags.approve, reviewed: local?.digest === flags.approve ? local.reviewed : undefined };
}
