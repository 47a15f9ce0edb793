/**
 * The old Lambda's shape, on the same local workspace: one recipient after the other, and for each its payout
 * rows parsed, every candidate report key probed (`stat`, the local stand-in for its HeadObject per key), each
 * link signed with the PEM text (re-parsed by node:crypto on every signature), the e-mail rendered. Templates are
 * compiled once and no network is involved (no Korrect call per recipient), so the real old Lambda was slower.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { getSignedUrl } from '@aws-sdk/cloudfront-signer';
import { encodeKeyPath } from '../../src/adapters/aws/cloudfront-signer.js';
import { monthVariants, type Period } from '../../src/core/common/months.js';
import { parsePayoutRows } from '../../src/core/payouts/payout-statements.js';
import {
  buildPlan,
  type PlanInput,
  type PlannedMessage,
  type PlanSettings,
} from '../../src/core/plan/build-plan.js';
import { defaultCampaignId } from '../../src/core/plan/plan-campaign.js';
import type { Recipient } from '../../src/core/recipients/recipients-from-users.js';
import {
  type IdResolution,
  idVariants,
  matchReports,
  type ReportPattern,
} from '../../src/core/reports/report-paths.js';

export interface BaselineInput {
  recipients: readonly Recipient[];
  rowsById: ReadonlyMap<string, unknown[]>;
  reportsDir: string;
  patterns: readonly ReportPattern[];
  period: Period;
  pem: string;
  baseUrl: string;
  keyPairId: string;
  expiresAt: Date;
  settings: PlanSettings;
  unsubscribeFor: PlanInput['unsubscribeFor'];
  render: PlanInput['render'];
}

export interface BaselineRun {
  seconds: number;
  messages: PlannedMessage[];
  probes: number;
}

export async function runOldLambdaLoop(input: BaselineInput): Promise<BaselineRun> {
  const messages: PlannedMessage[] = [];
  const dateLessThan = new Date(Math.floor(input.expiresAt.getTime() / 1000) * 1000);
  let probes = 0;
  const start = performance.now();
  for (const recipient of input.recipients) {
    const ids = recipient.customIds.map((id) => id.resolved);
    const rows = ids.flatMap((id) => input.rowsById.get(id.toUpperCase()) ?? []);
    const payouts = parsePayoutRows(rows, input.period);
    const resolutions = new Map<string, IdResolution>();
    for (const id of ids) {
      const found = await probeReports(input, id);
      probes += found.probes;
      resolutions.set(id, found.resolution);
    }
    const links = new Map<string, string>();
    for (const resolution of resolutions.values()) {
      for (const report of resolution.reports) {
        if (!report.chosen) continue;
        const url = `${input.baseUrl}/${encodeKeyPath(report.chosen.key)}`;
        const signed = getSignedUrl({ url, keyPairId: input.keyPairId, privateKey: input.pem, dateLessThan });
        links.set(report.chosen.key, signed);
      }
    }
    const plan = buildPlan({
      campaignId: defaultCampaignId(input.period),
      period: input.period,
      recipients: [recipient],
      payouts,
      resolutions,
      links,
      expiresAt: input.expiresAt,
      settings: input.settings,
      unsubscribeFor: input.unsubscribeFor,
      render: input.render,
    });
    messages.push(...plan.messages);
  }
  return { seconds: (performance.now() - start) / 1000, messages, probes };
}

/** Every key the ID's reports could have (pattern × month spelling × ID spelling), probed one by one. */
async function probeReports(input: BaselineInput, id: string) {
  const hits = new Set<string>();
  const tried = new Set<string>();
  const { year } = input.period;
  for (const { pattern } of input.patterns) {
    for (const month of monthVariants(input.period.month)) {
      for (const variant of idVariants(id)) {
        const key = pattern
          .replaceAll('{year}', String(year))
          .replaceAll('{month}', month)
          .replaceAll('{id}', variant);
        if (tried.has(key)) continue;
        tried.add(key);
        if (await exists(path.join(input.reportsDir, ...key.split('/')))) hits.add(key);
      }
    }
  }
  // The same precedence rules as ours, applied to the keys the probes found.
  return { resolution: matchReports(id, hits, input.patterns, input.period), probes: tried.size };
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Raw payout rows by upper-cased custom ID, for the loop's per-recipient lookups. */
export function indexPayoutRows(rows: readonly unknown[]): Map<string, unknown[]> {
  const byId = new Map<string, unknown[]>();
  for (const row of rows) {
    const id = (row as { customId?: unknown }).customId;
    if (typeof id !== 'string') continue;
    const key = id.toUpperCase();
    byId.set(key, [...(byId.get(key) ?? []), row]);
  }
  return byId;
}

/** Messages (by address) whose subject, HTML, text or links differ from ours. */
export function countDifferences(
  ours: ReadonlyMap<string, PlannedMessage>,
  theirs: readonly PlannedMessage[],
) {
  let differ = 0;
  for (const message of theirs) {
    const mine = ours.get(message.to);
    const same =
      mine !== undefined &&
      mine.subject === message.subject &&
      mine.html === message.html &&
      mine.text === message.text &&
      mine.links.map((link) => link.url).join() === message.links.map((link) => link.url).join();
    if (!same) differ += 1;
  }
  return differ + Math.max(0, ours.size - theirs.length);
}
