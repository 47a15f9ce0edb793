import type { AddressObject } from 'mailparser';

/** Undoes the HTML character references Handlebars writes (`&amp;`, `&#x3D;`, `&lt;`, …). */
export function decodeEntities(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (match, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    return named[ref] ?? match;
  });
}

/** Every `href` of an HTML document, decoded as a browser would. */
export function htmlLinks(html: string): string[] {
  return [...html.matchAll(/\shref="([^"]*)"/g)].map((m) => decodeEntities(m[1] ?? ''));
}

/** Every http(s) URL of a plain-text part. */
export function textLinks(text: string): string[] {
  return [...text.matchAll(/https?:\/\/[^\s<>"]+/g)].map((m) => m[0]);
}

/** Every amount such as `$1,452.40` or `-$1,452.40`. */
export function amounts(text: string): string[] {
  return [...text.matchAll(/-?\$[\d,]+\.\d{2}/g)].map((m) => m[0]);
}

/** One row of a payouts table: a contract, or `Total` for the creator's total. */
export interface FigureRow {
  customId: string;
  row: string;
  opening: string;
  earnings: string;
  payments: string;
  closing: string;
}

/** The payout tables of the HTML e-mail, per creator section (`<h2>ID</h2>`), contract rows then the total. */
export function htmlFigures(html: string): FigureRow[] {
  const rows: FigureRow[] = [];
  for (const section of html.split(/<h2[^>]*>/).slice(1)) {
    const customId = decodeEntities(section.slice(0, section.indexOf('</h2>')));
    const cell = String.raw`\s*<td[^>]*class="amount[^"]*"[^>]*>([^<]*)</td>`;
    const contract = new RegExp(`<td[^>]*>([^<]+)<br>(?:<span[^>]*>[^<]*</span>)</td>${cell.repeat(4)}`, 'g');
    const total = new RegExp(`<td[^>]*>Total</td>${cell.repeat(4)}`, 'g');
    for (const m of section.matchAll(contract)) rows.push(figureRow(customId, m[1] ?? '', m.slice(2)));
    for (const m of section.matchAll(total)) rows.push(figureRow(customId, 'Total', m.slice(1)));
  }
  return rows;
}

/** The same figures from the plain-text e-mail (`== ID ==` sections). */
export function textFigures(text: string): FigureRow[] {
  const rows: FigureRow[] = [];
  const four = 'opening (\\S+), earnings (\\S+), payments (\\S+), closing (\\S+)';
  for (const section of text.split(/^== /m).slice(1)) {
    const customId = section.slice(0, section.indexOf(' =='));
    for (const m of section.matchAll(new RegExp(`^- (\\S+) \\([^)]*\\): ${four}$`, 'gm'))) {
      rows.push(figureRow(customId, m[1] ?? '', m.slice(2)));
    }
    for (const m of section.matchAll(new RegExp(`^\\s+Total: ${four}$`, 'gm'))) {
      rows.push(figureRow(customId, 'Total', m.slice(1)));
    }
  }
  return rows;
}

function figureRow(customId: string, row: string, values: (string | undefined)[]): FigureRow {
  const [opening = '', earnings = '', payments = '', closing = ''] = values.map((v) =>
    decodeEntities(v ?? ''),
  );
  return { customId, row: decodeEntities(row), opening, earnings, payments, closing };
}

/** The plain addresses of a parsed address header. */
export function addressesOf(header: AddressObject | AddressObject[] | undefined): string[] {
  const list = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return list.flatMap((object) => object.value.map((entry) => entry.address ?? ''));
}
