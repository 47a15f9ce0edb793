import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { BackendError } from '../../core/common/errors.js';
import { assertClaimable, assertFinishable } from '../../core/send/ledger-transitions.js';
import type { Random, SendLedger, Sleep } from '../../ports.js';
import { createGroupWrite, type RowUpdate } from './dynamo-group-write.js';
import { recordDynamoDeliveries, recordDynamoDelivery } from './dynamo-ledger-delivery.js';
import { type PlanningOptions, planRows } from './dynamo-ledger-planning.js';
import {
  type LedgerTable,
  listLedgerCampaigns,
  queryCampaignItems,
  toLedgerRow,
} from './dynamo-ledger-reads.js';
import { isConditionFailed, translateAwsError } from './errors.js';

export interface DynamoLedgerOptions {
  /** Requests in flight while planning (default 16). */
  concurrency?: number;
  /** A unique token per write (default `randomUUID`), to recognise our own write after an SDK retry. */
  newToken?: () => string;
  /**
   * Planning writes the absent rows with BatchWriteItem under a planning lease (default true); false: one
   * conditional PutItem per row, as before (kept for comparison: `npm run bench -- send`). See planRows.
   */
  batching?: boolean;
  /**
   * Claims and finishes asked for while others are in flight go out together as one TransactWriteItems (default
   * true; each keeps its own condition and resolves only once written). false: one UpdateItem each, as before
   * (kept for comparison: `npm run bench -- send`). See `dynamo-group-write.ts`.
   */
  grouping?: boolean;
  /** Clocks and waits of the planning lease (defaults: the real ones). */
  now?: () => number;
  monotonic?: () => number;
  sleep?: Sleep;
  random?: Random;
  leaseMs?: number;
  safetyMs?: number;
  waitMs?: number;
}

const NAMES = {
  '#status': 'status',
  '#runId': 'runId',
  '#updatedAt': 'updatedAt',
  '#token': 'writeToken',
} as const;

/**
 * How long a run's planning lease lasts unless renewed. A run killed while planning holds it that long: the next run
 * of the campaign waits for it to expire (up to a lease and a half) before it plans and sends.
 */
export const PLANNING_LEASE_MS = 60_000;

/**
 * The send ledger in DynamoDB (`tracking.ledgerTable`, keys campaignId + email). Every transition is an UpdateItem
 * whose ConditionExpression names the statuses the row may still have; DynamoDB applies it atomically per item, so
 * several runs or shards on the same table can never both claim a recipient (no transactions needed).
 *
 * The SDK retries a timed-out UpdateItem; if the first attempt did land, the retry fails its condition. Each write
 * therefore stores a fresh `writeToken`, and a failed condition is checked against it with one consistent read.
 * Delivery events are merged by `dynamo-ledger-delivery.ts` (read, then a write conditional on what was read).
 * Planning (`ensurePlanned`) writes the absent rows 25 a BatchWriteItem under a planning lease
 * (`dynamo-ledger-planning.ts`, where the argument that it never overwrites a row is made). Claims and finishes
 * are conditional Updates grouped into TransactWriteItems while others are in flight (`dynamo-group-write.ts`):
 * BatchWriteItem has no conditions; a transaction keeps each Update's.
 */
export function createDynamoLedger(
  doc: DynamoDBDocumentClient,
  table: string,
  options: DynamoLedgerOptions = {},
): SendLedger {
  const newToken = options.newToken ?? randomUUID;
  const leaseMs = options.leaseMs ?? PLANNING_LEASE_MS;
  const planning: PlanningOptions = {
    batching: options.batching ?? true,
    concurrency: options.concurrency ?? 16,
    newToken,
    now: options.now ?? Date.now,
    monotonic: options.monotonic ?? (() => performance.now()),
    sleep: options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
    random: options.random ?? Math.random,
    leaseMs,
    safetyMs: options.safetyMs ?? Math.min(20_000, leaseMs / 3),
    waitMs: options.waitMs ?? leaseMs * 1.5,
  };

  async function call<T>(doing: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (isConditionFailed(error) || error instanceof BackendError) throw error;
      throw translateAwsError(error, `${doing} in the ledger table ${table}`);
    }
  }
  const reads: LedgerTable = { doc, table, call };

  /** After a failed condition: true when the row holds the token of this very write (an SDK retry of it). */
  async function landedEarlier(campaignId: string, email: string, token: string): Promise<boolean> {
    const { Item } = await call('re-reading a row', () =>
      doc.send(
        new GetCommand({
          TableName: table,
          Key: { campaignId, email },
          ConsistentRead: true,
          ProjectionExpression: '#token',
          ExpressionAttributeNames: { '#token': NAMES['#token'] },
        }),
      ),
    );
    return Item?.writeToken === token;
  }

  const writes = createGroupWrite(doc, {
    enabled: options.grouping ?? true,
    call,
    sleep: planning.sleep,
  });

  async function update(
    doing: string,
    input: Omit<RowUpdate, 'TableName'>,
    campaignId: string,
    email: string,
    token: string,
  ): Promise<boolean> {
    const result = await writes.submit(doing, { TableName: table, ...input });
    return result === 'applied' || landedEarlier(campaignId, email, token);
  }

  return {
    location: `dynamodb://${table}`,
    async listRows(campaignId) {
      return (await queryCampaignItems(reads, campaignId)).map((item) => toLedgerRow(item, table));
    },
    listCampaigns: () => listLedgerCampaigns(reads),
    ensurePlanned: (campaignId, rows, at) => planRows(reads, campaignId, rows, at, planning),
    async claim(campaignId, email, from, runId, at) {
      assertClaimable(from);
      const token = newToken();
      const fromValues = Object.fromEntries(from.map((status, i) => [`:from${i}`, status]));
      return update(
        'claiming a row',
        {
          Key: { campaignId, email },
          UpdateExpression:
            'SET #status = :sending, #runId = :runId, #updatedAt = :at, #claimedAt = :at, #token = :token ' +
            'ADD attempts :one REMOVE messageId, reason',
          ConditionExpression: `#status IN (${Object.keys(fromValues).join(', ')})`,
          // claimedAt: the time of the last claim, which a later status change (say to unknown) leaves as it was.
          ExpressionAttributeNames: { ...NAMES, '#claimedAt': 'claimedAt' },
          ExpressionAttributeValues: {
            ...fromValues,
            ':sending': 'sending',
            ':runId': runId,
            ':at': at.toISOString(),
            ':token': token,
            ':one': 1,
          },
        },
        campaignId,
        email,
        token,
      );
    },
    async finish(campaignId, email, from, outcome, at, runId) {
      assertFinishable(from, outcome.status);
      const token = newToken();
      const set = ['#status = :to', '#updatedAt = :at', '#token = :token'];
      const remove: string[] = [];
      const values: Record<string, unknown> = {
        ':to': outcome.status,
        ':at': at.toISOString(),
        ':token': token,
      };
      for (const field of ['messageId', 'reason'] as const) {
        const value = outcome[field];
        if (value === undefined) remove.push(field);
        else {
          set.push(`${field} = :${field}`);
          values[`:${field}`] = value;
        }
      }
      values[':from'] = from;
      if (runId !== undefined) values[':runId'] = runId;
      return update(
        'finishing a row',
        {
          Key: { campaignId, email },
          UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression:
            runId === undefined ? '#status = :from' : '#status = :from AND #runId = :runId',
          ExpressionAttributeNames: runId === undefined ? omitRunId() : NAMES,
          ExpressionAttributeValues: values,
        },
        campaignId,
        email,
        token,
      );
    },
    recordDelivery: (campaignId, email, delivery, messageId) =>
      recordDynamoDelivery(reads, campaignId, email, delivery, messageId),
    recordDeliveries: (updates) => recordDynamoDeliveries(reads, updates),
  };
}

/** DynamoDB refuses expression attribute names that the expressions do not use. */
function omitRunId(): Record<string, string> {
  const { '#runId': _unused, ...rest } = NAMES;
  return rest;
}
