import type { BackendCheck, BackendDoctorChecks } from '../../backend.js';
import type { Config } from '../../config/schema.js';
import { requireBackendConfig } from '../../config/validate.js';
import type { CheckOutcome } from '../../core/doctor/run-doctor.js';
import type { AwsClients } from './clients.js';
import { readCallerIdentity, readContactListTopics, readTableStatus } from './doctor-probes.js';
import { createDynamoLedger } from './dynamo-ledger.js';
import { createSesAccount } from './ses-account.js';
import { createSqsEventSource } from './sqs-events.js';

/**
 * The aws backend's own checks: who we are, the SES account, the contact list, the event queue (when
 * `events.queueUrl` is set), the tables. Each drops its client.
 */
export function createAwsChecks(config: Config, clients: AwsClients): BackendDoctorChecks {
  const check = (name: string, run: BackendCheck['run'], failure: BackendCheck['failure'] = 'config') => ({
    name,
    failure,
    run,
  });
  return {
    describe: () =>
      `aws (S3 s3://${config.reports.bucket ?? '?'}, SES v2${config.ses.region ? ` in ${config.ses.region}` : ''}, DynamoDB)`,
    identity: [
      check('AWS identity', (signal) =>
        withClient(clients.sts(), async (sts) => {
          const identity = await readCallerIdentity(sts, signal);
          return { ok: true, detail: `${identity.arn} (account ${identity.account})` };
        }),
      ),
    ],
    sending: [
      check('SES account', () => withClient(clients.ses(), checkSesAccount)),
      check('contact list', (signal) => checkContactList(config, clients, signal)),
      ...(config.events.queueUrl
        ? [check('event queue', () => checkEventQueue(config.events.queueUrl ?? '', clients))]
        : []),
    ],
    ledger: check('ledger/tracking', (signal) => checkTables(config, clients, signal), 'reachability'),
  };
}

async function checkSesAccount(ses: ReturnType<AwsClients['ses']>): Promise<CheckOutcome> {
  const quota = await createSesAccount(ses).getQuota();
  const numbers = `quota ${quota.max24HourSend} per 24 h (${quota.sentLast24Hours} sent), ${quota.maxSendRate} per second`;
  if (!quota.sendingEnabled) {
    return {
      ok: false,
      detail: `sending is paused for this SES account; ${numbers}`,
      hint: 'aws sesv2 put-account-sending-attributes --sending-enabled (after fixing why it was paused)',
    };
  }
  return { ok: true, detail: `sending enabled; ${numbers}` };
}

async function checkContactList(
  config: Config,
  clients: AwsClients,
  signal: AbortSignal,
): Promise<CheckOutcome> {
  const { contactList, topic, mode } = config.unsubscribe;
  if (!contactList) return { ok: true, detail: `none configured (unsubscribe.mode ${mode ?? 'unset'})` };
  const topics = await withClient(clients.ses(), (ses) => readContactListTopics(ses, contactList, signal));
  if (!topics.includes(topic)) {
    return {
      ok: false,
      detail: `SES contact list ${contactList} has no topic "${topic}" (it has: ${topics.join(', ') || 'none'})`,
      hint: 'add the topic to the contact list (aws sesv2 update-contact-list) or fix unsubscribe.topic',
    };
  }
  return { ok: true, detail: `SES contact list ${contactList} has topic ${topic}` };
}

/** GetQueueAttributes on `events.queueUrl`: reachable, with what waits and what is being handled. */
async function checkEventQueue(queueUrl: string, clients: AwsClients): Promise<CheckOutcome> {
  const depth = await withClient(clients.sqs(queueUrl), (sqs) => createSqsEventSource(sqs, queueUrl).depth());
  // SQS gives no age of its oldest message (CloudWatch's ApproximateAgeOfOldestMessage does): say so, not 0.
  const age =
    depth.oldestAgeSeconds === undefined
      ? 'oldest age not given by SQS (CloudWatch ApproximateAgeOfOldestMessage)'
      : `the oldest waits for ${depth.oldestAgeSeconds} s`;
  return {
    ok: true,
    detail: `SQS ${queueUrl} reachable: ${depth.visible} waiting, ${depth.inFlight} in flight; ${age}`,
  };
}

/** The ledger answers a query; DescribeTable on every other table (tracking, suppression, audit). */
async function checkTables(config: Config, clients: AwsClients, signal: AbortSignal): Promise<CheckOutcome> {
  requireBackendConfig(config, 'sending');
  const { tracking } = config;
  const ledgerTable = tracking.ledgerTable ?? '';
  await withClient(clients.documents(), (doc) => createDynamoLedger(doc, ledgerTable).listRows('__doctor__'));
  const tables = [tracking.table, tracking.suppressionTable, tracking.auditTable].filter(
    (table): table is string => table !== undefined,
  );
  const states = await withClient(clients.dynamo(), async (dynamo) => {
    const found = [];
    for (const table of tables) found.push(`${table} ${await readTableStatus(dynamo, table, signal)}`);
    return found;
  });
  const others = states.length > 0 ? states.join(', ') : 'no other tables configured';
  return { ok: true, detail: `DynamoDB ${ledgerTable} readable; ${others}` };
}

async function withClient<C extends { destroy(): void }, T>(
  client: C,
  use: (client: C) => Promise<T>,
): Promise<T> {
  try {
    return await use(client);
  } finally {
    client.destroy();
  }
}
