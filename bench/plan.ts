/**
 * The campaign plan for a month of creators from a local workspace — payouts, report resolution, CloudFront
 * signing, rendering — through the CLI's own wiring (loadConfig → createDeps → campaign() → planCampaign), its
 * phases read off the core's progress events, and the old Lambda's per-recipient loop on a sample as the baseline.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Period } from '../src/core/common/months.js';
import type { PlannedMessage } from '../src/core/plan/build-plan.js';
import { prepareTemplates } from '../src/core/plan/plan-campaign.js';
import type { Recipient } from '../src/core/recipients/recipients-from-users.js';
import { createUnsubscribeLinks } from '../src/core/unsubscribe/unsubscribe-links.js';
import { countDifferences, indexPayoutRows, runOldLambdaLoop } from './support/plan-baseline.js';
import { checkPlan, type PlanCheck } from './support/plan-check.js';
import { runDryRunGoals } from './support/plan-dry-run-goals.js';
import { type FullRun, type PhaseTime, runFullPlan } from './support/plan-full-run.js';
import { checkStreamedPlan } from './support/plan-stream-check.js';
import { BASE_URL, createPlanWorkspace, KEY_PAIR_ID, type PlanWorkspace } from './support/plan-workspace.js';

const PERIOD: Period = { month: 1, year: 2025 };
const TARGET_RECIPIENTS_PER_SECOND = 1_000;
const TARGET_PEAK_RSS_MB = 400;
const BASELINE_SAMPLE = 1_000;
const MB = 1024 * 1024;

type Measured = Omit<FullRun, 'planned'> & {
  check: PlanCheck;
  recipients: number;
  messages: number;
  unsent: number;
  expiresAt: Date;
  /** Our messages for the baseline's sample of recipients, by address. */
  sample: Map<string, PlannedMessage>;
};

export async function run(): Promise<void> {
  const creators = readRecipientCount(process.env.BENCH_RECIPIENTS);
  const generationStart = performance.now();
  const workspace = await createPlanWorkspace(creators);
  try {
    printWorkspace(workspace, (performance.now() - generationStart) / 1000);
    const measured = await measurePlan(workspace);
    printPlan(measured);
    const baseline = await runBaseline(workspace, measured);
    printTargets(measured, baseline);
    const streamed = await checkStreamedPlan(workspace, PERIOD);
    console.log(
      `\nstreamed plan (dry run) vs the non-streaming renderer (a send), same workspace and clock: ` +
        `${streamed.messages} messages, ${streamed.verifiedSignatures} signatures verified, ${streamed.compared} ` +
        `compared byte for byte (subject, HTML, text, headers, signed URLs); counts, unsent, report statuses, ` +
        `findings and approval digest equal — mismatches ${streamed.mismatches}` +
        (streamed.reasons.length > 0 ? `; first: ${streamed.reasons.join(' | ')}` : ''),
    );
    const dryRun = await runDryRunGoals(workspace, streamed.digest);
    if (
      measured.check.mismatches > 0 ||
      baseline.differ > 0 ||
      streamed.mismatches > 0 ||
      dryRun.mismatches > 0
    )
      process.exitCode = 1;
  } finally {
    await rm(workspace.dir, { recursive: true, force: true });
  }
}

function readRecipientCount(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 20_000;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`BENCH_RECIPIENTS must be a positive integer, got "${raw}"`);
  return value;
}

/** The full plan, checked; only figures and a sample leave this function, so the plan itself can be collected. */
async function measurePlan(workspace: PlanWorkspace): Promise<Measured> {
  const { planned, ...full } = await runFullPlan(workspace.configPath, PERIOD);
  const check = checkPlan(planned, workspace);
  const { messages } = planned.plan;
  const step = Math.max(1, Math.floor(messages.length / BASELINE_SAMPLE));
  const sampled = messages.filter((_, index) => index % step === 0).slice(0, BASELINE_SAMPLE);
  return {
    ...full,
    check,
    recipients: planned.users.recipients,
    messages: messages.length,
    unsent: planned.plan.unsent.length,
    expiresAt: planned.plan.expiresAt,
    sample: new Map(sampled.map((message) => [message.to, message])),
  };
}

/**
 * The baseline's inputs (not timed): the sampled recipients as our plan mailed them, their raw payout rows from the
 * same payout port, the templates as the core prepares them, the plan's link expiry, and unsubscribe links issued
 * now, as planCampaign issues them.
 */
async function runBaseline(workspace: PlanWorkspace, measured: Measured) {
  const { deps, campaign, sample } = measured;
  const reportsDir = deps.config.reports.dir;
  if (reportsDir === undefined) throw new Error('the bench workspace has no reports.dir');
  const recipients = [...sample.values()].map(recipientOf);
  const ids = [...new Set(recipients.flatMap((recipient) => recipient.customIds.map((id) => id.resolved)))];
  const rows = await campaign.payouts.fetchPayouts({
    customIds: ids,
    period: PERIOD,
    payoutType: campaign.settings.payoutTypes[0] ?? 'youtube',
  });
  const result = await runOldLambdaLoop({
    recipients,
    rowsById: indexPayoutRows(rows),
    reportsDir,
    patterns: deps.patterns,
    period: PERIOD,
    pem: await readFile(path.join(workspace.dir, 'keys', 'private.pem'), 'utf8'),
    baseUrl: BASE_URL,
    keyPairId: KEY_PAIR_ID,
    expiresAt: measured.expiresAt,
    unsubscribeFor: await createUnsubscribeLinks(
      await campaign.settings.unsubscribe(),
      recipients.map((recipient) => recipient.email),
      deps.clock.now(),
    ),
    settings: campaign.settings,
    render: prepareTemplates(await campaign.templates.load(), campaign.settings, PERIOD),
  });
  const differ = countDifferences(sample, result.messages);
  const rate = result.messages.length / result.seconds;
  const ours = measured.recipients / measured.seconds;
  console.log(
    `\nbaseline — the old Lambda's per-recipient loop, sequential: parse its payout rows, stat every candidate key ` +
      `(${(result.probes / Math.max(1, result.messages.length)).toFixed(1)} per recipient, local stand-in for ` +
      `HeadObject), sign each link with the PEM re-parsed, render; templates compiled once, no network`,
  );
  console.log(
    `  sample ${result.messages.length} recipients in ${result.seconds.toFixed(2)} s → ${rate.toFixed(0)} recipients/s; ` +
      `extrapolated to ${measured.recipients}: ${(measured.recipients / rate).toFixed(1)} s`,
  );
  console.log(
    `  ratio ours/baseline: ${(ours / rate).toFixed(1)}× recipients/s (${ours.toFixed(0)} vs ${rate.toFixed(0)})`,
  );
  console.log(`  sampled messages that differ from ours (subject, HTML, text, URLs): ${differ}`);
  return { rate, differ };
}

function printWorkspace(workspace: PlanWorkspace, seconds: number): void {
  const { counts } = workspace;
  const { layouts } = counts;
  console.log(
    `workspace: ${counts.creators} active creators (+${counts.inactive} inactive rows), ${counts.aliases} via ` +
      `aliases; reports ${counts.files} files (layouts: ${layouts.new} new, ${layouts.legacy} legacy, ` +
      `${layouts.mixed} mixed; month spellings January/january/JANUARY/01); payouts ${counts.contracts} January ` +
      `contracts (+${counts.otherPeriodContracts} of December 2024); generated in ${seconds.toFixed(1)} s (not timed)`,
  );
}

function printPlan(measured: Measured): void {
  const { check } = measured;
  const rate = measured.recipients / measured.seconds;
  console.log(
    `\nplan January 2025 — loadConfig → createDeps → deps.campaign() → planCampaign (cold, as the CLI)`,
  );
  console.log(
    `  recipients ${measured.recipients}, messages ${measured.messages}, links ${check.links}, ` +
      `unsent ${measured.unsent}`,
  );
  console.log(`  total ${measured.seconds.toFixed(2)} s → ${rate.toFixed(0)} recipients/s`);
  printPhaseTable('phases (between progress events)', measured.phases, measured.seconds);
  const urlsPerSecond = check.links / measured.signingSeconds;
  console.log(
    `  signed ${check.links} URLs in ${measured.signingSeconds.toFixed(2)} s → ${urlsPerSecond.toFixed(0)} URLs/s ` +
      `(${((1000 * measured.signingSeconds) / check.links).toFixed(3)} ms a URL)`,
  );
  console.log(
    `  peak RSS: ${mb(measured.maxRss)} MB (maxRSS, process high-water mark incl. workspace generation); ` +
      `${mb(measured.sampledPeakRss)} MB sampled during the plan, ${mb(measured.startRss)} MB when it started`,
  );
  console.log(
    `  correctness: mismatches ${check.mismatches}; ${check.verifiedSignatures} signatures verified with the ` +
      `public key${check.reasons.length > 0 ? `; first: ${check.reasons.join(' | ')}` : ''}`,
  );
}

function printPhaseTable(title: string, phases: readonly PhaseTime[], total: number): void {
  console.log(`  ${title.padEnd(50)}${'seconds'.padStart(9)}${'share'.padStart(8)}`);
  for (const phase of phases) {
    const share = `${((100 * phase.seconds) / total).toFixed(1)}%`;
    console.log(`  ${phase.name.padEnd(50)}${phase.seconds.toFixed(2).padStart(9)}${share.padStart(8)}`);
  }
  console.log(`  ${'total'.padEnd(50)}${total.toFixed(2).padStart(9)}`);
}

function printTargets(measured: Measured, baseline: { rate: number; differ: number }): void {
  const rate = measured.recipients / measured.seconds;
  const peakMb = Math.max(measured.maxRss, measured.sampledPeakRss) / MB;
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log(
    `\ntargets: ≥ ${TARGET_RECIPIENTS_PER_SECOND} recipients/s ${met(rate >= TARGET_RECIPIENTS_PER_SECOND)} ` +
      `(${rate.toFixed(0)}); peak RSS ≤ ${TARGET_PEAK_RSS_MB} MB ${met(peakMb <= TARGET_PEAK_RSS_MB)} ` +
      `(${peakMb.toFixed(0)} MB); ${(rate / baseline.rate).toFixed(1)}× the baseline`,
  );
  const signing = measured.signingSeconds;
  const share = (100 * signing) / measured.seconds;
  const largest = measured.phases.reduce((a, b) => (b.seconds > a.seconds ? b : a));
  console.log(
    largest.name === 'signing'
      ? `signing dominates: ${signing.toFixed(2)} s of ${measured.seconds.toFixed(2)} s (${share.toFixed(0)}%), ` +
          `${(measured.check.links / signing).toFixed(0)} URLs/s — RSA-2048 SHA-1, one signature per link, on the signing worker pool (npm run bench -- sign compares it with one core)`
      : `signing does not dominate: ${share.toFixed(0)}% (${signing.toFixed(2)} s); the largest phase is ` +
          `${largest.name} (${largest.seconds.toFixed(2)} s)`,
  );
  console.log(
    `mismatches: ${measured.check.mismatches} (plan) + ${baseline.differ} (baseline sample vs ours) — must be 0`,
  );
}

/** A recipient as our plan mailed it (buildPlan reads its address, name and custom IDs). */
function recipientOf(message: PlannedMessage): Recipient {
  return { email: message.to, userName: message.userName, customIds: message.customIds, rows: [] };
}

function mb(bytes: number): string {
  return (bytes / MB).toFixed(0);
}
