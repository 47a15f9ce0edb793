/**
 * Builds SES events for messages dn-mailer sent, in the shape SES publishes them (the examples in the SES developer
 * guide, kept in test/fixtures/ses-events/), and the envelopes a queue receives them in. Used by the event pump and
 * by tests that need a delivery, bounce or complaint for a chosen message.
 */
import { randomUUID } from 'node:crypto';

export type SesEventType =
  | 'Send'
  | 'Delivery'
  | 'Bounce'
  | 'Complaint'
  | 'Reject'
  | 'DeliveryDelay'
  | 'Rendering Failure'
  | 'Open'
  | 'Click'
  | 'Subscription';

export interface SesEventInput {
  /** The SES message ID dn-mailer got back from SendEmail (`mail.messageId`). */
  messageId: string;
  /** The message's To address(es): `mail.destination`, and the recipients the event concerns. */
  to: string | readonly string[];
  /** dn-mailer's EmailTags (name → value), published by SES as `mail.tags` next to its own `ses:*` tags. */
  tags?: Readonly<Record<string, string>>;
  /** ISO time of the event itself (`bounce.timestamp`, …). */
  at: string;
  /** ISO time SES accepted the message (`mail.timestamp`); defaults to `at`. */
  sentAt?: string;
  from?: string;
  subject?: string;
  configurationSet?: string;
  bounceType?: 'Permanent' | 'Transient' | 'Undetermined';
  bounceSubType?: string;
  /** The bounced recipients' `diagnosticCode`. */
  diagnostic?: string;
  complaintFeedbackType?: string;
  rejectReason?: string;
  delayType?: string;
  link?: string;
  errorMessage?: string;
}

export type SesEvent = Record<string, unknown> & { eventType: SesEventType; mail: Record<string, unknown> };

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

/** The bare event, as SES puts it in an SNS `Message` or an EventBridge `detail`. */
export function sesEvent(type: SesEventType, input: SesEventInput): SesEvent {
  const to = typeof input.to === 'string' ? [input.to] : [...input.to];
  return { eventType: type, mail: mailObject(input, to), ...ownObject(type, input, to) };
}

function mailObject(input: SesEventInput, to: string[]): Record<string, unknown> {
  const from = input.from ?? 'statements@example.com';
  const subject = input.subject ?? 'Your monthly statement';
  const userTags = Object.entries(input.tags ?? {}).map(([name, value]) => [name, [value]]);
  return {
    timestamp: input.sentAt ?? input.at,
    source: from,
    sourceArn: `arn:aws:ses:${REGION}:${ACCOUNT}:identity/${from.slice(from.lastIndexOf('@') + 1)}`,
    sendingAccountId: ACCOUNT,
    messageId: input.messageId,
    destination: to,
    headersTruncated: false,
    headers: [
      { name: 'From', value: from },
      { name: 'To', value: to.join(', ') },
      { name: 'Subject', value: subject },
      { name: 'MIME-Version', value: '1.0' },
    ],
    commonHeaders: { from: [from], to, messageId: input.messageId, subject },
    tags: {
      'ses:configuration-set': [input.configurationSet ?? 'dn-mailer'],
      'ses:source-ip': ['192.0.2.0'],
      'ses:from-domain': [from.slice(from.lastIndexOf('@') + 1)],
      'ses:caller-identity': ['dn-mailer'],
      ...Object.fromEntries(userTags),
    },
  };
}

function ownObject(type: SesEventType, input: SesEventInput, to: string[]): Record<string, unknown> {
  const at = input.at;
  const feedbackId = `${input.messageId}-feedback`;
  switch (type) {
    case 'Send':
      return { send: {} };
    case 'Delivery':
      return {
        delivery: {
          timestamp: at,
          processingTimeMillis: 546,
          recipients: to,
          smtpResponse: '250 2.6.0 Message received',
          reportingMTA: 'a8-70.smtp-out.amazonses.com',
        },
      };
    case 'Bounce': {
      const bounceType = input.bounceType ?? 'Permanent';
      const status = bounceType === 'Permanent' ? '5.1.1' : '4.4.7';
      const recipient = (emailAddress: string) => ({
        emailAddress,
        action: 'failed',
        status,
        diagnosticCode:
          input.diagnostic ??
          (status === '5.1.1' ? 'smtp; 550 5.1.1 user unknown' : 'smtp; 421 4.4.7 message expired'),
      });
      return {
        bounce: {
          bounceType,
          bounceSubType: input.bounceSubType ?? (bounceType === 'Undetermined' ? 'Undetermined' : 'General'),
          bouncedRecipients: to.map(recipient),
          timestamp: at,
          feedbackId,
          reportingMTA: 'dsn; mta.example.com',
        },
      };
    }
    case 'Complaint':
      return {
        complaint: {
          complainedRecipients: to.map((emailAddress) => ({ emailAddress })),
          timestamp: at,
          feedbackId,
          userAgent: 'AnyCompany Feedback Loop (V0.01)',
          complaintFeedbackType: input.complaintFeedbackType ?? 'abuse',
          arrivalDate: at,
        },
      };
    case 'Reject':
      return { reject: { reason: input.rejectReason ?? 'Bad content' } };
    case 'DeliveryDelay':
      return {
        deliveryDelay: {
          timestamp: at,
          delayType: input.delayType ?? 'TransientCommunicationFailure',
          expirationTime: at,
          delayedRecipients: to.map((emailAddress) => ({
            emailAddress,
            status: '4.4.1',
            diagnosticCode: input.diagnostic ?? 'smtp; 421 4.4.1 Unable to connect to remote host',
          })),
        },
      };
    case 'Rendering Failure':
      return {
        failure: {
          errorMessage:
            input.errorMessage ?? "Attribute 'attributeName' is not present in the rendering data.",
          templateName: 'MyTemplate',
        },
      };
    case 'Open':
      return { open: { ipAddress: '192.0.2.1', timestamp: at, userAgent: 'Mozilla/5.0' } };
    case 'Click':
      return {
        click: {
          ipAddress: '192.0.2.1',
          link: input.link ?? 'https://example.com/',
          linkTags: {},
          timestamp: at,
          userAgent: 'Mozilla/5.0',
        },
      };
    case 'Subscription':
      return {
        subscription: {
          contactList: 'dn-mailer',
          timestamp: at,
          source: 'UnsubscribeHeader',
          newTopicPreferences: { unsubscribeAll: true, topicSubscriptionStatus: [] },
          oldTopicPreferences: { unsubscribeAll: false, topicSubscriptionStatus: [] },
        },
      };
  }
}

/** What SNS delivers to an SQS subscription without raw message delivery: the event as a JSON string in `Message`. */
export function snsEnvelope(
  event: object,
  topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:ses-events`,
  timestamp = new Date(0).toISOString(),
): Record<string, unknown> {
  return {
    Type: 'Notification',
    MessageId: randomUUID(),
    TopicArn: topicArn,
    Message: JSON.stringify(event),
    Timestamp: timestamp,
    SignatureVersion: '1',
    Signature: 'EXAMPLE',
    SigningCertURL: `https://sns.${REGION}.amazonaws.com/SimpleNotificationService-EXAMPLE.pem`,
    UnsubscribeURL: `https://sns.${REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}:EXAMPLE`,
  };
}

const DETAIL_TYPES: Record<SesEventType, string> = {
  Send: 'Email Sent',
  Delivery: 'Email Delivered',
  Bounce: 'Email Bounced',
  Complaint: 'Email Complaint Received',
  Reject: 'Email Rejected',
  DeliveryDelay: 'Email Delivery Delayed',
  'Rendering Failure': 'Email Rendering Failed',
  Open: 'Email Opened',
  Click: 'Email Clicked',
  Subscription: 'Email Subscribed',
};

/** What an EventBridge rule on `source: aws.ses` delivers to an SQS target: the event in `detail`. */
export function eventBridgeEnvelope(event: SesEvent): Record<string, unknown> {
  // Tests also wrap events broken on purpose: read them without trusting their shape.
  const mail = (event.mail ?? {}) as {
    tags?: Record<string, string[] | undefined> | null;
    timestamp?: unknown;
  };
  const configurationSet = mail.tags?.['ses:configuration-set']?.[0] ?? 'dn-mailer';
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': DETAIL_TYPES[event.eventType],
    source: 'aws.ses',
    account: ACCOUNT,
    time: String(mail.timestamp).replace(/\.\d+Z$/, 'Z'),
    region: REGION,
    resources: [`arn:aws:ses:${REGION}:${ACCOUNT}:configuration-set/${configurationSet}`],
    detail: event,
  };
}

export interface SesReceiptInput {
  messageId: string;
  /** As the From header is written (`Name <a@b>` or a bare address). */
  from: string;
  to: string;
  subject: string;
  at: string;
  /** The raw MIME; carried in the notification unless `s3` is given. */
  content?: string;
  encoding?: 'UTF8' | 'BASE64';
  /** Stored by an S3 receipt action instead of carried. */
  s3?: { bucket: string; key: string };
  verdicts?: Partial<Record<'spf' | 'dkim' | 'spam' | 'virus', string>>;
}

/** An SES receipt notification (receipt rule → SNS) for inbound mail, as in "Examples of notifications for Amazon SES email receiving". */
export function sesReceipt(input: SesReceiptInput): Record<string, unknown> {
  const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:ses-inbound`;
  const encoding = input.encoding ?? 'UTF8';
  const action =
    input.s3 === undefined
      ? { type: 'SNS', topicArn, encoding }
      : { type: 'S3', topicArn, bucketName: input.s3.bucket, objectKey: input.s3.key };
  const verdict = (name: 'spf' | 'dkim' | 'spam' | 'virus') => ({ status: input.verdicts?.[name] ?? 'PASS' });
  const content =
    input.s3 !== undefined || input.content === undefined
      ? {}
      : { content: encoding === 'BASE64' ? Buffer.from(input.content).toString('base64') : input.content };
  return {
    notificationType: 'Received',
    receipt: {
      timestamp: input.at,
      processingTimeMillis: 222,
      recipients: [input.to],
      spamVerdict: verdict('spam'),
      virusVerdict: verdict('virus'),
      spfVerdict: verdict('spf'),
      dkimVerdict: verdict('dkim'),
      action,
    },
    mail: {
      timestamp: input.at,
      source: input.from.replace(/^.*<([^>]+)>.*$/, '$1'),
      messageId: input.messageId,
      destination: [input.to],
      headersTruncated: false,
      headers: [
        { name: 'From', value: input.from },
        { name: 'To', value: input.to },
        { name: 'Subject', value: input.subject },
      ],
      commonHeaders: { from: [input.from], to: [input.to], subject: input.subject },
    },
    ...content,
  };
}
