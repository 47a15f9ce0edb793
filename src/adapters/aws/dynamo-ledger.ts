import { randomUUID } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
  ScanCommand,
  type ScanCommandOutput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { BackendError } from '../../core/common/errors.js';
import { summariseCampaigns } from '../../core/send/campaigns.js';
import { assertClaimable, assertFinishable } from '../../core/send/ledger-transitions.js';
import type { LedgerRow, LedgerStatus, SendLedger } from '../../ports.js';
import { translateAwsError } from './errors.js';

export interface DynamoLedgerOptions {
  /** PutItem calls in flight while planning (default 16). */
  concurrency?: number;
  /** A unique token per write (default `randomUUID`), to recognise our own write after an SDK retry. */
  newToken?: () => string;
}

const STATUSES: ReadonlySet<string> = new Set(['planned', 'sending', 'sent', 'failed', 'skipped', 'unknown']);

const NAMES = {
  '#status': 'status',
  '#runId': 'runId',
  '#updatedAt': 'updatedAt',
  '#token': 'writeToken',
} as const;

/**
 * The send ledger in DynamoDB (`tracking.ledgerTable`, keys campaignId + email). Every transition is an UpdateItem
 * whose ConditionExpression names the statuses the row may still have; DynamoDB applies it atomically per item, so
 * several runs or shards on the same table can never both claim a recipient (no transactions needed).
 *
 * The SDK retries a timed-out UpdateItem; if the first attempt did land, the retry fails its condition. Each write
 * therefore stores a fresh `writeToken`, and a failed condition is checked against it with one consistent read.
 */
export function createDynamoLedger(
  doc: DynamoDBDocumentClient,
  table: string,
  options: DynamoLedgerOptions = {},
): SendLedger {
  const newToken = options.newToken ?? randomUUID;
  const concurrency = options.concurrency ?? 16;

  async function call<T>(doing: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (isConditionFailed(error) || error instanceof BackendError) throw error;
      throw translateAwsError(error, `${doing} in the ledger table ${table}`);
    }
  }

  async function queryAll(campaignId: string, projection?: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await call('reading rows', () =>
        doc.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'campaignId = :campaignId',
            ExpressionAttributeValues: { ':campaignId': campaignId },
            ProjectionExpression: projection,
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /**
   * Every row's campaign, status and time, all pages. The table is keyed by campaign, so listing campaigns is a
   * Scan of the whole table (projected to three attributes, but still read in full and billed as such): fine for
   * the operator's `dn-mailer campaigns` / `status`, never for the send path.
   */
  async function scanAll(): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page: ScanCommandOutput = await call('listing campaigns', () =>
        doc.send(
          new ScanCommand({
            TableName: table,
            ProjectionExpression: 'campaignId, #status, #updatedAt',
            ExpressionAttributeNames: { '#status': NAMES['#status'], '#updatedAt': NAMES['#updatedAt'] },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

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

  async function update(
    doing: string,
    input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>,
    campaignId: string,
    email: string,
    token: string,
  ): Promise<boolean> {
    try {
      await call(doing, () => doc.send(new UpdateCommand({ TableName: table, ...input })));
      return true;
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      return landedEarlier(campaignId, email, token);
    }
  }

  return {
    location: `dynamodb://${table}`,
    async listRows(campaignId) {
      return (await queryAll(campaignId)).map((item) => toLedgerRow(item, table));
    },
    async listCampaigns() {
      return summariseCampaigns(
        (await scanAll()).map((item) => ({
          campaignId: String(item.campaignId),
          status: checkStatus(item, table),
          count: 1,
          updatedAt: String(item.updatedAt),
        })),
      );
    },
    async ensurePlanned(campaignId, rows, at) {
      const existing = new Set((await queryAll(campaignId, 'email')).map((item) => String(item.email)));
      const missing = new Map(rows.filter((row) => !existing.has(row.email)).map((row) => [row.email, row]));
      const limit = pLimit({ concurrency, rejectOnClear: true });
      const put = async (row: { email: string; customIds: string[] }) => {
        try {
          await call('planning rows', () =>
            doc.send(
              new PutCommand({
                TableName: table,
                Item: {
                  campaignId,
                  email: row.email,
                  status: 'planned',
                  customIds: row.customIds,
                  attempts: 0,
                  updatedAt: at.toISOString(),
                },
                ConditionExpression: 'attribute_not_exists(email)',
              }),
            ),
          );
        } catch (error) {
          if (isConditionFailed(error)) return; // another run planned it first: keep its row as it is
          limit.clearQueue();
          throw error;
        }
      };
      await Promise.all([...missing.values()].map((row) => limit(() => put(row))));
    },
    async claim(campaignId, email, from, runId, at) {
      assertClaimable(from);
      const token = newToken();
      const fromValues = Object.fromEntries(from.map((status, i) => [`:from${i}`, status]));
      return update(
        'claiming a row',
        {
          Key: { campaignId, email },
          UpdateExpression:
            'SET #status = :sending, #runId = :runId, #updatedAt = :at, #token = :token ' +
            'ADD attempts :one REMOVE messageId, reason',
          ConditionExpression: `#status IN (${Object.keys(fromValues).join(', ')})`,
          ExpressionAttributeNames: NAMES,
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
  };
}

/** DynamoDB refuses expression attribute names that the expressions do not use. */
function omitRunId(): Record<string, string> {
  const { '#runId': _unused, ...rest } = NAMES;
  return rest;
}

function isConditionFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

function checkStatus(item: Record<string, unknown>, table: string): LedgerStatus {
  const status = String(item.status);
  if (!STATUSES.has(status)) {
    throw new BackendError(`the ledger table ${table} holds a row with an unknown status "${status}"`, {
      hint: 'the table is written by something other than dn-mailer, or by a newer version',
    });
  }
  return status as LedgerStatus;
}

function toLedgerRow(item: Record<string, unknown>, table: string): LedgerRow {
  const status = checkStatus(item, table);
  return {
    campaignId: String(item.campaignId),
    email: String(item.email),
    status,
    customIds: Array.isArray(item.customIds) ? item.customIds.map(String) : [],
    messageId: typeof item.messageId === 'string' ? item.messageId : undefined,
    reason: typeof item.reason === 'string' ? item.reason : undefined,
    attempts: typeof item.attempts === 'number' ? item.attempts : 0,
    runId: typeof item.runId === 'string' ? item.runId : undefined,
    updatedAt: String(item.updatedAt),
  };
}
