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

/** The subject a `--redirect-to` canary receives. */
export function canarySubject(subject: string): string {
  return `[TEST] ${subject}`;
}

/** A dry run of a canary: a message as the canary receives it (its address, [TEST] in the subject). */
export function redirectMessage<M extends { to: string; subject: string }>(message: M, to: string): M {
  return { ...message, to, subject: canarySubject(message.subject) };
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
    subject: redirect ? canarySubject(message.subject) : message.subject,
    html: message.html,
    text: message.text,
    headers: message.headers,
    messageId: messageIdFor(campaignId, message.to, envelope.from),
    tags: { campaign: campaignId, recipient: recipientHash(message.to) },
    date,
    listManagement: envelope.listManagement,
  };
}
