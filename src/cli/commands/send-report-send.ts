import path from 'node:path';
import { buildReportFromSummary } from '../../core/campaign-report/campaign-report.js';
import { ExitCode } from '../../core/common/errors.js';
import type { CampaignRequest } from '../../core/plan/plan-campaign.js';
import { loadCampaignStatus } from '../../core/send/campaign-status.js';
import { sendCampaign, stoppedError } from '../../core/send/send-campaign.js';
import type { RunContext } from '../context.js';
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
}

/** `send-report`: plan, confirm, send; the summary on stdout; exit 0, 6 (some not sent) or 5 (run stopped). */
export async function runSend(
  run: RunContext,
  request: CampaignRequest,
  flags: SendFlags,
): Promise<ExitCode> {
  const { config } = run.deps;
  const campaign = run.deps.campaign();
  const sending = run.deps.sending();
  const view = { revealEmails: run.globals.verbose, chalk: run.chalk };
  try {
    const { summary } = await sendCampaign(
      { ...run.deps, ...campaign, ...sending, onProgress: run.progress.onProgress },
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
      },
      async (preview) => {
        run.progress.stop();
        run.progress.note(renderConfirmation(preview, config.backend, run.chalk));
        return askToConfirm(run.io, `Send ${preview.toSend} e-mails now?`, flags.yes, {
          cancelled: 'cancelled: nothing was sent',
        });
      },
    ).finally(() => run.progress.stop());
    run.io.stdout.write(run.globals.json ? renderSendJson(summary, view) : renderSendSummary(summary, view));
    if (run.globals.json) run.progress.note(renderSendSummary(summary, view).trimEnd());
    const { rows } = await loadCampaignStatus(sending.ledger, summary.data.campaignId);
    const report = buildReportFromSummary(summary, { reveal: run.globals.verbose, ledgerRows: rows });
    const baseDir = run.deps.configPath ? path.dirname(run.deps.configPath) : run.io.cwd;
    const file =
      flags.report ??
      path.join(baseDir, '.dn-mailer', 'reports', `${summary.data.campaignId}-${summary.data.batchId}.html`);
    const written = await run.deps.files.writeReport(
      path.resolve(run.io.cwd, file),
      renderCampaignReportHtml(report),
    );
    run.progress.note(`report: ${written}`);
    // The summary is the one stdout document even for a stopped run; the reason goes to stderr (exit 5).
    const stopped = stoppedError(summary);
    if (stopped) {
      run.progress.note(run.chalk.red(`✘ ${stopped.message}`));
      if (stopped.hint) run.progress.note(run.chalk.dim(`hint: ${stopped.hint}`));
      return ExitCode.backend;
    }
    return summary.success ? ExitCode.ok : ExitCode.partial;
  } finally {
    sending.close();
  }
}
