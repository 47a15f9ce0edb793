import type { STSClient } from '@aws-sdk/client-sts';
import type { Backend, CreateBackend, SendingPorts, SubscriptionPorts } from '../../backend.js';
import type { LoadedConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { MAX_CONCURRENCY } from '../../config/sections/sending.js';
import { requireBackendConfig } from '../../config/validate.js';
import type { EventSource, GateList } from '../../ports.js';
import { createLocalFiles, createLocalListener } from '../local/host.js';
import { parseInboundMime } from '../mime-parse.js';
import { whoAmI } from '../operator.js';
import { createProcessInstance } from '../process-instance.js';
import { createSharedPorts } from '../shared-ports.js';
import { type AwsClients, createAwsClients } from './clients.js';
import { createAwsChecks } from './doctor-checks.js';
import { createDynamoAuditLog } from './dynamo-audit.js';
import { createDynamoLedger } from './dynamo-ledger.js';
import {
  createDynamoSuppressionGate,
  createDynamoSuppressions,
  missingSuppressionTable,
} from './dynamo-suppression.js';
import { createDynamoTracking } from './dynamo-tracking.js';
import { createS3InboundMailReader } from './s3-inbound-mail.js';
import { createS3ReportStore } from './s3-report-store.js';
import { createSesAccount } from './ses-account.js';
import { createSesContactList } from './ses-contact-list.js';
import { createSesContactListGate, createSesSuppressionGate } from './ses-gates.js';
import { createSesMailer } from './ses-mailer.js';
import { createSqsEventSource } from './sqs-events.js';

/** The aws backend: S3 reports, SES v2, DynamoDB ledger/tracking/audit; every AWS SDK client comes from clients.ts. */
export const createAwsBackend: CreateBackend = (loaded, options) => {
  const { config } = loaded;
  requireBackendConfig(config, 'reports');
  const shared = createSharedPorts(loaded, options);
  const clients = createAwsClients(config);
  return {
    name: 'aws',
    users: shared.users,
    reports: createS3ReportStore(clients.s3(), config.reports.bucket ?? ''),
    campaign: shared.campaign,
    sending: () => createSendingPorts(config, clients),
    events: createEventQueue(config, clients),
    parseMime: parseInboundMime,
    fetchStoredMail: createStoredMailReader(clients),
    subscriptions: () => createSubscriptionPorts(loaded, clients, shared.subscriptionSettings),
    files: createLocalFiles((text) => options.secrets.scrub(text)),
    listener: createLocalListener(),
    doctor: createAwsChecks(config, clients),
    clock: options.clock,
    sleep: options.sleep,
    random: options.random,
    instance: createProcessInstance(),
  } satisfies Backend;
};

function createSendingPorts(config: Config, clients: AwsClients): SendingPorts {
  requireBackendConfig(config, 'sending');
  const { tracking, ses, unsubscribe } = config;
  const sesClient = clients.ses();
  const doc = clients.documents();
  const gates: GateList[] = [];
  if (unsubscribe.contactList)
    gates.push(
      createSesContactListGate(sesClient, { contactList: unsubscribe.contactList, topic: unsubscribe.topic }),
    );
  if (ses.suppressionList) gates.push(createSesSuppressionGate(sesClient));
  if (tracking.suppressionTable) gates.push(createDynamoSuppressionGate(doc, tracking.suppressionTable));
  const ledgerTable = tracking.ledgerTable ?? '';
  // A client of its own: no SDK retries (only the send loop decides to resend) and a socket per send in flight.
  const sendClient = clients.sesSend({ requestTimeoutMs: ses.sendTimeoutMs, concurrency: MAX_CONCURRENCY });
  return {
    mailer: createSesMailer(sendClient, { configurationSet: ses.configurationSet }),
    account: createSesAccount(sesClient),
    // SES cannot be asked whether it accepted a message: only its events tell.
    providerRecord: { lookup: async () => 'unknown' },
    gates,
    ledger: createDynamoLedger(doc, ledgerTable),
    tracking: createDynamoTracking(doc, tracking.table ?? ''),
    // Without the table, bounces and complaints cannot be recorded: refused, not dropped (dynamo-suppression.ts).
    suppressions: tracking.suppressionTable
      ? createDynamoSuppressions(doc, tracking.suppressionTable)
      : missingSuppressionTable(),
    ledgerLocation: `DynamoDB ${ledgerTable}`,
    close: () => {
      sesClient.destroy();
      sendClient.destroy();
      doc.destroy();
    },
  };
}

/** Reads inbound mail an SES receipt rule stored in S3 (mailto opt-outs); the S3 client is built on first use. */
function createStoredMailReader(clients: AwsClients): (bucket: string, key: string) => Promise<string> {
  let read: ((bucket: string, key: string) => Promise<string>) | undefined;
  return (bucket, key) => {
    read ??= createS3InboundMailReader(clients.s3());
    return read(bucket, key);
  };
}

/** The SQS event queue when `events.queueUrl` is set (one client, built on the first call), else undefined. */
function createEventQueue(config: Config, clients: AwsClients): () => EventSource | undefined {
  const { queueUrl } = config.events;
  let source: EventSource | undefined;
  return () => {
    if (queueUrl) source ??= createSqsEventSource(clients.sqs(queueUrl), queueUrl);
    return source;
  };
}

function createSubscriptionPorts(
  loaded: LoadedConfig,
  clients: AwsClients,
  settings: Pick<SubscriptionPorts, 'tokens' | 'maxAgeDays' | 'topic'>,
): SubscriptionPorts {
  const { config } = loaded;
  requireBackendConfig(config, 'contacts');
  const ses = clients.ses();
  const doc = clients.documents();
  let sts: STSClient | undefined;
  return {
    ...settings,
    contacts: createSesContactList(ses, { contactList: config.unsubscribe.contactList ?? '' }),
    audit: createDynamoAuditLog(doc, config.tracking.auditTable ?? ''),
    actor: () =>
      whoAmI({
        env: loaded.env,
        stsClient: () => {
          sts ??= clients.sts();
          return sts;
        },
      }),
    close: () => {
      ses.destroy();
      doc.destroy();
      sts?.destroy();
    },
  };
}
