import { createMoneyFormatter, sumCents } from '../common/money.js';
import { monthName, type Period } from '../common/months.js';
import { type Contract, DEFAULT_PAYOUT_TYPE } from '../payouts/payout-statements.js';
import type { CustomId } from '../recipients/custom-ids.js';
import {
  COLUMN_LABELS,
  type ColumnKey,
  type ColumnView,
  type CreatorSection,
  DEFAULT_COLUMNS,
  type Figures,
  type LinkView,
  type StatementView,
} from './email-context.js';

/** What the payout tables of every e-mail of one plan share, built once. */
export interface StatementFormat {
  columns: ColumnView[];
  /** The layout the templates need: each column's width, and whether phones stack the figures. */
  layout: { columnWidth: string; stackOnPhones: boolean };
  payoutTypes: readonly string[];
  period: Period;
  currency: string;
  money: (cents: number) => string;
  count: (value: number) => string;
}

const MISSING = '—';
/** Figure columns a 375 px screen shows side by side without crowding. */
const PHONE_COLUMNS = 5;

export function createStatementFormat(settings: {
  currency: string;
  locale: string;
  columns?: readonly ColumnKey[] | undefined;
  payoutTypes?: readonly string[] | undefined;
  period: Period;
}): StatementFormat {
  const count = countFormat(settings.locale);
  const columns = (settings.columns ?? DEFAULT_COLUMNS).map((key) => ({ key, ...COLUMN_LABELS[key] }));
  return {
    columns,
    layout: {
      columnWidth: `${Math.floor(100 / columns.length)}%`,
      stackOnPhones: columns.length > PHONE_COLUMNS,
    },
    payoutTypes: settings.payoutTypes ?? [DEFAULT_PAYOUT_TYPE],
    period: settings.period,
    currency: settings.currency,
    money: createMoneyFormatter(settings.currency, settings.locale),
    count: (value) => count.format(value),
  };
}

/** The view count's formatter of a locale, built once (a streamed plan formats batch after batch). */
function countFormat(locale: string): Intl.NumberFormat {
  let format = countFormats.get(locale);
  if (!format) {
    format = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
    countFormats.set(locale, format);
  }
  return format;
}
const countFormats = new Map<string, Intl.NumberFormat>();

/** One custom ID's part of the e-mail: its heading, one table per payout type with contracts, its links. */
export function buildCreatorView(
  id: CustomId,
  contracts: readonly Contract[],
  links: LinkView[],
  format: StatementFormat,
): CreatorSection {
  const statements = buildStatements(contracts, format);
  return {
    customId: id.resolved,
    channelName: id.channelName ?? null,
    hasActivity: contracts.length > 0,
    hasLinks: links.length > 0,
    statements,
    contracts: statements.flatMap((statement) => statement.contracts),
    totals: figuresOf(contracts, format),
    links,
  };
}

/** The payout tables of one ID, in the order of `payouts.payoutTypes`; a type without contracts has none. */
export function buildStatements(contracts: readonly Contract[], format: StatementFormat): StatementView[] {
  const types = [...new Set([...format.payoutTypes, ...contracts.map((c) => c.payoutType)])];
  return types.flatMap((payoutType) => {
    const own = contracts.filter((c) => c.payoutType === payoutType);
    if (own.length === 0) return [];
    return [
      {
        payoutType,
        caption: captionOf(payoutType, format),
        contracts: own.map((c) => ({
          contractCode: c.contractCode,
          period: periodOf(c, format.period),
          ...figuresOf([c], format),
        })),
        hasTotal: own.length > 1,
        totals: figuresOf(own, format),
      },
    ];
  });
}

/**
 * The figures of one contract, or the sum of several, in integer cents until formatted. `payments` is shown as
 * what was paid to the creator (the negated `paymentsAll`), so opening + earnings − payments = closing reads
 * right; an optional figure no contract carries is "—".
 */
export function figuresOf(contracts: readonly Contract[], format: StatementFormat): Figures {
  const sum = (pick: (c: Contract) => number) => sumCents(contracts.map(pick));
  const money = (pick: (c: Contract) => number | undefined) => {
    const values = contracts.map(pick).filter((value) => value !== undefined);
    return values.length === 0 ? MISSING : format.money(sumCents(values));
  };
  const views = contracts.map((c) => c.views).filter((value) => value !== undefined);
  const values: Record<ColumnKey, string> = {
    opening: format.money(sum((c) => c.openingCents)),
    gross: money((c) => c.grossCents),
    views: views.length === 0 ? MISSING : format.count(sumCents(views)),
    earnings: format.money(sum((c) => c.earningsCents)),
    performance: money((c) => c.performanceCents),
    subscription: money((c) => c.subscriptionCents),
    payments: format.money(0 - sum((c) => c.paymentsCents)),
    closing: format.money(sum((c) => c.closingCents)),
  };
  return { ...values, cells: format.columns.map((column) => ({ ...column, value: values[column.key] })) };
}

/** A line summing every table is worth showing once the e-mail has more than one table. */
export function summaryOf(sections: readonly CreatorSection[]): {
  hasSummary: boolean;
  summaryLabel: string;
} {
  const tables = sections.reduce((n, section) => n + section.statements.length, 0);
  const channels = sections.filter((section) => section.statements.length > 0).length;
  return { hasSummary: tables > 1, summaryLabel: channels > 1 ? 'All channels' : 'All payouts' };
}

const TYPE_LABELS: Readonly<Record<string, string>> = {
  youtube: 'YouTube',
  distro: 'Distribution',
  distribution: 'Distribution',
  spotify: 'Spotify',
  publishing: 'Publishing',
};

/** `youtube` → "YouTube", `distro` → "Distribution", anything else with its first letter capitalised. */
export function payoutTypeLabel(payoutType: string): string {
  return TYPE_LABELS[payoutType.toLowerCase()] ?? payoutType.charAt(0).toUpperCase() + payoutType.slice(1);
}

function captionOf(payoutType: string, format: StatementFormat): string {
  const what = format.payoutTypes.length > 1 ? `${payoutTypeLabel(payoutType)} payouts` : 'Payouts';
  const { month, year } = format.period;
  return `${what} for ${monthName(month)} ${year} (${format.currency})`;
}

function periodOf(contract: Contract, fallback: Period): string {
  const fromRoyalty = contract.royaltyPeriod;
  const year = contract.year ?? (fromRoyalty ? Math.floor(fromRoyalty / 100) : fallback.year);
  const month = contract.month ?? (fromRoyalty ? fromRoyalty % 100 : fallback.month);
  return month >= 1 && month <= 12
    ? `${monthName(month)} ${year}`
    : `${monthName(fallback.month)} ${fallback.year}`;
}
