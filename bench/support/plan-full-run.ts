/**
 * The plan as the CLI builds it: loadConfig → createDeps → deps.campaign() → planCampaign, timed end to end, with
 * the phases read off the core's progress events and the RSS sampled while it runs.
 */
import path from 'node:path';
import type { CampaignPorts as CampaignParts } from '../../src/backend.js';
import { createDeps, type Deps } from '../../src/cli/deps.js';
import { collectingBeforeRendering } from '../../src/cli/heap.js';
import { loadConfig } from '../../src/config/load.js';
import type { Period } from '../../src/core/common/months.js';
import type { ProgressEvent } from '../../src/core/common/progress-events.js';
import { type CampaignPlan, planCampaign } from '../../src/core/plan/plan-campaign.js';

export interface PhaseTime {
  name: string;
  seconds: number;
}

export interface FullRun {
  planned: CampaignPlan;
  deps: Deps;
  campaign: CampaignParts;
  seconds: number;
  /** Consecutive phases between progress events; they add up to `seconds`. */
  phases: PhaseTime[];
  signingSeconds: number;
  /** RSS when the run started (modules loaded, workspace generated), in bytes. */
  startRss: number;
  /** Highest RSS sampled during the run (every 10 ms, at each progress event and at the end), in bytes. */
  sampledPeakRss: number;
  /** process.resourceUsage().maxRSS right after the run, in bytes: the process high-water mark so far. */
  maxRss: number;
}

/** Progress events that open a phase, in the order planCampaign emits them. */
const PHASE_STARTS: ReadonlyArray<{ type: ProgressEvent['type']; name: string }> = [
  { type: 'users-loading', name: 'users (read + recipient rules)' },
  { type: 'payouts-loading', name: 'payouts read + parse ∥ listing + matching' },
  { type: 'signing', name: 'signing' },
  { type: 'rendering', name: 'rendering (buildPlan)' },
];

export async function runFullPlan(configPath: string, period: Period): Promise<FullRun> {
  const firstAt = new Map<string, number>();
  const startRss = process.memoryUsage.rss();
  const rss = createRssSampler();
  // As send-report wires it: the loading's garbage is collected when the rendering starts.
  const onProgress = collectingBeforeRendering((event: ProgressEvent) => {
    if (!firstAt.has(event.type)) firstAt.set(event.type, performance.now());
    rss.sample();
  });
  const start = performance.now();
  const loaded = await loadConfig({ cwd: path.dirname(configPath), env: {}, configPath });
  const deps = await createDeps(loaded, { now: () => new Date() }, { onProgress });
  const campaign = deps.campaign();
  const planned = await planCampaign({ ...deps, ...campaign, onProgress }, { period });
  const end = performance.now();
  rss.sample();
  rss.stop();

  const bounds = [
    { name: 'config + deps + templates (compile, check)', at: start },
    ...PHASE_STARTS.map(({ type, name }) => {
      const at = firstAt.get(type);
      if (at === undefined) throw new Error(`planCampaign emitted no "${type}" progress event`);
      return { name, at };
    }),
  ];
  const phases = bounds.map((bound, i) => ({
    name: bound.name,
    seconds: ((bounds[i + 1]?.at ?? end) - bound.at) / 1000,
  }));
  return {
    planned,
    deps,
    campaign,
    seconds: (end - start) / 1000,
    phases,
    signingSeconds: phases.find((phase) => phase.name === 'signing')?.seconds ?? Number.NaN,
    startRss,
    sampledPeakRss: rss.peak(),
    maxRss: process.resourceUsage().maxRSS * 1024,
  };
}

/** Samples process RSS on a timer; synchronous stretches (buildPlan) are covered by explicit samples around them. */
export function createRssSampler(intervalMs = 10) {
  let peak = process.memoryUsage.rss();
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return { sample, stop: () => clearInterval(timer), peak: () => peak };
}
