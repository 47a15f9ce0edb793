import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { STSClient } from '@aws-sdk/client-sts';
import { readCallerIdentity, readContactListTopics, readTableStatus } from '../adapters/aws/doctor-probes.js';
import { createSesAccount } from '../adapters/aws/ses-account.js';
import type { Config } from '../config/schema.js';
import type { CheckOutcome, DoctorCheck } from '../core/doctor/run-doctor.js';
import type { DoctorContext } from './doctor-checks.js';

type After = (
  name: string,
  failure: DoctorCheck['failure'],
  run: (ctx: DoctorContext, signal: AbortSignal) => Promise<CheckOutcome>,
) => DoctorCheck;

/** The aws backend's own checks: who we are, the SES account, the contact list. Each builds and drops its client. */
export function createAwsDoctorChecks(after: After): DoctorCheck[] {
  return [
    after('AWS identity', 'config', (_ctx, signal) =>
      withClient(new STSClient({}), async (sts) => {
        const identity = await readCallerIdentity(sts, signal);
        return { ok: true, detail: `${identity.arn} (account ${identity.account})` };
      }),
    ),
    after('SES account', 'config', ({ loaded }) =>
      withClient(sesClient(loaded.config), async (ses) => {
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
      }),
    ),
    after('contact list', 'config', ({ loaded }, signal) => checkContactList(loaded.config, signal)),
  ];
}

/** DescribeTable on every DynamoDB table besides the ledger (tracking, suppression, audit), as one line. */
export async function describeTrackingTables(config: Config, signal: AbortSignal): Promise<string> {
  const { tracking } = config;
  const tables = [tracking.table, tracking.suppressionTable, tracking.auditTable].filter(
    (table): table is string => table !== undefined,
  );
  return withClient(new DynamoDBClient({}), async (dynamo) => {
    const states = [];
    for (const table of tables) states.push(`${table} ${await readTableStatus(dynamo, table, signal)}`);
    return states.length > 0 ? states.join(', ') : 'no other tables configured';
  });
}

async function checkContactList(config: Config, signal: AbortSignal): Promise<CheckOutcome> {
  const { contactList, topic, mode } = config.unsubscribe;
  if (!contactList) return { ok: true, detail: `none configured (unsubscribe.mode ${mode ?? 'unset'})` };
  const topics = await withClient(sesClient(config), (ses) =>
    readContactListTopics(ses, contactList, signal),
  );
  if (!topics.includes(topic)) {
    return {
      ok: false,
      detail: `SES contact list ${contactList} has no topic "${topic}" (it has: ${topics.join(', ') || 'none'})`,
      hint: 'add the topic to the contact list (aws sesv2 update-contact-list) or fix unsubscribe.topic',
    };
  }
  return { ok: true, detail: `SES contact list ${contactList} has topic ${topic}` };
}

function sesClient(config: Config): SESv2Client {
  return new SESv2Client(config.ses.region ? { region: config.ses.region } : {});
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
