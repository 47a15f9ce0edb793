import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The DynamoDB tables the aws backend uses, as CreateTable inputs: the tests create them in dynalite and the README's
 * deployment section shows them. On-demand billing. TTL on `expirationTime` (tracking and suppression tables) is
 * enabled by deployment (`aws dynamodb update-time-to-live`), not by this code: dynalite lacks UpdateTimeToLive.
 */

/** An on-demand table keyed by string attributes: a hash key and, optionally, a range key. */
function stringKeyedTable(name: string, hash: string, range?: string): CreateTableCommandInput {
  const keys = range === undefined ? [hash] : [hash, range];
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: keys.map((key) => ({ AttributeName: key, AttributeType: 'S' })),
    KeySchema: keys.map((key, i) => ({ AttributeName: key, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
  };
}

/** The send ledger (`tracking.ledgerTable`): one item per (campaignId, recipient); no TTL, rows guard resends. */
export function ledgerTableInput(name: string): CreateTableCommandInput {
  return stringKeyedTable(name, 'campaignId', 'email');
}

/**
 * The audit trail of contact changes (`tracking.auditTable`): one item per change, keyed by address and time
 * (`at` = ISO time, `#`, a short random suffix, so two changes in one millisecond keep both rows). No TTL: the
 * trail is kept for compliance.
 */
export function auditTableInput(name: string): CreateTableCommandInput {
  return stringKeyedTable(name, 'email', 'at');
}

/** The reference's FINANCIAL_CAMPAIGN_TRACKING_TABLE (`tracking.table`), with its three GSIs. */
export function trackingTableInput(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'campaignId', AttributeType: 'S' },
      { AttributeName: 'timestamp', AttributeType: 'N' },
      { AttributeName: 'email', AttributeType: 'S' },
      { AttributeName: 'recipient', AttributeType: 'S' },
      { AttributeName: 'month', AttributeType: 'S' },
      { AttributeName: 'year', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'campaignId', KeyType: 'HASH' },
      { AttributeName: 'timestamp', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: 'EmailIndex',
        KeySchema: [{ AttributeName: 'email', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: 'email-event-index',
        KeySchema: [
          { AttributeName: 'recipient', KeyType: 'HASH' },
          { AttributeName: 'timestamp', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: 'MonthYearIndex',
        KeySchema: [
          { AttributeName: 'month', KeyType: 'HASH' },
          { AttributeName: 'year', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

/**
 * The reference's FINANCIAL_SUPPRESSION_TABLE (`tracking.suppressionTable`): bounced/complained addresses, items
 * `{ email, reason, timestamp (ms), expirationTime (s) }` (`dynamo-suppression.ts`).
 */
export function suppressionTableInput(name: string): CreateTableCommandInput {
  return stringKeyedTable(name, 'email');
}
