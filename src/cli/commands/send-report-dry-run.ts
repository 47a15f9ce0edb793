import path from 'node:path';
import { buildReportFromManifest } from '../../core/campaign-report/campaign-report.js';
import { ExitCode } from '../../core/common/errors.js';
import { buildManifest } from '../../core/plan/manifest.js';
import { type CampaignRequest, defaultCampaignId, planCampaign } from '../../core/plan/plan-campaign.js';
import type { RunContext } from '../context.js';
import { renderCampaignNotes, renderDryRunJson, renderDryRunSummary } from '../ui/campaign-view.js';
import { renderCampaignReportHtml } from '../ui/report-html.js';

/** `send-report --dry-run`: the full plan, written as previews and a manifest; nothing sent, no ledger rows. */
export async function runDryRun(
  run: RunContext,
  request: CampaignRequest,
  options: { out?: string },
): Promise<ExitCode> {
  const campaign = run.deps.campaign();
  const { files } = run.deps;
  const baseDir = run.deps.configPath ? path.dirname(run.deps.configPath) : run.io.cwd;
  const campaignId = request.campaignId ?? defaultCampaignId(request.period);
  const outDir = path.resolve(run.io.cwd, options.out ?? path.join(baseDir, 'previews', campaignId));
  await files.checkPreviewFolder(outDir);
  const planned = await planCampaign(
    { ...run.deps, ...campaign, onProgress: run.progress.onProgress },
    request,
  ).finally(() => run.progress.stop());
  const generatedAt = run.deps.clock.now();
  const manifest = buildManifest(planned, generatedAt);
  await files.writePreviews(outDir, planned.plan, manifest, {
    from: campaign.email.from,
    replyTo: campaign.email.replyTo,
    bcc: campaign.email.bcc,
    date: generatedAt,
  });
  const report = buildReportFromManifest(manifest, { reveal: run.globals.verbose });
  await files.writeReport(path.join(outDir, 'report.html'), renderCampaignReportHtml(report));
  const view = { revealEmails: run.globals.verbose, chalk: run.chalk };
  if (run.globals.json) run.io.stdout.write(renderDryRunJson(manifest, outDir, view));
  else run.io.stdout.write(renderDryRunSummary(manifest, outDir, view));
  for (const line of renderCampaignNotes(manifest, view)) run.progress.note(line);
  return ExitCode.ok;
}
