import { type DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { ConfigError } from '../../core/common/errors.js';
import type { GateList, Suppression, SuppressionStore } from '../../ports.js';
import { readAllPages } from './dynamo-pages.js';
import { translateAwsError } from './errors.js';

/**
 * The reference's FINANCIAL_SUPPRESSION_TABLE (`tracking.suppressionTable`, email hash key, reason), read in bulk
 * once per run with a paginated Scan of just the two attributes. Items past their TTL but not yet deleted by
 * DynamoDB still block: not mailing a bounced address a little longer is the safe side.
 */
export function createDynamoSuppressionGate(doc: DynamoDBDocumentClient, table: string): GateList {
  return {
    name: `DynamoDB ${table}`,
    async loadBlocked() {
      const items = await readAllPages(async (start) => {
        try {
          return await doc.send(
            new ScanCommand({
              TableName: table,
              ProjectionExpression: '#email, #reason',
              ExpressionAttributeNames: { '#email': 'email', '#reason': 'reason' },
              ExclusiveStartKey: start,
            }),
          );
        } catch (error) {
          throw translateAwsError(error, `reading the suppression table ${table}`);
        }
      });
      const blocked = new Map<string, string>();
      for (const item of items) {
        if (typeof item.email !== 'string') continue;
        const reason =
          typeof item.reason === 'string' && item.reason !== '' ? item.reason : 'no reason given';
        blocked.set(item.email.toLowerCase(), `suppressed (${reason})`);
      }
      return blocked;
    },
  };
}

/**
 * Writes and reads the same table as the gate above, in the reference's item shape `{ email, reason, timestamp (ms),
 * expirationTime (s, the TTL attribute) }`, the address lower-cased. Each entry is one conditional PutItem: an
 * address already in the table keeps its first reason and time (ConditionalCheckFailed means just that). No
 * BatchWriteItem: it cannot be conditional, and bounces and complaints come a few at a time.
 */
export function createDynamoSuppressions(doc: DynamoDBDocumentClient, table: string): SuppressionStore {
  async function addOne(entry: Suppression): Promise<void> {
    try {
      await doc.send(
        new PutCommand({
          TableName: table,
          Item: toItem(entry),
          ConditionExpression: 'attribute_not_exists(#email)',
          ExpressionAttributeNames: { '#email': 'email' },
        }),
      );
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return;
      throw translateAwsError(error, `recording a suppression in the table ${table}`);
    }
  }
  return {
    location: `DynamoDB ${table}`,
    async add(entries) {
      const limit = pLimit(4);
      // Of two entries for one address in the same call, the first is written first and so stays.
      const first = new Map<string, Suppression>();
      for (const entry of entries) {
        const email = entry.email.toLowerCase();
        if (!first.has(email)) first.set(email, { ...entry, email });
      }
      await Promise.all([...first.values()].map((entry) => limit(() => addOne(entry))));
    },
    async get(email) {
      let item: Record<string, unknown> | undefined;
      try {
        const answer = await doc.send(
          new GetCommand({ TableName: table, Key: { email: email.toLowerCase() }, ConsistentRead: true }),
        );
        item = answer.Item;
      } catch (error) {
        throw translateAwsError(error, `reading a suppression from the table ${table}`);
      }
      return item ? fromItem(item) : undefined;
    },
  };
}

/**
 * The aws backend's suppressions when `tracking.suppressionTable` is not configured. Nothing dn-mailer could have
 * suppressed exists, so `get` finds nothing; recording one is refused rather than dropped, so `events sync` stops
 * before deleting the queue message of a bounce or complaint (it is applied once the table is configured).
 */
export function missingSuppressionTable(): SuppressionStore {
  return {
    location: 'no suppression table (tracking.suppressionTable)',
    async add(entries) {
      if (entries.length === 0) return;
      throw new ConfigError('tracking.suppressionTable is needed to record bounces and complaints', {
        hint: 'create the DynamoDB table (key email, TTL on expirationTime; see README: AWS resources) and set tracking.suppressionTable',
      });
    },
    get: async () => undefined,
  };
}

function toItem(entry: Suppression): Record<string, unknown> {
  const timestamp = Date.parse(entry.at);
  if (Number.isNaN(timestamp))
    throw new Error(`suppression of ${entry.email}: "${entry.at}" is not an ISO time`);
  return {
    email: entry.email,
    reason: entry.reason,
    timestamp,
    ...(entry.expirationTime === undefined ? {} : { expirationTime: entry.expirationTime }),
  };
}

/**
 * An item as the store or a person wrote it. The reference's `timestamp` is a number; one below 10^11 cannot be
 * milliseconds of any time a suppression was written (it would be 1973), so it is read as seconds. An item without
 * a readable time (added by hand) gets the Unix epoch: "suppressed since an unknown time" sorts first.
 */
function fromItem(item: Record<string, unknown>): Suppression {
  const raw = typeof item.timestamp === 'number' ? item.timestamp : Number(item.timestamp);
  const ms = Number.isFinite(raw) ? (raw < 1e11 ? raw * 1000 : raw) : 0;
  return {
    email: String(item.email).toLowerCase(),
    reason: typeof item.reason === 'string' && item.reason !== '' ? item.reason : 'no reason given',
    at: new Date(ms).toISOString(),
    ...(typeof item.expirationTime === 'number' ? { expirationTime: item.expirationTime } : {}),
  };
}
