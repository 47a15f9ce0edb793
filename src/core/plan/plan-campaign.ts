import { createHash } from 'node:crypto';
import type { Clock, LinkSigner, PayoutSource, ReportStore, TemplateStore, UserSource } from '../../ports.js';
import { UsageError } from '../common/errors.js';
import { monthNumber, type Period } from '../common/months.js';
import { ignoreProgress, type OnProgress } from '../common/progress-events.js';
import { fetchPayoutStatements } from '../payouts/fetch-payouts.js';
import type { Contract, ParsedPayouts } from '../payouts/payout-statements.js';
import { type Shard, selectForCampaign } from '../recipients/filter-for-campaign.js';
import { loadRecipients } from '../recipients/load-recipients.js';
import type { Recipient, RecipientRules, RecipientSelection } from '../recipients/recipients-from-users.js';
import { resolvedCustomIds } from '../recipients/shared-custom-ids.js';
import type { RowProblem } from '../recipients/user-rows.js';
import { linkExpiry } from '../reports/link-expiry.js';
import { type IdResolution, type ReportPattern, resolveReportKeys } from '../reports/report-paths.js';
import {
  createUnsubscribeLinks,
  describeUnsubscribe,
  type UnsubscribeSettings,
} from '../unsubscribe/unsubscribe-links.js';
import {
  buildPlan,
  type MessageSummary,
  type Plan,
  type PlanInput,
  type PlannedMessage,
  type PlanSettings,
} from './build-plan.js';
import { checkTemplates } from './check-templates-with-sample.js';
import {
  compileEmailTemplates,
  type EmailTemplates,
  type RenderedEmail,
  type TemplateSource,
} from './compile-templates.js';
import type { EmailContext } from './email-context.js';
import {
  addReportFindings,
  emptyReportFindings,
  findPlanFindings,
  type PlanFindings,
  type ReportFindings,
} from './plan-findings.js';

export interface CampaignSettings extends PlanSettings {
  /** How recipients unsubscribe; loads the token key (a secret) once, when the plan starts. */
  unsubscribe: () => Promise<UnsubscribeSettings>;
  subject: string;
  greeting: string;
  body: string;
  expiresInDays: number;
  /** `payouts.payoutTypes` (or the one `payouts.payoutType`): fetched one call each, one table each. */
  payoutTypes: readonly string[];
  /** Report types every mailed creator must have (`reports.required`); a gap is a `missing-reports` finding. */
  requiredReportTypes: readonly string[];
}

export interface CampaignDeps {
  users: UserSource;
  reports: ReportStore;
  payouts: PayoutSource;
  signer: LinkSigner;
  templates: TemplateStore;
  clock: Clock;
  rules: RecipientRules;
  patterns: readonly ReportPattern[];
  settings: CampaignSettings;
  onProgress?: OnProgress;
}

export interface CampaignRequest {
  period: Period;
  only?: readonly string[];
  limit?: number;
  /** `--redirect-to`: every unsubscribe link and header is made for this address, never the creator's. */
  unsubscribeAs?: string | undefined;
  /** `--shard i/n`: this run's slice of the recipients. */
  shard?: Shard | undefined;
  campaignId?: string;
}

/** The plan and what was found making it; `M`: rendered messages (a send) or compact records (a streamed dry run). */
export interface CampaignPlan<M extends MessageSummary = PlannedMessage> {
  plan: Plan<M>;
  currency: string;
  users: Omit<RecipientSelection, 'recipients'> & { origin: string; recipients: number };
  /** `--only` entries that matched no recipient. */
  unmatched: string[];
  payoutProblems: RowProblem[];
  /** What a person must look at before this plan is sent; they gate the send. */
  findings: PlanFindings;
  /** How recipients unsubscribe, in one line (`own: one-click links to …`). */
  unsubscribe: string;
  /** SHA-256 of the HTML and text template sources (part of what a reviewer approves). */
  templateDigest: string;
  /** The period's contracts of a custom ID (as resolved), for the approval digest. */
  contractsOf(customId: string): readonly Contract[] | undefined;
}

/**
 * Compiles the templates and checks them against a sample context (an unknown variable or helper fails here,
 * before any user, payout or bucket is read); returns the renderer.
 */
export function prepareTemplates(
  sources: { html: TemplateSource; text: TemplateSource },
  settings: CampaignSettings,
  period: Period,
): (context: EmailContext) => RenderedEmail {
  const templates = campaignTemplates(sources, settings);
  const render = compileEmailTemplates(templates);
  checkTemplates(templates, render, settings, period);
  return render;
}

/** The HTML and text templates plus the subject, greeting and body templates of the config. */
export function campaignTemplates(
  sources: { html: TemplateSource; text: TemplateSource },
  settings: Pick<CampaignSettings, 'subject' | 'greeting' | 'body'>,
): EmailTemplates {
  return {
    ...sources,
    subject: { name: 'email.subject', source: settings.subject },
    greeting: { name: 'email.greeting', source: settings.greeting },
    body: { name: 'email.body', source: settings.body },
  };
}

export function defaultCampaignId(period: Period): string {
  return `financial-${period.year}-${monthNumber(period.month)}`;
}

/**
 * Everything a send needs, for every recipient, before anything is sent: templates compiled and checked first
 * (a template error costs no network call), then users, payouts and report keys, signed links, rendered e-mails.
 */
export async function planCampaign(deps: CampaignDeps, request: CampaignRequest): Promise<CampaignPlan> {
  const inputs = await loadCampaignInputs(deps, request);
  const onProgress = deps.onProgress ?? ignoreProgress;
  const keys = [...inputs.resolutions.values()].flatMap((r) =>
    r.reports.flatMap((report) => (report.chosen ? [report.chosen.key] : [])),
  );
  onProgress({ type: 'signing', links: keys.length });
  const links = await deps.signer.signUrls(keys, inputs.expiresAt);
  onProgress({ type: 'rendering', recipients: inputs.recipients.length });
  const plan = buildPlan({ ...inputs.planInput, links });
  const reports = addReportFindings(emptyReportFindings(), plan.messages, inputs.resolutions, {
    requiredReportTypes: inputs.settings.requiredReportTypes,
  });
  return assembleCampaignPlan(inputs, plan, reports);
}

/** What a plan is made of, read once: the recipients, their payouts and report keys, the renderer. */
export interface CampaignInputs {
  planInput: Omit<PlanInput, 'links'>;
  recipients: readonly Recipient[];
  expiresAt: Date;
  /**
   * The report files matched for each custom ID (`classifyReports` says complete, partial, none, …); the same map as
   * `planInput.resolutions`. A streamed plan deletes an ID's entry once every recipient holding it is rendered.
   */
  resolutions: Map<string, IdResolution>;
  /** The custom IDs of the selection (as resolved), in order. */
  ids: readonly string[];
  loaded: RecipientSelection & { origin: string };
  unmatched: string[];
  payouts: ParsedPayouts;
  settings: CampaignSettings;
  unsubscribeSettings: UnsubscribeSettings;
  templateDigest: string;
}

/**
 * Templates compiled and checked (a template error costs no network call), then users, payouts and report keys:
 * everything but the signed links and the rendered e-mails.
 */
export async function loadCampaignInputs(
  deps: CampaignDeps,
  request: CampaignRequest,
): Promise<CampaignInputs> {
  const onProgress = deps.onProgress ?? ignoreProgress;
  const { settings } = deps;
  const sources = await deps.templates.load();
  const render = prepareTemplates(sources, settings, request.period);
  const expiresAt = linkExpiry(deps.clock.now(), settings.expiresInDays);
  const unsubscribeSettings = await settings.unsubscribe();

  const loaded = await loadRecipients(deps.users, deps.rules, onProgress);
  const { recipients, unmatched } = selectForCampaign(loaded.recipients, request);
  if (request.only && request.only.length > 0 && unmatched.length === request.only.length) {
    throw new UsageError(`no recipient matches ${request.only.join(', ')}`, {
      hint: 'give custom IDs (before or after their alias) or addresses; dn-mailer resolve-paths lists them',
    });
  }
  const { unsubscribeAs } = request;
  const linksFor = await createUnsubscribeLinks(
    unsubscribeSettings,
    unsubscribeAs ? [unsubscribeAs] : recipients.map((recipient) => recipient.email),
    deps.clock.now(),
  );
  const unsubscribeFor = unsubscribeAs ? () => linksFor(unsubscribeAs) : linksFor;
  const ids = [...new Set(recipients.flatMap((recipient) => recipient.customIds.map((id) => id.resolved)))];
  onProgress({ type: 'payouts-loading', origin: deps.payouts.origin, ids: ids.length });
  const [payouts, resolutions] = await Promise.all([
    fetchPayoutStatements(deps.payouts, {
      customIds: ids,
      period: request.period,
      payoutTypes: settings.payoutTypes,
    }),
    // Checked against every recipient's IDs, not just this selection's: a key two IDs match goes to neither.
    resolveReportKeys(
      deps.reports,
      ids,
      deps.patterns,
      request.period,
      onProgress,
      resolvedCustomIds(loaded.recipients),
    ),
  ]);
  return {
    planInput: {
      campaignId: request.campaignId ?? defaultCampaignId(request.period),
      period: request.period,
      recipients,
      payouts,
      resolutions,
      expiresAt,
      settings,
      render,
      unsubscribeFor,
      sharedCustomIds: loaded.sharedCustomIds,
    },
    recipients,
    expiresAt,
    resolutions,
    ids,
    loaded,
    unmatched,
    payouts,
    settings,
    unsubscribeSettings,
    templateDigest: createHash('sha256')
      .update(sources.html.source)
      .update('\0')
      .update(sources.text.source)
      .digest('hex'),
  };
}

/**
 * The campaign plan of a built plan (rendered or compact): its findings, counts and what its digest needs; `reports`:
 * its messages' report findings, collected while it was built.
 */
export function assembleCampaignPlan<M extends MessageSummary>(
  inputs: CampaignInputs,
  plan: Plan<M>,
  reports: ReportFindings,
): CampaignPlan<M> {
  const { loaded, payouts, settings } = inputs;
  const { recipients: all, ...rest } = loaded;
  return {
    plan,
    currency: settings.currency,
    users: { ...rest, recipients: all.length },
    unmatched: inputs.unmatched,
    payoutProblems: payouts.problems,
    findings: findPlanFindings(plan, reports, {
      requiredReportTypes: settings.requiredReportTypes,
      payouts: {
        // Rows Korrect returned for an ID no recipient asked for exactly (`DYLVN` for `dylvn`): nobody's figures.
        unclaimedIds: unclaimedPayoutIds(payouts.byId.keys(), inputs.ids),
        unattributed: payouts.unattributed,
      },
    }),
    unsubscribe: describeUnsubscribe(inputs.unsubscribeSettings),
    templateDigest: inputs.templateDigest,
    contractsOf: (customId) => payouts.byId.get(customId), // by the exact ID, like the plan
  };
}

/** IDs the payout source returned that no recipient asked for exactly (a Set: months have tens of thousands). */
function unclaimedPayoutIds(returned: Iterable<string>, requested: readonly string[]): string[] {
  const asked = new Set(requested);
  return [...returned].filter((id) => !asked.has(id));
}
