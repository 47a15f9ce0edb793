import { DnMailerError } from '../common/errors.js';
import { UnsubscribeTokenError } from '../unsubscribe/unsubscribe-token.js';
import type { UnsubscribeTokens } from '../unsubscribe/unsubscribe-tokens.js';
import type { EventPorts } from './apply-events.js';
import type { InboundNotification } from './delivery-event.js';
import { addressOf, findMailtoToken, verdictProblem } from './mailto-request.js';

/** What applying inbound mail needs on top of the event ports: the token key, and the MIME parser and S3 reader. */
export interface InboundExtras {
  /** The unsubscribe tokens, loaded only when a mail carries a token; undefined when no format is configured. */
  tokens: () => Promise<UnsubscribeTokens | undefined>;
  /** Parses a raw MIME message (an adapter: core never imports a MIME parser). */
  parseMime: (raw: string) => Promise<{ from?: string | undefined; subject?: string | undefined }>;
  /** Reads the raw MIME an S3 receipt action stored; undefined: this backend cannot, such mails stay queued. */
  fetchStored?: ((bucket: string, key: string) => Promise<string>) | undefined;
}

export type InboundPorts = EventPorts & InboundExtras;

/** What applying inbound mails to the unsubscribe address did. */
export interface InboundApplied {
  /** Addresses a mailto request opted out in this run (each once: a replay adds nothing). */
  mailtoOptOuts: string[];
  /** Requests not applied, with why (addresses unmasked: the view masks them). */
  mailtoRefused: { where: string; reason: string }[];
}

/** A mail whose MIME is in S3 and could not be read: not judged, so the caller leaves it on the queue. */
export interface InboundUnread {
  mail: InboundNotification;
  problem: string;
}

export function emptyInboundApplied(): InboundApplied {
  return { mailtoOptOuts: [], mailtoRefused: [] };
}

/**
 * Applies opt-outs sent by e-mail to the unsubscribe address. A valid token in the subject (`unsubscribe TOKEN`, what
 * the List-Unsubscribe mailto target carries) opts its address out of its topic. Without a valid token the request
 * is honoured only when SES's verdicts pass and the From address is a known contact; everything else is reported in
 * `mailtoRefused`, never applied. Idempotent: an address already opted out is left alone and audited no second time.
 * Returns the mails that could not be read (stored in S3, not fetched): the caller must not acknowledge them.
 */
export async function applyInbound(
  mails: readonly InboundNotification[],
  ports: InboundPorts,
  result: InboundApplied = emptyInboundApplied(),
): Promise<InboundUnread[]> {
  return createInboundApplier(ports).apply(mails, result);
}

/** One applier per sync: receivers in parallel apply their mails one at a time, so a duplicate is audited once. */
export function createInboundApplier(ports: InboundPorts): {
  apply(mails: readonly InboundNotification[], result: InboundApplied): Promise<InboundUnread[]>;
} {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    apply(mails, result) {
      const run = queue.then(() => applyAll(mails, ports, result));
      queue = run.catch(() => undefined);
      return run;
    },
  };
}

async function applyAll(
  mails: readonly InboundNotification[],
  ports: InboundPorts,
  result: InboundApplied,
): Promise<InboundUnread[]> {
  const unread: InboundUnread[] = [];
  for (const mail of mails) {
    const read = await readMail(mail, ports);
    if ('problem' in read) unread.push({ mail, problem: read.problem });
    else await judge(mail, read, ports, result);
  }
  return unread;
}

interface ReadMail {
  from: string;
  subject: string | undefined;
}

/** The From and Subject of the MIME (carried, or fetched from S3), else those SES put in the notification. */
async function readMail(
  mail: InboundNotification,
  ports: InboundPorts,
): Promise<ReadMail | { problem: string }> {
  let raw = mail.content;
  if (raw === undefined && mail.stored) {
    const where = `s3://${mail.stored.bucket}/${mail.stored.key}`;
    if (!ports.fetchStored) return { problem: `inbound mail stored in S3 (${where}): not fetched yet` };
    try {
      raw = await ports.fetchStored(mail.stored.bucket, mail.stored.key);
    } catch (error) {
      return { problem: `inbound mail stored in S3 (${where}) could not be read: ${describeError(error)}` };
    }
  }
  if (raw === undefined) return { from: mail.from, subject: mail.subject };
  // A message the parser cannot read is judged by what SES read from it (the notification's common headers). A
  // parser that cannot run at all (DnMailerError: its module did not load) stops the run: no mail is judged blind.
  const parsed = await ports.parseMime(raw).catch((error: unknown) => {
    if (error instanceof DnMailerError) throw error;
    return { from: undefined, subject: undefined };
  });
  return { from: parsed.from ?? mail.from, subject: parsed.subject ?? mail.subject };
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function judge(
  mail: InboundNotification,
  read: ReadMail,
  ports: InboundPorts,
  result: InboundApplied,
): Promise<void> {
  const sender = addressOf(read.from);
  const refuse = (reason: string) =>
    result.mailtoRefused.push({
      where: `inbound message ${mail.messageId} from ${sender ?? read.from}`,
      reason,
    });
  const token = findMailtoToken(read.subject);
  let tokenProblem = 'no unsubscribe token in the subject';
  if (token !== undefined) {
    const checked = await checkToken(token, ports);
    if ('email' in checked) {
      await optOut(checked.email, checked.topic, mail, 'token', ports, result);
      return;
    }
    tokenProblem = checked.problem;
  }
  const problem = await senderProblem(mail, sender, ports);
  if (problem !== undefined) {
    refuse(`${tokenProblem}, and the sender is not verified: ${problem}`);
    return;
  }
  await optOut(sender as string, ports.topic, mail, 'sender', ports, result);
}

async function checkToken(
  token: string,
  ports: InboundPorts,
): Promise<{ email: string; topic: string } | { problem: string }> {
  const tokens = await ports.tokens();
  if (!tokens)
    return { problem: 'a token that cannot be checked (neither unsubscribe.tokenKey nor kmsKeyId is set)' };
  try {
    return await tokens.verify(token, ports.clock.now());
  } catch (error) {
    if (!(error instanceof UnsubscribeTokenError)) throw error;
    return {
      problem: `the token is refused (${error.kind}: ${error.message.replace(/^unsubscribe token: /, '')})`,
    };
  }
}

/** Why the From address cannot be trusted without a token, or undefined when SES vouches for it and it is known. */
async function senderProblem(
  mail: InboundNotification,
  sender: string | undefined,
  ports: InboundPorts,
): Promise<string | undefined> {
  const verdicts = verdictProblem(mail.verdicts);
  if (verdicts !== undefined) return `SES's verdicts do not pass (${verdicts})`;
  if (sender === undefined) return 'the From header holds no address';
  if (!(await ports.contacts.get(sender))) return 'the From address is not a known contact';
  return undefined;
}

async function optOut(
  email: string,
  topic: string,
  mail: InboundNotification,
  proof: 'token' | 'sender',
  ports: InboundPorts,
  result: InboundApplied,
): Promise<void> {
  const before = await ports.contacts.get(email);
  if (before?.unsubscribeAll || before?.topics[topic] === 'OPT_OUT') return;
  await ports.contacts.setTopic(email, topic, 'OPT_OUT');
  await ports.audit.record({
    at: mail.at,
    email,
    action: 'unsubscribe',
    topic,
    actor: ports.actor,
    source: 'mailto',
    reason: proof === 'token' ? 'mailto request with a valid unsubscribe token' : 'mailto request',
    detail:
      proof === 'token'
        ? `inbound message ${mail.messageId}`
        : `verified sender, no token (inbound message ${mail.messageId})`,
  });
  result.mailtoOptOuts.push(email);
}
