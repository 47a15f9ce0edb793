import type { InboundNotification, QueueMessage } from './delivery-event.js';
import { clip, describe, field, isoTime, type JsonObject, objectField, stringField } from './json-fields.js';
import { malformed } from './queue-outcome.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * An SES receipt notification (`notificationType: "Received"`, SES developer guide "Contents of notifications for
 * Amazon SES email receiving") → what dn-mailer needs to judge an opt-out sent by e-mail.
 */
export function readReceipt(event: JsonObject): QueueMessage {
  const mail = objectField(event, 'mail');
  const messageId = mail === undefined ? undefined : stringField(mail, 'messageId');
  if (mail === undefined || messageId === undefined || messageId.trim() === '') {
    return malformed('SES Received notification without mail.messageId');
  }
  const problem = (what: string) =>
    malformed(`SES Received notification for message ${clip(messageId, 80)}: ${what}`);
  const receipt = objectField(event, 'receipt');
  if (receipt === undefined) return problem('no receipt object');
  const at = isoTime(field(mail, 'timestamp'));
  if (at === undefined) return problem(`mail.timestamp is ${describe(field(mail, 'timestamp'))}, not a time`);
  const from = readFrom(mail);
  if (from === undefined) return problem('neither mail.commonHeaders.from nor mail.source names a sender');
  const action = objectField(receipt, 'action') ?? {};
  const notification: InboundNotification = { messageId, at, from, verdicts: readVerdicts(receipt) };
  const subject = stringField(objectField(mail, 'commonHeaders') ?? {}, 'subject');
  if (subject !== undefined) notification.subject = subject;
  const content = field(event, 'content');
  if (content !== undefined) {
    if (typeof content !== 'string') return problem(`content is ${describe(content)}, not the message text`);
    const encoding = stringField(action, 'encoding') ?? 'UTF8';
    if (encoding === 'BASE64') {
      if (!BASE64.test(content.replace(/\s+/g, '')))
        return problem('content is not base64, though receipt.action.encoding is BASE64');
      // SNS carries text, so the bytes become UTF-8 text, as with the UTF8 encoding.
      notification.content = Buffer.from(content, 'base64').toString('utf8');
    } else if (encoding === 'UTF8') {
      notification.content = content;
    } else {
      return problem(`receipt.action.encoding is ${describe(encoding)}, not UTF8 or BASE64`);
    }
  }
  if (stringField(action, 'type') === 'S3') {
    const bucket = stringField(action, 'bucketName');
    const key = stringField(action, 'objectKey');
    if (bucket === undefined || key === undefined) {
      return problem('an S3 receipt action without bucketName and objectKey');
    }
    notification.stored = { bucket, key };
  }
  return { kind: 'inbound', mail: notification };
}

/** `commonHeaders.from[0]` as written (a display name included), else the envelope sender `mail.source`. */
function readFrom(mail: JsonObject): string | undefined {
  const from = field(objectField(mail, 'commonHeaders') ?? {}, 'from');
  const first: unknown = Array.isArray(from) ? from[0] : undefined;
  if (typeof first === 'string' && first.trim() !== '') return first;
  const source = stringField(mail, 'source');
  return source !== undefined && source.trim() !== '' ? source : undefined;
}

/** Each verdict's `status`; `MISSING` when SES sent none, which no check treats as a pass. */
function readVerdicts(receipt: JsonObject): InboundNotification['verdicts'] {
  const status = (name: string) => stringField(objectField(receipt, name) ?? {}, 'status') ?? 'MISSING';
  return {
    spf: status('spfVerdict'),
    dkim: status('dkimVerdict'),
    spam: status('spamVerdict'),
    virus: status('virusVerdict'),
  };
}
