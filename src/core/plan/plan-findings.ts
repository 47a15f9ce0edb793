import { InputError, UsageError } from '../common/errors.js';
import type { RowProblem } from '../recipients/user-rows.js';
import { classifyReports, type ReportClassification } from '../reports/classify-reports.js';
import type { IdResolution } from '../reports/report-paths.js';
import { isHeldBack, type MessageSummary, type Plan } from './build-plan.js';

/**
 * What a plan found that a person must look at before the month goes out. Each gates a real send: it refuses
 * until the finding is accepted by name (`--accept`) or through an approved dry run's digest. `--yes` never does.
 */
export const FINDING_NAMES = [
  'missing-reports',
  'payout-warnings',
  'ambiguous-reports',
  'shared-custom-ids',
  'held-back',
] as const;

export type FindingName = (typeof FINDING_NAMES)[number];

/** The `email` of an entry that belongs to no recipient (payout rows nobody claims). */
export const NO_RECIPIENT = '';

/** How an entry's recipient is shown: masked (or full), or "(no recipient)". */
export function showRecipient(email: string, mask: (email: string) => string): string {
  return email === NO_RECIPIENT ? '(no recipient)' : mask(email);
}

export interface FindingEntry {
  email: string;
  customIds: string[];
  detail: string;
}

export interface Finding {
  name: FindingName;
  /** One line: what it means for the creators. */
  summary: string;
  entries: FindingEntry[];
}

/** Findings gate the send; information is shown and never gates. */
export interface PlanFindings {
  findings: Finding[];
  /** Recipients not mailed because there is nothing to send them (no report, no payout rows), with the reason. */
  notMailed: FindingEntry[];
  /** Recipients mailed without one report type while having another (not listed in `reports.required`). */
  partialReports: FindingEntry[];
}

export interface FindingRules {
  /** Report types every mailed creator must have (`reports.required`), e.g. `['youtube']`. */
  requiredReportTypes: readonly string[];
  /** Payout rows whose figures would be shown to nobody. */
  payouts?: {
    /** IDs the payout source returned that no recipient claims exactly (it answered `DYLVN` for `dylvn`). */
    unclaimedIds: readonly string[];
    /** Rows without a usable customId. */
    unattributed: readonly RowProblem[];
  };
}

const SUMMARY: Record<FindingName, (count: number) => string> = {
  'missing-reports': (n) => `${n} recipient(s) would be mailed without a report they should get`,
  'payout-warnings': (n) =>
    `${n} contract(s) whose closing balance does not add up (totalBal ≠ openingBal + periodBal)`,
  'ambiguous-reports': (n) =>
    `${n} report(s) matched more than one file: the first in precedence would be linked`,
  'shared-custom-ids': (n) => `${n} recipient(s) held back: a custom ID is claimed by more than one address`,
  'held-back': (n) => `${n} recipient(s) held back: their payout data is malformed`,
};

/**
 * The report findings of mailed messages, in message order: the recipients mailed without a report they should get
 * (`missing`), reports that matched more than one file (`ambiguous`), and those mailed without a report type they
 * are not required to have (`partial`). Collected batch by batch while a streamed plan is made (each creator's report
 * resolution is let go once its batch is rendered), or over a whole plan at once: the same entries, in the same order.
 */
export interface ReportFindings {
  missing: FindingEntry[];
  ambiguous: FindingEntry[];
  partial: FindingEntry[];
}

export function emptyReportFindings(): ReportFindings {
  return { missing: [], ambiguous: [], partial: [] };
}

/** Adds the report findings of `messages` (in their order) to `into`, from their custom IDs' report resolutions. */
export function addReportFindings(
  into: ReportFindings,
  messages: Iterable<MessageSummary>,
  resolutions: ReadonlyMap<string, IdResolution>,
  rules: Pick<FindingRules, 'requiredReportTypes'>,
): ReportFindings {
  for (const message of messages) {
    const customIds = message.customIds.map((id) => id.resolved);
    if (message.links.length === 0) {
      into.missing.push({
        email: message.to,
        customIds,
        detail: 'no report file at all: the e-mail would carry figures and no download link',
      });
    }
    for (const id of customIds) {
      const classification = classifyReports(id, resolutions.get(id), {
        required: rules.requiredReportTypes,
      });
      const entries = reportFindingsOf(classification, message.links.length > 0);
      const owner = { email: message.to, customIds };
      into.missing.push(...entries.missing.map((detail) => ({ ...owner, detail })));
      into.ambiguous.push(...entries.ambiguous.map((detail) => ({ ...owner, detail })));
      into.partial.push(...entries.partial.map((detail) => ({ ...owner, detail })));
    }
  }
  return into;
}

/**
 * Every finding of a plan, from one function, so the dry run, the send and the report list the same ones; `reports`:
 * its messages' report findings (`addReportFindings` over `plan.messages`), whose lists become the findings' own.
 */
export function findPlanFindings(
  plan: Plan<MessageSummary>,
  reports: ReportFindings,
  rules: FindingRules,
): PlanFindings {
  const found: Record<FindingName, FindingEntry[]> = {
    'missing-reports': reports.missing,
    'payout-warnings': [],
    'ambiguous-reports': reports.ambiguous,
    'shared-custom-ids': [],
    'held-back': [],
  };
  // Payouts match the exact ID Korrect returned, so do their warnings.
  const warned = new Set(plan.payoutWarnings.map((warning) => warning.customId));
  const ownerOf = new Map<string, { email: string; customIds: string[] }>();
  for (const message of plan.messages) {
    if (!message.customIds.some((id) => warned.has(id.resolved))) continue;
    const customIds = message.customIds.map((id) => id.resolved);
    for (const id of customIds) ownerOf.set(id, { email: message.to, customIds });
  }
  for (const warning of plan.payoutWarnings) {
    const owner = ownerOf.get(warning.customId);
    if (!owner) continue; // its recipient is not mailed (held back or filtered): nothing wrong would be sent
    found['payout-warnings'].push({ ...owner, detail: warning.message });
  }
  found['payout-warnings'].push(...lostPayouts(plan, rules));
  const notMailed: FindingEntry[] = [];
  for (const unsent of plan.unsent) {
    const entry = { email: unsent.email, customIds: unsent.customIds, detail: unsent.detail };
    if (!isHeldBack(unsent)) notMailed.push(entry);
    else if (unsent.reason === 'payout-data-invalid') found['held-back'].push(entry);
    else found['shared-custom-ids'].push(entry);
  }
  const findings = FINDING_NAMES.filter((name) => found[name].length > 0).map((name) => ({
    name,
    summary: SUMMARY[name](found[name].length),
    entries: found[name],
  }));
  return { findings, notMailed, partialReports: reports.partial };
}

/** Payout figures that exist but would reach nobody: a payout-warnings entry each, so the send stops for them. */
function lostPayouts(plan: Plan<MessageSummary>, rules: FindingRules): FindingEntry[] {
  const entries: FindingEntry[] = [];
  const unclaimed = rules.payouts?.unclaimedIds ?? [];
  const loose = (id: string) => id.toUpperCase().replace(/[-_]/g, '');
  // Messages by loosely spelled ID, built once (a month has tens of thousands of messages).
  const byLooseId = new Map<string, MessageSummary[]>();
  if (unclaimed.length > 0) {
    for (const message of plan.messages) {
      for (const id of new Set(message.customIds.map((c) => loose(c.resolved)))) {
        byLooseId.set(id, [...(byLooseId.get(id) ?? []), message]);
      }
    }
  }
  for (const id of unclaimed) {
    const owners = byLooseId.get(loose(id)) ?? [];
    const detail = `payout rows came back as "${id}", which no recipient claims exactly: its figures would not be shown`;
    if (owners.length === 0) entries.push({ email: NO_RECIPIENT, customIds: [id], detail });
    for (const owner of owners)
      entries.push({ email: owner.to, customIds: owner.customIds.map((c) => c.resolved), detail });
  }
  for (const problem of rules.payouts?.unattributed ?? []) {
    entries.push({
      email: NO_RECIPIENT,
      customIds: [],
      detail: `payout row ${problem.index} has no usable customId (${problem.field}: ${problem.message}): its figures reach nobody`,
    });
  }
  return entries;
}

/**
 * One mailed custom ID's report findings (details only), from its classification — the statuses `resolve-paths`
 * shows. `hasLinks`: its message carries a link (one with none at all is a `missing-reports` finding already).
 */
function reportFindingsOf(
  c: ReportClassification,
  hasLinks: boolean,
): { missing: string[]; ambiguous: string[]; partial: string[] } {
  const notRequired = c.missing.filter((type) => !c.missingRequired.includes(type));
  return {
    missing:
      hasLinks && c.missingRequired.length > 0
        ? [`${c.id} (${c.status}): no ${labels(c.missingRequired)} (required by reports.required)`]
        : [],
    ambiguous: [
      ...c.contested.map(
        (m) => `${c.id} ${m.label}: ${m.key} also matches ${m.alsoMatches.join(', ')} — given to neither`,
      ),
      ...c.ambiguous.map(
        (a) => `${c.id} ${a.label}: ${a.chosen.key} chosen over ${a.others.map((o) => o.key).join(', ')}`,
      ),
    ],
    // Mailed (other IDs or types carry links) without these: shown, unless reports.required makes it a finding.
    partial: hasLinks && notRequired.length > 0 ? [`${c.id} (${c.status}): no ${labels(notRequired)}`] : [],
  };
}

function labels(reports: readonly { label: string }[]): string {
  return [...new Set(reports.map((report) => report.label))].join(', ');
}

/** `--accept missing-reports,payout-warnings` → the names; an unknown name is a usage error listing the known ones. */
export function parseFindingNames(text: string): FindingName[] {
  const names = text
    .split(/[\s,]+/)
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(FINDING_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new UsageError(
      `--accept: ${unknown.length > 0 ? `unknown finding "${unknown.join('", "')}"` : 'no finding named'}`,
      {
        hint: `finding names: ${FINDING_NAMES.join(', ')}`,
      },
    );
  }
  return names as FindingName[];
}

/** The findings a send may not go on with: every one not accepted. */
export function unacceptedFindings(
  findings: readonly Finding[],
  accepted: readonly FindingName[],
): Finding[] {
  return findings.filter((finding) => !accepted.includes(finding.name));
}

/**
 * A send refused because of findings nobody accepted: exit 4, nothing sent. `mask` keeps addresses out of the
 * message unless the operator asked for them (--verbose).
 */
export function findingsRefusal(
  unaccepted: readonly Finding[],
  mask: (email: string) => string,
  command: string,
): InputError {
  const names = unaccepted.map((finding) => finding.name);
  const details = unaccepted.flatMap((finding) => [
    `${finding.name}: ${finding.summary}`,
    ...finding.entries
      .slice(0, 10)
      .map(
        (entry) => `↳ ${showRecipient(entry.email, mask)} (${entry.customIds.join(', ')}): ${entry.detail}`,
      ),
    ...(finding.entries.length > 10
      ? [`    … and ${finding.entries.length - 10} more (the dry run's manifest lists all)`]
      : []),
  ]);
  return new InputError(`the plan has ${names.length} finding(s) nobody accepted — nothing was sent:`, {
    details,
    hint: `look at them (${command} --dry-run), fix what is wrong, or accept them: --accept ${names.join(',')}`,
  });
}
