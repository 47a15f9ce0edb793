/**
 * The plan's phases run one at a time on the same inputs (same adapters, same expiry), so each figure is that
 * phase alone: in planCampaign the payout read overlaps the listing and nothing else runs meanwhile.
 */
import type { CampaignPorts as CampaignParts } from '../../src/backend.js';
import type { Deps } from '../../src/cli/deps.js';
import type { Period } from '../../src/core/common/months.js';
import { parsePayoutRows } from '../../src/core/payouts/payout-statements.js';
import { buildPlan, type PlanInput } from '../../src/core/plan/build-plan.js';
import { compileEmailTemplates, type EmailTemplates } from '../../src/core/plan/compile-templates.js';
import { campaignTemplates, defaultCampaignId } from '../../src/core/plan/plan-campaign.js';
import { loadRecipients } from '../../src/core/recipients/load-recipients.js';
import type { Recipient } from '../../src/core/recipients/recipients-from-users.js';
import {
  type IdResolution,
  listingPrefixes,
  listReportKeys,
  matchReports,
} from '../../src/core/reports/report-paths.js';
import { createUnsubscribeLinks } from '../../src/core/unsubscribe/unsubscribe-links.js';
import type { PhaseTime } from './plan-full-run.js';

export interface PhaseRun {
  phases: PhaseTime[];
  recipients: Recipient[];
  /** Raw payout rows by upper-cased custom ID, for the baseline's per-recipient lookups. */
  rowsById: Map<string, unknown[]>;
  templates: EmailTemplates;
  prefixes: number;
  listedKeys: number;
  signedUrls: number;
  signingSeconds: number;
  messages: number;
}

async function timed<T>(phases: PhaseTime[], name: string, work: () => T | Promise<T>): Promise<T> {
  const start = performance.now();
  const value = await work();
  phases.push({ name, seconds: (performance.now() - start) / 1000 });
  return value;
}

export async function runPhasesOneByOne(
  deps: Deps,
  campaign: CampaignParts,
  period: Period,
  expiresAt: Date,
): Promise<PhaseRun> {
  const { settings } = campaign;
  const phases: PhaseTime[] = [];
  const { recipients } = await timed(phases, 'users: read + recipient rules', () =>
    loadRecipients(deps.users, deps.rules),
  );
  const ids = [...new Set(recipients.flatMap((recipient) => recipient.customIds.map((id) => id.resolved)))];
  const rows = await timed(phases, 'payouts: read file (JSON.parse, filter)', () =>
    campaign.payouts.fetchPayouts({ customIds: ids, period, payoutType: settings.payoutType }),
  );
  const payouts = await timed(phases, 'payouts: parse (parsePayoutRows)', () =>
    parsePayoutRows(rows, period),
  );
  const prefixes = listingPrefixes(deps.patterns, period);
  const listed = await timed(phases, `resolve: list ${prefixes.length} prefixes`, () =>
    listReportKeys(deps.reports, prefixes),
  );
  const resolutions = await timed(phases, 'resolve: match IDs (matchReports)', () => {
    const map = new Map<string, IdResolution>();
    for (const id of ids) map.set(id, matchReports(id, listed, deps.patterns, period));
    return map;
  });
  const keys = [...resolutions.values()].flatMap((r) =>
    r.reports.flatMap((report) => (report.chosen ? [report.chosen.key] : [])),
  );
  const links = await timed(phases, 'signing (signer.signUrls)', () =>
    campaign.signer.signUrls(keys, expiresAt),
  );
  const templates = campaignTemplates(await campaign.templates.load(), settings);
  const input: Omit<PlanInput, 'render'> = {
    campaignId: defaultCampaignId(period),
    period,
    recipients,
    payouts,
    resolutions,
    links,
    expiresAt,
    settings,
    unsubscribeFor: createUnsubscribeLinks(await settings.unsubscribe(), expiresAt),
  };
  const messages = await timed(phases, 'rendering: compile + buildPlan', () => {
    const render = compileEmailTemplates(templates);
    return buildPlan({ ...input, render }).messages.length;
  });
  await timed(phases, '  of which without Handlebars (no-op render)', () => {
    buildPlan({ ...input, render: () => ({ subject: '', html: '', text: '' }) });
  });
  return {
    phases,
    recipients,
    rowsById: indexRows(rows),
    templates,
    prefixes: prefixes.length,
    listedKeys: listed.size,
    signedUrls: links.size,
    signingSeconds: phases.find((phase) => phase.name.startsWith('signing'))?.seconds ?? Number.NaN,
    messages,
  };
}

function indexRows(rows: readonly unknown[]): Map<string, unknown[]> {
  const byId = new Map<string, unknown[]>();
  for (const row of rows) {
    const id = (row as { customId?: unknown }).customId;
    if (typeof id !== 'string') continue;
    const key = id.toUpperCase();
    byId.set(key, [...(byId.get(key) ?? []), row]);
  }
  return byId;
}
