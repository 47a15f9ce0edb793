import path from 'node:path';
import type { PreviewWriter } from '../../backend.js';
import { buildReportFromManifest } from '../../core/campaign-report/campaign-report.js';
import { ExitCode } from '../../core/common/errors.js';
import { buildManifest } from '../../core/plan/manifest.js';
import { type CampaignRequest, defaultCampaignId } from '../../core/plan/plan-campaign.js';
import { streamedCanonicalPlan } from '../../core/plan/plan-digest.js';
import { streamCampaign } from '../../core/plan/stream-plan.js';
import { redirectMessage } from '../../core/send/outgoing.js';
import type { RunContext } from '../context.js';
import { collectingBeforeRendering } from '../heap.js';
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
  const generatedAt = run.deps.clock.now();
  const envelope = {
    from: campaign.email.from,
    replyTo: campaign.email.replyTo,
    bcc: redirectTo ? [] : campaign.email.bcc,
    date: generatedAt,
  };
  // The folder is emptied when the first batch is ready (a plan that fails before it leaves earlier previews).
  let previews: PreviewWriter | undefined;
  const open = async () => {
    previews ??= await files.openPreviews(outDir, campaignId, envelope);
    return previews;
  };
  // Batch by batch: rendered, written, dropped; the plan keeps a compact record of each message.
  const planned = await streamCampaign(
    { ...run.deps, ...campaign, onProgress: collectingBeforeRendering(run.progress.onProgress) },
    { ...request, unsubscribeAs: redirectTo },
    async (messages, total) => {
      // A canary rehearsal previews what the canary receives: its address, [TEST] in the subject, no Bcc.
      const shown = redirectTo ? messages.map((message) => redirectMessage(message, redirectTo)) : messages;
      await (await open()).write(shown, total);
    },
  ).finally(() => run.progress.stop());
  const plan = redirectTo
    ? { ...planned.plan, messages: planned.plan.messages.map((m) => redirectMessage(m, redirectTo)) }
    : planned.plan;
  // Only the whole month, as the creators would get it, can be approved: not a --limit slice, not a canary.
  const approvable = request.limit === undefined && redirectTo === undefined;
  const reviewed = approvable
    ? streamedCanonicalPlan(planned, { ...campaign.email, settings: campaign.settings })
    : undefined;
  const manifest = buildManifest({ ...planned, plan }, generatedAt, reviewed);
  await (await open()).finish(manifest);
  const report = buildReportFromManifest(manifest, { reveal: run.globals.verbose });
  await files.writeReport(path.join(outDir, 'report.html'), renderCampaignReportHtml(report));
  const view = { revealEmails: run.globals.verbose, chalk: run.chalk };
  if (run.globals.json) run.io.stdout.write(renderDryRunJson(manifest, outDir, view));
  else run.io.stdout.write(renderDryRunSummary(manifest, outDir, view));
  for (const line of renderCampaignNotes(manifest, view)) run.progress.note(line);
  for (const line of renderFindings(planned.findings, view)) run.progress.note(line);
  return ExitCode.ok;
}
