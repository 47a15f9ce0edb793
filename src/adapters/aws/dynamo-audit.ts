import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { normalizeEmail } from '../../core/common/email-address.js';
import { ConfigError } from '../../core/common/errors.js';
import type { AuditEntry, AuditLog, Random } from '../../ports.js';
import { readAllPages } from './dynamo-pages.js';
import { translateAwsError } from './errors.js';

export interface DynamoAuditOptions {
  /** For the key suffix (default Math.random). */
  random?: Random;
}

/**
 * The audit trail in DynamoDB (`tracking.auditTable`, see auditTableInput): one PutItem per change, keyed by the
 * lower-cased address and `at` = ISO time + `#` + 6 random hex digits, so two changes in one millisecond keep
 * both rows and the keys still sort by time. A put that the SDK retries writes the same item again: harmless.
 */
export function createDynamoAuditLog(
  doc: DynamoDBDocumentClient,
  table: string,
  options: DynamoAuditOptions = {},
): AuditLog {
  const random = options.random ?? Math.random;
  const suffix = () =>
    Math.floor(random() * 0x1000000)
      .toString(16)
      .padStart(6, '0');
  return {
    location: `DynamoDB ${table}`,
    async record(entry) {
      const item: Record<string, string> = {
        email: normalizeEmail(entry.email),
        at: `${entry.at}#${suffix()}`,
        changedAt: entry.at,
        action: entry.action,
        topic: entry.topic,
        actor: entry.actor,
        source: entry.source,
      };
      if (entry.reason !== undefined) item.reason = entry.reason;
      if (entry.detail !== undefined) item.detail = entry.detail;
      try {
        await doc.send(new PutCommand({ TableName: table, Item: item }));
      } catch (error) {
        throw translate(error, table, 'writing an audit row');
      }
    },
    async history(address) {
      const items = await readAllPages(async (start) => {
        try {
          return await doc.send(
            new QueryCommand({
              TableName: table,
              KeyConditionExpression: '#email = :email',
              ExpressionAttributeNames: { '#email': 'email' },
              ExpressionAttributeValues: { ':email': normalizeEmail(address) },
              ScanIndexForward: true,
              ExclusiveStartKey: start,
            }),
          );
        } catch (error) {
          throw translate(error, table, 'reading the audit trail');
        }
      });
      const entries = items.map(toEntry);
      return entries;
    },
  };
}

function toEntry(item: Record<string, unknown>): AuditEntry {
  const text = (name: string) => (typeof item[name] === 'string' ? (item[name] as string) : undefined);
  const key = text('at') ?? '';
  const entry: AuditEntry = {
    at: text('changedAt') ?? key.replace(/#[^#]*$/, ''),
    email: text('email') ?? '',
    // Shown as stored: a row written by hand is kept in the history rather than dropped or corrected.
    action: (text('action') ?? '') as AuditEntry['action'],
    topic: text('topic') ?? '',
    actor: text('actor') ?? '',
    source: (text('source') ?? '') as AuditEntry['source'],
  };
  const reason = text('reason');
  const detail = text('detail');
  if (reason !== undefined) entry.reason = reason;
  if (detail !== undefined) entry.detail = detail;
  return entry;
}

function translate(error: unknown, table: string, doing: string): Error {
  if (error instanceof Error && error.name === 'ResourceNotFoundException') {
    return new ConfigError(`tracking.auditTable: the DynamoDB table "${table}" does not exist`, {
      cause: error,
      hint: 'create it (README: AWS resources; keys email HASH S, at RANGE S) or fix the name',
    });
  }
  return translateAwsError(error, `${doing} (table ${table})`);
}
