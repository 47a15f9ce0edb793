import { DnMailerError } from '../core/common/errors.js';

/** What `events sync` reads from an inbound mail to the unsubscribe address. */
export interface ParsedInboundMime {
  /** The first From address (without its display name). */
  from?: string | undefined;
  /** The decoded Subject (encoded-words joined, folding removed). */
  subject?: string | undefined;
}

/**
 * Parses a raw inbound message with mailparser (a maintained MIME parser): only the From address and the Subject
 * are kept. Attachments are not kept in memory beyond the parse (`skipImageLinks`, no text conversion needed).
 */
export async function parseInboundMime(raw: string): Promise<ParsedInboundMime> {
  const { simpleParser } = await loadMailparser();
  const mail = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  const from = mail.from?.value.find((address) => address.address)?.address;
  return { from, subject: mail.subject };
}

/**
 * mailparser, loaded on the first inbound mail rather than with the CLI (it is the largest module a run would
 * otherwise load). A failure to load it is the install's fault, never the mail's: a DnMailerError, which stops the
 * run instead of letting the mail be judged by its notification alone.
 */
function loadMailparser(): Promise<typeof import('mailparser')> {
  return import('mailparser').catch((error: unknown) => {
    throw new DnMailerError('cannot load mailparser, the inbound-mail parser', {
      cause: error,
      hint: 'reinstall dn-mailer (npm ci) and run it again: the mails not yet applied stay where they were',
    });
  });
}
