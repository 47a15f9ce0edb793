import { link, mkdir, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SendFatalError, SendOutcomeUnknownError } from '../../core/send/send-errors.js';
import type { Clock, Mailer, SendingAccount } from '../../ports.js';
import { composeMime } from '../mime.js';
import { isSimulating, type OutboxSimulation, simulateFailures } from './outbox-simulation.js';

/** A rehearsal's `outbox.simulate` and the run's clock (the throttle measures the pace with it). */
export interface OutboxOptions {
  simulate?: OutboxSimulation | undefined;
  clock: Clock;
}

/**
 * The local backend's Mailer: writes each message as a complete `.eml` (the same MIME a dry run previews) into
 * the outbox folder and returns its Message-ID. The file appears atomically (write, then rename), so a crash
 * never leaves half a message. With `outbox.simulate` (a rehearsal) some sends fail on purpose first.
 */
export function createOutboxMailer(dir: string, options?: OutboxOptions): Mailer {
  const mailer = createFolderMailer(dir);
  return options && isSimulating(options.simulate)
    ? simulateFailures(mailer, options.simulate, options.clock)
    : mailer;
}

function createFolderMailer(dir: string): Mailer {
  let ready: Promise<unknown> | undefined;
  return {
    provider: 'outbox',
    async send(message) {
      ready ??= mkdir(dir, { recursive: true });
      try {
        await ready;
      } catch (error) {
        // Nothing was written: stop the run (resumable) rather than record anything as maybe-sent.
        throw new SendFatalError(
          `cannot create the outbox ${dir}: ${error instanceof Error ? error.message : error}`,
          {
            hint: 'check outbox.dir',
          },
        );
      }
      const bytes = await composeMime(message, {
        from: message.from,
        replyTo: message.replyTo,
        bcc: message.bcc,
        headers: message.headers,
        date: message.date,
        messageId: message.messageId,
      });
      const base = path.join(dir, message.messageId.replace(/[^A-Za-z0-9._@-]/g, '_'));
      try {
        await writeFile(`${base}.tmp`, bytes);
      } catch (error) {
        throw new SendFatalError(
          `cannot write into the outbox ${dir}: ${error instanceof Error ? error.message : error}`,
          {
            hint: 'check outbox.dir (free space, permissions); nothing was delivered',
          },
        );
      }
      try {
        await publish(`${base}.tmp`, base);
      } catch (error) {
        // The file may or may not be complete: treat like a provider that did not answer.
        const reason = error instanceof Error ? error.message : String(error);
        throw new SendOutcomeUnknownError(`could not write ${base}.eml: ${reason}`);
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

/**
 * Links the finished file into place without ever replacing one: a second copy of the same message (e.g. after
 * `--retry-unknown`) appears as `<id>.2.eml`, so the outbox shows every delivery, as a real inbox would.
 */
async function publish(tmp: string, base: string): Promise<void> {
  for (let n = 1; ; n += 1) {
    try {
      await link(tmp, n === 1 ? `${base}.eml` : `${base}.${n}.eml`);
      break;
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
    }
  }
  await unlink(tmp);
}
