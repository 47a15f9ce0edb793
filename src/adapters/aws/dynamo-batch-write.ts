import {
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { BackendError } from '../../core/common/errors.js';
import type { Random, Sleep } from '../../ports.js';
import { translateAwsError } from './errors.js';

/** BatchWriteItem takes at most 25 requests. */
export const BATCH_SIZE = 25;

export type PutRequest = { PutRequest: { Item: Record<string, unknown> } };

export interface BatchWriteOptions {
  sleep: Sleep;
  random: Random;
  /** BatchWriteItem calls per batch, counting the first. */
  maxAttempts: number;
  /** Batches in flight. */
  concurrency: number;
  /** What the rows are, for messages ("tracking rows", "planned ledger rows"). */
  what: string;
  /** Called before every request (a retry included); throws to stop writing (see the planning lease). */
  beforeRequest?: () => Promise<void> | void;
  /** Per-request options (an abort signal). */
  requestOptions?: () => { abortSignal?: AbortSignal } | undefined;
}

/**
 * Unconditional puts through BatchWriteItem, 25 a call, `concurrency` calls in flight. DynamoDB may leave some puts
 * unprocessed (throttling): those are sent again with jittered exponential backoff, a bounded number of times, then
 * the call fails naming how many rows did not land. Callers must only put items no one else can write meanwhile.
 */
export async function batchPut(
  doc: DynamoDBDocumentClient,
  table: string,
  requests: readonly PutRequest[],
  options: BatchWriteOptions,
): Promise<void> {
  const limit = pLimit({ concurrency: options.concurrency, rejectOnClear: true });
  const batches: PutRequest[][] = [];
  for (let i = 0; i < requests.length; i += BATCH_SIZE) batches.push(requests.slice(i, i + BATCH_SIZE));
  await Promise.all(
    batches.map((batch) =>
      limit(async () => {
        try {
          await writeBatch(doc, table, batch, options);
        } catch (error) {
          limit.clearQueue();
          throw error;
        }
      }),
    ),
  );
}

async function writeBatch(
  doc: DynamoDBDocumentClient,
  table: string,
  requests: PutRequest[],
  options: BatchWriteOptions,
): Promise<void> {
  let pending = requests;
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > options.maxAttempts) {
      throw new BackendError(
        `${pending.length} ${options.what} were still unprocessed by ${table} after ${options.maxAttempts} attempts`,
        { hint: 'the table is throttled: raise its capacity (or use on-demand) and run again' },
      );
    }
    if (attempt > 1) {
      await options.sleep(Math.min(5_000, 50 * 2 ** (attempt - 1)) * (0.5 + options.random() / 2));
    }
    await options.beforeRequest?.();
    let output: BatchWriteCommandOutput;
    try {
      output = await doc.send(
        new BatchWriteCommand({ RequestItems: { [table]: pending } }),
        options.requestOptions?.(),
      );
    } catch (error) {
      throw translateAwsError(error, `writing ${options.what} to the table ${table}`);
    }
    pending = (output.UnprocessedItems?.[table] ?? []) as PutRequest[];
  }
}
