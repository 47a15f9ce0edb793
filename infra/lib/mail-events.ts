import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sesActions from 'aws-cdk-lib/aws-ses-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StackSettings } from './settings.js';

/**
 * The SES event types the configuration set publishes, by the `eventType` name `events sync` reads
 * (`src/core/events/read-sending-event.ts`): every one dn-mailer understands, so none is published only to be ignored
 * and none it reads is missing.
 */
export const SES_EVENT_TYPES: Readonly<Record<string, ses.EmailSendingEvent>> = {
  Send: ses.EmailSendingEvent.SEND,
  Delivery: ses.EmailSendingEvent.DELIVERY,
  Bounce: ses.EmailSendingEvent.BOUNCE,
  Complaint: ses.EmailSendingEvent.COMPLAINT,
  Reject: ses.EmailSendingEvent.REJECT,
  DeliveryDelay: ses.EmailSendingEvent.DELIVERY_DELAY,
  'Rendering Failure': ses.EmailSendingEvent.RENDERING_FAILURE,
  Open: ses.EmailSendingEvent.OPEN,
  Click: ses.EmailSendingEvent.CLICK,
  Subscription: ses.EmailSendingEvent.SUBSCRIPTION,
};

/** The receive count after which a message no sync could read moves to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;

/**
 * What `events sync` reads, on one queue (`events.queueUrl`): the configuration set's sending events through one SNS
 * topic, and the mails to the unsubscribe address through another (a receipt rule, when an address is given).
 */
export class MailEvents extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly eventTopic: sns.Topic;
  readonly inboundTopic: sns.Topic | undefined;
  readonly receiptRuleSet: ses.ReceiptRuleSet | undefined;

  constructor(scope: Construct, id: string, settings: StackSettings) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      queueName: settings.deadLetterQueue,
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new sqs.Queue(this, 'EventQueue', {
      queueName: settings.eventQueue,
      visibilityTimeout: Duration.seconds(60),
      // The monthly run drains it; the longest SQS allows, so a late sync still finds the month's events.
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    this.eventTopic = new sns.Topic(this, 'EventTopic', { topicName: settings.eventTopic });
    // The standard envelope (no raw delivery): parse-queue-message reads both, and the envelope names its topic.
    this.eventTopic.addSubscription(new subscriptions.SqsSubscription(this.queue));
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName: settings.configurationSet,
    });
    this.configurationSet.addEventDestination('ToEventTopic', {
      configurationSetEventDestinationName: `${settings.configurationSet}-events`,
      destination: ses.EventDestination.snsTopic(this.eventTopic),
      events: Object.values(SES_EVENT_TYPES),
    });

    if (settings.unsubscribeAddress !== undefined) {
      this.inboundTopic = new sns.Topic(this, 'InboundTopic', { topicName: settings.inboundTopic });
      this.inboundTopic.addSubscription(new subscriptions.SqsSubscription(this.queue));
      this.receiptRuleSet = this.addReceiptRule(settings, settings.unsubscribeAddress, this.inboundTopic);
    }
  }

  /**
   * Mail to the unsubscribe address → its topic, the message text in the notification (UTF-8, up to 150 KB; an
   * opt-out mail is far smaller), so `events sync` needs no bucket. SES scans it for spam and viruses; the verdicts
   * are in the notification and apply-inbound checks them.
   */
  private addReceiptRule(settings: StackSettings, address: string, topic: sns.Topic): ses.ReceiptRuleSet {
    const ruleName = `${settings.receiptRuleSet}-unsubscribe`;
    const ruleSet = new ses.ReceiptRuleSet(this, 'ReceiptRuleSet', {
      receiptRuleSetName: settings.receiptRuleSet,
    });
    const stack = Stack.of(this);
    const rulePolicy = topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'SesReceiptRulePublishes',
        actions: ['sns:Publish'],
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: {
            'AWS:SourceAccount': stack.account,
            'AWS:SourceArn': stack.formatArn({
              service: 'ses',
              resource: 'receipt-rule-set',
              resourceName: `${settings.receiptRuleSet}:receipt-rule/${ruleName}`,
            }),
          },
        },
      }),
    );
    const rule = ruleSet.addRule('Unsubscribe', {
      receiptRuleName: ruleName,
      recipients: [address],
      scanEnabled: true,
      enabled: true,
      actions: [new sesActions.Sns({ topic, encoding: sesActions.EmailEncoding.UTF8 })],
    });
    // SES checks it may publish when the rule is created.
    if (rulePolicy.policyDependable) rule.node.addDependency(rulePolicy.policyDependable);
    return ruleSet;
  }
}

/** The SES contact list and its one topic, opted in by default; retained with the stack: it holds every opt-out. */
export function createContactList(scope: Construct, settings: StackSettings): ses.CfnContactList {
  const list = new ses.CfnContactList(scope, 'ContactList', {
    contactListName: settings.contactList,
    description: `${settings.brandName} mailing preferences (dn-mailer)`,
    topics: [
      {
        topicName: settings.topic,
        displayName: settings.topicDisplayName,
        description: 'The monthly financial report e-mail',
        defaultSubscriptionStatus: 'OPT_IN',
      },
    ],
  });
  list.applyRemovalPolicy(RemovalPolicy.RETAIN);
  return list;
}
