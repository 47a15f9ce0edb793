import path from 'node:path';
import { buildReportFromManifest } from '../../core/campaign-report/campaign-report.js';
import { ExitCode } from '../../core/common/errors.js';
import { buildManifest } from '../../core/plan/manifest.js';
import { type CampaignRequest, defaultCampaignId, planCampaign } from '../../core/plan/plan-campaign.js';
import { canonicalPlan } from '../../core/plan/plan-digest.js';
import { redirectPlan } from '../../core/send/outgoing.js';
import type { RunContext } from '../context.js';
import { renderCampaignNotes, renderDryRunJson, renderDryRunSummary } from '../ui/campaign-view.js';
import { renderFindings } from '../ui/findings-view.js';
import { renderCampaignReportHtml } from '../ui/report-html.js';

/** `send-report --dry-run`: the full plan, written as previews and a manifest; nothing sent, no ledger rows. */
export async function runDryRun(
  run: RunContext,
  request: CampaignRequest,
  options: { out?: string | undefined; redirectTo?: string | undefined },
): Promise<ExitCode> {
  const campaign = run.deps.campaign();
  const { files } = run.deps;
  const campaignId = request.campaignId ?? defaultCampaignId(request.period);
  const outDir = path.resolve(run.io.cwd, options.out ?? run.deps.previewFolder(campaignId));
  await files.checkPreviewFolder(outDir);
  const { redirectTo } = options;
  const planned = await planCampaign(
    { ...run.deps, ...campaign, onProgress: run.progress.onProgress },
    { ...request, unsubscribeAs: redirectTo },
  ).finally(() => run.progress.stop());
  // A canary rehearsal previews what the canary receives: its address, [TEST] in the subject, no Bcc.
  const plan = redirectTo ? redirectPlan(planned.plan, redirectTo) : planned.plan;
  const generatedAt = run.deps.clock.now();
  // Only the whole month, as the creators would get it, can be approved: not a --limit slice, not a canary.
  const approvable = request.limit === undefined && redirectTo === undefined;
  const reviewed = approvable
    ? canonicalPlan(planned, { ...campaign.email, settings: campaign.settings })
    : undefined;
  const manifest = buildManifest({ ...planned, plan }, generatedAt, reviewed);
  await files.writePreviews(outDir, plan, manifest, {
    from: campaign.email.from,
    replyTo: campaign.email.replyTo,
    bcc: redirectTo ? [] : campaign.email.bcc,
    date: generatedAt,
  });
  const report = buildReportFromManifest(manifest, { reveal: run.globals.verbose });
  await files.writeReport(path.join(outDir, 'report.html'), renderCampaignReportHtml(report));
  const view = { revealEmails: run.globals.verbose, chalk: run.chalk };
  if (run.globals.json) run.io.stdout.write(renderDryRunJson(manifest, outDir, view));
  else run.io.stdout.write(renderDryRunSummary(manifest, outDir, view));
  for (const line of renderCampaignNotes(manifest, view)) run.progress.note(line);
  for (const line of renderFindings(planned.findings, view)) run.progress.note(line);
  return ExitCode.ok;
}
