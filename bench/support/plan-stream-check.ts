/**
 * Is the streamed plan the same plan: the dry run's `streamCampaign` against the non-streaming `planCampaign` (which
 * a send still uses) on one workspace, one clock. Every streamed message is checked (its links open its keys and
 * carry a verified signature), a sample is compared byte for byte (subject, HTML, text, headers, signed URLs), and
 * the month-wide results — counts, unsent, report statuses, findings, the approval digest — must be equal.
 */
import { createDeps } from '../../src/cli/deps.js';
import { loadConfig } from '../../src/config/load.js';
import type { Period } from '../../src/core/common/months.js';
import type { PlannedMessage } from '../../src/core/plan/build-plan.js';
import { planCampaign } from '../../src/core/plan/plan-campaign.js';
import { canonicalPlan, planDigest } from '../../src/core/plan/plan-digest.js';
import { streamCampaign } from '../../src/core/plan/stream-plan.js';
import { checkMessage } from './plan-check.js';
import type { PlanWorkspace } from './plan-workspace.js';

export interface StreamCheck {
  mismatches: number;
  reasons: string[];
  messages: number;
  /** Messages compared byte for byte with the non-streaming renderer's. */
  compared: number;
  verifiedSignatures: number;
  digest: string;
}

const SAMPLE = 500;

export async function checkStreamedPlan(workspace: PlanWorkspace, period: Period): Promise<StreamCheck> {
  const now = new Date();
  const loaded = await loadConfig({ cwd: workspace.dir, env: {}, configPath: workspace.configPath });
  const deps = await createDeps(loaded, { now: () => now });
  const campaign = deps.campaign();
  const identity = { ...campaign.email, settings: campaign.settings };
  const full = await planCampaign({ ...deps, ...campaign }, { period });
  const step = Math.max(1, Math.floor(full.plan.messages.length / SAMPLE));
  const reasons: string[] = [];
  let mismatches = 0;
  const fail = (reason: string) => {
    mismatches += 1;
    if (reasons.length < 5) reasons.push(reason);
  };
  let compared = 0;
  let verifiedSignatures = 0;
  const seen = new Set<string>();
  const expires = String(Math.floor(full.plan.expiresAt.getTime() / 1000));
  const streamed = await streamCampaign({ ...deps, ...campaign }, { period }, async (messages) => {
    for (const message of messages) {
      const wrong = checkMessage(message, workspace, expires, workspace.publicKey, seen);
      if (wrong === undefined) verifiedSignatures += message.links.length;
      else fail(`${message.to}: ${wrong}`);
      if ((message.index - 1) % step !== 0) continue;
      compared += 1;
      const theirs = full.plan.messages[message.index - 1];
      if (theirs === undefined || !sameMessage(message, theirs))
        fail(`message ${message.index} (${message.to}) differs from the non-streaming renderer's`);
    }
  });
  const equal = (what: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) fail(`${what} differ`);
  };
  equal('message counts', streamed.plan.messages.length, full.plan.messages.length);
  equal('unsent', streamed.plan.unsent, full.plan.unsent);
  equal('missing reports', streamed.plan.missingReports, full.plan.missingReports);
  equal('report statuses', streamed.plan.reportStatus, full.plan.reportStatus);
  equal('findings', streamed.findings, full.findings);
  const digest = planDigest(canonicalPlan(streamed, identity));
  equal('approval digests', digest, planDigest(canonicalPlan(full, identity)));
  for (const email of workspace.expected.keys()) if (!seen.has(email)) fail(`${email}: not streamed`);
  return {
    mismatches,
    reasons,
    messages: streamed.plan.messages.length,
    compared,
    verifiedSignatures,
    digest,
  };
}

function sameMessage(a: PlannedMessage, b: PlannedMessage): boolean {
  return (
    a.index === b.index &&
    a.to === b.to &&
    a.subject === b.subject &&
    a.html === b.html &&
    a.text === b.text &&
    JSON.stringify(a.headers) === JSON.stringify(b.headers) &&
    JSON.stringify(a.links) === JSON.stringify(b.links) &&
    JSON.stringify(a.totals) === JSON.stringify(b.totals)
  );
}
