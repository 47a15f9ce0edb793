import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetContactListCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { ConfigError, isDnMailerError } from '../../core/common/errors.js';
import { translateAwsError } from './errors.js';

/** Read-only AWS calls `dn-mailer doctor` makes on top of the sending adapters; SDK errors become ours. */

export interface CallerIdentity {
  arn: string;
  account: string;
}

/** STS GetCallerIdentity: who the SDK's credential chain says we are (needs no permission). */
export async function readCallerIdentity(client: STSClient, signal: AbortSignal): Promise<CallerIdentity> {
  try {
    const answer = await client.send(new GetCallerIdentityCommand({}), { abortSignal: signal });
    return { arn: answer.Arn ?? '(no ARN)', account: answer.Account ?? '(no account)' };
  } catch (error) {
    throw translateAwsError(error, 'asking STS who we are (GetCallerIdentity)');
  }
}

/** The topics of an SES contact list; a missing list is a config error naming it. */
export async function readContactListTopics(
  client: SESv2Client,
  contactList: string,
  signal: AbortSignal,
): Promise<string[]> {
  try {
    const answer = await client.send(new GetContactListCommand({ ContactListName: contactList }), {
      abortSignal: signal,
    });
    return (answer.Topics ?? []).flatMap((topic) => (topic.TopicName ? [topic.TopicName] : []));
  } catch (error) {
    if (isDnMailerError(error)) throw error;
    if (error instanceof Error && error.name === 'NotFoundException') {
      throw new ConfigError(`unsubscribe.contactList: the SES contact list "${contactList}" does not exist`, {
        cause: error,
        hint: 'create it in SES (with the topic) or fix the name; aws sesv2 list-contact-lists shows them',
      });
    }
    throw translateAwsError(error, `reading the SES contact list "${contactList}"`);
  }
}

/** DescribeTable: the table's status (`ACTIVE`, …); a missing table is a config error. */
export async function readTableStatus(
  client: DynamoDBClient,
  table: string,
  signal: AbortSignal,
): Promise<string> {
  try {
    const answer = await client.send(new DescribeTableCommand({ TableName: table }), { abortSignal: signal });
    return answer.Table?.TableStatus ?? 'UNKNOWN';
  } catch (error) {
    throw translateAwsError(error, `describing the DynamoDB table "${table}"`);
  }
}
