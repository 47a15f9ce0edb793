import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { GateList } from '../../ports.js';
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
