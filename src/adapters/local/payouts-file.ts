import type { PayoutSource } from '../../ports.js';
import { readKorrectFile } from './korrect-file.js';

/**
 * Payout rows from a JSON file in the Korrect `/dn_payouts_fetch` body shape (`{ statusCode, body }` with body an
 * array or a JSON string, or a bare array). Like Korrect it answers only the requested IDs (case-insensitively);
 * it does not filter by month — the file may hold several, and the core keeps the contracts of the period.
 */
export function createFilePayoutSource(file: string): PayoutSource {
  return {
    origin: file,
    async fetchPayouts(request) {
      const rows = await readKorrectFile(file, 'payouts.file');
      const wanted = new Set(request.customIds.map((id) => id.toUpperCase()));
      return rows.filter((row) => {
        const customId = customIdOf(row);
        // A row without a string customId is passed on so the core reports it instead of it vanishing.
        return customId === undefined || wanted.has(customId.trim().toUpperCase());
      });
    },
  };
}

function customIdOf(row: unknown): string | undefined {
  if (typeof row !== 'object' || row === null || !('customId' in row)) return undefined;
  return typeof row.customId === 'string' ? row.customId : undefined;
}
