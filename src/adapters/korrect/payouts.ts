import pLimit from 'p-limit';
import type { PayoutRequest, PayoutSource } from '../../ports.js';
import type { KorrectClient } from './client.js';

export interface KorrectPayoutOptions {
  /** Custom IDs per request, so one request body (and one Lambda run) stays small. */
  chunkSize: number;
  /** Requests in flight at once. */
  concurrency: number;
}

const PATH = '/dn_payouts_fetch';

/**
 * Payout rows from Korrect `POST {baseUrl}/dn_payouts_fetch`, for one period and one `payoutType` (the endpoint
 * takes one per call; `fetchPayoutStatements` calls once per configured type), the IDs split into chunks.
 */
export function createKorrectPayoutSource(
  client: KorrectClient,
  options: KorrectPayoutOptions,
): PayoutSource {
  assertCount('chunkSize', options.chunkSize);
  assertCount('concurrency', options.concurrency);
  return {
    origin: `Korrect ${client.baseUrl}${PATH}`,
    async fetchPayouts(request) {
      const limit = pLimit(options.concurrency);
      const chunks = chunk(uniqueIds(request.customIds), options.chunkSize);
      const pending = chunks.map((ids) =>
        limit(() => client.request(PATH, { method: 'POST', body: toRequestBody(request, ids) })),
      );
      try {
        return (await Promise.all(pending)).flat();
      } catch (error) {
        // A refused key or an exhausted retry fails the whole fetch: do not send the chunks still queued.
        limit.clearQueue();
        throw error;
      }
    },
  };
}

/** The documented request payload: one month, months and years as strings ("1"–"12", "2025"). */
function toRequestBody(request: PayoutRequest, customIds: readonly string[]) {
  const month = String(request.period.month);
  const year = String(request.period.year);
  return {
    payoutType: request.payoutType,
    startMonth: month,
    endMonth: month,
    startYear: year,
    endYear: year,
    customIds: [...customIds],
  };
}

/**
 * Drops repeated IDs (case-insensitively, keeping the first spelling): the rows of a repeated ID would come back
 * twice and their contracts would be counted twice when rows are merged.
 */
function uniqueIds(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  return ids.filter((id) => {
    const key = id.toUpperCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

function assertCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`payouts.${name} must be a whole number of at least 1, got ${value}`);
  }
}
