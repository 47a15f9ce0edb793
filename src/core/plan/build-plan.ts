import { createMoneyFormatter } from '../common/money.js';
import { monthName, monthNumber, type Period } from '../common/months.js';
import {
  type Contract,
  type ParsedPayouts,
  type PayoutTotals,
  type PayoutWarning,
  totalsOf,
} from '../payouts/payout-statements.js';
import type { CustomId } from '../recipients/custom-ids.js';
import type { Recipient } from '../recipients/recipients-from-users.js';
import {
  describeSharedCustomIds,
  indexSharedCustomIds,
  type SharedCustomId,
} from '../recipients/shared-custom-ids.js';
import {
  classifyReports,
  countReportStatuses,
  isSharedCustomId,
  isWithoutEveryReportType,
  type ReportStatus,
  type ReportStatusCounts,
} from '../reports/classify-reports.js';
import type { IdResolution } from '../reports/report-paths.js';
import type { UnsubscribeLink } from '../unsubscribe/unsubscribe-links.js';
import type { RenderedEmail } from './compile-templates.js';
import type { ColumnKey, CreatorSection, EmailContext, LinkView } from './email-context.js';
import { describeLink, fileTypeOf } from './email-context.js';
import {
  buildCreatorView,
  createStatementFormat,
  figuresOf,
  type StatementFormat,
  summaryOf,
} from './statement-view.js';

export interface PlannedLink {
  customId: string;
  type: string;
  label: string;
  key: string;
  url: string;
}

/** One e-mail, fully rendered, to one address. */
export interface PlannedMessage {
  /** 1-based position in the plan (also the preview file number). */
  index: number;
  to: string;
  userName: string;
  customIds: CustomId[];
  subject: string;
  html: string;
  text: string;
  links: PlannedLink[];
  /** Headers this recipient's message carries (List-Unsubscribe in own unsubscribe mode). */
  headers: Record<string, string>;
  totals: PayoutTotals;
  contracts: number;
  /** Payout warnings of its custom IDs (most messages: none, one shared empty list). */
  warnings: readonly string[];
}

/** A link as the whole month keeps it: the report and the origin it opens, never the signed URL itself. */
export interface LinkRecord {
  customId: string;
  type: string;
  label: string;
  key: string;
  /** Scheme and host the signed URL opens (`https://reports.example.com`). */
  origin: string;
}

/**
 * One message as a streamed plan keeps it for the whole month once its previews are written or it is sent: what
 * the manifest, the findings, the totals and the approval digest read — not the rendered HTML, text or headers.
 */
export interface MessageRecord extends Omit<PlannedMessage, 'html' | 'text' | 'headers' | 'links'> {
  links: LinkRecord[];
}

/** What the month-wide consumers (manifest, findings, digest, totals) read of a message, rendered or compact. */
export type MessageSummary = PlannedMessage | MessageRecord;

/**
 * Strings that many compact records of one month share, each kept once: the links' origins (a month has a few) and
 * the subject while it repeats (one without the creator's name is the same for every message).
 */
export interface SharedRecordStrings {
  origins: Map<string, string>;
  subject?: string;
}

/**
 * The compact record of a rendered message. Written out field by field: V8 gave every record made with rest and
 * spread (`{ ...rest, links }`) a hidden class of its own, ~0.5 KB more per recipient for the whole run.
 */
export function toMessageRecord(
  message: PlannedMessage,
  shared: SharedRecordStrings = { origins: new Map() },
): MessageRecord {
  if (shared.subject !== message.subject) shared.subject = message.subject;
  return {
    index: message.index,
    to: message.to,
    userName: message.userName,
    customIds: message.customIds,
    subject: shared.subject,
    totals: message.totals,
    contracts: message.contracts,
    warnings: message.warnings,
    links: message.links.map((link) => ({
      customId: link.customId,
      type: link.type,
      label: link.label,
      key: link.key,
      origin: internOrigin(link.url, shared.origins),
    })),
  };
}

/** The origin a link opens, whether it is a rendered message's (signed URL) or a compact record's. */
export function linkOrigin(link: PlannedLink | LinkRecord): string {
  return 'origin' in link ? link.origin : new URL(link.url).origin;
}

function internOrigin(url: string, origins: Map<string, string>): string {
  const origin = new URL(url).origin;
  const known = origins.get(origin);
  if (known !== undefined) return known;
  origins.set(origin, origin);
  return origin;
}

export type UnsentReason = 'nothing-to-send' | 'payout-data-invalid' | 'shared-custom-id';

export interface UnsentRecipient {
  email: string;
  customIds: string[];
  reason: UnsentReason;
  detail: string;
}

/** Not mailed because something is wrong (malformed payouts, a shared custom ID), not for lack of anything to send. */
export function isHeldBack(unsent: UnsentRecipient): boolean {
  return unsent.reason !== 'nothing-to-send';
}

/** A custom ID without every report type (`partial` or `none`), and the labels of the types it lacks. */
export interface MissingReport {
  email: string;
  customId: string;
  labels: string[];
}

/** A plan of rendered messages (`PlannedMessage`, what a send sends) or of compact ones (`MessageRecord`). */
export interface Plan<M extends MessageSummary = PlannedMessage> {
  campaignId: string;
  period: Period;
  expiresAt: Date;
  messages: M[];
  unsent: UnsentRecipient[];
  /** Every recipient's `partial` and `none` custom IDs: "IDs without every report type". */
  missingReports: MissingReport[];
  /** Every recipient's custom IDs per report status, as `resolve-paths` counts them. */
  reportStatus: ReportStatusCounts;
  payoutWarnings: PayoutWarning[];
}

export interface PlanSettings {
  brandName: string;
  currency: string;
  locale: string;
  lang: string;
  footerNote: string | null;
  /** `email.columns`: the per-contract columns, in order (default `DEFAULT_COLUMNS`). */
  columns?: readonly ColumnKey[];
  /** `payouts.payoutTypes`: one table per type, in this order (default: youtube). */
  payoutTypes?: readonly string[];
}

export interface PlanInput {
  campaignId: string;
  period: Period;
  recipients: readonly Recipient[];
  payouts: ParsedPayouts;
  resolutions: ReadonlyMap<string, IdResolution>;
  /** Signed URL of every chosen key. */
  links: ReadonlyMap<string, string>;
  expiresAt: Date;
  settings: PlanSettings;
  render: (context: EmailContext) => RenderedEmail;
  /** The recipient's unsubscribe link and headers. */
  unsubscribeFor: (email: string) => UnsubscribeLink;
  /** Custom IDs claimed by more than one address (`RecipientSelection.sharedCustomIds`): held back. */
  sharedCustomIds?: readonly SharedCustomId[];
  /** Number of the first message (default 1): a streamed plan builds the month batch by batch. */
  firstIndex?: number;
}

/**
 * Joins recipients, payouts, resolved report keys and signed links into one rendered message per address. Pure:
 * the same input gives the same plan. A recipient with neither a report nor a payout row is "nothing to send";
 * one whose payout data is malformed, or who claims a custom ID another address claims too, is held back rather
 * than mailed wrong or someone else's figures.
 */
export function buildPlan(input: PlanInput): Plan {
  const context: BuildContext = {
    input,
    expiresOn: formatExpiry(input.expiresAt),
    money: createMoneyFormatter(input.settings.currency, input.settings.locale),
    format: createStatementFormat({ ...input.settings, period: input.period }),
    warningsById: groupWarnings(input.payouts.warnings),
  };
  const messages: PlannedMessage[] = [];
  const unsent: UnsentRecipient[] = [];
  const sharedByEmail = indexSharedCustomIds(input.sharedCustomIds ?? []);
  const { missingReports, reportStatus } = classifyRecipientReports(input, sharedByEmail);

  for (const recipient of input.recipients) {
    const ids = recipient.customIds.map((id) => id.resolved);
    const heldBack = holdBack(recipient, sharedByEmail, input.payouts);
    if (heldBack) {
      unsent.push({ email: recipient.email, customIds: ids, ...heldBack });
      continue;
    }
    const sections = recipient.customIds.map((id) => buildSection(id, context));
    const shown = sections.filter((s) => s.contracts.length > 0 || s.links.length > 0);
    if (shown.length === 0) {
      const detail = ids.length === 0 ? 'no custom ID' : 'no report and no payout rows for the period';
      unsent.push({ email: recipient.email, customIds: ids, reason: 'nothing-to-send', detail });
      continue;
    }
    messages.push(buildMessage((input.firstIndex ?? 1) + messages.length, recipient, shown, context));
  }
  return {
    campaignId: input.campaignId,
    period: input.period,
    expiresAt: input.expiresAt,
    messages,
    unsent,
    missingReports,
    reportStatus,
    payoutWarnings: input.payouts.warnings,
  };
}

/**
 * How many messages `buildPlan` makes of `input.recipients` when every chosen report key has a signed link: what a
 * streamed plan needs before its first batch (preview files are numbered to the width of the month's count).
 */
export function countMessages(
  input: Pick<PlanInput, 'recipients' | 'payouts' | 'resolutions' | 'sharedCustomIds'>,
): number {
  const sharedByEmail = indexSharedCustomIds(input.sharedCustomIds ?? []);
  let count = 0;
  for (const recipient of input.recipients) {
    if (holdBack(recipient, sharedByEmail, input.payouts)) continue;
    // The test of buildPlan's `shown`: a section with contracts or with a link.
    const shown = recipient.customIds.some(
      ({ resolved }) =>
        (input.payouts.byId.get(resolved)?.length ?? 0) > 0 ||
        (input.resolutions.get(resolved)?.reports ?? []).some((report) => report.chosen !== undefined),
    );
    if (shown) count += 1;
  }
  return count;
}

/**
 * Every recipient's custom IDs classified as `resolve-paths` classifies them (held-back recipients and those with
 * nothing to send included), so both say the same: `missingReports` are the `partial` and `none` ones.
 */
function classifyRecipientReports(
  input: PlanInput,
  sharedByEmail: ReadonlyMap<string, readonly SharedCustomId[]>,
): Pick<Plan, 'missingReports' | 'reportStatus'> {
  const missingReports: MissingReport[] = [];
  const statuses: ReportStatus[] = [];
  for (const recipient of input.recipients) {
    const shared = sharedByEmail.get(recipient.email) ?? [];
    for (const { resolved } of recipient.customIds) {
      const classification = classifyReports(resolved, input.resolutions.get(resolved), {
        shared: isSharedCustomId(resolved, shared),
      });
      statuses.push(classification.status);
      if (!isWithoutEveryReportType(classification.status)) continue;
      const labels = classification.missing.map((type) => type.label);
      missingReports.push({ email: recipient.email, customId: resolved, labels });
    }
  }
  return { missingReports, reportStatus: countReportStatuses(statuses) };
}

/**
 * Why a recipient must not be mailed at all: a custom ID another address claims too (its files and figures may be
 * someone else's), or malformed payout data (the figures would be incomplete).
 */
function holdBack(
  recipient: Recipient,
  sharedByEmail: ReadonlyMap<string, readonly SharedCustomId[]>,
  payouts: ParsedPayouts,
): { reason: UnsentReason; detail: string } | undefined {
  const shared = sharedByEmail.get(recipient.email);
  if (shared) return { reason: 'shared-custom-id', detail: describeSharedCustomIds(recipient.email, shared) };
  const blocked = recipient.customIds.map((id) => id.resolved).filter((id) => payouts.blockedIds.has(id));
  if (blocked.length === 0) return undefined;
  return {
    reason: 'payout-data-invalid',
    detail: `malformed payout data for ${blocked.join(', ')} (see payout problems)`,
  };
}

/** What every message of one plan shares, computed once. */
interface BuildContext {
  input: PlanInput;
  expiresOn: string;
  money: (cents: number) => string;
  format: StatementFormat;
  warningsById: ReadonlyMap<string, string[]>;
}

function groupWarnings(warnings: readonly PayoutWarning[]): Map<string, string[]> {
  const byId = new Map<string, string[]>();
  for (const warning of warnings) {
    const key = warning.customId;
    const list = byId.get(key) ?? [];
    list.push(warning.message);
    byId.set(key, list);
  }
  return byId;
}

interface Section {
  id: CustomId;
  contracts: Contract[];
  links: PlannedLink[];
  view: CreatorSection;
}

function buildSection(id: CustomId, { input, expiresOn, format }: BuildContext): Section {
  // Payouts by the exact ID the source returned, never a normalised one (DESIGN.md "Custom IDs belong to one creator").
  const contracts = input.payouts.byId.get(id.resolved) ?? [];
  const reports = input.resolutions.get(id.resolved)?.reports ?? [];
  const links: PlannedLink[] = [];
  const views: LinkView[] = [];
  for (const report of reports) {
    const key = report.chosen?.key;
    const url = key === undefined ? undefined : input.links.get(key);
    if (key === undefined || url === undefined) continue;
    links.push({ customId: id.resolved, type: report.type, label: report.label, key, url });
    const linkText = describeLink(report, key, expiresOn);
    views.push({ type: report.type, label: report.label, url, fileType: fileTypeOf(key), linkText });
  }
  const view: CreatorSection = buildCreatorView(id, contracts, views, format);
  return { id, contracts, links, view };
}

function buildMessage(
  index: number,
  recipient: Recipient,
  sections: readonly Section[],
  { input, expiresOn, money, format, warningsById }: BuildContext,
): PlannedMessage {
  const { settings, period } = input;
  const contracts = sections.flatMap((section) => section.contracts);
  const totals = totalsOf(contracts);
  const unsubscribe = input.unsubscribeFor(recipient.email);
  const context: EmailContext = {
    lang: settings.lang,
    brandName: settings.brandName,
    preheader: preheaderOf(
      period,
      contracts.length > 0 ? money(totals.closingCents) : undefined,
      sections.some((section) => section.links.length > 0) ? expiresOn : undefined,
    ),
    userName: recipient.userName || 'there',
    email: recipient.email,
    monthName: monthName(period.month),
    month: monthNumber(period.month),
    year: period.year,
    currency: settings.currency,
    expiresOn,
    hasActivity: contracts.length > 0,
    hasLinks: sections.some((section) => section.links.length > 0),
    hasSeveralCreators: sections.length > 1,
    columns: format.columns,
    ...format.layout,
    creators: sections.map((section) => section.view),
    ...summaryOf(sections.map((section) => section.view)),
    totals: figuresOf(contracts, format),
    footerNote: settings.footerNote,
    unsubscribeUrl: unsubscribe.url,
  };
  const rendered = input.render(context);
  const warnings = sections.flatMap((section) => warningsById.get(section.id.resolved) ?? []);
  return {
    index,
    to: recipient.email,
    userName: recipient.userName,
    // The recipient's own list when every ID has a section (the usual case): a month keeps one list, not two.
    customIds:
      sections.length === recipient.customIds.length
        ? recipient.customIds
        : sections.map((section) => section.id),
    ...rendered,
    links: sections.flatMap((section) => section.links),
    headers: unsubscribe.headers,
    totals,
    contracts: contracts.length,
    warnings: warnings.length === 0 ? NO_WARNINGS : warnings,
  };
}

const NO_WARNINGS: readonly string[] = Object.freeze([]);

function preheaderOf(period: Period, closing: string | undefined, expiresOn: string | undefined): string {
  const summary = closing ? `closing balance ${closing}` : 'no payout activity';
  const links = expiresOn ? ` Report links work until ${expiresOn}.` : '';
  return `Your ${monthName(period.month)} ${period.year} statement: ${summary}.${links}`;
}

/** `23 Jan 2026` (UTC): unambiguous in every locale the creators read. */
export function formatExpiry(date: Date): string {
  return EXPIRY_FORMAT.format(date);
}

const EXPIRY_FORMAT = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});
