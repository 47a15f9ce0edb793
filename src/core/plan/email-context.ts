import type { ReportResolution } from '../reports/report-paths.js';

/** The per-contract columns an e-mail can show (`email.columns`), in their canonical order. */
export const COLUMN_KEYS = [
  'opening',
  'gross',
  'views',
  'earnings',
  'performance',
  'subscription',
  'payments',
  'closing',
] as const;
export type ColumnKey = (typeof COLUMN_KEYS)[number];
export const DEFAULT_COLUMNS: readonly ColumnKey[] = ['opening', 'views', 'earnings', 'payments', 'closing'];

/** How a creator reads each column: a table heading, and a name for a sentence (the text part). */
export const COLUMN_LABELS: Readonly<Record<ColumnKey, { heading: string; name: string }>> = {
  opening: { heading: 'Opening balance', name: 'opening balance' },
  gross: { heading: 'Gross', name: 'gross' },
  views: { heading: 'Views', name: 'views' },
  earnings: { heading: 'Earnings', name: 'earnings' },
  performance: { heading: 'Performance royalties', name: 'performance royalties' },
  subscription: { heading: 'Subscription royalties', name: 'subscription royalties' },
  payments: { heading: 'Paid to you', name: 'paid to you' },
  closing: { heading: 'Closing balance', name: 'closing balance' },
};

/**
 * The variables the e-mail templates may use (README: Templates), besides `greeting`, `body` and `subjectLine`,
 * which the renderer adds. Values are display-ready strings.
 */
export interface EmailContext {
  lang: string;
  brandName: string;
  preheader: string;
  userName: string;
  email: string;
  monthName: string;
  month: string;
  year: number;
  currency: string;
  expiresOn: string;
  hasActivity: boolean;
  /** At least one download link in the e-mail. */
  hasLinks: boolean;
  hasSeveralCreators: boolean;
  /** The configured columns (`email.columns`), in order: the table headings. */
  columns: ColumnView[];
  /** Each column's share of the table width, e.g. "20%". */
  columnWidth: string;
  /** More columns than fit a phone side by side (over 5): phones show one labelled figure per line. */
  stackOnPhones: boolean;
  creators: CreatorSection[];
  /** More than one payouts table in the e-mail: show the sum of all of them (`totals`). */
  hasSummary: boolean;
  /** "All channels" (tables of several channels) or "All payouts" (several payout types of one channel). */
  summaryLabel: string;
  /** Every contract of the e-mail added up: opening + earnings − payments (paid to you) = closing. */
  totals: Figures;
  footerNote: string | null;
  unsubscribeUrl: string | null;
}

export interface ColumnView {
  key: ColumnKey;
  heading: string;
  name: string;
}

/**
 * One row of figures, every column by name (for templates with a fixed layout) and the configured ones in order
 * (`cells`). `payments` is what was paid out to the creator, a positive amount (Korrect's `paymentsAll` is
 * negative); a figure the source did not send is "—".
 */
export interface Figures {
  opening: string;
  gross: string;
  views: string;
  earnings: string;
  performance: string;
  subscription: string;
  payments: string;
  closing: string;
  cells: (ColumnView & { value: string })[];
}

export interface ContractView extends Figures {
  contractCode: string;
  period: string;
}

/** One payouts table: the contracts of one payout type (`payouts.payoutTypes`) of one custom ID. */
export interface StatementView {
  payoutType: string;
  /** "Payouts for January 2025 (USD)", or "YouTube payouts for …" when the campaign has several types. */
  caption: string;
  contracts: ContractView[];
  /** More than one contract: a total row is worth showing. */
  hasTotal: boolean;
  totals: Figures;
}

export interface CreatorSection {
  customId: string;
  /** `channels[].channelName` from the user source, or null: the heading, with the custom ID beside it. */
  channelName: string | null;
  hasActivity: boolean;
  hasLinks: boolean;
  statements: StatementView[];
  /** Every contract of the ID, all payout types together. */
  contracts: ContractView[];
  totals: Figures;
  links: LinkView[];
}

export interface LinkView {
  type: string;
  label: string;
  url: string;
  fileType: string;
  linkText: string;
}

/** "Download your YouTube report (PDF, expires 23 Jan 2026)": link text that says what it opens. */
export function describeLink(
  report: Pick<ReportResolution, 'label'>,
  key: string,
  expiresOn: string,
): LinkView['linkText'] {
  const noun = report.label.replace(/\bReport\b/, 'report');
  return `Download your ${noun} (${fileTypeOf(key)}, expires ${expiresOn})`;
}

export function fileTypeOf(key: string): string {
  const extension = /\.([A-Za-z0-9]{1,5})$/.exec(key)?.[1];
  return extension ? extension.toUpperCase() : 'file';
}
