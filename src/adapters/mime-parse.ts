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
  // Loaded on the first inbound mail, not with the CLI: it is the largest module a run would otherwise load.
  const { simpleParser } = await import('mailparser');
  const mail = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  const from = mail.from?.value.find((address) => address.address)?.address;
  return { from, subject: mail.subject };
}
