/**
 * The issue #15 goals of the dry run, measured on the whole command as an operator runs it (`send-report --dry-run
 * --out`, a child process each, peak RSS from GNU time): today's streamed CLI against the CLI of the commit before
 * it (the baseline, built from git in a temp folder) on the same workspace in the same run; then today's CLI alone on
 * larger months, for the memory line.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { BASELINE_REF, buildBaselineCli } from './plan-baseline-cli.js';
import { type DryRunFigures, runDryRunCommand } from './plan-dry-run.js';
import { createPlanWorkspace, type PlanWorkspace } from './plan-workspace.js';

const MB = 1024 * 1024;
const GOAL_SPEEDUP = 3;
const GOAL_RSS_MB = 250;
const GOAL_LINE_CREATORS = 100_000;
const GOAL_LINE_RSS_MB = 400;
const REPO = path.resolve(import.meta.dirname, '..', '..');
const BIN = path.join(REPO, 'bin', 'dn-mailer.js');

export async function runDryRunGoals(
  workspace: PlanWorkspace,
  digest: string,
): Promise<{ mismatches: number }> {
  const creators = workspace.counts.creators;
  console.log(`\ndry run, whole command with previews (send-report --dry-run --out), ${creators} creators`);
  let mismatches = 0;
  const ref = process.env.BENCH_PLAN_BASELINE_REF || BASELINE_REF;
  let baseline: DryRunFigures | undefined;
  try {
    const cli = await buildBaselineCli(REPO, ref);
    try {
      baseline = await runDryRunCommand(cli.bin, workspace.dir, path.join(workspace.dir, 'pv-baseline'));
    } finally {
      await cli.remove();
    }
    print(`baseline (commit ${ref.slice(0, 12)}, non-streaming)`, creators, baseline);
  } catch (error) {
    console.log(`  baseline: could not build or run commit ${ref.slice(0, 12)}: ${(error as Error).message}`);
  }
  const ours = await runDryRunCommand(BIN, workspace.dir, path.join(workspace.dir, 'pv-streamed'));
  print('today (streamed)', creators, ours);
  mismatches += await compareRuns(workspace, ours, baseline, digest);
  await rm(path.join(workspace.dir, 'pv-baseline'), { recursive: true, force: true });
  await rm(path.join(workspace.dir, 'pv-streamed'), { recursive: true, force: true });

  const line = [{ creators, peakRss: ours.peakRss }];
  for (const size of readLine(process.env.BENCH_DRY_RUN_LINE)) {
    const larger = await createPlanWorkspace(size);
    try {
      const figures = await runDryRunCommand(BIN, larger.dir, path.join(larger.dir, 'pv'));
      print('today (streamed)', size, figures);
      if (figures.manifest.counts.messages !== larger.expected.size) {
        console.log(
          `  ${size}: ${figures.manifest.counts.messages} messages, expected ${larger.expected.size}`,
        );
        mismatches += 1;
      }
      line.push({ creators: size, peakRss: figures.peakRss });
    } finally {
      await rm(larger.dir, { recursive: true, force: true });
    }
  }
  printGoals(creators, ours, baseline, line);
  return { mismatches };
}

/** `BENCH_DRY_RUN_LINE`: further months for the memory line (default 50,000 and 100,000 creators; "" for none). */
function readLine(raw: string | undefined): number[] {
  if (raw === undefined) return [50_000, GOAL_LINE_CREATORS];
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      const value = Number(item);
      if (!Number.isInteger(value) || value < 1)
        throw new Error(`BENCH_DRY_RUN_LINE: "${item}" is not a count`);
      return value;
    });
}

function print(label: string, creators: number, figures: DryRunFigures): void {
  console.log(
    `  ${label.padEnd(44)} ${creators} creators in ${figures.seconds.toFixed(1)} s → ` +
      `${(creators / figures.seconds).toFixed(0)} recipients/s, peak RSS ${(figures.peakRss / MB).toFixed(0)} MB, ` +
      `${figures.manifest.counts.messages} messages`,
  );
}

/** Same plan from both CLIs and the in-process streamed plan: counts, digest, the preview files. */
async function compareRuns(
  workspace: PlanWorkspace,
  ours: DryRunFigures,
  baseline: DryRunFigures | undefined,
  digest: string,
): Promise<number> {
  const problems: string[] = [];
  const { counts, approval } = ours.manifest;
  if (counts.messages !== workspace.expected.size) problems.push(`messages ${counts.messages}`);
  if (counts.links !== 2 * workspace.expected.size) problems.push(`links ${counts.links}`);
  if (approval?.digest !== digest) problems.push('digest differs from the in-process streamed plan');
  const files = (await readdir(path.join(workspace.dir, 'pv-streamed'))).sort();
  if (files.length !== 3 * counts.messages + 3) problems.push(`${files.length} files in the preview folder`);
  if (baseline) {
    const theirs = baseline.manifest;
    if (JSON.stringify(theirs.counts) !== JSON.stringify(counts))
      problems.push('counts differ from the baseline');
    if (theirs.approval?.digest !== approval?.digest)
      problems.push('approval digest differs from the baseline');
    const names = (await readdir(path.join(workspace.dir, 'pv-baseline'))).sort();
    if (names.join() !== files.join()) problems.push('preview file names differ from the baseline');
  }
  console.log(
    `  same plan: counts, approval digest (${approval?.digest.slice(0, 12)}…) and preview file names ` +
      `${baseline ? 'equal to the baseline and ' : ''}to the in-process streamed plan — mismatches ${problems.length}` +
      (problems.length > 0 ? `: ${problems.join('; ')}` : ''),
  );
  return problems.length;
}

function printGoals(
  creators: number,
  ours: DryRunFigures,
  baseline: DryRunFigures | undefined,
  line: { creators: number; peakRss: number }[],
): void {
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const rate = creators / ours.seconds;
  const rss = ours.peakRss / MB;
  if (baseline) {
    const speedup = rate / (creators / baseline.seconds);
    console.log(
      `goal: dry run ${creators} creators, whole command with previews: ${rate.toFixed(0)} recipients/s = ` +
        `${speedup.toFixed(2)}× the baseline's ${(creators / baseline.seconds).toFixed(0)} (≥ ${GOAL_SPEEDUP}×) ` +
        `${met(speedup >= GOAL_SPEEDUP)}; peak RSS ${rss.toFixed(0)} MB, baseline ` +
        `${(baseline.peakRss / MB).toFixed(0)} MB (≤ ${GOAL_RSS_MB} MB) ${met(rss <= GOAL_RSS_MB)}`,
    );
  } else {
    console.log(
      `goal: dry run ${creators} creators: ${rate.toFixed(0)} recipients/s, no baseline — ≥ ${GOAL_SPEEDUP}× NOT met ` +
        `(not measured); peak RSS ${rss.toFixed(0)} MB (≤ ${GOAL_RSS_MB} MB) ${met(rss <= GOAL_RSS_MB)}`,
    );
  }
  const sorted = [...line].sort((a, b) => a.creators - b.creators);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  const slope =
    first && last && last.creators > first.creators
      ? ((last.peakRss - first.peakRss) / MB / (last.creators - first.creators)) * 10_000
      : Number.NaN;
  const points = sorted.map((p) => `${p.creators}: ${(p.peakRss / MB).toFixed(0)} MB`).join(', ');
  const goal = sorted.find((p) => p.creators === GOAL_LINE_CREATORS);
  console.log(
    `goal: ${GOAL_LINE_CREATORS} creators peak RSS ≤ ${GOAL_LINE_RSS_MB} MB ` +
      (goal
        ? `${met(goal.peakRss / MB <= GOAL_LINE_RSS_MB)} (${(goal.peakRss / MB).toFixed(0)} MB)`
        : 'NOT met (not measured)') +
      `; memory line ${points} → ${Number.isNaN(slope) ? 'n/a' : `+${slope.toFixed(1)} MB per 10,000 creators`}`,
  );
}
