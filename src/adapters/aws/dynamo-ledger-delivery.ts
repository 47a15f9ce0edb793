import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { StoreBusyError } from '../../core/common/errors.js';
import { applyDelivery, type DeliveryRowUpdate } from '../../core/send/delivery-state.js';
import type { DeliveryOutcome, DeliveryUpdate } from '../../ports.js';
import { type LedgerTable, toLedgerRow } from './dynamo-ledger-reads.js';
import { isConditionFailed, isTransactionConflict } from './errors.js';

/**
 * Rounds of read → conditional write before giving up on a row that keeps changing under us. Each lost round means
 * another write landed, so N writers racing on one row all finish within N rounds.
 */
const MAX_ROUNDS = 10;

/** How long a delivery write waits after meeting a transaction on its row, before it reads the row again. */
const CONFLICT_PAUSE_MS = 25;

/** Rows `recordDeliveries` works on at once (each a read and maybe a conditional write in flight). */
const ROWS_AT_ONCE = 8;

/**
 * The attributes `recordDelivery` reads and may write. Its write is conditional on each one still holding what was
 * read (and on `attempts`, which every claim bumps), so a claim, a finish or another event landing in between
 * fails the condition and the event is merged again into the new row: no lost update, no transaction needed. A write
 * that meets a send's transaction on the row (TransactionConflictException) is one more lost round, after a pause.
 * `writeToken` is neither read nor written: it belongs to claim / finish, which use it to recognise their own retry.
 */
const WATCHED = [
  'status',
  'messageId',
  'reason',
  'updatedAt',
  'attempts',
  'deliveryState',
  'deliveryAt',
  'deliveryDetail',
  'deliveryAcceptedAt',
] as const;

/**
 * `SendLedger.recordDelivery` on the DynamoDB ledger: one consistent GetItem, the core rule (`applyDelivery`), then
 * an UpdateItem only when something changes. A replay costs one read; false when the row does not exist.
 */
export async function recordDynamoDelivery(
  ledger: LedgerTable,
  campaignId: string,
  email: string,
  event: DeliveryOutcome,
  messageId: string,
): Promise<boolean> {
  for (let round = 1; round <= MAX_ROUNDS; round += 1) {
    const item = await readItem(ledger, campaignId, email);
    if (!item) return false;
    const update = applyDelivery(toLedgerRow(item, ledger.table), event, messageId);
    if (!update) return true;
    if (await writeIfUnchanged(ledger, item, update)) return true;
  }
  throw new StoreBusyError(
    `the ledger row ${campaignId} / ${email} in ${ledger.table} kept changing while a delivery event was recorded (${MAX_ROUNDS} tries)`,
    {
      hint: 'a send of this campaign is busy with the row; run the same command again (events are applied idempotently)',
    },
  );
}

/**
 * `SendLedger.recordDeliveries` on the DynamoDB ledger: `recordDelivery` for each update, up to ROWS_AT_ONCE rows at
 * a time; the updates of one row one after the other in the order given (each keeps its conditional write and
 * retry). Every write has landed when it resolves; on a failure no further update is started, and the first error
 * is thrown once those in flight have settled.
 */
export async function recordDynamoDeliveries(
  ledger: LedgerTable,
  updates: readonly DeliveryUpdate[],
): Promise<boolean[]> {
  const byRow = new Map<string, number[]>();
  updates.forEach((update, i) => {
    const key = JSON.stringify([update.campaignId, update.email]);
    const slots = byRow.get(key);
    if (slots) slots.push(i);
    else byRow.set(key, [i]);
  });
  const found: boolean[] = updates.map(() => false);
  const limit = pLimit(ROWS_AT_ONCE);
  let failure: { error: unknown } | undefined;
  await Promise.all(
    [...byRow.values()].map((slots) =>
      limit(async () => {
        try {
          for (const i of slots) {
            if (failure) return;
            const { campaignId, email, delivery, messageId } = updates[i] as DeliveryUpdate;
            found[i] = await recordDynamoDelivery(ledger, campaignId, email, delivery, messageId);
          }
        } catch (error) {
          failure ??= { error };
        }
      }),
    ),
  );
  if (failure) throw failure.error;
  return found;
}

async function readItem(
  { doc, table, call }: LedgerTable,
  campaignId: string,
  email: string,
): Promise<Record<string, unknown> | undefined> {
  const { Item } = await call('reading a row', () =>
    doc.send(new GetCommand({ TableName: table, Key: { campaignId, email }, ConsistentRead: true })),
  );
  return Item;
}

/** Writes the update if the row still holds what was read; false when another write came first. */
async function writeIfUnchanged(
  { doc, table, call }: LedgerTable,
  item: Record<string, unknown>,
  update: DeliveryRowUpdate,
): Promise<boolean> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const conditions = ['attribute_exists(#email)'];
  names['#email'] = 'email';
  WATCHED.forEach((attribute, i) => {
    names[`#a${i}`] = attribute;
    if (item[attribute] === undefined) conditions.push(`attribute_not_exists(#a${i})`);
    else {
      conditions.push(`#a${i} = :old${i}`);
      values[`:old${i}`] = item[attribute];
    }
  });
  const next: Record<string, unknown> = {
    status: update.status,
    messageId: update.messageId,
    reason: update.reason,
    updatedAt: update.updatedAt,
    deliveryState: update.delivery.state,
    deliveryAt: update.delivery.at,
    deliveryDetail: update.delivery.detail,
    deliveryAcceptedAt: update.delivery.acceptedAt,
  };
  const set: string[] = [];
  const remove: string[] = [];
  for (const [attribute, value] of Object.entries(next)) {
    const i = WATCHED.indexOf(attribute as (typeof WATCHED)[number]);
    if (value === undefined) {
      if (item[attribute] !== undefined) remove.push(`#a${i}`);
    } else {
      set.push(`#a${i} = :new${i}`);
      values[`:new${i}`] = value;
    }
  }
  try {
    await call('recording a delivery event', () =>
      doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { campaignId: item.campaignId, email: item.email },
          UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    if (isTransactionConflict(error)) {
      // A send's claim or finish (a transaction) is writing the row right now: read it again once that is done.
      await new Promise((resolve) => setTimeout(resolve, CONFLICT_PAUSE_MS));
      return false;
    }
    throw error;
  }
}
