import type { OutgoingMessage } from '../../ports.js';
import type { PlannedMessage } from '../plan/build-plan.js';
import { messageIdFor, recipientHash } from './message-id.js';

export interface Envelope {
  from: string;
  replyTo?: string | undefined;
  bcc: readonly string[];
  listManagement?: { contactList: string; topic: string } | undefined;
  /** `--redirect-to`: every message goes here instead, marked [TEST], without Bcc. */
  redirectTo?: string | undefined;
}

/** Turns a planned message into what a Mailer sends. */
export function toOutgoing(
  message: PlannedMessage,
  campaignId: string,
  envelope: Envelope,
  date: Date,
): OutgoingMessage {
  const redirect = envelope.redirectTo;
  return {
    to: redirect ?? message.to,
    from: envelope.from,
    replyTo: envelope.replyTo,
    bcc: redirect ? [] : envelope.bcc,
    subject: redirect ? `[TEST] ${message.subject}` : message.subject,
    html: message.html,
    text: message.text,
    headers: message.headers,
    messageId: messageIdFor(campaignId, message.to, envelope.from),
    tags: { campaign: campaignId, recipient: recipientHash(message.to) },
    date,
    listManagement: envelope.listManagement,
  };
}
