import { type DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailed, isTransactionConflict } from './errors.js';

/** One conditional UpdateItem of a ledger row (claim or finish), table included. */
export interface RowUpdate {
  TableName: string;
  Key: Record<string, unknown>;
  UpdateExpression: string;
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}

/** What became of one update: written, or its condition was false (nothing written). */
export type UpdateResult = 'applied' | 'condition-failed';

export interface GroupWrite {
  /** Runs `update` in the next group; rejects with `call`'s translated error when it cannot be written. */
  submit(doing: string, update: RowUpdate): Promise<UpdateResult>;
}

export interface GroupWriteOptions {
  /** false: one UpdateItem per update (the path before #15; kept to measure against). Default true. */
  enabled?: boolean;
  /** Sends one request, translating what it throws (the ledger's `call`). */
  call<T>(doing: string, send: () => Promise<T>): Promise<T>;
  /** Waits before an update the transaction conflict or throttling turned back is tried again. */
  sleep(ms: number): Promise<void>;
}

/** Updates a transaction carries at most (DynamoDB allows 100; 25 keeps one within any compatible store's limit). */
const MAX_GROUP = 25;
/** How often one update may come back (conflict, throttling) before its caller hears the error. */
const MAX_TRIES = 8;
/**
 * Transactions in flight at once: while they are, the next group fills. Measured (bench send, DynamoDB Local): 1
 * made larger groups but a lower rate, 4 and more smaller groups and no gain.
 */
const MAX_IN_FLIGHT = 2;

/** The wait before the `tries`-th try of an update a conflict or throttling turned back. */
const backoffMs = (tries: number) => Math.min(1_000, 10 * 2 ** tries);

interface Waiting {
  doing: string;
  update: RowUpdate;
  key: string;
  tries: number;
  resolve(result: UpdateResult): void;
  reject(error: unknown): void;
}

/**
 * Group writes for the DynamoDB ledger: the claims and finishes that concurrent sends ask for while earlier ones
 * are in flight go out together as ONE TransactWriteItems, each still its own Update with its own condition, so N
 * sends in flight cost about one request per group instead of one each (the SDK's per-request work was most of the
 * aws send's CPU, #15).
 *
 * What does not change: each caller hears its answer only after DynamoDB accepted the write (a claim is stored
 * before the provider is called); a false condition turns back only that update ("condition-failed"), never its
 * group. A transaction is all or nothing, so when DynamoDB cancels one (TransactionCanceledException), its reasons
 * say per update what happened: "ConditionalCheckFailed" is that update's answer; the others were not written
 * ("None") or met a concurrent write ("TransactionConflict", throttling) and go into a later group. Two updates of
 * one row never share a transaction (DynamoDB refuses that); the second waits for the next. An SDK retry of a
 * transaction whose first attempt landed is idempotent (the SDK sends one ClientRequestToken for both).
 *
 * A store that does not know TransactWriteItems (dynalite answers UnknownOperationException) gets one UpdateItem per
 * update from then on, as with `enabled: false`.
 */
export function createGroupWrite(doc: DynamoDBDocumentClient, options: GroupWriteOptions): GroupWrite {
  let transactions = options.enabled ?? true;
  let queue: Waiting[] = [];
  let inFlight = 0;
  let scheduled = false;

  async function alone(doing: string, update: RowUpdate): Promise<UpdateResult> {
    for (let tries = 1; ; tries += 1) {
      try {
        await options.call(doing, () => doc.send(new UpdateCommand(update)));
        return 'applied';
      } catch (error) {
        if (isConditionFailed(error)) return 'condition-failed';
        // Another run's transaction holds the row for a moment (the SDK does not retry this one).
        if (!isTransactionConflict(error) || tries >= MAX_TRIES) throw error;
        await options.sleep(backoffMs(tries));
      }
    }
  }

  function takeGroup(): Waiting[] {
    const group: Waiting[] = [];
    const keys = new Set<string>();
    const later: Waiting[] = [];
    for (const waiting of queue) {
      if (group.length < MAX_GROUP && !keys.has(waiting.key)) {
        group.push(waiting);
        keys.add(waiting.key);
      } else later.push(waiting);
    }
    queue = later;
    return group;
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      while (inFlight < MAX_IN_FLIGHT && queue.length > 0) void send(takeGroup());
    });
  }

  /** The caller hears the error as `call` translates it, named after what it was doing. */
  function fail(waiting: Waiting, error: unknown): void {
    options.call(waiting.doing, () => Promise.reject(error)).catch(waiting.reject);
  }

  function again(waiting: Waiting, error: unknown): void {
    waiting.tries += 1;
    if (waiting.tries >= MAX_TRIES) {
      fail(waiting, error);
      return;
    }
    void options.sleep(backoffMs(waiting.tries)).then(() => {
      queue.push(waiting);
      schedule();
    });
  }

  async function send(group: Waiting[]): Promise<void> {
    inFlight += 1;
    try {
      if (!transactions) {
        await Promise.all(
          group.map((waiting) => alone(waiting.doing, waiting.update).then(waiting.resolve, waiting.reject)),
        );
        return;
      }
      try {
        await doc.send(
          new TransactWriteCommand({ TransactItems: group.map((waiting) => ({ Update: waiting.update })) }),
        );
        for (const waiting of group) waiting.resolve('applied');
      } catch (error) {
        settleFailed(group, error);
      }
    } finally {
      inFlight -= 1;
      if (queue.length > 0) schedule();
    }
  }

  function settleFailed(group: Waiting[], error: unknown): void {
    const name = error instanceof Error ? error.name : '';
    if (name === 'UnknownOperationException') {
      transactions = false;
      queue = [...group, ...queue];
      return;
    }
    const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
    const codes = reasons?.map((reason) => reason.Code ?? 'None') ?? [];
    // Without one reason per Update naming at least one that failed, nothing says which to try again: an error.
    const explained = codes.length === group.length && codes.some((code) => code !== 'None');
    if (name !== 'TransactionCanceledException' || !explained) {
      // The group failed as a whole (or, after a lost answer the SDK's retries could not settle, its fate is not
      // known — as for a single UpdateItem): each caller hears the error, named after what it was doing.
      for (const waiting of group) fail(waiting, error);
      return;
    }
    group.forEach((waiting, i) => {
      const code = codes[i] ?? 'None';
      if (code === 'ConditionalCheckFailed') waiting.resolve('condition-failed');
      else if (code === 'None') {
        queue.push(waiting);
        schedule();
      } else if (code === 'TransactionConflict' || /Throttl|ProvisionedThroughput/.test(code))
        again(waiting, error);
      else fail(waiting, error);
    });
  }

  return {
    submit(doing, update) {
      if (!transactions) return alone(doing, update);
      const key = JSON.stringify([update.TableName, update.Key]);
      return new Promise<UpdateResult>((resolve, reject) => {
        queue.push({ doing, update, key, tries: 0, resolve, reject });
        schedule();
      });
    },
  };
}
