import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';

export interface MimeMessage {
  to: string;
  subject: string;
  html: string;
  text: string;
}

export interface MimeEnvelope {
  from: string;
  replyTo?: string | undefined;
  bcc?: readonly string[];
  /** Extra headers, e.g. List-Unsubscribe. */
  headers?: Readonly<Record<string, string>>;
  date: Date;
  /** Without angle brackets. */
  messageId: string;
}

/**
 * A complete RFC 5322 message (multipart/alternative: text, then HTML), built by nodemailer's MailComposer. The
 * boundary is derived from the message ID, so the dry-run preview and the outbox write the same bytes.
 */
export async function composeMime(message: MimeMessage, envelope: MimeEnvelope): Promise<Buffer> {
  const composer = new MailComposer({
    from: envelope.from,
    to: message.to,
    ...(envelope.replyTo ? { replyTo: envelope.replyTo } : {}),
    ...(envelope.bcc && envelope.bcc.length > 0 ? { bcc: [...envelope.bcc] } : {}),
    subject: message.subject,
    text: message.text,
    html: message.html,
    date: envelope.date,
    messageId: `<${envelope.messageId}>`,
    headers: { ...envelope.headers },
    baseBoundary: createHash('sha256').update(envelope.messageId).digest('hex').slice(0, 16),
    textEncoding: 'quoted-printable',
  });
  const node = composer.compile();
  // Keep Bcc in the stored file: the outbox and previews are records for the operator, not a transport.
  node.keepBcc = true;
  return node.build();
}
