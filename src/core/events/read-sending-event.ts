import type { DeliveryEvent, DeliveryEventType, QueueMessage } from './delivery-event.js';
import {
  clip,
  describe,
  field,
  isObject,
  isoTime,
  type JsonObject,
  objectField,
  stringField,
} from './json-fields.js';
import { ignored, malformed } from './queue-outcome.js';

/**
 * How each SES sending event is read (SES developer guide, "Contents of event data that Amazon SES publishes to
 * Amazon SNS"): the event's own object, where its time is, whose addresses it concerns, and its short reason.
 */
interface EventRule {
  type: DeliveryEventType;
  /** The key of the event's own object (`bounce`, `failure`, …). */
  object: string;
  /** `own`: `<object>.timestamp`; `mail`: the event has no time of its own (send, reject, rendering failure). */
  at: 'own' | 'mail';
  /** `destination`: `mail.destination`; otherwise the list in the own object, and the address field of its items. */
  recipients: 'destination' | { list: string; address?: string };
  /** The own object's string field that becomes `detail`. */
  detail?: string;
}

const RULES = new Map<string, EventRule>([
  ['Send', { type: 'send', object: 'send', at: 'mail', recipients: 'destination' }],
  ['Delivery', { type: 'delivery', object: 'delivery', at: 'own', recipients: { list: 'recipients' } }],
  [
    'Bounce',
    {
      type: 'bounce',
      object: 'bounce',
      at: 'own',
      recipients: { list: 'bouncedRecipients', address: 'emailAddress' },
    },
  ],
  [
    'Complaint',
    {
      type: 'complaint',
      object: 'complaint',
      at: 'own',
      recipients: { list: 'complainedRecipients', address: 'emailAddress' },
      detail: 'complaintFeedbackType',
    },
  ],
  ['Reject', { type: 'reject', object: 'reject', at: 'mail', recipients: 'destination', detail: 'reason' }],
  [
    'DeliveryDelay',
    {
      type: 'delivery-delay',
      object: 'deliveryDelay',
      at: 'own',
      recipients: { list: 'delayedRecipients', address: 'emailAddress' },
      detail: 'delayType',
    },
  ],
  [
    'Rendering Failure',
    {
      type: 'rendering-failure',
      object: 'failure',
      at: 'mail',
      recipients: 'destination',
      detail: 'errorMessage',
    },
  ],
  ['Open', { type: 'open', object: 'open', at: 'own', recipients: 'destination' }],
  ['Click', { type: 'click', object: 'click', at: 'own', recipients: 'destination', detail: 'link' }],
  ['Subscription', { type: 'subscription', object: 'subscription', at: 'own', recipients: 'destination' }],
]);
// The console and CloudWatch spell it without the space; accept both.
RULES.set('RenderingFailure', RULES.get('Rendering Failure') as EventRule);

const BOUNCE_TYPES = new Set(['Permanent', 'Transient', 'Undetermined']);

/** True when dn-mailer reads this `eventType` / `notificationType` as a sending event. */
export function isSendingEventName(name: string): boolean {
  return RULES.has(name);
}

/** A sending event (`eventType` or the older `notificationType`) → a DeliveryEvent, or what is missing from it. */
export function readSendingEvent(name: string, event: JsonObject): QueueMessage {
  const rule = RULES.get(name);
  if (rule === undefined) return ignored(`SES event type ${describe(name)} is not one dn-mailer reads`);
  const mail = objectField(event, 'mail');
  const messageId = mail === undefined ? undefined : stringField(mail, 'messageId');
  if (mail === undefined || messageId === undefined || messageId.trim() === '') {
    return malformed(`SES ${name} event without mail.messageId`);
  }
  const problem = (what: string) =>
    malformed(`SES ${name} event for message ${clip(messageId, 80)}: ${what}`);
  const sentAt = isoTime(field(mail, 'timestamp'));
  if (sentAt === undefined)
    return problem(`mail.timestamp is ${describe(field(mail, 'timestamp'))}, not a time`);
  const own = objectField(event, rule.object);
  // `send` is always `{}` and nothing is read from it: its absence loses nothing.
  if (own === undefined && rule.type !== 'send') return problem(`no ${rule.object} object`);
  const ownObject = own ?? {};
  const at = rule.at === 'mail' ? sentAt : isoTime(field(ownObject, 'timestamp'));
  if (at === undefined) {
    return problem(`${rule.object}.timestamp is ${describe(field(ownObject, 'timestamp'))}, not a time`);
  }
  const recipients = readRecipients(rule, mail, ownObject);
  if (typeof recipients === 'string') return problem(recipients);
  const result: DeliveryEvent = { type: rule.type, messageId, at, sentAt, recipients, tags: readTags(mail) };
  if (rule.type === 'bounce') {
    const bounce = readBounce(ownObject);
    if (typeof bounce === 'string') return problem(bounce);
    result.bounce = bounce;
  }
  const detail = rule.detail === undefined ? undefined : stringField(ownObject, rule.detail);
  if (detail !== undefined) result.detail = detail;
  return { kind: 'event', event: result };
}

function readRecipients(rule: EventRule, mail: JsonObject, own: JsonObject): string[] | string {
  if (rule.recipients === 'destination') {
    const destination = field(mail, 'destination');
    return Array.isArray(destination) ? addresses(destination) : [];
  }
  const { list, address } = rule.recipients;
  const items = field(own, list);
  if (!Array.isArray(items)) return `${rule.object}.${list} is ${describe(items)}, not a list`;
  return addresses(
    address === undefined ? items : items.map((item) => (isObject(item) ? field(item, address) : undefined)),
  );
}

/** Lower-cased, trimmed, each once, in the order given; anything that is not a string is skipped. */
function addresses(values: readonly unknown[]): string[] {
  const seen = new Set<string>();
  for (const value of values) {
    if (typeof value !== 'string') continue;
    const address = value.trim().toLowerCase();
    if (address !== '') seen.add(address);
  }
  return [...seen];
}

/** `mail.tags`: name → string values. Missing on identity notifications (SES publishes no tags there). */
function readTags(mail: JsonObject): Record<string, string[]> {
  const tags = objectField(mail, 'tags');
  if (tags === undefined) return {};
  // Object.fromEntries defines own properties, so a tag named `__proto__` stays a tag.
  return Object.fromEntries(
    Object.entries(tags)
      .filter((entry): entry is [string, unknown[]] => Array.isArray(entry[1]))
      .map(([name, values]) => [name, values.filter((value): value is string => typeof value === 'string')]),
  );
}

function readBounce(bounce: JsonObject): NonNullable<DeliveryEvent['bounce']> | string {
  const type = stringField(bounce, 'bounceType');
  if (type === undefined || !BOUNCE_TYPES.has(type)) {
    return `bounce.bounceType is ${describe(field(bounce, 'bounceType'))}, not Permanent, Transient or Undetermined`;
  }
  const list = field(bounce, 'bouncedRecipients');
  const first: unknown = Array.isArray(list) ? list[0] : undefined;
  const diagnostic = isObject(first) ? stringField(first, 'diagnosticCode') : undefined;
  return {
    type: type as 'Permanent' | 'Transient' | 'Undetermined',
    subType: stringField(bounce, 'bounceSubType') ?? '',
    ...(diagnostic === undefined ? {} : { diagnostic }),
  };
}
