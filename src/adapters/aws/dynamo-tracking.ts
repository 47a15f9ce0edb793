import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { BackendError } from '../../core/common/errors.js';
import type { Random, Sleep, TrackingRow, TrackingStore } from '../../ports.js';
import { batchPut, type PutRequest } from './dynamo-batch-write.js';
import { translateAwsError } from './errors.js';

export interface DynamoTrackingOptions {
  sleep?: Sleep;
  random?: Random;
  /** BatchWriteItem calls per batch, counting the first (default 8). */
  maxAttempts?: number;
  /** Batches in flight (default 4). */
  concurrency?: number;
  /** Wall clock, ms (default Date.now): how long a writer slot is held. */
  now?: () => number;
}

/**
 * The range key `timestamp` stays a Number of milliseconds, as the reference schema has it, with a writer's slot in
 * its three decimals: `<ms>.<slot>`. Readers that take it as milliseconds get the right time (`new Date(t)` drops
 * the fraction), rows sort by time, and the GSIs keyed on it (`email-event-index`) are unchanged.
 *
 * - Send rows (`financial_send`): slots 1–499, one per store and campaign, taken with a conditional PutItem on a slot
 *   item (`#tracking-writers#<campaignId>`, timestamp = the slot), held for SLOT_HOLD_MS — longer than any run.
 *   Runs and shards writing at the same time hold different slots, so their rows cannot share a key; within one
 *   writer, rows of the same millisecond move forward by 1 ms (the send loop already keeps them apart).
 * - Event rows (delivery, bounce, …): slots 500–999 from a hash of the row, so a replayed event writes the same
 *   item under the same key (idempotent). Two different events of one campaign collide only if they share the
 *   millisecond and the hash slot (1 in 500); within one call the second moves to the next free slot.
 *
 * Doubles hold `<ms>.<3 digits>` exactly enough (distinct and printed back with those digits) until 2^43 ms, the
 * year 2248.
 */
const SEND_SLOTS = { first: 1, last: 499 } as const;
const EVENT_SLOTS = { first: 500, count: 500 } as const;
/** A writer slot is held for a week; its item expires (TTL) a day after that. */
const SLOT_HOLD_MS = 7 * 86_400_000;
const SLOT_TRIES = 40;

/**
 * Tracking rows in the reference's FINANCIAL_CAMPAIGN_TRACKING_TABLE (`tracking.table`) through BatchWriteItem,
 * 25 puts a call (unconditional: the keys above are this writer's alone, or the event's own). DynamoDB may leave
 * some puts unprocessed (throttling): those are sent again with jittered exponential backoff, a bounded number of
 * times, then the call fails naming how many rows did not land.
 */
export function createDynamoTracking(
  doc: DynamoDBDocumentClient,
  table: string,
  options: DynamoTrackingOptions = {},
): TrackingStore {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const slots = new Map<string, Promise<number>>();

  /** This store's send slot for a campaign, taken once. */
  const slotFor = (campaignId: string): Promise<number> => {
    let slot = slots.get(campaignId);
    if (!slot) {
      slot = takeSlot(doc, table, campaignId, random, now);
      slot.catch(() => slots.delete(campaignId)); // a failed attempt is tried again by the next call
      slots.set(campaignId, slot);
    }
    return slot;
  };

  return {
    async record(rows) {
      const sendSlots = new Map<string, number>();
      for (const row of rows) {
        if (row.eventType === 'financial_send' && !sendSlots.has(row.campaignId)) {
          sendSlots.set(row.campaignId, await slotFor(row.campaignId));
        }
      }
      const requests = withUniqueKeys(rows, sendSlots).map((Item): PutRequest => ({ PutRequest: { Item } }));
      await batchPut(doc, table, requests, {
        sleep,
        random,
        maxAttempts: options.maxAttempts ?? 8,
        concurrency: options.concurrency ?? 4,
        what: 'tracking rows',
      });
    },
  };
}

/** Takes a free send slot (or one whose hold has run out) with a conditional PutItem, trying random slots. */
async function takeSlot(
  doc: DynamoDBDocumentClient,
  table: string,
  campaignId: string,
  random: Random,
  now: () => number,
): Promise<number> {
  const span = SEND_SLOTS.last - SEND_SLOTS.first + 1;
  for (let attempt = 0; attempt < SLOT_TRIES; attempt += 1) {
    const slot = SEND_SLOTS.first + Math.floor(random() * span);
    const at = now();
    try {
      await doc.send(
        new PutCommand({
          TableName: table,
          Item: {
            campaignId: `#tracking-writers#${campaignId}`,
            timestamp: slot,
            heldUntil: at + SLOT_HOLD_MS,
            expirationTime: Math.floor((at + SLOT_HOLD_MS) / 1000) + 86_400,
          },
          ConditionExpression: 'attribute_not_exists(campaignId) OR heldUntil < :now',
          ExpressionAttributeValues: { ':now': at },
        }),
      );
      return slot;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') continue;
      throw translateAwsError(error, `taking a writer slot in the tracking table ${table}`);
    }
  }
  throw new BackendError(
    `no free writer slot for ${campaignId} in the tracking table ${table} after ${SLOT_TRIES} tries`,
    {
      hint: `more than ${SEND_SLOTS.last - SEND_SLOTS.first + 1} sends of this campaign ran within a week; wait, or send under a new campaign ID`,
    },
  );
}

/** `<ms>.<slot, three digits>` as a Number (parsed from the decimal, so it prints back the same). */
export function trackingKey(ms: number, slot: number): number {
  return Number(`${Math.floor(ms)}.${String(slot).padStart(3, '0')}`);
}

/**
 * The rows as items, each under a key no other row of the call has. A row equal to an earlier one of the same call
 * (the same delivery event twice in one batch of queue messages) is dropped.
 */
function withUniqueKeys(
  rows: readonly TrackingRow[],
  sendSlots: ReadonlyMap<string, number>,
): Record<string, unknown>[] {
  const used = new Set<string>();
  const seen = new Set<string>();
  const items: Record<string, unknown>[] = [];
  for (const row of rows) {
    const content = contentOf(row);
    if (seen.has(content)) continue;
    seen.add(content);
    const sendSlot = row.eventType === 'financial_send' ? sendSlots.get(row.campaignId) : undefined;
    let timestamp: number;
    if (sendSlot !== undefined) {
      let ms = Math.floor(row.timestamp);
      while (used.has(`${row.campaignId}\u0000${trackingKey(ms, sendSlot)}`)) ms += 1;
      timestamp = trackingKey(ms, sendSlot);
    } else {
      const start = hashSlot(content);
      let n = 0;
      do timestamp = trackingKey(row.timestamp, EVENT_SLOTS.first + ((start + n++) % EVENT_SLOTS.count));
      while (used.has(`${row.campaignId}\u0000${timestamp}`) && n < EVENT_SLOTS.count);
    }
    used.add(`${row.campaignId}\u0000${timestamp}`);
    items.push({ ...toItem(row), timestamp });
  }
  return items;
}

function hashSlot(content: string): number {
  return createHash('sha256').update(content).digest().readUInt32BE(0) % EVENT_SLOTS.count;
}

/** The item's attributes in a fixed order, so equal rows give equal strings whatever order their fields were set in. */
function contentOf(row: TrackingRow): string {
  return JSON.stringify(Object.entries(toItem(row)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The item as the reference stores it; absent optional fields are left out (DynamoDB has no `undefined`). */
function toItem(row: TrackingRow): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([, value]) => value !== undefined));
}
