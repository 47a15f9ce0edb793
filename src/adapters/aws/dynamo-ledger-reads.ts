import { type DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { BackendError } from '../../core/common/errors.js';
import { summariseCampaigns } from '../../core/send/campaigns.js';
import { isDeliveryState } from '../../core/send/delivery-state.js';
import type { CampaignSummary, DeliveryOutcome, LedgerRow, LedgerStatus } from '../../ports.js';
import { readAllPages } from './dynamo-pages.js';

/** The reads of the DynamoDB ledger (`createDynamoLedger`): a campaign's rows, every campaign, items as rows. */
export interface LedgerTable {
  doc: DynamoDBDocumentClient;
  table: string;
  /** One request, its errors in the project's words. */
  call: <T>(doing: string, send: () => Promise<T>) => Promise<T>;
}

const STATUSES: ReadonlySet<string> = new Set(['planned', 'sending', 'sent', 'failed', 'skipped', 'unknown']);

/** Every item of a campaign, all pages, read consistently. */
export function queryCampaignItems(
  { doc, table, call }: LedgerTable,
  campaignId: string,
  projection?: string,
): Promise<Record<string, unknown>[]> {
  return readAllPages((start) =>
    call('reading rows', () =>
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
    ),
  );
}

export async function listLedgerCampaigns(ledger: LedgerTable): Promise<CampaignSummary[]> {
  return summariseCampaigns(
    (await scanAll(ledger)).filter(isLedgerRow).map((item) => ({
      campaignId: String(item.campaignId),
      status: checkStatus(item, ledger.table),
      count: 1,
      updatedAt: String(item.updatedAt),
    })),
  );
}

/**
 * Every row's campaign, status and time, all pages. The table is keyed by campaign, so listing campaigns is a
 * Scan of the whole table (projected to three attributes, but still read in full and billed as such): fine for
 * the operator's `dn-mailer campaigns` / `status`, never for the send path.
 */
function scanAll({ doc, table, call }: LedgerTable): Promise<Record<string, unknown>[]> {
  return readAllPages((start) =>
    call('listing campaigns', () =>
      doc.send(
        new ScanCommand({
          TableName: table,
          ProjectionExpression: 'campaignId, #status, #updatedAt, leaseOf',
          ExpressionAttributeNames: { '#status': 'status', '#updatedAt': 'updatedAt' },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      ),
    ),
  );
}

/** Planning leases (dynamo-ledger-planning.ts) live in the same table, under a partition of their own. */
function isLedgerRow(item: Record<string, unknown>): boolean {
  return item.leaseOf === undefined;
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

export function toLedgerRow(item: Record<string, unknown>, table: string): LedgerRow {
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
    ...(typeof item.claimedAt === 'string' && { claimedAt: item.claimedAt }),
    ...(item.deliveryState !== undefined && { delivery: toDelivery(item, table) }),
  };
}

/**
 * `deliveryState`, `deliveryAt`, `deliveryDetail`, `deliveryAcceptedAt`: absent until a delivery event arrived for
 * the row (`deliveryAcceptedAt` also on rows recorded before it was stored).
 */
function toDelivery(item: Record<string, unknown>, table: string): DeliveryOutcome {
  const {
    deliveryState: state,
    deliveryAt: at,
    deliveryDetail: detail,
    deliveryAcceptedAt: acceptedAt,
  } = item;
  if (isDeliveryState(state) && typeof at === 'string') {
    return {
      state,
      at,
      ...(typeof detail === 'string' && { detail }),
      ...(typeof acceptedAt === 'string' && { acceptedAt }),
    };
  }
  throw new BackendError(
    `the ledger table ${table} holds a row (${String(item.campaignId)} / ${String(item.email)}) with an unreadable delivery: deliveryState ${String(state)}, deliveryAt ${String(at)}`,
    { hint: 'the table is written by something other than dn-mailer, or by a newer version' },
  );
}
