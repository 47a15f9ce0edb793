import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The DynamoDB tables the aws backend uses, as CreateTable inputs: the tests create them in dynalite and the README's
 * deployment section shows them. On-demand billing. TTL on `expirationTime` (tracking and suppression tables) is
 * enabled by deployment (`aws dynamodb update-time-to-live`), not by this code: dynalite lacks UpdateTimeToLive.
 */

/** The send ledger (`tracking.ledgerTable`): one item per (campaignId, recipient); no TTL, rows guard resends. */
export function ledgerTableInput(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'campaignId', AttributeType: 'S' },
      { AttributeName: 'email', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'campaignId', KeyType: 'HASH' },
      { AttributeName: 'email', KeyType: 'RANGE' },
    ],
  };
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

/** The reference's FINANCIAL_SUPPRESSION_TABLE (`tracking.suppressionTable`): bounced/complained addresses. */
export function suppressionTableInput(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'email', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'email', KeyType: 'HASH' }],
  };
}
