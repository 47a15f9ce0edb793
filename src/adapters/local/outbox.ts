import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { SendFatalError, SendOutcomeUnknownError } from '../../core/send/send-errors.js';
import type { Clock, Mailer, ProviderRecord, SendingAccount } from '../../ports.js';
import { composeMime } from '../mime.js';
import { isSimulating, type OutboxSimulation, simulateFailures } from './outbox-simulation.js';
import { makePrivateDir, PlacementError, writePrivateFile } from './private-files.js';

/** A rehearsal's `outbox.simulate` and the run's clock (the throttle measures the pace with it). */
export interface OutboxOptions {
  simulate?: OutboxSimulation | undefined;
  clock: Clock;
}

/**
 * The local backend's Mailer: writes each message as a complete `.eml` (the same MIME a dry run previews) into
 * the outbox folder (0600; the folder 0700 when it creates it: each file holds a working signed link and
 * unsubscribe token) and returns its Message-ID. The file appears atomically (write, then link), so a crash
 * never leaves half a message; a second copy of the same message (e.g. after `--retry-unknown`) appears as
 * `<id>.2.eml`, so the outbox shows every delivery, as a real inbox would. With `outbox.simulate` (a rehearsal) some sends fail on purpose first.
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
      ready ??= makePrivateDir(dir);
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
      const file = path.join(dir, emlName(message.messageId));
      try {
        await writePrivateFile(file, bytes, 'number');
      } catch (error) {
        // The file may or may not be in place: treat like a provider that did not answer.
        if (error instanceof PlacementError) throw new SendOutcomeUnknownError(error.message);
        throw new SendFatalError(`cannot write into the outbox ${dir}: ${reasonOf(error)}`, {
          hint: 'check outbox.dir (free space, permissions); nothing was delivered',
        });
      }
      return { messageId: message.messageId };
    },
  };
}

/**
 * The outbox as its own record of what was sent: the `.eml` of a message appears atomically (written beside it, then
 * linked into place), so a file there means the message was delivered and none means it never was — a crash before
 * the link leaves only a `.tmp`, and a simulated timeout writes nothing. The name's `<campaign>.<recipient hash>`
 * part decides, whatever the domain after `@` (a changed `email.from` must not make a sent message look unsent);
 * `.2.eml`, `.3.eml`, … (a resend) count too. Without the folder (moved, or `outbox.dir` changed) it cannot tell.
 */
export function createOutboxRecord(dir: string): ProviderRecord {
  return {
    async lookup(messageId) {
      const exact = emlName(messageId);
      if (await isFile(path.join(dir, exact))) return 'sent';
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        return 'unknown';
      }
      return names.some((name) => isCopyOf(name, exact)) ? 'sent' : 'not-sent';
    },
  };
}

/**
 * Whether `name` is a delivered copy of the message filed as `exact`: the same name before the `@` (any domain) and
 * `.eml` at the end, or `exact` numbered (`.2.eml`); never the `.eml.tmp` of an unfinished write.
 */
function isCopyOf(name: string, exact: string): boolean {
  if (!name.endsWith('.eml')) return false;
  const at = exact.lastIndexOf('@');
  if (at >= 0) return name.startsWith(exact.slice(0, at + 1));
  const base = exact.slice(0, -'.eml'.length);
  return name === exact || (/^\.\d+\.eml$/.test(name.slice(base.length)) && name.startsWith(base));
}

/** The `.eml` file name of a message: its Message-ID, with anything unsafe in a file name replaced. */
function emlName(messageId: string): string {
  return `${messageId.replace(/[^A-Za-z0-9._@-]/g, '_')}.eml`;
}

async function isFile(file: string): Promise<boolean> {
  const info = await stat(file).catch(() => undefined);
  return info?.isFile() === true;
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

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
