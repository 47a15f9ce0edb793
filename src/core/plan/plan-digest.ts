import { createHash } from 'node:crypto';
import { InputError } from '../common/errors.js';
import type { Contract } from '../payouts/payout-statements.js';
import { linkOrigin, type MessageSummary } from './build-plan.js';
import { LazyList } from './lazy-list.js';
import type { CampaignPlan, CampaignSettings } from './plan-campaign.js';

/**
 * The plan as a reviewer approves it: what would be sent to whom, with which figures and files — never signatures,
 * tokens or expiry times, which differ on every run. Two runs over the same data give the same canonical plan.
 */
export interface CanonicalPlan {
  version: 1;
  campaignId: string;
  period: string;
  sender: { from: string; replyTo: string | null; bcc: string[] };
  subjectTemplate: string;
  /** Every campaign setting that shapes the e-mail (greeting, body, footer, brand, columns, currency, locale, …). */
  settings: string;
  /** SHA-256 of the HTML and text template sources. */
  templates: string;
  unsubscribe: string;
  recipients: CanonicalRecipient[];
  notMailed: { email: string; customIds: string[]; reason: string }[];
  findings: { name: string; entries: string[] }[];
}

export interface CanonicalRecipient {
  email: string;
  userName: string;
  customIds: string[];
  subject: string;
  /** Per contract: `customId code {every field, amounts in cents}`. */
  figures: string[];
  reportKeys: string[];
}

export interface PlanIdentity {
  from: string;
  replyTo?: string | undefined;
  bcc: readonly string[];
  /** The campaign settings (subject, greeting, body, footer, columns, …); functions in it are left out. */
  settings: CampaignSettings;
}

/**
 * The canonical plan a dry run writes into its manifest: the same plan, but its recipients are made one by one each
 * time they are read (hashed, then written), from the messages sorted by address — a month's canonical recipients,
 * a figure string per contract, are never all held at once. Its digest and JSON are the canonical plan's.
 */
export interface StreamedCanonicalPlan extends Omit<CanonicalPlan, 'recipients'> {
  recipients: LazyList<CanonicalRecipient>;
}

/** The canonical form of a campaign plan; `contractsOf` gives each custom ID's contracts of the period. */
export function canonicalPlan(campaign: CampaignPlan<MessageSummary>, identity: PlanIdentity): CanonicalPlan {
  const streamed = streamedCanonicalPlan(campaign, identity);
  return { ...streamed, recipients: [...streamed.recipients] };
}

/** `canonicalPlan`, its recipients made as they are read (see `StreamedCanonicalPlan`). */
export function streamedCanonicalPlan(
  campaign: CampaignPlan<MessageSummary>,
  identity: PlanIdentity,
): StreamedCanonicalPlan {
  const { plan } = campaign;
  const toRecipient = canonicalRecipientOf(campaign);
  // By address (each is mailed once): the recipients' order in the canonical plan.
  const sorted = [...plan.messages].sort((a, b) => byCodeUnits(a.to, b.to));
  return {
    version: 1,
    campaignId: plan.campaignId,
    period: `${plan.period.year}-${String(plan.period.month).padStart(2, '0')}`,
    sender: { from: identity.from, replyTo: identity.replyTo ?? null, bcc: [...identity.bcc].sort() },
    subjectTemplate: identity.settings.subject,
    settings: stableJson(identity.settings),
    templates: campaign.templateDigest,
    unsubscribe: campaign.unsubscribe,
    recipients: new LazyList(sorted.length, function* () {
      for (const message of sorted) yield toRecipient(message);
    }),
    notMailed: plan.unsent
      .map((unsent) => ({ email: unsent.email, customIds: unsent.customIds, reason: unsent.reason }))
      .sort((a, b) => byCodeUnits(a.email, b.email)),
    findings: campaign.findings.findings.map((finding) => ({
      name: finding.name,
      entries: finding.entries.map((entry) => `${entry.email}: ${entry.detail}`).sort(),
    })),
  };
}

/** One message as the canonical plan lists it. */
function canonicalRecipientOf(campaign: CampaignPlan<MessageSummary>) {
  // Every field of the contract — balances, gross, views, royalties — so any figure an e-mail may show is covered.
  const figure = (c: Contract) => `${c.customId} ${c.contractCode} ${stableJson(c)}`;
  return (message: MessageSummary): CanonicalRecipient => ({
    email: message.to,
    userName: message.userName,
    // The ID (and its alias) with the channel name the e-mail's heading shows.
    customIds: message.customIds.map(
      (id) =>
        `${id.original === id.resolved ? id.resolved : `${id.original}→${id.resolved}`}${id.channelName ? ` "${id.channelName}"` : ''}`,
    ),
    subject: message.subject,
    figures: message.customIds.flatMap((id) => (campaign.contractsOf(id.resolved) ?? []).map(figure)).sort(),
    // The label the creator reads and the host the link points at; never the signature or expiry.
    reportKeys: message.links
      .map((link) => `${link.customId} ${link.type} ${link.label} ${link.key} ${linkOrigin(link)}`)
      .sort(),
  });
}

/**
 * SHA-256 (hex) of the canonical plan's JSON, keys in a fixed order — hashed piece by piece (the text is the same
 * as `stableJson(canonical)`, whose digest operators approve; a month's plan is never one string).
 */
export function planDigest(canonical: CanonicalPlan | StreamedCanonicalPlan): string {
  const hash = createHash('sha256');
  for (const piece of stableJsonPieces(canonical)) hash.update(piece);
  return hash.digest('hex');
}

/** `stableJson(value)` in pieces: the top-level object key by key, its arrays item by item. */
function* stableJsonPieces(value: object): Generator<string> {
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => byCodeUnits(a, b));
  yield '{';
  for (let i = 0; i < entries.length; i += 1) {
    const [key, item] = entries[i] as [string, unknown];
    yield `${i === 0 ? '' : ','}${JSON.stringify(key)}:`;
    if (!Array.isArray(item) && !(item instanceof LazyList)) {
      yield stableJson(item);
      continue;
    }
    yield '[';
    let j = 0;
    for (const element of item as Iterable<unknown>) yield `${j++ === 0 ? '' : ','}${stableJson(element)}`;
    yield ']';
  }
  yield '}';
}

export function stableJson(value: unknown): string {
  if (typeof value === 'function' || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => byCodeUnits(a, b));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What changed between a reviewed plan and a fresh one, one line each (addresses as given: the caller masks). */
export function diffPlans(
  reviewed: CanonicalPlan,
  fresh: CanonicalPlan,
  mask: (email: string) => string = (email) => email,
): string[] {
  const changes: string[] = [];
  const scalar = (name: string, a: unknown, b: unknown) => {
    if (stableJson(a) !== stableJson(b)) changes.push(`${name}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`);
  };
  scalar('campaign', reviewed.campaignId, fresh.campaignId);
  scalar('period', reviewed.period, fresh.period);
  scalar('sender', reviewed.sender, fresh.sender);
  scalar('subject template', reviewed.subjectTemplate, fresh.subjectTemplate);
  if (reviewed.settings !== fresh.settings)
    changes.push(
      'e-mail settings: the greeting, body, footer, columns or another email./payouts. setting changed',
    );
  if (reviewed.templates !== fresh.templates) changes.push('templates: the HTML or text template changed');
  scalar('unsubscribe', reviewed.unsubscribe, fresh.unsubscribe);
  const before = new Map(reviewed.recipients.map((r) => [r.email, r]));
  const after = new Map(fresh.recipients.map((r) => [r.email, r]));
  for (const [email, recipient] of after) {
    const old = before.get(email);
    if (!old) {
      changes.push(`recipient added: ${mask(email)} (${recipient.customIds.join(', ')})`);
      continue;
    }
    const who = mask(email);
    if (stableJson(old.customIds) !== stableJson(recipient.customIds))
      changes.push(`${who}: custom IDs ${old.customIds.join(', ')} → ${recipient.customIds.join(', ')}`);
    if (old.subject !== recipient.subject)
      changes.push(`${who}: subject "${old.subject}" → "${recipient.subject}"`);
    for (const line of listChanges(old.figures, recipient.figures)) changes.push(`${who}: figures ${line}`);
    for (const line of listChanges(old.reportKeys, recipient.reportKeys))
      changes.push(`${who}: report ${line}`);
  }
  for (const [email, recipient] of before) {
    if (!after.has(email))
      changes.push(`recipient removed: ${mask(email)} (${recipient.customIds.join(', ')})`);
  }
  const notMailed = (plan: CanonicalPlan) => plan.notMailed.map((u) => `${mask(u.email)} ${u.reason}`);
  for (const line of listChanges(notMailed(reviewed), notMailed(fresh))) changes.push(`not mailed: ${line}`);
  const findings = (plan: CanonicalPlan) => plan.findings.map((f) => `${f.name} (${f.entries.length})`);
  for (const line of listChanges(findings(reviewed), findings(fresh))) changes.push(`findings: ${line}`);
  if (changes.length === 0) changes.push('the finding details changed (see the dry run)');
  return changes;
}

function listChanges(before: readonly string[], after: readonly string[]): string[] {
  const removed = before.filter((item) => !after.includes(item)).map((item) => `- ${item}`);
  const added = after.filter((item) => !before.includes(item)).map((item) => `+ ${item}`);
  return [...removed, ...added];
}

/** What the operator approved: a digest, and (when the dry run's plan.json is at hand) the reviewed plan itself. */
export interface Approval {
  digest: string;
  reviewed?: CanonicalPlan | undefined;
}

/** Refuses (exit 4, nothing sent) when the fresh plan is not the approved one, listing what changed. */
export function checkApproval(
  approval: Approval,
  fresh: CanonicalPlan,
  mask: (email: string) => string,
): void {
  const digest = planDigest(fresh);
  if (digest === approval.digest.toLowerCase()) return;
  const details = approval.reviewed
    ? diffPlans(approval.reviewed, fresh, mask).slice(0, 50)
    : [
        'the reviewed plan is not at hand: give --approve-file <dry-run folder> (its manifest.json) to see what changed',
      ];
  throw new InputError(
    `the plan changed since it was approved (digest ${short(approval.digest)} → ${short(digest)}) — nothing was sent:`,
    {
      details,
      hint: 'run the dry run again, review it, and approve the new digest',
    },
  );
}

function short(digest: string): string {
  return digest.slice(0, 12);
}

/** The same order on every machine (localeCompare depends on ICU and the locale; a digest must not). */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
