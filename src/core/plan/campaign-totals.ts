import { centsToDecimal, sumCents } from '../common/money.js';
import type { PayoutTotals } from '../payouts/payout-statements.js';

/**
 * A campaign's figures added up, so finance can match a run against the books: every message's opening,
 * earnings, payments and closing balance, in one currency. Amounts are exact decimals (`"1452.40"`) summed in
 * integer cents; `payments` keeps Korrect's sign (`paymentsAll`, negative when paid out).
 */
export interface CampaignTotals {
  currency: string;
  /** `planned`: every message of the plan; `sent`: the messages this run sent. */
  scope: 'planned' | 'sent';
  messages: number;
  contracts: number;
  opening: string;
  earnings: string;
  payments: string;
  closing: string;
}

/** The sum over `messages` (each with its totals in cents and its number of contracts), per currency. */
export function sumCampaignTotals(
  messages: readonly { totals: PayoutTotals; contracts: number }[],
  currency: string,
  scope: CampaignTotals['scope'],
): CampaignTotals[] {
  const sum = (pick: (totals: PayoutTotals) => number) =>
    centsToDecimal(sumCents(messages.map((message) => pick(message.totals))));
  return [
    {
      currency,
      scope,
      messages: messages.length,
      contracts: messages.reduce((n, message) => n + message.contracts, 0),
      opening: sum((t) => t.openingCents),
      earnings: sum((t) => t.earningsCents),
      payments: sum((t) => t.paymentsCents),
      closing: sum((t) => t.closingCents),
    },
  ];
}

/** A send run's totals: every planned message, then the ones sent to `sentTo` (addresses) by this run. */
export function sumRunTotals(
  messages: readonly { to: string; totals: PayoutTotals; contracts: number }[],
  currency: string,
  sentTo: Iterable<string>,
): CampaignTotals[] {
  const sent = new Set(sentTo);
  return [
    ...sumCampaignTotals(messages, currency, 'planned'),
    ...sumCampaignTotals(
      messages.filter((message) => sent.has(message.to)),
      currency,
      'sent',
    ),
  ];
}
