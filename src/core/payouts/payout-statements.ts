import { z } from 'zod';
import { centsToDecimal, sumCents } from '../common/money.js';
import type { Period } from '../common/months.js';
import { checkTextField } from '../common/text-fields.js';
import type { RowProblem } from '../recipients/user-rows.js';
import { amount, optionalAmount, optionalCount, wholeNumber } from './payout-fields.js';

/** One contract's figures for the period, in integer cents (DESIGN.md "Money"). */
export interface Contract {
  /** As the source spelled it. */
  customId: string;
  contractCode: string;
  year: number | undefined;
  month: number | undefined;
  royaltyPeriod: number | undefined;
  openingCents: number;
  /** `periodBal − paymentsAll`: what was earned this period before payments. */
  earningsCents: number;
  /** `paymentsAll`, negative when money was paid out. */
  paymentsCents: number;
  /** `totalBal`. */
  closingCents: number;
  /** `periodBal`: earnings plus payments. */
  periodCents: number;
  /** The `payoutType` this contract was fetched with (one `/dn_payouts_fetch` call per type). */
  payoutType: string;
  /** `totalGross`, `totalViews`, `performanceRoy`, `subscriptionRoy`: shown when configured; absent when not sent. */
  grossCents: number | undefined;
  views: number | undefined;
  performanceCents: number | undefined;
  subscriptionCents: number | undefined;
}

/** The payout type of rows fetched without one (`payouts.payoutType`'s default). */
export const DEFAULT_PAYOUT_TYPE = 'youtube';

export interface PayoutTotals {
  openingCents: number;
  earningsCents: number;
  paymentsCents: number;
  closingCents: number;
}

/** Figures that parsed but do not add up; shown to the operator, not fatal. */
export interface PayoutWarning {
  customId: string;
  contractCode: string;
  message: string;
}

export interface ParsedPayouts {
  /**
   * Contracts of the period by the exact custom ID the source returned (trimmed): `mol` is not `MOL`. A normalised
   * match would hand one creator's money to another whose ID differs only in case, `-` or `_`.
   */
  byId: Map<string, Contract[]>;
  warnings: PayoutWarning[];
  problems: RowProblem[];
  /**
   * Exact IDs with at least one malformed row or contract. Their figures would be incomplete, so they are
   * left out of `byId` and the plan must not mail them.
   */
  blockedIds: Set<string>;
  /** Rows without a usable customId: their figures belong to somebody and are shown to nobody. */
  unattributed: RowProblem[];
}

const periodSchema = z
  .object({ yearPart: wholeNumber, monthPart: wholeNumber, royaltyPeriod: wholeNumber })
  .loose();
const contractSchema = z
  .object({
    contractCode: z
      .string({ error: 'expected a string such as "ART001-DYLVN"' })
      .min(1, 'must not be empty')
      .superRefine(checkTextField('id')),
    yearPart: wholeNumber,
    monthPart: wholeNumber,
    royaltyPeriod: wholeNumber,
    openingBal: amount,
    paymentsAll: amount,
    periodBal: amount,
    totalBal: amount,
    totalGross: optionalAmount,
    totalViews: optionalCount,
    performanceRoy: optionalAmount,
    subscriptionRoy: optionalAmount,
  })
  .loose();
const rowSchema = z
  .object({
    customId: z
      .string({ error: 'expected a string such as "DYLVN"' })
      .trim()
      .min(1, 'must not be empty')
      .superRefine(checkTextField('id')),
  })
  .loose();

type ContractResult = { contract: Contract } | { issues: z.core.$ZodIssue[] } | { otherPeriod: true };

/**
 * Validates raw `/dn_payouts_fetch` rows (`[{ customId, payout: [contract, …] }]`) of one payout type and keeps
 * the contracts of `period`. A file or answer may span several months, so contracts whose yearPart/monthPart name
 * another period are ignored. Bad rows are reported by index and dotted field, and block their custom ID; other
 * rows continue. An ID too long or holding a control character is bad (`FIELD_LIMITS`).
 */
export function parsePayoutRows(
  rows: readonly unknown[],
  period: Period,
  payoutType: string = DEFAULT_PAYOUT_TYPE,
): ParsedPayouts {
  const result: ParsedPayouts = {
    byId: new Map(),
    warnings: [],
    problems: [],
    blockedIds: new Set(),
    unattributed: [],
  };
  rows.forEach((row, index) => {
    const parsed = rowSchema.safeParse(row);
    if (!parsed.success) {
      const before = result.problems.length;
      reportIssues(result, index, '', parsed.error.issues);
      result.unattributed.push(...result.problems.slice(before));
      return;
    }
    const { customId } = parsed.data;
    const entries = payoutEntries(parsed.data.payout);
    if (entries === undefined) {
      result.problems.push({
        index,
        field: 'payout',
        message: 'expected a list of contracts, an object or null',
      });
      result.blockedIds.add(customId);
      return;
    }
    const contracts = result.byId.get(customId) ?? [];
    for (const [path, raw] of entries) {
      const outcome = parseContract(customId, raw, period, payoutType);
      if ('issues' in outcome) {
        reportIssues(result, index, `${path}.`, outcome.issues);
        result.blockedIds.add(customId);
      } else if ('contract' in outcome) {
        checkContract(result, contracts, outcome.contract);
        contracts.push(outcome.contract);
      }
    }
    if (contracts.length > 0) result.byId.set(customId, contracts);
  });
  for (const key of result.blockedIds) result.byId.delete(key);
  return result;
}

/** Sum of each figure over a creator's contracts. */
export function totalsOf(contracts: readonly Contract[]): PayoutTotals {
  return {
    openingCents: sumCents(contracts.map((c) => c.openingCents)),
    earningsCents: sumCents(contracts.map((c) => c.earningsCents)),
    paymentsCents: sumCents(contracts.map((c) => c.paymentsCents)),
    closingCents: sumCents(contracts.map((c) => c.closingCents)),
  };
}

/**
 * `payout` as `[path, contract]` pairs: a list, one object (Korrect's documented type), or nothing for a creator
 * with no activity (null, missing, `[]`, `{}`). `undefined` when it is none of these.
 */
function payoutEntries(payout: unknown): Array<[string, unknown]> | undefined {
  if (payout === undefined || payout === null) return [];
  if (Array.isArray(payout)) return payout.map((contract, i) => [`payout.${i}`, contract]);
  if (typeof payout !== 'object') return undefined;
  return Object.keys(payout).length === 0 ? [] : [['payout', payout]];
}

function parseContract(customId: string, raw: unknown, period: Period, payoutType: string): ContractResult {
  // The period is checked first so that a malformed contract of another month does not block this month.
  const when = periodSchema.safeParse(raw);
  if (when.success && isOtherPeriod(when.data, period)) return { otherPeriod: true };
  const parsed = contractSchema.safeParse(raw);
  if (!parsed.success) return { issues: parsed.error.issues };
  const data = parsed.data;
  return {
    contract: {
      customId,
      contractCode: data.contractCode,
      year: data.yearPart,
      month: data.monthPart,
      royaltyPeriod: data.royaltyPeriod,
      openingCents: data.openingBal,
      earningsCents: data.periodBal - data.paymentsAll,
      paymentsCents: data.paymentsAll,
      closingCents: data.totalBal,
      periodCents: data.periodBal,
      payoutType,
      grossCents: data.totalGross,
      views: data.totalViews,
      performanceCents: data.performanceRoy,
      subscriptionCents: data.subscriptionRoy,
    },
  };
}

/** Year and month from yearPart/monthPart, else from royaltyPeriod (YYYYMM); a contract of another period is left out. */
function isOtherPeriod(
  when: { yearPart?: number | undefined; monthPart?: number | undefined; royaltyPeriod?: number | undefined },
  period: Period,
): boolean {
  const fromRoyalty = when.royaltyPeriod;
  const year = when.yearPart ?? (fromRoyalty === undefined ? undefined : Math.floor(fromRoyalty / 100));
  const month = when.monthPart ?? (fromRoyalty === undefined ? undefined : fromRoyalty % 100);
  return (year !== undefined && year !== period.year) || (month !== undefined && month !== period.month);
}

/** Warns when the balances do not add up, or when a contract is counted twice for one ID. */
function checkContract(result: ParsedPayouts, seen: readonly Contract[], contract: Contract): void {
  const { customId, contractCode, openingCents, periodCents, closingCents } = contract;
  const expected = openingCents + periodCents;
  if (closingCents !== expected) {
    result.warnings.push({
      customId,
      contractCode,
      message:
        `${customId} ${contractCode}: totalBal ${centsToDecimal(closingCents)} ≠ openingBal ` +
        `${centsToDecimal(openingCents)} + periodBal ${centsToDecimal(periodCents)} = ${centsToDecimal(expected)} ` +
        `(off by ${centsToDecimal(closingCents - expected)})`,
    });
  }
  if (seen.some((other) => other.contractCode === contractCode)) {
    result.warnings.push({
      customId,
      contractCode,
      message: `${customId} ${contractCode}: the contract appears more than once for this period; both are counted`,
    });
  }
}

function reportIssues(
  result: ParsedPayouts,
  index: number,
  prefix: string,
  issues: z.core.$ZodIssue[],
): void {
  for (const issue of issues) {
    const field = `${prefix}${issue.path.join('.')}`.replace(/\.$/, '') || '(row)';
    result.problems.push({ index, field, message: issue.message });
  }
}
