import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SendOutcomeUnknownError } from '../../core/send-errors.js';
import type { Mailer, SendingAccount } from '../../ports.js';
import { composeMime } from '../mime.js';

/**
 * The local backend's Mailer: writes each message as a complete `.eml` (the same MIME a dry run previews) into
 * the outbox folder and returns its Message-ID. The file appears atomically (write, then rename), so a crash
 * never leaves half a message.
 */
export function createOutboxMailer(dir: string): Mailer {
  let ready: Promise<unknown> | undefined;
  return {
    provider: 'outbox',
    async send(message) {
      ready ??= mkdir(dir, { recursive: true });
      await ready;
      const bytes = await composeMime(message, {
        from: message.from,
        replyTo: message.replyTo,
        bcc: message.bcc,
        headers: message.headers,
        date: message.date,
        messageId: message.messageId,
      });
      const name = `${message.messageId.replace(/[^A-Za-z0-9._@-]/g, '_')}.eml`;
      const file = path.join(dir, name);
      try {
        await writeFile(`${file}.tmp`, bytes);
        await rename(`${file}.tmp`, file);
      } catch (error) {
        // The file may or may not be complete: treat like a provider that did not answer.
        throw new SendOutcomeUnknownError(
          `could not write ${file}: ${error instanceof Error ? error.message : error}`,
        );
      }
      return { messageId: message.messageId };
    },
  };
}

/** The outbox has no quota and no rate limit of its own (`--rate` and `ses.maxRate` still apply). */
export const unlimitedAccount: SendingAccount = {
  getQuota: async () => ({
    max24HourSend: Number.POSITIVE_INFINITY,
    maxSendRate: Number.POSITIVE_INFINITY,
    sentLast24Hours: 0,
    sendingEnabled: true,
  }),
};
