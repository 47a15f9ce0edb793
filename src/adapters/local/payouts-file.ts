import { readFile } from 'node:fs/promises';
import { ConfigError, InputError } from '../../core/errors.js';
import type { PayoutSource } from '../../ports.js';
import { parseJson, unwrapKorrectBody } from '../korrect/body.js';

/**
 * Payout rows from a JSON file in the Korrect `/dn_payouts_fetch` body shape (`{ statusCode, body }` with body an
 * array or a JSON string, or a bare array). Like Korrect it answers only the requested IDs (case-insensitively);
 * it does not filter by month — the file may hold several, and the core keeps the contracts of the period.
 */
export function createFilePayoutSource(file: string): PayoutSource {
  return {
    origin: file,
    async fetchPayouts(request) {
      const rows = await readRows(file);
      const wanted = new Set(request.customIds.map((id) => id.toUpperCase()));
      return rows.filter((row) => {
        const customId = customIdOf(row);
        // A row without a string customId is passed on so the core reports it instead of it vanishing.
        return customId === undefined || wanted.has(customId.trim().toUpperCase());
      });
    },
  };
}

async function readRows(file: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`payouts.file: cannot read ${file}`, {
      cause: error,
      hint: 'check the path (relative paths are resolved against the config file)',
    });
  }
  const unwrapped = unwrapKorrectBody(parseJson(text, file), file);
  if ('statusCode' in unwrapped) {
    throw new InputError(`${file} records a failed Korrect answer (statusCode ${unwrapped.statusCode})`);
  }
  return unwrapped.rows;
}

function customIdOf(row: unknown): string | undefined {
  if (typeof row !== 'object' || row === null || !('customId' in row)) return undefined;
  return typeof row.customId === 'string' ? row.customId : undefined;
}
