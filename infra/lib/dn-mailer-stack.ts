import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import {
  auditTableInput,
  ledgerTableInput,
  suppressionTableInput,
  trackingTableInput,
} from '../../src/adapters/aws/dynamo-tables.js';
import { type IamScope, secretArnOf } from '../../src/adapters/aws/iam-policy.js';
import { GitHubRole } from './github-role.js';
import { createContactList, MailEvents } from './mail-events.js';
import type { StackSettings } from './settings.js';
import { tableFromInput } from './tables.js';
import { tokenKey } from './token-key.js';
import { UnsubscribeEndpoint } from './unsubscribe-endpoint.js';

export interface DnMailerStackProps extends StackProps {
  settings: StackSettings;
  /** The endpoint's bundle; default: built with esbuild at synth time. */
  unsubscribeCode?: lambda.Code;
}

/** Everything the aws backend uses, in one stack; `init --from-stack` reads its outputs. */
export class DnMailerStack extends Stack {
  constructor(scope: Construct, id: string, props: DnMailerStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const ledger = tableFromInput(this, 'LedgerTable', ledgerTableInput(settings.ledgerTable), {
      pointInTimeRecovery: true,
    });
    const tracking = tableFromInput(this, 'TrackingTable', trackingTableInput(settings.trackingTable), {
      timeToLiveAttribute: 'expirationTime',
    });
    const suppression = tableFromInput(
      this,
      'SuppressionTable',
      suppressionTableInput(settings.suppressionTable),
      {
        timeToLiveAttribute: 'expirationTime',
      },
    );
    const audit = tableFromInput(this, 'AuditTable', auditTableInput(settings.auditTable));

    const events = new MailEvents(this, 'MailEvents', settings);
    if (settings.createContactList) createContactList(this, settings);
    const key = tokenKey(this, settings);
    const endpoint = new UnsubscribeEndpoint(this, 'Unsubscribe', {
      settings,
      auditTable: audit,
      tokenKey: key,
      code: props.unsubscribeCode,
    });

    const iamScope: IamScope = {
      tableArns: [ledger, tracking, suppression, audit].map((table) => table.tableArn),
      bucketArns: [`arn:${this.partition}:s3:::${settings.reportsBucket}`],
      inboundMailArns: settings.inboundMailBucket
        ? [`arn:${this.partition}:s3:::${settings.inboundMailBucket}/*`]
        : [],
      queueArns: [events.queue.queueArn],
      secretArns: settings.secrets.map((name) => secretArnOf(name, this.region, this.account)),
      kmsKey: key.grant,
    };
    const github = new GitHubRole(this, 'GitHub', settings, iamScope);

    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output('LedgerTableName', ledger.tableName, 'tracking.ledgerTable');
    output('TrackingTableName', tracking.tableName, 'tracking.table');
    output('SuppressionTableName', suppression.tableName, 'tracking.suppressionTable');
    output('AuditTableName', audit.tableName, 'tracking.auditTable');
    output('EventQueueUrl', events.queue.queueUrl, 'events.queueUrl');
    output('DeadLetterQueueUrl', events.deadLetterQueue.queueUrl, 'the messages no sync could read');
    output('ConfigurationSetName', events.configurationSet.configurationSetName, 'ses.configurationSet');
    output('ContactListName', settings.contactList, 'unsubscribe.contactList');
    output('TopicName', settings.topic, 'unsubscribe.topic');
    output('UnsubscribeUrl', settings.publicUrl ?? endpoint.url.url, 'unsubscribe.baseUrl');
    if (settings.unsubscribeAddress)
      output('UnsubscribeAddress', settings.unsubscribeAddress, 'unsubscribe.mailto');
    output('KmsKeyId', key.keyId, 'unsubscribe.kmsKeyId');
    output('GitHubRoleArn', github.role.roleArn, 'the DN_MAILER_ROLE_ARN variable of the workflow');
    output('Region', this.region, 'AWS_REGION');
  }
}
