import {
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { BackendError } from '../../core/common/errors.js';
import type { Random, Sleep, TrackingRow, TrackingStore } from '../../ports.js';
import { translateAwsError } from './errors.js';

export interface DynamoTrackingOptions {
  sleep?: Sleep;
  random?: Random;
  /** BatchWriteItem calls per batch, counting the first (default 8). */
  maxAttempts?: number;
  /** Batches in flight (default 4). */
  concurrency?: number;
}

/** BatchWriteItem takes at most 25 requests. */
const BATCH_SIZE = 25;

type WriteRequest = { PutRequest: { Item: Record<string, unknown> } };

/**
 * Tracking rows in the reference's FINANCIAL_CAMPAIGN_TRACKING_TABLE (`tracking.table`) through BatchWriteItem,
 * 25 puts a call. DynamoDB may leave some puts unprocessed (throttling): those are sent again with jittered
 * exponential backoff, a bounded number of times, then the call fails naming how many rows did not land.
 */
export function createDynamoTracking(
  doc: DynamoDBDocumentClient,
  table: string,
  options: DynamoTrackingOptions = {},
): TrackingStore {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const maxAttempts = options.maxAttempts ?? 8;

  async function writeBatch(requests: WriteRequest[]): Promise<void> {
    let pending = requests;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > maxAttempts) {
        throw new BackendError(
          `${pending.length} tracking rows were still unprocessed by ${table} after ${maxAttempts} attempts`,
          { hint: 'the table is throttled: raise its capacity (or use on-demand) and run again' },
        );
      }
      if (attempt > 1) await sleep(Math.min(5_000, 50 * 2 ** (attempt - 1)) * (0.5 + random() / 2));
      let output: BatchWriteCommandOutput;
      try {
        output = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      } catch (error) {
        throw translateAwsError(error, `writing tracking rows to the table ${table}`);
      }
      pending = (output.UnprocessedItems?.[table] ?? []) as WriteRequest[];
    }
  }

  return {
    async record(rows) {
      const requests = withUniqueKeys(rows).map(
        (row): WriteRequest => ({ PutRequest: { Item: toItem(row) } }),
      );
      const limit = pLimit({ concurrency: options.concurrency ?? 4, rejectOnClear: true });
      const batches: WriteRequest[][] = [];
      for (let i = 0; i < requests.length; i += BATCH_SIZE) batches.push(requests.slice(i, i + BATCH_SIZE));
      await Promise.all(
        batches.map((batch) =>
          limit(async () => {
            try {
              await writeBatch(batch);
            } catch (error) {
              limit.clearQueue();
              throw error;
            }
          }),
        ),
      );
    },
  };
}

/**
 * The table's key is (campaignId, timestamp in ms): two rows of one campaign in the same millisecond would collide,
 * and a batch holding both is refused as a whole. A row equal to an earlier one of the same call (the same delivery
 * event twice in one batch of queue messages) is dropped; a different row moves forward by 1 ms until its key is free.
 *
 * Replays: an event's row is built from the event alone (its time, its TTL counted from that time), so applying the
 * event again writes the same item under the same key, an overwrite that changes nothing. Known limit (#15, the key
 * is not redesigned here): two different events of one campaign in the same millisecond share a key. In one call
 * the second is moved by 1 ms, but across calls — or when a replay groups the events differently — the later write
 * overwrites the earlier row (or lands 1 ms off, next to the row it duplicates). The ledger, not this table, holds
 * each message's delivery state, so only the history of that one pair is affected.
 */
function withUniqueKeys(rows: readonly TrackingRow[]): TrackingRow[] {
  const used = new Set<string>();
  const seen = new Set<string>();
  const unique: TrackingRow[] = [];
  for (const row of rows) {
    const content = contentOf(row);
    if (seen.has(content)) continue;
    seen.add(content);
    let timestamp = row.timestamp;
    while (used.has(`${row.campaignId}\u0000${timestamp}`)) timestamp++;
    used.add(`${row.campaignId}\u0000${timestamp}`);
    unique.push(timestamp === row.timestamp ? row : { ...row, timestamp });
  }
  return unique;
}

/** The item's attributes in a fixed order, so equal rows give equal strings whatever order their fields were set in. */
function contentOf(row: TrackingRow): string {
  return JSON.stringify(Object.entries(toItem(row)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The item as the reference stores it; absent optional fields are left out (DynamoDB has no `undefined`). */
function toItem(row: TrackingRow): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([, value]) => value !== undefined));
}
