import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoLedger } from '../adapters/aws/dynamo-ledger.js';
import { createDynamoSuppressionGate } from '../adapters/aws/dynamo-suppression.js';
import { createDynamoTracking } from '../adapters/aws/dynamo-tracking.js';
import { createSesAccount } from '../adapters/aws/ses-account.js';
import { createSesContactListGate, createSesSuppressionGate } from '../adapters/aws/ses-gates.js';
import { createSesMailer, createSesSendClient } from '../adapters/aws/ses-mailer.js';
import { createOutboxMailer, unlimitedAccount } from '../adapters/local/outbox.js';
import { openSqliteStore } from '../adapters/local/sqlite-store.js';
import type { Config } from '../config/schema.js';
import { ConfigError } from '../core/common/errors.js';
import type { GateList, Mailer, SendingAccount, SendLedger, TrackingStore } from '../ports.js';

/** The most sends in flight (`ses.concurrency`, `--concurrency`); the SES socket pool is sized to it. */
export const MAX_CONCURRENCY = 64;

/** The ports a real send needs, for the configured backend. */
export interface SendingParts {
  mailer: Mailer;
  account: SendingAccount;
  gates: GateList[];
  ledger: SendLedger;
  tracking: TrackingStore;
  /** Where the ledger lives, for messages (`status`, summaries). */
  ledgerLocation: string;
  close(): void;
}

/** Local: outbox + SQLite. aws: SES v2 + DynamoDB. Never one silently standing in for the other. */
export function createSendingParts(config: Config): SendingParts {
  return config.backend === 'local' ? createLocalParts(config) : createAwsParts(config);
}

function createLocalParts(config: Config): SendingParts {
  const store = openSqliteStore(config.tracking.file, { topic: config.unsubscribe.topic });
  return {
    mailer: createOutboxMailer(config.outbox.dir),
    account: unlimitedAccount,
    gates: [store.contacts, store.suppressions],
    ledger: store.ledger,
    tracking: store.tracking,
    ledgerLocation: config.tracking.file,
    close: () => store.close(),
  };
}

function createAwsParts(config: Config): SendingParts {
  const { tracking, ses, unsubscribe } = config;
  const missing = [
    tracking.ledgerTable
      ? undefined
      : 'tracking.ledgerTable: required to send on the aws backend (the no-double-send ledger)',
    tracking.table ? undefined : 'tracking.table: required to send on the aws backend (tracking rows)',
  ].filter((problem): problem is string => problem !== undefined);
  if (missing.length > 0 || !tracking.ledgerTable || !tracking.table) {
    throw new ConfigError('the configuration cannot send on the aws backend:', {
      details: missing,
      hint: 'README: AWS resources lists the tables and their keys',
    });
  }
  const region = ses.region ? { region: ses.region } : {};
  const sesClient = new SESv2Client(region);
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const gates: GateList[] = [];
  if (unsubscribe.contactList)
    gates.push(
      createSesContactListGate(sesClient, { contactList: unsubscribe.contactList, topic: unsubscribe.topic }),
    );
  if (ses.suppressionList) gates.push(createSesSuppressionGate(sesClient));
  if (tracking.suppressionTable) gates.push(createDynamoSuppressionGate(doc, tracking.suppressionTable));
  return {
    mailer: createSesMailer(
      createSesSendClient({ ...region, requestTimeoutMs: ses.sendTimeoutMs, concurrency: MAX_CONCURRENCY }),
      {
        configurationSet: ses.configurationSet,
      },
    ),
    account: createSesAccount(sesClient),
    gates,
    ledger: createDynamoLedger(doc, tracking.ledgerTable),
    tracking: createDynamoTracking(doc, tracking.table),
    ledgerLocation: `DynamoDB ${tracking.ledgerTable}`,
    close: () => {
      sesClient.destroy();
      doc.destroy();
    },
  };
}
