import type { CampaignReport, ReportTotals, SendSeries } from '../../core/campaign-report/campaign-report.js';
import { formatMoney } from '../../core/common/money.js';
import {
  describeReportStatusCounts,
  WITHOUT_EVERY_REPORT_TYPE,
} from '../../core/reports/classify-reports.js';
import type { DeliveryCounts } from '../../core/send/campaign-status.js';

const escapeHtml = (text: string): string =>
  text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');

const CSS = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1b1f;background:#fff;margin:0 auto;max-width:60rem;padding:1.5rem}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .5rem}
.meta{color:#4a4a55;margin:0}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border-bottom:1px solid #d5d5dc;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f6}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.counts td[data-count]{font-weight:600}
.bar{fill:#2f5fb3}.axis{stroke:#6b6b76}svg text{font-size:11px;fill:#3a3a44}
.none{color:#4a4a55}
.funnel .track{display:inline-block;width:12rem;max-width:40vw;margin-right:.5rem;vertical-align:middle;background:#e6e6ec}.funnel .fill{display:block;height:.8rem;background:#2f5fb3}
.funnel tr.step th{padding-left:1.5rem}
.funnel [data-funnel-row=delivered] .fill{background:#2e7d32}.funnel [data-funnel-row=bounced] .fill,.funnel [data-funnel-row=rejected] .fill{background:#c62828}
.funnel [data-funnel-row=complained] .fill{background:#e65100}.funnel [data-funnel-row=delayed] .fill,.funnel [data-funnel-row=no-event] .fill{background:#8a8a96}
@media (prefers-color-scheme:dark){body{background:#16161a;color:#ececf1}th{background:#26262d}.meta,.none{color:#b5b5c0}svg text{fill:#d0d0d8}.bar{fill:#7aa7ff}}
`;

/** report.html: one self-contained page (inline CSS and SVG; no scripts, no external resources). */
export function renderCampaignReportHtml(model: CampaignReport): string {
  const period = model.period ? ` · ${escapeHtml(model.period)}` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(model.title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>${escapeHtml(model.title)}</h1>
<p class="meta">Campaign <code>${escapeHtml(model.campaignId)}</code>${period} · from the ${escapeHtml(sourceLabel(model.source))}</p>
${renderPlan(model)}
${renderCounts(model)}
${renderDelivery(model.delivery)}
${renderTotals(model)}
${renderChart(model.chart, model.source)}
${renderAttention(model)}
${renderMissing(model)}
${renderWarnings(model)}
</main>
</body>
</html>
`;
}

/** How recipients unsubscribe, and every plan finding with its recipients (accepted findings, for a send). */
function renderPlan(model: CampaignReport): string {
  if (!model.plan) return '';
  const { unsubscribe, findings } = model.plan;
  const verdict =
    model.source === 'send'
      ? 'Findings accepted for this send'
      : 'Findings: a send refuses these until they are fixed or accepted';
  const list =
    findings.length === 0
      ? '<p class="none">None.</p>'
      : findings
          .map(
            (
              finding,
            ) => `<h3 id="finding-${escapeHtml(finding.name)}">${escapeHtml(finding.name)} (<span data-count="finding-${escapeHtml(finding.name)}">${finding.entries.length}</span>)</h3>
<p>${escapeHtml(finding.summary)}</p>
<ul>${finding.entries.map((entry) => `<li>${escapeHtml(entry.email)} (${escapeHtml(entry.customIds.join(', '))}): ${escapeHtml(entry.detail)}</li>`).join('')}</ul>`,
          )
          .join('\n');
  return `<p class="meta">Unsubscribe: ${escapeHtml(unsubscribe)}</p>
<h2 id="findings">${verdict}</h2>
${list}`;
}

function sourceLabel(source: CampaignReport['source']): string {
  return source === 'send' ? 'send summary' : source === 'dry-run' ? 'dry-run manifest' : 'ledger';
}

function renderCounts(model: CampaignReport): string {
  const rows = model.counts
    .map(
      (c) =>
        `<tr data-state="${escapeHtml(c.state)}"><th scope="row">${escapeHtml(c.label)}</th><td class="num" data-count="${escapeHtml(c.state)}">${c.count}</td></tr>`,
    )
    .join('\n');
  return `<h2 id="counts">Counts</h2>
<table class="counts" aria-labelledby="counts">
<caption>Recipients per state</caption>
<thead><tr><th scope="col">State</th><th scope="col">Count</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

/** The funnel's rows: each a part of the accepted messages (a row holds its strongest event), in reading order. */
const FUNNEL: [key: string, label: string, pick: (d: DeliveryCounts) => number][] = [
  ['delivered', 'delivered', (d) => d.delivered],
  ['bounced', 'bounced: not received', (d) => d.bounced],
  ['complained', 'complained: marked as spam', (d) => d.complained],
  ['rejected', 'rejected by the provider after accepting', (d) => d.rejected],
  ['delayed', 'delayed: the provider is still trying', (d) => d.delayed],
  ['no-event', 'no event yet', (d) => d.noEvent],
];

/** accepted → delivered / bounced / complained / …: what the provider reported after it accepted the messages. */
function renderDelivery(delivery: DeliveryCounts | null): string {
  if (!delivery) return '';
  const heading = '<h2 id="delivery">Delivery</h2>';
  const share = (count: number) =>
    delivery.accepted === 0 ? 0 : Math.round((count / delivery.accepted) * 1000) / 10;
  const row = (key: string, label: string, count: number, step: boolean) =>
    `<tr${step ? ' class="step"' : ''} data-funnel-row="${key}"><th scope="row">${escapeHtml(label)}</th><td class="num" data-funnel="${key}">${count}</td><td><span class="track" aria-hidden="true"><span class="fill" style="width:${share(count)}%"></span></span>${share(count)}%</td></tr>`;
  const rows = [
    row('accepted', 'accepted by the provider (sent)', delivery.accepted, false),
    ...FUNNEL.map(([key, label, pick]) => row(key, label, pick(delivery), true)),
  ].join('\n');
  const events = delivery.accepted - delivery.noEvent;
  const intro =
    events === 0
      ? 'No delivery event recorded yet: sent only means the provider accepted the message. Events arrive after the send; run <code>dn-mailer events sync</code> (local: <code>events import</code>), then <code>dn-mailer status --html</code>.'
      : `What the provider reported after accepting the messages, from the delivery events synced so far (${events} of ${delivery.accepted} sent rows have one). Bounced, complained and rejected rows are listed under Needs attention.`;
  const others =
    delivery.notSentWithEvent > 0
      ? `\n<p data-funnel="not-sent-with-event">${delivery.notSentWithEvent} row(s) not marked sent nevertheless have a delivery event: <code>dn-mailer status --all</code> shows them.</p>`
      : '';
  return `${heading}
<p>${intro}</p>
<table class="funnel" aria-labelledby="delivery">
<caption>Sent messages by what happened next</caption>
<thead><tr><th scope="col">Outcome</th><th scope="col" class="num">Messages</th><th scope="col">Share of sent</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>${others}`;
}

const TOTAL_COLUMNS: [label: string, field: string, pick: (t: ReportTotals) => number][] = [
  ['Opening balance', 'opening', (t) => t.openingCents],
  ['Earnings', 'earnings', (t) => t.earningsCents],
  ['Paid out', 'paid-out', (t) => t.paidOutCents],
  ['Closing balance', 'closing', (t) => t.closingCents],
];

/** The payout figures added up per currency, with a check that opening + earnings − paid out = closing. */
function renderTotals(model: CampaignReport): string {
  const heading = '<h2 id="totals">Campaign totals</h2>';
  if (model.totals.length === 0) {
    return `${heading}\n<p class="none">Not available: the ledger holds no payout figures (see the dry-run or send report).</p>`;
  }
  const rows = model.totals
    .map((t) => {
      const money = (cents: number) => formatMoney(cents, t.currency);
      const amounts = TOTAL_COLUMNS.map(
        ([, field, pick]) => `<td class="num" data-field="${field}">${escapeHtml(money(pick(t)))}</td>`,
      ).join('');
      const check =
        t.differenceCents === 0 ? 'adds up' : `off by ${money(t.differenceCents)} (see payout warnings)`;
      return `<tr data-total="${escapeHtml(t.scope)}" data-currency="${escapeHtml(t.currency)}"><th scope="row">${escapeHtml(`${t.currency}, ${t.label}`)}</th><td class="num" data-field="messages">${t.messages}</td><td class="num" data-field="contracts">${t.contracts}</td>${amounts}<td data-field="check">${escapeHtml(check)}</td></tr>`;
    })
    .join('\n');
  const numeric = ['Messages', 'Contracts', ...TOTAL_COLUMNS.map(([label]) => label)];
  const head = [
    '<th scope="col">Figures</th>',
    ...numeric.map((h) => `<th scope="col" class="num">${h}</th>`),
    '<th scope="col">Check</th>',
  ].join('');
  return `${heading}
<table class="totals" aria-labelledby="totals">
<caption>Payout figures added up per currency, to match the run against the books. Paid out is Korrect's paymentsAll with its sign reversed; opening + earnings − paid out = closing.</caption>
<thead><tr>${head}</tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

function renderChart(series: SendSeries, source: CampaignReport['source']): string {
  const heading = '<h2 id="sends">Sends over time</h2>';
  if (series.points.length === 0) return `${heading}\n<p class="none">No sends recorded.</p>`;
  const total = series.points.reduce((sum, p) => sum + p.count, 0);
  const rate =
    series.ratePerSecond !== null
      ? `${series.ratePerSecond.toFixed(2)} per second`
      : source === 'ledger'
        ? "n/a from the ledger (the send's report has the measured rate)"
        : 'n/a';
  const summary = `${total} sent in ${series.points.length} ${series.bucket}(s) from ${series.points[0]?.at} · achieved rate ${rate}`;
  const max = Math.max(...series.points.map((p) => p.count));
  const width = 600;
  const height = 160;
  const pad = 24;
  const step = (width - pad * 2) / series.points.length;
  const bars = series.points
    .map((p, i) => {
      const h = max === 0 ? 0 : ((height - pad * 2) * p.count) / max;
      const x = pad + i * step;
      const y = height - pad - h;
      return `<rect class="bar" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(step - 2, 1).toFixed(1)}" height="${h.toFixed(1)}"><title>${escapeHtml(p.at)}: ${p.count}</title></rect>`;
    })
    .join('');
  const axis = `<line class="axis" x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}"/>`;
  const labels = `<text x="${pad}" y="${height - 6}">${escapeHtml(series.points[0]?.at ?? '')}</text><text x="${pad}" y="14">max ${max} per ${series.bucket}</text>`;
  const rows = series.points
    .map((p) => `<tr><th scope="row">${escapeHtml(p.at)}</th><td class="num">${p.count}</td></tr>`)
    .join('\n');
  return `${heading}
<p data-rate="${series.ratePerSecond ?? ''}">Achieved rate: ${escapeHtml(rate)}</p>
<svg role="img" aria-label="${escapeHtml(`Sends per ${series.bucket}: ${summary}`)}" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet">
<title>Sends per ${series.bucket}</title>${axis}${bars}${labels}
</svg>
<details><summary>Sends per ${series.bucket} as a table</summary>
<table>
<caption>${escapeHtml(summary)}</caption>
<thead><tr><th scope="col">${series.bucket === 'second' ? 'Second' : 'Minute'} (UTC)</th><th scope="col">Sent</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</details>`;
}

/** What the ledger cannot know (it holds no plan): saying "None." there would be a false all-clear. */
const NOT_IN_LEDGER = "Not recorded in the ledger: see the dry run's report.html or the send's report.";

/** `rows` null: the source does not know them. */
function renderTableSection(
  id: string,
  heading: string,
  caption: (count: number) => string,
  head: readonly string[],
  rows: readonly (readonly string[])[] | null,
  /** HTML between the heading and the table. */
  intro = '',
): string {
  const top = `<h2 id="${id}">${heading}</h2>${intro ? `\n${intro}` : ''}`;
  if (rows === null) return `${top}\n<p class="none">${escapeHtml(NOT_IN_LEDGER)}</p>`;
  if (rows.length === 0) return `${top}\n<p class="none">None.</p>`;
  const th = head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((cells) => `<tr>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('\n');
  return `${top}
<table id="${id}-table">
<caption>${escapeHtml(caption(rows.length))}</caption>
<thead><tr>${th}</tr></thead>
<tbody>
${body}
</tbody>
</table>`;
}

function renderAttention(model: CampaignReport): string {
  return renderTableSection(
    'attention',
    'Needs attention',
    (count) =>
      `${count} recipient(s) not sent, or sent and not received as intended (bounced, complained), with reasons`,
    ['Recipient', 'State', 'Custom IDs', 'Reason'],
    model.attention.map((a) => [a.email, a.state, a.customIds.join(', '), a.reason]),
  );
}

/** The IDs without every report type (`partial` and `none`), after every status's count when the source has them. */
function renderMissing(model: CampaignReport): string {
  const counts = model.reportStatus;
  const parts = counts
    ? describeReportStatusCounts(counts).map(
        ({ status, count, words }) =>
          `<span data-count="report-${status}">${count}</span> ${escapeHtml(words)}`,
      )
    : [];
  return renderTableSection(
    'missing',
    WITHOUT_EVERY_REPORT_TYPE,
    (count) => `${count} ${WITHOUT_EVERY_REPORT_TYPE} (partial or none)`,
    ['Recipient', 'Custom ID', 'Missing'],
    model.missingReports?.map((m) => [m.email, m.customId, m.labels.join(', ')]) ?? null,
    counts
      ? `<p data-report-ids="${counts.ids}">Report files: ${counts.ids} IDs · ${parts.join(' · ')}</p>`
      : '',
  );
}

function renderWarnings(model: CampaignReport): string {
  return renderTableSection(
    'warnings',
    'Payout warnings',
    (count) => `${count} payout warning(s)`,
    ['Custom ID', 'Contract', 'Warning'],
    model.payoutWarnings?.map((w) => [w.customId, w.contractCode, w.message]) ?? null,
  );
}
