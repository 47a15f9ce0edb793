// The Markdown of a merged sharded send (scripts/ci-merge-summaries.mjs): a row per shard and the totals, the
// ledger beside them, every row not sent, and a line per shard that needs attention. Plain Node, no dependencies.

const LIST_LIMIT = 50;

/** The summary counts a shard row shows, with their column names. */
export const COUNT_FIELDS = [
  ['planned', 'totalRecipients'],
  ['sent', 'successful'],
  ['failed', 'failed'],
  ['unknown', 'unknown'],
  ['skipped', 'skipped'],
  ['already sent', 'alreadySent'],
  ['already skipped', 'alreadySkipped'],
  ['held for retry', 'heldForRetry'],
  ['not started', 'notStarted'],
];

const text = (value) => String(value ?? '').replace(/\r?\n/g, ' ');
const cell = (value) => text(value).replace(/\|/g, '\\|');

function table(headers, rows, limit = LIST_LIMIT) {
  const lines = [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`];
  for (const row of rows.slice(0, limit)) lines.push(`| ${row.map(cell).join(' | ')} |`);
  if (rows.length > limit) lines.push(`\n…and ${rows.length - limit} more (see the artifacts).`);
  return lines.join('\n');
}

function statusLine(merged) {
  const missing = merged.shards.filter((s) => s.missing).length;
  if (merged.code === 0) return '✅ every shard sent or skipped every message';
  const parts = [`worst exit ${merged.code}`];
  if (missing > 0) parts.push(`${missing} shard(s) uploaded no summary`);
  if (merged.ledger && !merged.ledger.finished) parts.push('the ledger has rows not sent or skipped yet');
  return `⚠️ needs attention: ${parts.join(', ')}`;
}

export function renderMerged(merged) {
  const n = merged.shards.length;
  const name = [
    cell(merged.campaignId ?? '?'),
    merged.month ? `(${cell(merged.month)} ${cell(merged.year)})` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const headers = ['shard', 'attempt', 'exit', ...COUNT_FIELDS.map(([label]) => label), 'run'];
  const rows = merged.shards.map((s) =>
    s.missing
      ? [`${s.shard}/${n}`, '—', `no summary (${s.code})`, ...COUNT_FIELDS.map(() => '—'), '—']
      : [
          `${s.shard}/${n}`,
          s.attempt,
          s.code,
          ...COUNT_FIELDS.map(([, key]) => s.counts?.[key] ?? '—'),
          s.runId ?? '—',
        ],
  );
  rows.push([
    '**total**',
    '',
    `**${merged.code}**`,
    ...COUNT_FIELDS.map(([, key]) => `**${merged.totals[key]}**`),
    '',
  ]);
  const lines = [
    `## dn-mailer send-report, ${n} shards — ${name}`,
    '',
    `**${statusLine(merged)}**`,
    '',
    table(headers, rows, n + 1),
  ];
  const ledger = merged.ledger;
  if (ledger) {
    const view = merged.shardsLedgerView;
    lines.push(
      '',
      '### The ledger (dn-mailer status): the campaign as a whole',
      '',
      table(
        ['', 'rows', 'sent', 'failed', 'unknown', 'skipped', 'planned', 'sending'],
        [
          [
            'ledger',
            ledger.total,
            ledger.sent,
            ledger.failed,
            ledger.unknown,
            ledger.skipped,
            ledger.planned,
            ledger.sending,
          ],
          ['the shards say', '', view.sent, view.failed, view.unknown, view.skipped, '', ''],
        ],
      ),
      '',
      ...(view.sent === ledger.sent &&
      view.failed === ledger.failed &&
      view.unknown === ledger.unknown &&
      view.skipped === ledger.skipped
        ? []
        : [
            'The ledger differs from the shards’ summaries, and it is the truth: unknown outcomes settled since (by the provider’s record or delivery events), a shard without a summary, or another run.',
            '',
          ]),
      ledger.finished
        ? 'Finished: every row of the campaign is sent or skipped.'
        : 'Not finished: some rows are planned, sending, failed or unknown — `dn-mailer status --failed` lists them; a shard that stopped or died leaves them (rerun it: nothing is sent twice).',
    );
  } else {
    lines.push('', 'No ledger status was given: the totals are the shards’ own.');
  }
  if (merged.notSent.length > 0) {
    lines.push(
      '',
      '### Not sent',
      '',
      table(
        ['shard', 'status', 'recipient', 'custom IDs', 'reason'],
        merged.notSent.map((x) => [`${x.shard}/${n}`, x.status, x.email, x.customIds.join(', '), x.reason]),
      ),
      '',
      'Fix the cause, then run the workflow again with `retry-failed` (and, after checking the provider, `--retry-unknown` locally).',
    );
  }
  for (const s of merged.shards) {
    if (s.missing)
      lines.push(
        '',
        `**Shard ${s.shard}/${n}: no summary.** The job failed, was cancelled or timed out before it uploaded one — see its log, then re-run it (\`--shard ${s.shard}/${n}\` again: nothing is sent twice).`,
      );
    else if (s.error)
      lines.push(
        '',
        `**Shard ${s.shard}/${n}: exit ${s.error.exitCode ?? s.code}** — ${text(s.error.message)}${s.error.hint ? ` *Hint:* ${text(s.error.hint)}` : ''}`,
      );
    else if (s.problem)
      lines.push('', `**Shard ${s.shard}/${n}:** ${text(s.problem)} (exit ${s.code}) — see its log.`);
  }
  return `${lines.join('\n')}\n`;
}
