import type { ChalkInstance } from 'chalk';
import { maskEmail } from '../../core/common/email-address.js';
import { type FindingEntry, type PlanFindings, showRecipient } from '../../core/plan/plan-findings.js';
import { printable } from './printable.js';

export interface FindingsViewOptions {
  revealEmails: boolean;
  chalk: ChalkInstance;
}

const SHOWN_PER_FINDING = 10;

/**
 * The plan's findings as the operator reads them, the same in the dry run and at the confirmation: each finding
 * with its recipients (the first ten; the manifest lists all), then who is not mailed and why.
 */
export function renderFindings(findings: PlanFindings, options: FindingsViewOptions): string[] {
  const { chalk } = options;
  // The entries are data (addresses, custom IDs, details quoting them): printable() before colouring.
  const entry = (item: FindingEntry) =>
    `      ${printable(`${showRecipient(item.email, (email) => (options.revealEmails ? email : maskEmail(email)))} (${item.customIds.join(', ') || 'no custom ID'}): ${item.detail}`)}`;
  const lines: string[] = [];
  for (const finding of findings.findings) {
    lines.push(chalk.yellow(`  ⚠ ${finding.name}: ${printable(finding.summary)}`));
    lines.push(...finding.entries.slice(0, SHOWN_PER_FINDING).map(entry));
    if (finding.entries.length > SHOWN_PER_FINDING)
      lines.push(
        chalk.dim(`      … and ${finding.entries.length - SHOWN_PER_FINDING} more (manifest.json lists all)`),
      );
  }
  if (findings.notMailed.length > 0) {
    lines.push(chalk.dim(`  not mailed (nothing to send them): ${findings.notMailed.length}`));
    lines.push(...findings.notMailed.slice(0, SHOWN_PER_FINDING).map((item) => chalk.dim(entry(item))));
  }
  return lines;
}

/** One line: which findings a send would refuse, and the flag that accepts them. */
export function renderFindingsVerdict(
  findings: Pick<PlanFindings, 'findings'>,
  chalk: ChalkInstance,
): string {
  if (findings.findings.length === 0) return `Findings: none — a send will not stop for the plan`;
  const names = findings.findings.map((finding) => finding.name);
  return chalk.yellow(
    `Findings: ${findings.findings.map((f) => `${f.name} (${f.entries.length})`).join(', ')} — a send refuses until they are fixed or accepted: --accept ${names.join(',')}`,
  );
}
