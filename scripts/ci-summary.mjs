#!/usr/bin/env node
// Turns the JSON that `dn-mailer send-report --json` printed (a send summary, a --dry-run manifest, or an
// `{ "error": … }` document — a stopped run prints the summary and then an error document) into Markdown for a
// GitHub job summary or a terminal. Plain Node, no dependencies. Always exits 0: the workflow decides failure.
//
//   node scripts/ci-summary.mjs summary.json >> "$GITHUB_STEP_SUMMARY"
//   node scripts/ci-summary.mjs plan.json      (a dry run: counts, findings, not mailed, the plan digest)
//   dn-mailer send-report -m previous --yes --json | node scripts/ci-summary.mjs
//
// Addresses are printed as they are in the JSON (masked unless the run used --verbose).
import { readFileSync } from 'node:fs';
import { parseDocuments } from './json-documents.mjs';

const LIST_LIMIT = 50;

/** One line of text (no line breaks). */
const text = (value) => String(value ?? '').replace(/\r?\n/g, ' ');
/** A Markdown table cell: one line, no unescaped pipes. */
const cell = (value) => text(value).replace(/\|/g, '\\|');

function table(headers, rows) {
  const lines = [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`];
  for (const row of rows.slice(0, LIST_LIMIT)) lines.push(`| ${row.map(cell).join(' | ')} |`);
  if (rows.length > LIST_LIMIT) lines.push(`\n…and ${rows.length - LIST_LIMIT} more (see the artifact).`);
  return lines.join('\n');
}

function renderError(error) {
  const lines = [`### ✘ dn-mailer failed (exit ${error.exitCode ?? '?'})`, '', text(error.message)];
  for (const detail of error.details ?? []) lines.push(`- ${text(detail)}`);
  if (error.hint) lines.push('', `**Hint:** ${text(error.hint)}`);
  return lines.join('\n');
}

function renderSend(summary) {
  const d = summary.data ?? {};
  const r = d.results ?? {};
  const status = summary.success
    ? '✅ every message was sent or skipped'
    : d.stopped
      ? `🛑 stopped: ${text(d.stopped)}`
      : '⚠️ partial: some messages were not sent';
  const lines = [
    `## dn-mailer send-report — ${cell(d.campaignId)} (${cell(d.month)} ${cell(d.year)})`,
    '',
    `**${status}** — ${text(summary.message)}`,
    '',
    `Provider \`${cell(d.provider)}\`, run \`${cell(d.batchId)}\`, ${((d.durationMs ?? 0) / 1000).toFixed(1)} s.`,
    '',
    table(
      [
        'planned',
        'sent',
        'failed',
        'unknown',
        'skipped',
        'already sent',
        'already skipped',
        'held for retry',
        'held back',
        'not started',
      ],
      [
        [
          d.totalRecipients,
          d.successful,
          d.failed,
          d.unknown,
          d.skipped,
          d.alreadySent,
          d.alreadySkipped,
          d.heldForRetry,
          (r.heldBack ?? []).length,
          d.notStarted,
        ],
      ],
    ),
  ];
  const problems = [
    ...(r.failed ?? []).map((x) => ['failed', x.email, (x.customIds ?? []).join(', '), x.reason]),
    ...(r.unknown ?? []).map((x) => ['unknown', x.email, (x.customIds ?? []).join(', '), x.reason]),
    ...(r.heldForRetry ?? []).map((x) => [
      `${x.status} earlier (held for retry)`,
      x.email,
      (x.customIds ?? []).join(', '),
      x.reason,
    ]),
    ...(r.heldBack ?? []).map((x) => ['held back', x.email, (x.customIds ?? []).join(', '), x.reason]),
  ];
  if (problems.length > 0) {
    lines.push('', '### Not sent', '', table(['status', 'recipient', 'custom IDs', 'reason'], problems));
    lines.push(
      '',
      'Fix the cause, then rerun with `--retry-failed` (and, after checking the provider, `--retry-unknown`). `dn-mailer status --failed` lists them.',
    );
  }
  if (d.stopped)
    lines.push('', 'The run stopped early: run the same command again to continue (nothing is sent twice).');
  lines.push(...renderPlanNotes(d.missingReports ?? [], d.payoutWarnings ?? []));
  const skipped = r.skipped ?? [];
  if (skipped.length > 0) lines.push('', `Skipped (unsubscribed / suppressed) this run: ${skipped.length}.`);
  const nothing = r.nothingToSend ?? [];
  if (nothing.length > 0) lines.push('', `Not mailed (no report and no payout rows): ${nothing.length}.`);
  for (const e of d.trackingErrors ?? []) lines.push('', `Tracking error: ${text(e)}`);
  return lines.join('\n');
}

function renderPlanNotes(missingReports, payoutWarnings) {
  // Information: the `missing-reports` finding (a recipient with no report at all) is listed with the findings.
  const lines = ['', `IDs without every report type: **${missingReports.length}**`];
  if (missingReports.length > 0)
    lines.push(
      '',
      table(
        ['recipient', 'custom ID', 'missing'],
        missingReports.map((m) => [m.email, m.customId, (m.labels ?? []).join(', ')]),
      ),
    );
  if (payoutWarnings.length > 0) {
    lines.push('', `### Payout warnings (${payoutWarnings.length})`, '');
    for (const w of payoutWarnings.slice(0, LIST_LIMIT)) lines.push(`- ${text(w.message)}`);
  }
  return lines;
}

/** The plan's findings (what a send refuses until approved or accepted), each with its recipients. */
function renderFindings(findings) {
  if (!Array.isArray(findings)) return [];
  if (findings.length === 0) return ['', 'Findings: **none**'];
  const lines = ['', `### Findings (${findings.length}) — approving the send accepts them`];
  for (const finding of findings) {
    const entries = finding.entries ?? [];
    lines.push(
      '',
      `**${cell(finding.name)}** (${entries.length}): ${text(finding.summary)}`,
      '',
      table(
        ['recipient', 'custom IDs', 'detail'],
        entries.map((e) => [e.email, (e.customIds ?? []).join(', '), e.detail]),
      ),
    );
  }
  return lines;
}

function renderDryRun(manifest) {
  const counts = manifest.counts ?? {};
  const names = Object.keys(counts);
  const period = manifest.period ? ` (${cell(manifest.period.monthName)} ${cell(manifest.period.year)})` : '';
  const lines = [
    `## dn-mailer send-report --dry-run — ${cell(manifest.campaignId)}${period}`,
    '',
    `Nothing was sent. Previews: \`${cell(manifest.outDir)}\` (uploaded as an artifact).`,
    '',
    table(names, [names.map((n) => counts[n])]),
  ];
  lines.push(...renderFindings(manifest.findings));
  const unsent = manifest.unsent ?? [];
  if (unsent.length > 0)
    lines.push(
      '',
      '### Not mailed',
      '',
      table(
        ['recipient', 'reason', 'detail'],
        unsent.map((u) => [u.email, u.reason, u.detail]),
      ),
    );
  lines.push(...renderPlanNotes(manifest.missingReports ?? [], manifest.payoutWarnings ?? []));
  const digest = manifest.approval?.digest;
  if (digest)
    lines.push(
      '',
      `### Plan digest \`${cell(digest)}\``,
      '',
      'Review the previews artifact (report.html, the e-mails, manifest.json) and the findings above. Approving the send sends exactly this plan (`--approve-file`), its findings included; if the data changed in between, it refuses (exit 4) and lists what changed.',
    );
  return lines.join('\n');
}

function renderMarkdown(documents) {
  if (documents.length === 0) return '### ✘ dn-mailer printed no JSON (see the job log)\n';
  const parts = documents.map((doc) => {
    if (doc && typeof doc === 'object' && doc.error) return renderError(doc.error);
    if (doc && typeof doc === 'object' && doc.dryRun) return renderDryRun(doc);
    if (doc && typeof doc === 'object' && doc.data) return renderSend(doc);
    return '### ? unrecognised JSON document (see the artifact)';
  });
  return `${parts.join('\n\n')}\n`;
}

function main() {
  const file = process.argv[2];
  let input;
  try {
    input = readFileSync(file && file !== '-' ? file : 0, 'utf8');
  } catch (error) {
    process.stdout.write(`### ✘ could not read ${file ?? 'stdin'}: ${text(error.message)}\n`);
    return;
  }
  let documents;
  try {
    documents = parseDocuments(input);
  } catch (error) {
    process.stdout.write(
      `### ✘ ${file ?? 'stdin'} is not the JSON dn-mailer prints (${text(error.message)}); see the job log\n`,
    );
    return;
  }
  process.stdout.write(renderMarkdown(documents));
}

main();
