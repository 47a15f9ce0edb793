import type { PayoutSource } from '../../ports.js';
import { readKorrectFile } from './korrect-file.js';

/**
 * Payout rows from a JSON file in the Korrect `/dn_payouts_fetch` body shape (`{ statusCode, body }` with body an
 * array or a JSON string, or a bare array). Like Korrect it answers only the requested IDs (case-insensitively)
 * and one payout type: a row's own `payoutType`, or `untaggedType` (the campaign's first type) for a row without
 * one, so a file of several types is never counted twice. It does not filter by month — the file may hold
 * several, and the core keeps the contracts of the period.
 */
export function createFilePayoutSource(file: string, untaggedType = 'youtube'): PayoutSource {
  return {
    origin: file,
    async fetchPayouts(request) {
      const rows = await readKorrectFile(file, 'payouts.file');
      const wanted = new Set(request.customIds.map((id) => id.toUpperCase()));
      return rows.filter((row) => {
        if ((stringField(row, 'payoutType') ?? untaggedType) !== request.payoutType) return false;
        const customId = stringField(row, 'customId');
        // A row without a string customId is passed on so the core reports it instead of it vanishing.
        return customId === undefined || wanted.has(customId.trim().toUpperCase());
      });
    },
  };
}

function stringField(row: unknown, name: string): string | undefined {
  if (typeof row !== 'object' || row === null || !(name in row)) return undefined;
  const value = (row as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}
