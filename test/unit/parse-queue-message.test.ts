import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeliveryEvent, QueueMessage } from '../../src/core/events/delivery-event.js';
import { parseQueueMessage } from '../../src/core/events/parse-queue-message.js';
import {
  eventBridgeEnvelope,
  type SesEvent,
  type SesEventType,
  sesEvent,
  sesReceipt,
  snsEnvelope,
} from '../support/ses-event-builder.js';

/** The documented examples (test/fixtures/ses-events/README.md says which page each comes from). */
function fixture(name: string): SesEvent {
  return JSON.parse(readFileSync(new URL(`../fixtures/ses-events/${name}.json`, import.meta.url), 'utf8'));
}

const ENVELOPES = {
  'an SNS notification': (event: SesEvent) => JSON.stringify(snsEnvelope(event)),
  'SNS raw message delivery': (event: SesEvent) => JSON.stringify(event),
  EventBridge: (event: SesEvent) => JSON.stringify(eventBridgeEnvelope(event)),
};
const SNS_ENVELOPES = {
  'an SNS notification': ENVELOPES['an SNS notification'],
  'SNS raw message delivery': ENVELOPES['SNS raw message delivery'],
};

const ID = 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000';
const CONFIG_SET_TAGS = {
  'ses:configuration-set': ['ConfigSet'],
  'ses:source-ip': ['192.0.2.0'],
  'ses:from-domain': ['example.com'],
  'ses:caller-identity': ['ses_user'],
};
const CUSTOM_TAGS = { myCustomTag1: ['myCustomTagValue1'], myCustomTag2: ['myCustomTagValue2'] };
const CUSTOM_VALUES = { myCustomTag1: ['myCustomValue1'], myCustomTag2: ['myCustomValue2'] };

/** Every value below is read off the documented example by hand, not computed. */
const PUBLISHED: Record<string, DeliveryEvent> = {
  send: {
    type: 'send',
    messageId: ID,
    at: '2016-10-14T05:02:16.645Z',
    sentAt: '2016-10-14T05:02:16.645Z',
    recipients: ['recipient@example.com'],
    tags: { ...CONFIG_SET_TAGS, ...CUSTOM_TAGS },
  },
  delivery: {
    type: 'delivery',
    messageId: ID,
    at: '2016-10-19T23:21:04.133Z',
    sentAt: '2016-10-19T23:20:52.240Z',
    recipients: ['recipient@example.com'],
    tags: { ...CONFIG_SET_TAGS, 'ses:outgoing-ip': ['192.0.2.0'], ...CUSTOM_TAGS },
  },
  bounce: {
    type: 'bounce',
    messageId: ID,
    at: '2017-08-05T00:41:02.669Z',
    sentAt: '2017-08-05T00:40:02.012Z',
    recipients: ['recipient@example.com'],
    tags: CONFIG_SET_TAGS,
    bounce: { type: 'Permanent', subType: 'General', diagnostic: 'smtp; 550 5.1.1 user unknown' },
  },
  complaint: {
    type: 'complaint',
    messageId: ID,
    at: '2017-08-05T00:41:02.669Z',
    sentAt: '2017-08-05T00:40:01.123Z',
    recipients: ['recipient@example.com'],
    tags: CONFIG_SET_TAGS,
    detail: 'abuse',
  },
  reject: {
    type: 'reject',
    messageId: ID,
    at: '2016-10-14T17:38:15.211Z',
    sentAt: '2016-10-14T17:38:15.211Z',
    // The documented example's destination is the sender's own address.
    recipients: ['sender@example.com'],
    tags: { ...CONFIG_SET_TAGS, ...CUSTOM_TAGS },
    detail: 'Bad content',
  },
  'delivery-delay': {
    type: 'delivery-delay',
    messageId: ID,
    at: '2020-06-16T00:25:40.095Z',
    sentAt: '2020-06-16T00:15:40.641Z',
    recipients: ['recipient@example.com'],
    tags: { 'ses:configuration-set': ['ConfigSet'] },
    detail: 'TransientCommunicationFailure',
  },
  'rendering-failure': {
    type: 'rendering-failure',
    messageId: ID,
    at: '2018-01-22T18:43:06.197Z',
    sentAt: '2018-01-22T18:43:06.197Z',
    recipients: ['recipient@example.com'],
    tags: { 'ses:configuration-set': ['ConfigSet'] },
    detail: "Attribute 'attributeName' is not present in the rendering data.",
  },
  open: {
    type: 'open',
    messageId: ID,
    at: '2017-08-09T22:00:19.652Z',
    sentAt: '2017-08-09T21:59:49.927Z',
    recipients: ['recipient@example.com'],
    tags: { ...CONFIG_SET_TAGS, 'ses:caller-identity': ['IAM_user_or_role_name'], ...CUSTOM_VALUES },
  },
  click: {
    type: 'click',
    messageId: ID,
    at: '2017-08-09T23:51:25.570Z',
    sentAt: '2017-08-09T23:50:05.795Z',
    recipients: ['recipient@example.com'],
    tags: { ...CONFIG_SET_TAGS, ...CUSTOM_VALUES },
    detail: 'http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html',
  },
  subscription: {
    type: 'subscription',
    messageId: 'EXAMPLEe4bccb684-777bc8de-afa7-4970-92b0-f515137b1497-000000',
    at: '2022-01-12T01:00:17.910Z',
    sentAt: '2022-01-12T01:00:14.340Z',
    recipients: ['recipient@example.com'],
    tags: { 'ses:operation': ['SendEmail'], ...CONFIG_SET_TAGS, ...CUSTOM_VALUES },
  },
};

const NOTIFIED_AT = '2016-01-27T14:59:38.237Z';
/** The older identity notifications (`notificationType`): no tags, SES publishes none there. */
const NOTIFIED: Record<string, DeliveryEvent> = {
  'notification-bounce-with-dsn': {
    type: 'bounce',
    messageId: '00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000',
    at: NOTIFIED_AT,
    sentAt: NOTIFIED_AT,
    recipients: ['jane@example.com'],
    tags: {},
    bounce: {
      type: 'Permanent',
      subType: 'General',
      diagnostic: 'smtp; 550 5.1.1 <jane@example.com>... User',
    },
  },
  'notification-bounce-without-dsn': {
    type: 'bounce',
    messageId: '00000137860315fd-34208509-5b74-41f3-95c5-22c1edc3c924-000000',
    at: NOTIFIED_AT,
    sentAt: NOTIFIED_AT,
    recipients: ['jane@example.com', 'richard@example.com'],
    tags: {},
    bounce: { type: 'Permanent', subType: 'General' },
  },
  'notification-complaint-with-feedback': {
    type: 'complaint',
    messageId: '000001378603177f-7a5433e7-8edb-42ae-af10-f0181f34d6ee-000000',
    at: NOTIFIED_AT,
    sentAt: NOTIFIED_AT,
    recipients: ['richard@example.com'],
    tags: {},
    detail: 'abuse',
  },
  'notification-complaint-without-feedback': {
    type: 'complaint',
    messageId: '0000013786031775-163e3910-53eb-4c8e-a04a-f29debf88a84-000000',
    at: NOTIFIED_AT,
    sentAt: NOTIFIED_AT,
    recipients: ['richard@example.com'],
    tags: {},
  },
  'notification-delivery': {
    type: 'delivery',
    messageId: '0000014644fe5ef6-9a483358-9170-4cb4-a269-f5dcdf415321-000000',
    at: NOTIFIED_AT,
    sentAt: NOTIFIED_AT,
    recipients: ['jane@example.com'],
    tags: {},
  },
};

const eventOf = (event: DeliveryEvent): QueueMessage => ({ kind: 'event', event });

describe('parseQueueMessage: the documented SES event examples', () => {
  for (const [envelope, wrap] of Object.entries(ENVELOPES)) {
    describe(`in ${envelope}`, () => {
      for (const [name, expected] of Object.entries(PUBLISHED)) {
        it(`reads the ${name} record`, () => {
          expect(parseQueueMessage(wrap(fixture(name)))).toStrictEqual(eventOf(expected));
        });
      }
    });
  }

  for (const [envelope, wrap] of Object.entries(SNS_ENVELOPES)) {
    describe(`older identity notifications (notificationType) in ${envelope}`, () => {
      for (const [name, expected] of Object.entries(NOTIFIED)) {
        it(`reads ${name}`, () => {
          expect(parseQueueMessage(wrap(fixture(name)))).toStrictEqual(eventOf(expected));
        });
      }
    });
  }

  it('reads the EventBridge "Email Delivered" example as it arrives, envelope and all', () => {
    const body = readFileSync(
      new URL('../fixtures/ses-events/eventbridge-email-delivered.json', import.meta.url),
      'utf8',
    );
    expect(parseQueueMessage(body)).toStrictEqual(eventOf(PUBLISHED.delivery as DeliveryEvent));
  });

  it('takes the type from the EventBridge detail-type when detail has no eventType', () => {
    const { eventType: _, ...detail } = fixture('bounce');
    const body = JSON.stringify({ ...eventBridgeEnvelope(fixture('bounce')), detail });
    expect(parseQueueMessage(body)).toStrictEqual(eventOf(PUBLISHED.bounce as DeliveryEvent));
  });

  it('accepts "RenderingFailure" without the space', () => {
    const event = { ...fixture('rendering-failure'), eventType: 'RenderingFailure' };
    expect(parseQueueMessage(JSON.stringify(event))).toStrictEqual(
      eventOf(PUBLISHED['rendering-failure'] as DeliveryEvent),
    );
  });

  it('lower-cases and trims addresses and lists each once', () => {
    const event = fixture('bounce');
    const bounce = event.bounce as { bouncedRecipients: { emailAddress: string }[] };
    bounce.bouncedRecipients = [
      { emailAddress: ' Artist@Example.COM ' },
      { emailAddress: 'artist@example.com' },
      { emailAddress: 'Second@Example.com' },
    ];
    const parsed = parseQueueMessage(JSON.stringify(snsEnvelope(event)));
    expect(parsed.kind === 'event' && parsed.event.recipients).toEqual([
      'artist@example.com',
      'second@example.com',
    ]);
  });

  it('keeps a tag named __proto__ as a tag, and drops values that are not strings', () => {
    const event = fixture('send');
    event.mail.tags = JSON.parse('{"__proto__":["x"],"campaign":["2026-01",7],"odd":"not a list"}');
    const parsed = parseQueueMessage(JSON.stringify(event));
    expect(parsed.kind === 'event' && parsed.event.tags).toStrictEqual(
      JSON.parse('{"__proto__":["x"],"campaign":["2026-01"]}'),
    );
    expect(Object.getPrototypeOf(parsed.kind === 'event' ? parsed.event.tags : {})).toBe(Object.prototype);
  });
});

describe('parseQueueMessage: events built by test/support/ses-event-builder.ts', () => {
  const TYPES: Record<SesEventType, DeliveryEvent['type']> = {
    Send: 'send',
    Delivery: 'delivery',
    Bounce: 'bounce',
    Complaint: 'complaint',
    Reject: 'reject',
    DeliveryDelay: 'delivery-delay',
    'Rendering Failure': 'rendering-failure',
    Open: 'open',
    Click: 'click',
    Subscription: 'subscription',
  };
  const input = {
    messageId: '0100019a-built-000000',
    to: 'Creator@Example.com',
    tags: { campaign: '2026-01-statement', recipient: 'a1b2c3' },
    at: '2026-01-15T10:00:05.000Z',
    sentAt: '2026-01-15T10:00:00.000Z',
  };

  for (const [sesType, type] of Object.entries(TYPES) as [SesEventType, DeliveryEvent['type']][]) {
    it(`${sesType}: reads back what was built, in every envelope`, () => {
      const ownTime = !['Send', 'Reject', 'Rendering Failure'].includes(sesType);
      for (const wrap of Object.values(ENVELOPES)) {
        const parsed = parseQueueMessage(wrap(sesEvent(sesType, input)));
        expect(parsed).toMatchObject({
          kind: 'event',
          event: {
            type,
            messageId: input.messageId,
            at: ownTime ? input.at : input.sentAt,
            sentAt: input.sentAt,
            recipients: ['creator@example.com'],
            tags: {
              campaign: ['2026-01-statement'],
              recipient: ['a1b2c3'],
              'ses:configuration-set': ['dn-mailer'],
            },
          },
        });
      }
    });
  }

  it('builds bounces of each type with their diagnostic', () => {
    for (const bounceType of ['Permanent', 'Transient', 'Undetermined'] as const) {
      const event = sesEvent('Bounce', { ...input, bounceType, diagnostic: 'smtp; 552 mailbox full' });
      const parsed = parseQueueMessage(JSON.stringify(snsEnvelope(event, 'arn:aws:sns:eu-west-1:1:t')));
      expect(parsed.kind === 'event' && parsed.event.bounce).toStrictEqual({
        type: bounceType,
        subType: bounceType === 'Undetermined' ? 'Undetermined' : 'General',
        diagnostic: 'smtp; 552 mailbox full',
      });
    }
  });
});

describe('parseQueueMessage: inbound mail (SES receipt notifications)', () => {
  const received = fixture('received-sns-action');
  const content = received.content as string;
  const documented = {
    messageId: 'd6iitobk75ur44p8kdnnp7g2n800',
    at: '2015-09-11T20:32:33.936Z',
    from: 'sender@example.com',
    subject: 'Example subject',
    verdicts: { spf: 'PASS', dkim: 'PASS', spam: 'PASS', virus: 'PASS' },
  };
  const withAction = (action: Record<string, unknown>, body: Record<string, unknown> = {}) => {
    const event = fixture('received-sns-action');
    const receipt = event.receipt as { action: Record<string, unknown> };
    receipt.action = { ...receipt.action, ...action };
    return { ...event, ...body };
  };

  for (const [envelope, wrap] of Object.entries(SNS_ENVELOPES)) {
    it(`reads the documented SNS-action notification, content included, in ${envelope}`, () => {
      expect(parseQueueMessage(wrap(received))).toStrictEqual({
        kind: 'inbound',
        mail: { ...documented, content },
      });
    });

    it(`reads the documented S3-action notification, with where the mail is stored, in ${envelope}`, () => {
      expect(parseQueueMessage(wrap(fixture('received-s3-action')))).toStrictEqual({
        kind: 'inbound',
        mail: { ...documented, stored: { bucket: 'my-S3-bucket', key: 'email' } },
      });
    });
  }

  it('reads content sent with encoding UTF8 as it is', () => {
    const parsed = parseQueueMessage(JSON.stringify(snsEnvelope(withAction({ encoding: 'UTF8' }))));
    expect(parsed).toStrictEqual({ kind: 'inbound', mail: { ...documented, content } });
  });

  it('decodes content sent with encoding BASE64, non-ASCII text included', () => {
    const mime = `${content}Se désabonner ✓\r\n`;
    const event = withAction({ encoding: 'BASE64' }, { content: Buffer.from(mime).toString('base64') });
    expect(parseQueueMessage(JSON.stringify(snsEnvelope(event)))).toStrictEqual({
      kind: 'inbound',
      mail: { ...documented, content: mime },
    });
    const folded = Buffer.from(mime)
      .toString('base64')
      .replace(/(.{76})/g, '$1\r\n');
    const parsed = parseQueueMessage(JSON.stringify(withAction({ encoding: 'BASE64' }, { content: folded })));
    expect(parsed.kind === 'inbound' && parsed.mail.content).toBe(mime);
  });

  it('refuses BASE64 content that is not base64, and an unknown encoding', () => {
    const bad = parseQueueMessage(JSON.stringify(withAction({ encoding: 'BASE64' }, { content: '%%%' })));
    expect(bad).toStrictEqual({
      kind: 'malformed',
      problem:
        'SES Received notification for message d6iitobk75ur44p8kdnnp7g2n800: content is not base64, though receipt.action.encoding is BASE64',
    });
    const odd = parseQueueMessage(JSON.stringify(withAction({ encoding: 'UTF16' })));
    expect(odd).toMatchObject({
      kind: 'malformed',
      problem: expect.stringContaining('"UTF16", not UTF8 or BASE64'),
    });
  });

  it('takes the From header as written, and marks a verdict SES did not give as MISSING', () => {
    const event = sesReceipt({
      messageId: 'inbound-1',
      from: 'Creator Name <Creator@Example.com>',
      to: 'unsubscribe@statements.example.com',
      subject: 'unsubscribe tok_123',
      at: '2026-01-20T08:00:00.000Z',
      content: 'Subject: unsubscribe tok_123\r\n\r\n',
      encoding: 'BASE64',
      verdicts: { spf: 'FAIL', spam: 'GRAY' },
    });
    delete (event.receipt as Record<string, unknown>).virusVerdict;
    expect(parseQueueMessage(JSON.stringify(snsEnvelope(event)))).toStrictEqual({
      kind: 'inbound',
      mail: {
        messageId: 'inbound-1',
        at: '2026-01-20T08:00:00.000Z',
        from: 'Creator Name <Creator@Example.com>',
        subject: 'unsubscribe tok_123',
        verdicts: { spf: 'FAIL', dkim: 'PASS', spam: 'GRAY', virus: 'MISSING' },
        content: 'Subject: unsubscribe tok_123\r\n\r\n',
      },
    });
  });

  it('builds S3-action notifications with the builder', () => {
    const event = sesReceipt({
      messageId: 'inbound-2',
      from: 'a@example.com',
      to: 'unsubscribe@statements.example.com',
      subject: 'unsubscribe',
      at: '2026-01-20T08:00:00.000Z',
      s3: { bucket: 'inbound-mail', key: 'mail/inbound-2' },
    });
    const parsed = parseQueueMessage(JSON.stringify(snsEnvelope(event)));
    expect(parsed.kind === 'inbound' && parsed.mail).toMatchObject({
      stored: { bucket: 'inbound-mail', key: 'mail/inbound-2' },
    });
    expect(parsed.kind === 'inbound' && parsed.mail.content).toBeUndefined();
  });

  it('refuses an S3 action without its bucket, and a notification without receipt', () => {
    const event = fixture('received-s3-action');
    delete ((event.receipt as Record<string, unknown>).action as Record<string, unknown>).bucketName;
    expect(parseQueueMessage(JSON.stringify(event))).toMatchObject({
      kind: 'malformed',
      problem: expect.stringContaining('an S3 receipt action without bucketName and objectKey'),
    });
    const { receipt: _, ...withoutReceipt } = fixture('received-sns-action');
    expect(parseQueueMessage(JSON.stringify(withoutReceipt))).toMatchObject({
      kind: 'malformed',
      problem: expect.stringContaining('no receipt object'),
    });
  });
});

describe('parseQueueMessage: messages that are not SES events are ignored', () => {
  const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ses-events';

  it('an SNS subscription or unsubscribe confirmation', () => {
    for (const Type of ['SubscriptionConfirmation', 'UnsubscribeConfirmation']) {
      const body = JSON.stringify({
        Type,
        MessageId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
        Token:
          '2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad02428b09ceece29417f1f02d609c582afbacc99c583a916b9981dd2728f4ae6fdb82efd087cc3b7849e05798d2d2785c03b0879594eeac82c01f235d0e717736',
        TopicArn: TOPIC,
        Message: `You have chosen to subscribe to the topic ${TOPIC}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
        SubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=2336`,
        Timestamp: '2012-04-26T20:45:04.751Z',
        SignatureVersion: '1',
        Signature: 'EXAMPLE',
        SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-EXAMPLE.pem',
      });
      expect(parseQueueMessage(body)).toStrictEqual({
        kind: 'ignored',
        why: `an SNS ${Type} message, not an SES event`,
      });
    }
  });

  it("SES's test message, in an SNS notification or raw", () => {
    const text = 'Successfully validated SNS topic for Amazon SES event publishing.';
    for (const body of [JSON.stringify({ ...snsEnvelope({}, TOPIC), Message: text }), text]) {
      expect(parseQueueMessage(body)).toStrictEqual({
        kind: 'ignored',
        why: `SES test message: ${JSON.stringify(text)}`,
      });
    }
  });

  it('any other plain-text SNS notification', () => {
    const body = JSON.stringify({ ...snsEnvelope({}, TOPIC), Message: 'hello from the console' });
    expect(parseQueueMessage(body)).toStrictEqual({
      kind: 'ignored',
      why: 'an SNS notification with plain text "hello from the console", not an SES event',
    });
  });

  it('the notice SES sends when a topic is attached to an identity', () => {
    const notice = {
      notificationType: 'AmazonSnsSubscriptionSucceeded',
      message: `You have successfully subscribed your Amazon SNS topic '${TOPIC}' to receive 'Bounce' notifications from Amazon SES for identity 'example.com'.`,
    };
    expect(parseQueueMessage(JSON.stringify(snsEnvelope(notice, TOPIC)))).toStrictEqual({
      kind: 'ignored',
      why: 'SES notification type "AmazonSnsSubscriptionSucceeded" is not one dn-mailer reads',
    });
  });

  it('JSON without eventType or notificationType', () => {
    for (const body of ['{"hello":"world"}', JSON.stringify(snsEnvelope({ order: 42 }, TOPIC))]) {
      expect(parseQueueMessage(body)).toStrictEqual({
        kind: 'ignored',
        why: 'a JSON message with neither eventType nor notificationType: not an SES event',
      });
    }
    expect(parseQueueMessage('[1,2]')).toMatchObject({ kind: 'ignored' });
  });

  it('an EventBridge event from another source, or an aws.ses event about something else', () => {
    const ec2 = {
      version: '0',
      id: '7bf73129-1428-4cd3-a780-95db273d1602',
      'detail-type': 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      account: '123456789012',
      time: '2015-11-11T21:29:54Z',
      region: 'us-east-1',
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
      detail: { 'instance-id': 'i-abcd1111', state: 'pending' },
    };
    expect(parseQueueMessage(JSON.stringify(ec2))).toStrictEqual({
      kind: 'ignored',
      why: 'an EventBridge event from "aws.ec2", not aws.ses',
    });
    const disabled = { ...ec2, source: 'aws.ses', 'detail-type': 'Sending Status Disabled', detail: {} };
    expect(parseQueueMessage(JSON.stringify(disabled))).toStrictEqual({
      kind: 'ignored',
      why: 'the aws.ses EventBridge event "Sending Status Disabled" is not about an e-mail',
    });
  });
});

describe('parseQueueMessage: SES events that cannot be read are malformed', () => {
  const bounceWith = (change: (event: SesEvent) => void) => {
    const event = fixture('bounce');
    change(event);
    return event;
  };

  it('a body that is not JSON', () => {
    expect(parseQueueMessage('<html>502 Bad Gateway</html>')).toStrictEqual({
      kind: 'malformed',
      problem: 'the message body is not JSON (it starts "<html>502 Bad Gateway</html>")',
    });
    expect(parseQueueMessage('')).toMatchObject({ kind: 'malformed' });
  });

  it('an SNS notification whose Message is broken JSON, or not a string', () => {
    const broken = { ...snsEnvelope({}), Message: '{"eventType":"Bounce","mail":{' };
    expect(parseQueueMessage(JSON.stringify(broken))).toMatchObject({
      kind: 'malformed',
      problem: expect.stringMatching(/^an SNS notification whose Message is not valid JSON: /),
    });
    const object = { ...snsEnvelope({}), Message: fixture('bounce') };
    expect(parseQueueMessage(JSON.stringify(object))).toStrictEqual({
      kind: 'malformed',
      problem: 'an SNS notification whose Message is an object',
    });
  });

  for (const [envelope, wrap] of Object.entries(ENVELOPES)) {
    it(`an event without mail.messageId, in ${envelope}`, () => {
      const event = bounceWith((e) => {
        delete e.mail.messageId;
      });
      expect(parseQueueMessage(wrap(event))).toStrictEqual({
        kind: 'malformed',
        problem: 'SES Bounce event without mail.messageId',
      });
    });
  }

  it('an event whose own time or mail time is not a time', () => {
    const event = bounceWith((e) => {
      (e.bounce as Record<string, unknown>).timestamp = 'yesterday';
    });
    expect(parseQueueMessage(JSON.stringify(snsEnvelope(event)))).toStrictEqual({
      kind: 'malformed',
      problem: `SES Bounce event for message ${ID}: bounce.timestamp is "yesterday", not a time`,
    });
    const reject = fixture('reject');
    reject.mail.timestamp = '2016-13-45T99:00:00Z';
    expect(parseQueueMessage(JSON.stringify(reject))).toStrictEqual({
      kind: 'malformed',
      problem: `SES Reject event for message ${ID}: mail.timestamp is "2016-13-45T99:00:00Z", not a time`,
    });
    const open = fixture('open');
    delete (open.open as Record<string, unknown>).timestamp;
    expect(parseQueueMessage(JSON.stringify(open))).toMatchObject({
      kind: 'malformed',
      problem: expect.stringContaining('open.timestamp is missing, not a time'),
    });
  });

  it("an event without its type's own object", () => {
    const event = bounceWith((e) => {
      delete e.bounce;
    });
    expect(parseQueueMessage(JSON.stringify(eventBridgeEnvelope(event)))).toStrictEqual({
      kind: 'malformed',
      problem: `SES Bounce event for message ${ID}: no bounce object`,
    });
    const delivery = fixture('delivery');
    delivery.delivery = 'delivered';
    expect(parseQueueMessage(JSON.stringify(delivery))).toMatchObject({
      kind: 'malformed',
      problem: expect.stringContaining('no delivery object'),
    });
  });

  it('masks an address quoted in a problem', () => {
    const event = bounceWith((e) => {
      (e.bounce as Record<string, unknown>).bouncedRecipients = 'artist@example.com';
    });
    expect(parseQueueMessage(JSON.stringify(event))).toStrictEqual({
      kind: 'malformed',
      problem: `SES Bounce event for message ${ID}: bounce.bouncedRecipients is "a***@example.com", not a list`,
    });
  });

  it('a bounce without its recipients or with an unknown bounce type', () => {
    const noList = bounceWith((e) => {
      delete (e.bounce as Record<string, unknown>).bouncedRecipients;
    });
    expect(parseQueueMessage(JSON.stringify(noList))).toStrictEqual({
      kind: 'malformed',
      problem: `SES Bounce event for message ${ID}: bounce.bouncedRecipients is missing, not a list`,
    });
    const soft = bounceWith((e) => {
      (e.bounce as Record<string, unknown>).bounceType = 'Soft';
    });
    expect(parseQueueMessage(JSON.stringify(soft))).toStrictEqual({
      kind: 'malformed',
      problem: `SES Bounce event for message ${ID}: bounce.bounceType is "Soft", not Permanent, Transient or Undetermined`,
    });
  });

  it('an aws.ses EventBridge e-mail event whose detail is not an object', () => {
    const body = JSON.stringify({ ...eventBridgeEnvelope(fixture('delivery')), detail: 'oops' });
    expect(parseQueueMessage(body)).toStrictEqual({
      kind: 'malformed',
      problem: 'an aws.ses "Email Delivered" EventBridge event whose detail is "oops"',
    });
  });

  it('never quotes the whole body and keeps every problem short', () => {
    const huge = `not json ${'x'.repeat(100_000)}`;
    const longId = bounceWith((e) => {
      e.mail.messageId = 'm'.repeat(5_000);
      (e.bounce as Record<string, unknown>).timestamp = 't'.repeat(5_000);
    });
    for (const body of [
      huge,
      JSON.stringify(longId),
      JSON.stringify({ ...snsEnvelope({}), Message: `{${huge}` }),
    ]) {
      const parsed = parseQueueMessage(body);
      expect(parsed.kind).toBe('malformed');
      expect(parsed.kind === 'malformed' && parsed.problem.length).toBeLessThanOrEqual(200);
    }
  });
});

describe('parseQueueMessage never throws (property)', () => {
  const KINDS = ['event', 'inbound', 'ignored', 'malformed'];
  const wellFormed = (message: QueueMessage) => {
    expect(KINDS).toContain(message.kind);
    if (message.kind === 'ignored') expect(message.why.length).toBeLessThanOrEqual(200);
    if (message.kind === 'malformed') {
      expect(message.problem.length).toBeLessThanOrEqual(200);
      // The catch-all is a safety net: every input the property finds must be handled by a real path.
      expect(message.problem).not.toMatch(/^the message could not be read/);
    }
  };

  it('on arbitrary strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })),
        (text) => {
          wellFormed(parseQueueMessage(text));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('on arbitrary JSON, bare or in each envelope', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        wellFormed(parseQueueMessage(JSON.stringify(value)));
        wellFormed(parseQueueMessage(JSON.stringify({ ...snsEnvelope({}), Message: JSON.stringify(value) })));
        wellFormed(
          parseQueueMessage(
            JSON.stringify({ source: 'aws.ses', 'detail-type': 'Email Bounced', detail: value }),
          ),
        );
      }),
      { numRuns: 500 },
    );
  });

  const FIXTURES = [
    ...Object.keys(PUBLISHED),
    ...Object.keys(NOTIFIED),
    'received-sns-action',
    'received-s3-action',
  ];

  it('on documented events with any field replaced by arbitrary JSON', () => {
    const pathsOf = (value: unknown, prefix: string[] = []): string[][] =>
      typeof value === 'object' && value !== null
        ? Object.entries(value).flatMap(([key, child]) => [
            [...prefix, key],
            ...pathsOf(child, [...prefix, key]),
          ])
        : [];
    fc.assert(
      fc.property(
        fc.constantFrom(...FIXTURES),
        fc.nat(),
        fc.jsonValue(),
        fc.constantFrom(...Object.values(ENVELOPES)),
        (name, pick, replacement, wrap) => {
          const event = fixture(name);
          const paths = pathsOf(event);
          const path = paths[pick % paths.length] as string[];
          let parent = event as Record<string, unknown>;
          for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
          parent[path[path.length - 1] as string] = replacement;
          wellFormed(parseQueueMessage(wrap(event)));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
