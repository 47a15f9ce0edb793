import type { PayoutSource } from '../../ports.js';
import type { Period } from '../common/months.js';
import { type ParsedPayouts, parsePayoutRows } from './payout-statements.js';

export interface PayoutStatementsRequest {
  /** Resolved custom IDs (after aliases). */
  customIds: readonly string[];
  period: Period;
  /** `payouts.payoutTypes` (or the one `payouts.payoutType`): one e-mail section each. */
  payoutTypes: readonly string[];
}

/**
 * The period's contracts of every payout type. Korrect's `/dn_payouts_fetch` takes one `payoutType` per call, so
 * each type is fetched on its own — one after the other, so `payouts.concurrency` stays the number of requests in
 * flight — and its contracts carry their type. An ID with malformed data in any type is blocked in all of them.
 */
export async function fetchPayoutStatements(
  source: PayoutSource,
  request: PayoutStatementsRequest,
): Promise<ParsedPayouts> {
  const parts: { payoutType: string; parsed: ParsedPayouts }[] = [];
  for (const payoutType of request.payoutTypes) {
    const rows =
      request.customIds.length === 0
        ? []
        : await source.fetchPayouts({ customIds: request.customIds, period: request.period, payoutType });
    parts.push({ payoutType, parsed: parsePayoutRows(rows, request.period, payoutType) });
  }
  return mergePayouts(parts);
}

/** One `ParsedPayouts` from those of each type; with several types, problems and warnings name their type. */
export function mergePayouts(parts: readonly { payoutType: string; parsed: ParsedPayouts }[]): ParsedPayouts {
  const merged: ParsedPayouts = {
    byId: new Map(),
    warnings: [],
    problems: [],
    blockedIds: new Set(),
    unattributed: [],
  };
  const named = parts.length > 1;
  for (const { payoutType, parsed } of parts) {
    // concat / slice: lists of their exact length (one grown by push keeps room for 17 contracts, ~150 bytes, and a
    // month's payouts live for its whole run).
    for (const [id, contracts] of parsed.byId)
      merged.byId.set(id, merged.byId.get(id)?.concat(contracts) ?? contracts.slice());
    for (const warning of parsed.warnings) {
      merged.warnings.push(named ? { ...warning, message: `${payoutType}: ${warning.message}` } : warning);
    }
    for (const problem of parsed.problems) {
      merged.problems.push(named ? { ...problem, field: `${payoutType}: ${problem.field}` } : problem);
    }
    for (const id of parsed.blockedIds) merged.blockedIds.add(id);
    for (const problem of parsed.unattributed) {
      merged.unattributed.push(named ? { ...problem, field: `${payoutType}: ${problem.field}` } : problem);
    }
  }
  for (const id of merged.blockedIds) merged.byId.delete(id);
  return merged;
}
