import type { QueueMessage } from './delivery-event.js';
import { clip, describe, field, isObject, type JsonObject, jsonKind, stringField } from './json-fields.js';
import { ignored, malformed } from './queue-outcome.js';
import { readReceipt } from './read-receipt.js';
import { isSendingEventName, readSendingEvent } from './read-sending-event.js';

/**
 * One queue message body → what it is. SES events arrive in three envelopes: an SNS notification (`Type:
 * "Notification"`, the event a JSON string in `Message`), SNS raw message delivery (the body is the event), and
 * EventBridge (`source: "aws.ses"`, the event in `detail`). Never throws: a body that cannot be read is `malformed`
 * (left on the queue for its dead-letter queue), one that is not an SES event is `ignored` (acknowledged).
 */
export function parseQueueMessage(body: string): QueueMessage {
  try {
    return parseBody(body);
  } catch (error) {
    // Nothing above is meant to throw; if a message finds a way, it is reported, not a crash of the whole sync.
    return malformed(
      `the message could not be read: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** What SES publishes to a new topic to check it; it is plain text, never an event. */
const SES_TEST_MESSAGE = /^Successfully validated SNS topic for Amazon SES event publishing/;

/** EventBridge `detail-type` → the `eventType` of the event in `detail` ("Monitoring SES events using EventBridge"). */
const EVENTBRIDGE_TYPES = new Map([
  ['Email Sent', 'Send'],
  ['Email Delivered', 'Delivery'],
  ['Email Bounced', 'Bounce'],
  ['Email Complaint Received', 'Complaint'],
  ['Email Rejected', 'Reject'],
  ['Email Delivery Delayed', 'DeliveryDelay'],
  ['Email Rendering Failed', 'Rendering Failure'],
  ['Email Opened', 'Open'],
  ['Email Clicked', 'Click'],
  ['Email Subscribed', 'Subscription'],
]);

function parseBody(body: string): QueueMessage {
  const parsed = parseJson(body);
  if (!parsed.ok) {
    if (SES_TEST_MESSAGE.test(body.trim()))
      return ignored(`SES test message: ${JSON.stringify(body.trim())}`);
    return malformed(`the message body is not JSON (it starts ${describe(body.trimStart())})`);
  }
  const message = parsed.value;
  if (!isObject(message)) return ignored(`a JSON ${jsonKind(message)}, not an SES event`);
  if (isSnsEnvelope(message)) return readSnsEnvelope(message);
  if (isEventBridgeEnvelope(message)) return readEventBridgeEnvelope(message);
  return readEvent(message);
}

function isSnsEnvelope(message: JsonObject): boolean {
  return (
    typeof field(message, 'Type') === 'string' &&
    (Object.hasOwn(message, 'Message') || Object.hasOwn(message, 'TopicArn'))
  );
}

function readSnsEnvelope(envelope: JsonObject): QueueMessage {
  const type = stringField(envelope, 'Type');
  if (type !== 'Notification') return ignored(`an SNS ${clip(type ?? '', 40)} message, not an SES event`);
  const text = field(envelope, 'Message');
  if (typeof text !== 'string') return malformed(`an SNS notification whose Message is ${describe(text)}`);
  const parsed = parseJson(text);
  if (parsed.ok) {
    return isObject(parsed.value)
      ? readEvent(parsed.value)
      : ignored(`an SNS notification carrying a JSON ${jsonKind(parsed.value)}, not an SES event`);
  }
  // JSON that does not parse is a broken event; plain text is a test or a note someone published by hand.
  if (/^\s*[{[]/.test(text))
    return malformed(`an SNS notification whose Message is not valid JSON: ${parsed.error}`);
  if (SES_TEST_MESSAGE.test(text.trim()))
    return ignored(`SES test message: ${JSON.stringify(clip(text.trim(), 90))}`);
  return ignored(`an SNS notification with plain text ${describe(text)}, not an SES event`);
}

function isEventBridgeEnvelope(message: JsonObject): boolean {
  return Object.hasOwn(message, 'detail-type') && Object.hasOwn(message, 'detail');
}

function readEventBridgeEnvelope(envelope: JsonObject): QueueMessage {
  const source = field(envelope, 'source');
  if (source !== 'aws.ses') return ignored(`an EventBridge event from ${describe(source)}, not aws.ses`);
  const detailType = stringField(envelope, 'detail-type') ?? '';
  const eventType = EVENTBRIDGE_TYPES.get(detailType);
  if (eventType === undefined)
    return ignored(`the aws.ses EventBridge event ${describe(detailType)} is not about an e-mail`);
  const detail = field(envelope, 'detail');
  if (!isObject(detail))
    return malformed(`an aws.ses "${detailType}" EventBridge event whose detail is ${describe(detail)}`);
  // `detail` carries its own eventType; the detail-type names it too, so a detail without one is still readable.
  return readSendingEvent(stringField(detail, 'eventType') ?? eventType, detail);
}

/** The bare event: configuration-set event publishing (`eventType`) or identity notifications (`notificationType`). */
function readEvent(event: JsonObject): QueueMessage {
  const name = stringField(event, 'eventType') ?? stringField(event, 'notificationType');
  if (name === undefined)
    return ignored('a JSON message with neither eventType nor notificationType: not an SES event');
  if (name === 'Received') return readReceipt(event);
  // Other notification types (`AmazonSnsSubscriptionSucceeded` when a topic is attached to an identity) are news
  // about the wiring, not about a message.
  if (!isSendingEventName(name))
    return ignored(`SES notification type ${describe(name)} is not one dn-mailer reads`);
  return readSendingEvent(name, event);
}

type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

function parseJson(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error: clip(error instanceof Error ? error.message : String(error), 80) };
  }
}
