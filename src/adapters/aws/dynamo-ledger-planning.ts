import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { BackendError } from '../../core/common/errors.js';
import type { Random, Sleep } from '../../ports.js';
import { batchPut, type PutRequest } from './dynamo-batch-write.js';
import { type LedgerTable, queryCampaignItems } from './dynamo-ledger-reads.js';
import { isConditionFailed } from './errors.js';

/**
 * The partition of the planning leases in the ledger table: one item per campaign, `email` = the campaign ID, marked
 * by `leaseOf` (never a ledger row: the reads skip items that have it, see dynamo-ledger-reads.ts).
 */
export const PLANNING_LEASE_PARTITION = '#planning-lease';

export interface PlanningOptions {
  /** BatchWriteItem for rows proven absent (default); false: one conditional PutItem per row, as before #15. */
  batching: boolean;
  /** Requests in flight while planning. */
  concurrency: number;
  newToken: () => string;
  /** Wall clock, ms: the lease's `expiresAt`, compared by every run (their clocks may differ by `safetyMs`). */
  now: () => number;
  /** Monotonic clock, ms: this run's own deadline for writing under the lease. */
  monotonic: () => number;
  sleep: Sleep;
  random: Random;
  /** How long a lease lasts unless renewed (default 60 s). */
  leaseMs: number;
  /** No write is sent in the last `safetyMs` of a lease (default 20 s): request time and clock skew. */
  safetyMs: number;
  /** How long to wait for another run's lease before giving up (default: a lease and a half). */
  waitMs: number;
}

export type Row = { email: string; customIds: string[] };

/**
 * `ensurePlanned` on DynamoDB: a `planned` row for every recipient that has none, never touching an existing row.
 *
 * With batching, the rows are written by BatchWriteItem, which has no conditions — so the rows it writes must be
 * proven absent up to the moment they land. The proof is a planning lease, not a transaction. (TransactWriteItems
 * with `attribute_not_exists` would do it without the clock assumptions of point 3; when the lease was built the
 * tests had only dynalite, which has no transactions. They now also run on DynamoDB Local, as the grouped claims
 * and finishes do — `dynamo-group-write.ts` — but planning still takes the lease, which a run of an older version
 * relies on.) The argument that the lease never lets a batch overwrite a row:
 *
 * 1. Only `ensurePlanned` ever creates a ledger row: claim, finish and delivery updates are conditional on the row's
 *    status (or on attributes read from it) and fail on an absent row; nothing deletes rows.
 * 2. Every `ensurePlanned` of a campaign first takes the campaign's lease — a conditional PutItem that succeeds only
 *    when no other run holds an unexpired one — and keeps it until its last write has been answered (then deletes
 *    it, conditional on still holding it). So while run A holds the lease, no other run can create a row of the
 *    campaign: the rows A's Query (read after taking the lease, consistently) found absent stay absent, and A's
 *    unconditional puts of them cannot overwrite anyone's row.
 * 3. A lease that is not released (a crash) expires after `leaseMs` by the holder's wall clock; another run may take
 *    it then. The holder sends no request after `leaseMs - safetyMs` by its own monotonic clock (each request
 *    carries an abort signal for that deadline, SDK retries included) and renews the lease (conditional on still
 *    holding it) while it works, so a write of the holder can only land while its lease is valid, as long as the
 *    clocks of two runs differ by less than `safetyMs` and a request is answered within it.
 *
 * Runs of a version before this lease (per-row conditional PutItem) do not take it: do not run them against the
 * same campaign at the same time as this one. Without batching the rows are conditional puts (never overwriting
 * anything by themselves); they still take the lease so that a batching run's proof holds.
 */
export async function planRows(
  ledger: LedgerTable,
  campaignId: string,
  rows: readonly Row[],
  at: Date,
  options: PlanningOptions,
): Promise<void> {
  if (rows.length === 0) return;
  if (campaignId === PLANNING_LEASE_PARTITION) {
    throw new BackendError(
      `"${campaignId}" cannot be a campaign ID: the ledger keeps its planning leases under it`,
      {
        hint: 'choose another campaign ID',
      },
    );
  }
  const lease = await takeLease(ledger, campaignId, options);
  try {
    await writeAbsentRows(ledger, campaignId, rows, at, options, lease);
  } catch (error) {
    await lease.release().catch(() => undefined); // the first error is the one to report
    throw error;
  }
  await lease.release();
}

async function writeAbsentRows(
  ledger: LedgerTable,
  campaignId: string,
  rows: readonly Row[],
  at: Date,
  options: PlanningOptions,
  lease: Lease,
): Promise<void> {
  // Read after the lease was taken, consistently: what is absent now stays absent until the lease is released.
  const existing = await queryCampaignItems(ledger, campaignId, 'email');
  const present = new Set(existing.map((item) => String(item.email)));
  const missing = new Map(rows.filter((row) => !present.has(row.email)).map((row) => [row.email, row]));
  const items = [...missing.values()].map((row) => ({
    campaignId,
    email: row.email,
    status: 'planned',
    customIds: row.customIds,
    attempts: 0,
    updatedAt: at.toISOString(),
  }));
  if (!options.batching) return putEach(ledger, items, options.concurrency, lease);
  await batchPut(
    ledger.doc,
    ledger.table,
    items.map((Item): PutRequest => ({ PutRequest: { Item } })),
    {
      ...options,
      maxAttempts: 8,
      what: 'planned ledger rows',
      beforeRequest: lease.check,
      requestOptions: () => ({ abortSignal: lease.signal() }),
    },
  );
}

/** One conditional PutItem per row (the path before #15): a row that exists is left as it is. */
async function putEach(
  ledger: LedgerTable,
  items: readonly Record<string, unknown>[],
  concurrency: number,
  lease: Lease,
): Promise<void> {
  const limit = pLimit({ concurrency, rejectOnClear: true });
  const put = async (Item: Record<string, unknown>) => {
    try {
      await lease.check();
      await ledger.call('planning rows', () =>
        ledger.doc.send(
          new PutCommand({
            TableName: ledger.table,
            Item,
            ConditionExpression: 'attribute_not_exists(email)',
          }),
          { abortSignal: lease.signal() },
        ),
      );
    } catch (error) {
      if (isConditionFailed(error)) return; // another run planned it first: keep its row as it is
      limit.clearQueue();
      throw error;
    }
  };
  await Promise.all(items.map((item) => limit(() => put(item))));
}

interface Lease {
  /** Renews the lease when half of it is gone; throws when this run may no longer write under it. */
  check(): Promise<void>;
  /** Aborts a request still unanswered at this run's deadline. */
  signal(): AbortSignal;
  release(): Promise<void>;
}

async function takeLease(ledger: LedgerTable, campaignId: string, options: PlanningOptions): Promise<Lease> {
  const token = options.newToken();
  const key = { campaignId: PLANNING_LEASE_PARTITION, email: campaignId };
  const waitUntil = options.monotonic() + options.waitMs;
  let deadline = 0; // monotonic ms after which no request may be sent
  let renewing: Promise<void> | undefined;

  /** One conditional write that takes (or renews) the lease; false when another run holds it. */
  const write = async (renew: boolean): Promise<boolean> => {
    const startedAt = options.monotonic();
    const expiresAt = options.now() + options.leaseMs;
    try {
      if (renew) {
        await ledger.call('renewing the planning lease', () =>
          ledger.doc.send(
            new UpdateCommand({
              TableName: ledger.table,
              Key: key,
              UpdateExpression: 'SET #expiresAt = :expiresAt',
              ConditionExpression: '#holder = :token',
              ExpressionAttributeNames: { '#expiresAt': 'expiresAt', '#holder': 'holder' },
              ExpressionAttributeValues: { ':expiresAt': expiresAt, ':token': token },
            }),
          ),
        );
      } else {
        await ledger.call('taking the planning lease', () =>
          ledger.doc.send(
            new PutCommand({
              TableName: ledger.table,
              Item: { ...key, leaseOf: campaignId, holder: token, expiresAt },
              ConditionExpression: 'attribute_not_exists(email) OR #expiresAt < :now',
              ExpressionAttributeNames: { '#expiresAt': 'expiresAt' },
              ExpressionAttributeValues: { ':now': options.now() },
            }),
          ),
        );
      }
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
    // Counted from before the request was sent: the lease may have been written at any time after that.
    deadline = startedAt + options.leaseMs - options.safetyMs;
    return true;
  };

  for (let attempt = 0; !(await write(false)); attempt += 1) {
    if (options.monotonic() > waitUntil) {
      throw new BackendError(
        `another run has been planning the ledger rows of ${campaignId} in ${ledger.table} for over ${Math.round(options.waitMs / 1000)} s`,
        {
          hint: `its lease (${PLANNING_LEASE_PARTITION} / ${campaignId}) expires ${Math.round(options.leaseMs / 1000)} s after it was last renewed; run the same command again`,
        },
      );
    }
    await options.sleep(Math.min(1_000, 25 * 2 ** Math.min(attempt, 6)) * (0.5 + options.random() / 2));
  }

  const check = async (): Promise<void> => {
    const left = deadline - options.monotonic();
    if (left <= 0) {
      throw new BackendError(
        `the planning lease of ${campaignId} in ${ledger.table} ran out before every row was written`,
        { hint: 'the rows written so far are kept; run the same command again to plan the rest' },
      );
    }
    if (left < (options.leaseMs - options.safetyMs) / 2) {
      renewing ??= write(true).then((renewed) => {
        renewing = undefined;
        if (!renewed) deadline = 0; // lost it (expired and taken): write nothing more
      });
      await renewing;
      if (deadline <= options.monotonic()) await check();
    }
  };

  return {
    check,
    signal: () => AbortSignal.timeout(Math.max(1, Math.floor(deadline - options.monotonic()))),
    async release() {
      try {
        await ledger.call('releasing the planning lease', () =>
          ledger.doc.send(
            new DeleteCommand({
              TableName: ledger.table,
              Key: key,
              ConditionExpression: '#holder = :token',
              ExpressionAttributeNames: { '#holder': 'holder' },
              ExpressionAttributeValues: { ':token': token },
            }),
          ),
        );
      } catch (error) {
        if (!isConditionFailed(error)) throw error; // already expired and taken: nothing of ours to delete
      }
    },
  };
}
