/**
 * The real adapters a send run needs, as the CLI wires them (src/cli/deps-sending.ts), pointed at local peers:
 * the SES v2 mailer and account against aws-ses-v2-local, and either the SQLite store (temp file) or the DynamoDB
 * ledger + tracking (+ an empty suppression table as gate) against a DynamoDB emulator (the bench: DynamoDB Local).
 * Only counting wrappers are added.
 */
import path from 'node:path';
import { QueryCommand as LowQueryCommand, type QueryCommandOutput } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import Database from 'better-sqlite3';
import { createSesSendClient } from '../../src/adapters/aws/clients.js';
import { createDynamoLedger } from '../../src/adapters/aws/dynamo-ledger.js';
import { createDynamoSuppressionGate } from '../../src/adapters/aws/dynamo-suppression.js';
import {
  ledgerTableInput,
  suppressionTableInput,
  trackingTableInput,
} from '../../src/adapters/aws/dynamo-tables.js';
import { createDynamoTracking } from '../../src/adapters/aws/dynamo-tracking.js';
import { createSesAccount } from '../../src/adapters/aws/ses-account.js';
import { createSesMailer } from '../../src/adapters/aws/ses-mailer.js';
import { openSqliteStore } from '../../src/adapters/local/sqlite-store.js';
import type { GateList, Mailer, SendingAccount, SendLedger, TrackingStore } from '../../src/ports.js';
import { countCommands, type Dynalite } from '../../test/support/dynalite.js';
import { SES_LOCAL_CREDENTIALS, SES_LOCAL_REGION, type SesLocal } from '../../test/support/ses-local.js';

export type Backend = 'sqlite' | 'dynamo';

/** A tracking row as read back for the checks. */
export interface StoredTrackingRow {
  email: string;
  sendStatus: string;
  sesMessageId: string | undefined;
}

export interface SendPorts {
  mailer: Mailer;
  account: SendingAccount;
  gates: GateList[];
  ledger: SendLedger;
  tracking: TrackingStore;
  /** Calls per ledger / tracking method (one `record` call = one batch of ≤ 25 rows). */
  calls: Map<string, number>;
  /** DynamoDB commands sent (Dynamo backend only). */
  dynamoCommands: Map<string, number> | undefined;
  trackingRows(campaignId: string): Promise<StoredTrackingRow[]>;
  close(): void;
}

export interface PortsInput {
  backend: Backend;
  label: string;
  tmpDir: string;
  ses: SesLocal;
  dynamo: Dynalite;
  /** DynamoDB ledger planning through BatchWriteItem under a lease (true) or per-row PutItem (false). */
  batching: boolean;
  /** DynamoDB ledger claims and finishes grouped in TransactWriteItems (true) or one UpdateItem each (false). */
  grouping: boolean;
}

export async function createSendPorts(input: PortsInput): Promise<SendPorts> {
  const sesConfig = {
    endpoint: input.ses.endpoint,
    region: SES_LOCAL_REGION,
    credentials: SES_LOCAL_CREDENTIALS,
  };
  const sendClient = createSesSendClient({ ...sesConfig, requestTimeoutMs: 15_000 });
  const accountClient = new SESv2Client(sesConfig);
  const calls = new Map<string, number>();
  const common = { mailer: createSesMailer(sendClient), account: createSesAccount(accountClient), calls };
  const closeSes = () => {
    sendClient.destroy();
    accountClient.destroy();
  };
  if (input.backend === 'sqlite') {
    const file = path.join(input.tmpDir, `${input.label}.sqlite`);
    const store = openSqliteStore(file);
    return {
      ...common,
      gates: [store.contacts, store.suppressions],
      ledger: counted(store.ledger, 'ledger', calls),
      tracking: counted(store.tracking, 'tracking', calls),
      dynamoCommands: undefined,
      trackingRows: async (campaignId) => readSqliteTracking(file, campaignId),
      close: () => {
        store.close();
        closeSes();
      },
    };
  }
  const names = {
    ledger: `ledger-${input.label}`,
    tracking: `tracking-${input.label}`,
    gate: `supp-${input.label}`,
  };
  await input.dynamo.createTables([
    ledgerTableInput(names.ledger),
    trackingTableInput(names.tracking),
    suppressionTableInput(names.gate),
  ]);
  const low = input.dynamo.createClient();
  const dynamoCommands = countCommands(low);
  const doc = DynamoDBDocumentClient.from(low, { marshallOptions: { removeUndefinedValues: true } });
  return {
    ...common,
    gates: [createDynamoSuppressionGate(doc, names.gate)],
    ledger: counted(
      createDynamoLedger(doc, names.ledger, { batching: input.batching, grouping: input.grouping }),
      'ledger',
      calls,
    ),
    tracking: counted(createDynamoTracking(doc, names.tracking), 'tracking', calls),
    dynamoCommands,
    trackingRows: (campaignId) => readDynamoTracking(input.dynamo, names.tracking, campaignId),
    close: () => {
      doc.destroy();
      closeSes();
    },
  };
}

/** The same object, each async method counting its calls as `<name>.<method>`. */
function counted<T extends object>(target: T, name: string, calls: Map<string, number>): T {
  const wrapped = { ...target } as Record<string, unknown>;
  for (const [key, value] of Object.entries(target)) {
    if (typeof value !== 'function') continue;
    const method = value as (...args: unknown[]) => unknown;
    wrapped[key] = (...args: unknown[]) => {
      calls.set(`${name}.${key}`, (calls.get(`${name}.${key}`) ?? 0) + 1);
      return method.apply(target, args);
    };
  }
  return wrapped as T;
}

function readSqliteTracking(file: string, campaignId: string): StoredTrackingRow[] {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db
      .prepare('SELECT email, send_status, ses_message_id FROM tracking WHERE campaign_id = ?')
      .all(campaignId) as { email: string; send_status: string; ses_message_id: string | null }[];
    return rows.map((r) => ({
      email: r.email,
      sendStatus: r.send_status,
      sesMessageId: r.ses_message_id ?? undefined,
    }));
  } finally {
    db.close();
  }
}

async function readDynamoTracking(
  dynamo: Dynalite,
  table: string,
  campaignId: string,
): Promise<StoredTrackingRow[]> {
  const client = dynamo.createClient();
  const rows: StoredTrackingRow[] = [];
  try {
    let start: QueryCommandOutput['LastEvaluatedKey'];
    do {
      const page: QueryCommandOutput = await client.send(
        new LowQueryCommand({
          TableName: table,
          KeyConditionExpression: 'campaignId = :c',
          ExpressionAttributeValues: { ':c': { S: campaignId } },
          ProjectionExpression: 'email, sendStatus, sesMessageId',
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? [])
        rows.push({
          email: item.email?.S ?? '',
          sendStatus: item.sendStatus?.S ?? '',
          sesMessageId: item.sesMessageId?.S,
        });
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    client.destroy();
  }
  return rows;
}
