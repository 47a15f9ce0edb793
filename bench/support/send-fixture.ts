/**
 * A plan of N rendered messages built directly (the plan phase is benchmarked in bench/plan.ts): unique addresses
 * under a per-run prefix, HTML and text shaped like the built-in templates (a contract table, totals, two
 * CloudFront-signed links, the unsubscribe footer), a few KB each, and RFC 8058 List-Unsubscribe headers.
 */

import type { Period } from '../../src/core/common/months.js';
import type { Plan, PlannedMessage } from '../../src/core/plan/build-plan.js';
import { countReportStatuses } from '../../src/core/reports/classify-reports.js';
import { createRandom, pick } from './random.js';

const PERIOD: Period = { month: 1, year: 2025 };
const DOMAINS = ['creators.test', 'mail.example.com', 'label.example.org'];
const NAMES = ['Dylan', 'Mollie', 'Ari', 'Sam', 'Jules', 'Noor', 'Kai', 'Rene'];
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~';

/** `<prefix>-<n>@domain`: unique in the run, and recognisable in the emulator's store. */
export function addressFor(prefix: string, index: number, random: () => number): string {
  return `${prefix}-${String(index).padStart(5, '0')}@${pick(random, DOMAINS)}`;
}

export function buildSendPlan(count: number, prefix: string, campaignId: string, seed = 7): Plan {
  const random = createRandom(seed);
  const expiresAt = new Date('2025-03-01T00:00:00Z');
  const messages: PlannedMessage[] = [];
  for (let index = 1; index <= count; index++) {
    messages.push(buildMessage(index, addressFor(prefix, index, random), random));
  }
  return {
    campaignId,
    period: PERIOD,
    expiresAt,
    messages,
    unsent: [],
    missingReports: [],
    reportStatus: countReportStatuses([]),
    payoutWarnings: [],
  };
}

function buildMessage(index: number, to: string, random: () => number): PlannedMessage {
  const id = `CR${String(index).padStart(5, '0')}`;
  const userName = `${pick(random, NAMES)} ${id}`;
  const contracts = Array.from({ length: 2 + Math.floor(random() * 4) }, (_, n) => ({
    code: `${id}-C${n + 1}`,
    opening: cents(random),
    earnings: cents(random),
    payments: -cents(random),
  }));
  const closing = contracts.reduce((sum, c) => sum + c.opening + c.earnings + c.payments, 0);
  const links = ['youtube', 'distro'].map((type) => {
    const key = `financial-reports/2025/January/${id}-${type}.pdf`;
    return {
      customId: id,
      type,
      label: type === 'youtube' ? 'YouTube Report' : 'Distribution Report',
      key,
      url: signedUrl(key, random),
    };
  });
  const unsubscribe = `https://unsubscribe.distronation.test/u?data=${token(random, 120)}`;
  const subject = `Your Distro Nation financial report — January 2025 (${id})`;
  const rows = contracts
    .map(
      (c) =>
        `<tr><td style="padding:6px 8px;border-bottom:1px solid #eee">${c.code}</td>` +
        `<td style="padding:6px 8px;border-bottom:1px solid #eee">January 2025</td>` +
        [c.opening, c.earnings, c.payments, c.opening + c.earnings + c.payments]
          .map(
            (v) =>
              `<td style="padding:6px 8px;border-bottom:1px solid #eee;text-align:right">${money(v)}</td>`,
          )
          .join('') +
        '</tr>',
    )
    .join('\n');
  const linkHtml = links
    .map(
      (l) =>
        `<p style="margin:8px 0"><a href="${l.url}" style="display:inline-block;padding:10px 16px;` +
        `background:#111;color:#fff;text-decoration:none;border-radius:4px">Download your ${l.label} (PDF)</a></p>`,
    )
    .join('\n');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${subject}</title><style>body{margin:0;padding:0;background:#f4f4f4;font-family:Helvetica,Arial,sans-serif;
color:#222}table{border-collapse:collapse}.wrap{max-width:640px;margin:0 auto;background:#fff;padding:24px}
.muted{color:#777;font-size:12px}h1{font-size:20px;margin:0 0 16px}</style></head>
<body><div class="wrap"><h1>Distro Nation — January 2025</h1>
<p>Hi ${userName},</p><p>Your financial report for January 2025 is ready. Below is a summary of your payouts for
custom ID <strong>${id}</strong>, followed by links to download the detailed reports.</p>
<table width="100%" style="font-size:14px"><thead><tr style="background:#fafafa">
<th align="left" style="padding:6px 8px">Contract</th><th align="left" style="padding:6px 8px">Period</th>
<th align="right" style="padding:6px 8px">Opening</th><th align="right" style="padding:6px 8px">Earnings</th>
<th align="right" style="padding:6px 8px">Payments</th><th align="right" style="padding:6px 8px">Closing</th>
</tr></thead><tbody>
${rows}
</tbody><tfoot><tr><td colspan="5" style="padding:8px;font-weight:bold">Closing balance</td>
<td style="padding:8px;text-align:right;font-weight:bold">${money(closing)}</td></tr></tfoot></table>
<h2 style="font-size:16px;margin:24px 0 8px">Your reports</h2>
${linkHtml}
<p class="muted">These links expire on 1 March 2025. Questions about your figures? Reply to this e-mail and the
finance team will get back to you.</p>
<hr style="border:none;border-top:1px solid #eee;margin:24px 0">
<p class="muted">Distro Nation · 123 Example Street · Los Angeles, CA 90012<br>
You receive this e-mail because you are a Distro Nation creator. <a href="${unsubscribe}">Unsubscribe</a></p>
</div></body></html>`;
  const text = [
    `Hi ${userName},`,
    '',
    `Your financial report for January 2025 is ready (custom ID ${id}).`,
    '',
    ...contracts.map(
      (c) =>
        `${c.code}  opening ${money(c.opening)}  earnings ${money(c.earnings)}  payments ${money(c.payments)}`,
    ),
    `Closing balance: ${money(closing)}`,
    '',
    ...links.map((l) => `${l.label}: ${l.url}`),
    '',
    'These links expire on 1 March 2025.',
    `Unsubscribe: ${unsubscribe}`,
  ].join('\n');
  return {
    index,
    to,
    userName,
    customIds: [{ original: id, resolved: id }],
    subject,
    html,
    text,
    links,
    headers: {
      'List-Unsubscribe': `<${unsubscribe}>, <mailto:unsubscribe@distronation.test?subject=unsubscribe>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
    totals: { openingCents: 0, earningsCents: 0, paymentsCents: 0, closingCents: closing },
    contracts: contracts.length,
    warnings: [],
  };
}

function cents(random: () => number): number {
  return Math.floor(random() * 250_000);
}

function money(value: number): string {
  const sign = value < 0 ? '-' : '';
  return `${sign}$${(Math.abs(value) / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })}`;
}

function token(random: () => number, length: number): string {
  return Array.from({ length }, () => pick(random, [...BASE64])).join('');
}

/** The shape of a CloudFront canned-policy URL: Expires, a 2048-bit RSA signature, the key pair ID. */
function signedUrl(key: string, random: () => number): string {
  return `https://reports.distronation.test/${key}?Expires=1740787200&Signature=${token(random, 344)}&Key-Pair-Id=K2JCJMDEHXQW5F`;
}

/** Average HTML + text bytes a message, for the printout. */
export function averageSize(plan: Plan): { html: number; text: number } {
  const n = Math.max(1, plan.messages.length);
  const sum = (f: (m: PlannedMessage) => string) =>
    plan.messages.reduce((total, m) => total + Buffer.byteLength(f(m)), 0) / n;
  return { html: sum((m) => m.html), text: sum((m) => m.text) };
}
