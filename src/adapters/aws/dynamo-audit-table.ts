import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The audit trail of contact changes (`tracking.auditTable`): one item per change, keyed by address and time
 * (`at` = ISO time, `#`, a short random suffix, so two changes in one millisecond keep both rows). No TTL: the
 * trail is kept for compliance. On-demand billing, like the other tables (dynamo-tables.ts).
 */
export function auditTableInput(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'email', AttributeType: 'S' },
      { AttributeName: 'at', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'email', KeyType: 'HASH' },
      { AttributeName: 'at', KeyType: 'RANGE' },
    ],
  };
}
