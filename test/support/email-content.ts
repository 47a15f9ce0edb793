import type { AddressObject } from 'mailparser';
import { COLUMN_LABELS } from '../../src/core/plan/email-context.js';

/** Each column key's name in the text part (`payments` → "paid to you"). */
const COLUMN_NAMES = Object.fromEntries(
  Object.entries(COLUMN_LABELS).map(([key, label]) => [key, label.name]),
);

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

/**
 * One row of a payouts table: a contract, or `Total` for the table's total row, with the value of each column
 * shown, by column key (`opening`, `views`, `earnings`, `payments`, `closing`, …).
 */
export type FigureRow = { customId: string; row: string } & Record<string, string>;

/** The custom ID of a section heading: "Dylan Vance (DYLVN)" → DYLVN, "DYLVN" → DYLVN. */
function headingId(heading: string): string {
  const text = decodeEntities(heading.replace(/<[^>]*>/g, '')).trim();
  return /\(([^()]+)\)$/.exec(text)?.[1] ?? text;
}

/** The payout tables of the HTML e-mail, per creator section (`<h2>`): each `<tbody data-contract>` and its cells. */
export function htmlFigures(html: string): FigureRow[] {
  const rows: FigureRow[] = [];
  for (const section of html.split(/<h2[^>]*>/).slice(1)) {
    const customId = headingId(section.slice(0, section.indexOf('</h2>')));
    for (const group of section.matchAll(/<tbody data-contract="([^"]*)"[^>]*>([\s\S]*?)<\/tbody>/g)) {
      const row: FigureRow = { customId, row: decodeEntities(group[1] ?? '') };
      // A cell is `<span class="label">Heading </span>value` (the label shows on phones only).
      const cells = /<td[^>]*data-column="([^"]+)"[^>]*>(?:<span[^>]*>[^<]*<\/span>)?([^<]*)<\/td>/g;
      for (const cell of (group[2] ?? '').matchAll(cells)) {
        row[cell[1] ?? ''] = decodeEntities(cell[2] ?? '');
      }
      rows.push(row);
    }
  }
  return rows;
}

/** The same figures from the plain-text e-mail (`== Heading (ID) ==` sections, `- CODE: name value, …` lines). */
export function textFigures(
  text: string,
  names: Readonly<Record<string, string>> = COLUMN_NAMES,
): FigureRow[] {
  const keyOf = new Map(Object.entries(names).map(([key, name]) => [name, key]));
  const rows: FigureRow[] = [];
  for (const section of text.split(/^== /m).slice(1)) {
    const customId = headingId(section.slice(0, section.indexOf(' ==')));
    for (const m of section.matchAll(/^(?:- (\S+)|\s+(Total)): (.+)$/gm)) {
      const row: FigureRow = { customId, row: m[1] ?? m[2] ?? '' };
      // Parts are "name value"; amounts hold commas but never ", " followed by a letter.
      for (const part of (m[3] ?? '').split(/, (?=[a-z])/)) {
        const name = [...keyOf.keys()].find((n) => part.startsWith(`${n} `));
        if (name === undefined) throw new Error(`unknown figure "${part}" in: ${m[0]}`);
        row[keyOf.get(name) ?? ''] = part.slice(name.length + 1);
      }
      rows.push(row);
    }
  }
  return rows;
}

/** The "All channels" / "All payouts" summary of the HTML e-mail (`data-summary` cells), or undefined. */
export function htmlSummary(html: string): Record<string, string> | undefined {
  const cells = [...html.matchAll(/<td[^>]*data-summary="([^"]+)"[^>]*>([^<]*)<\/td>/g)];
  if (cells.length === 0) return undefined;
  return Object.fromEntries(cells.map((m) => [m[1] ?? '', decodeEntities(m[2] ?? '')]));
}

/** The same summary line of the text e-mail: `All channels: opening balance A + earnings B − paid to you C = closing balance D`. */
export function textSummary(text: string): ({ label: string } & Record<string, string>) | undefined {
  const m =
    /^(All channels|All payouts): opening balance (\S+) \+ earnings (\S+) − paid to you (\S+) = closing balance (\S+)$/m.exec(
      text,
    );
  if (!m) return undefined;
  return {
    label: m[1] ?? '',
    opening: m[2] ?? '',
    earnings: m[3] ?? '',
    payments: m[4] ?? '',
    closing: m[5] ?? '',
  };
}

/** The plain addresses of a parsed address header. */
export function addressesOf(header: AddressObject | AddressObject[] | undefined): string[] {
  const list = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return list.flatMap((object) => object.value.map((entry) => entry.address ?? ''));
}
