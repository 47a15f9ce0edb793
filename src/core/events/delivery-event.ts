/**
 * SES delivery events, as dn-mailer reads them from whichever envelope they arrived in (an SNS notification, SNS raw
 * message delivery, EventBridge). `parse-queue-message.ts` turns a queue message body into one of these.
 */
export type DeliveryEventType =
  | 'send'
  | 'delivery'
  | 'bounce'
  | 'complaint'
  | 'reject'
  | 'delivery-delay'
  | 'rendering-failure'
  | 'open'
  | 'click'
  | 'subscription';

export interface DeliveryEvent {
  type: DeliveryEventType;
  /** `mail.messageId`: the provider's ID, what the ledger keeps for a sent row. */
  messageId: string;
  /** ISO time of the event itself (e.g. `bounce.timestamp`), or of the mail when the event has none. */
  at: string;
  /** ISO time the provider accepted the message (`mail.timestamp`). */
  sentAt: string;
  /**
   * The lower-cased addresses the event concerns: the bounced / complained / delivered / delayed recipients, or
   * `mail.destination` for events about the whole message (send, reject, open, click).
   */
  recipients: string[];
  /** `mail.tags`: name → values (dn-mailer tags `campaign` and `recipient`, a hash of the To address). */
  tags: Readonly<Record<string, readonly string[]>>;
  /** For bounces: SES's bounce type and subtype, and the first recipient's diagnostic code, when given. */
  bounce?:
    | { type: 'Permanent' | 'Transient' | 'Undetermined'; subType: string; diagnostic?: string }
    | undefined;
  /**
   * A short reason, by type: reject → `reject.reason`; delivery-delay → `deliveryDelay.delayType`;
   * rendering-failure → `failure.errorMessage`; complaint → `complaint.complaintFeedbackType`; click → `click.link`.
   */
  detail?: string | undefined;
}

/** An SES receipt notification (inbound mail to the unsubscribe address), as far as dn-mailer needs it. */
export interface InboundNotification {
  /** `mail.messageId` of the inbound mail. */
  messageId: string;
  /** ISO time it was received. */
  at: string;
  /** `mail.commonHeaders.from[0]` (or `mail.source`), as written. */
  from: string;
  /** `mail.commonHeaders.subject`, when present. */
  subject?: string | undefined;
  /** SES's verdicts, each `PASS`, `FAIL`, `GRAY` or `PROCESSING_FAILED`. */
  verdicts: { spf: string; dkim: string; spam: string; virus: string };
  /** The raw MIME when the notification carried it (`content`, decoded), else where the receipt rule stored it. */
  content?: string | undefined;
  stored?: { bucket: string; key: string } | undefined;
}

/** What one queue message turned out to be. */
export type QueueMessage =
  | { kind: 'event'; event: DeliveryEvent }
  | { kind: 'inbound'; mail: InboundNotification }
  /** Not an SES event or receipt (a subscription confirmation, a test message): counted and acknowledged. */
  | { kind: 'ignored'; why: string }
  /** Looks like one but cannot be read: reported and left on the queue for its dead-letter queue. */
  | { kind: 'malformed'; problem: string };
