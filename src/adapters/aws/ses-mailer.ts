import {
  type MessageTag,
  type SESv2Client,
  SendEmailCommand,
  type SendEmailCommandInput,
} from '@aws-sdk/client-sesv2';
import { maskAddressesIn } from '../../core/common/email-address.js';
import { ConfigError } from '../../core/common/errors.js';
import {
  SendFatalError,
  SendOutcomeUnknownError,
  SendRejectedError,
  SendThrottledError,
} from '../../core/send/send-errors.js';
import type { Mailer, OutgoingMessage } from '../../ports.js';
import { translateAwsError } from './errors.js';

export interface SesMailerOptions {
  configurationSet?: string | undefined;
}

/** The aws backend's Mailer: one SES v2 `SendEmail` (Simple content) per message, errors in the project's words. */
export function createSesMailer(client: SESv2Client, options: SesMailerOptions = {}): Mailer {
  return {
    provider: 'SES',
    async send(message) {
      let answer: { MessageId?: string | undefined };
      try {
        answer = await client.send(new SendEmailCommand(toSendEmailInput(message, options)));
      } catch (error) {
        throw translateSendError(error);
      }
      // A 200 means SES accepted the message; an absent id is recorded as empty rather than resent.
      return { messageId: answer.MessageId ?? '' };
    },
  };
}

export function toSendEmailInput(message: OutgoingMessage, options: SesMailerOptions): SendEmailCommandInput {
  const headers = Object.entries(message.headers).map(([Name, Value]) => ({ Name, Value }));
  const tags = sanitizeEmailTags(message.tags);
  return {
    FromEmailAddress: message.from,
    Destination: {
      ToAddresses: [message.to],
      ...(message.bcc.length > 0 ? { BccAddresses: [...message.bcc] } : {}),
    },
    ...(message.replyTo ? { ReplyToAddresses: [message.replyTo] } : {}),
    Content: {
      Simple: {
        Subject: { Data: message.subject, Charset: 'UTF-8' },
        Body: {
          Text: { Data: message.text, Charset: 'UTF-8' },
          Html: { Data: message.html, Charset: 'UTF-8' },
        },
        ...(headers.length > 0 ? { Headers: headers } : {}),
      },
    },
    ...(options.configurationSet ? { ConfigurationSetName: options.configurationSet } : {}),
    ...(tags.length > 0 ? { EmailTags: tags } : {}),
    ...(message.listManagement
      ? {
          ListManagementOptions: {
            ContactListName: message.listManagement.contactList,
            TopicName: message.listManagement.topic,
          },
        }
      : {}),
  };
}

const TAG_MAX = 256;

/** SES tag names and values allow only `[A-Za-z0-9_-]`, at most 256 characters: replace the rest with `_`. */
export function sanitizeTagPart(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, TAG_MAX);
}

/** Message tags as SES `EmailTags`: sanitised, tags with an empty name or value dropped, first name wins. */
export function sanitizeEmailTags(tags: Readonly<Record<string, string>>): MessageTag[] {
  const result = new Map<string, string>();
  for (const [name, value] of Object.entries(tags)) {
    const Name = sanitizeTagPart(name);
    const Value = sanitizeTagPart(value);
    if (Name === '' || Value === '' || result.has(Name)) continue;
    result.set(Name, Value);
  }
  return [...result].map(([Name, Value]) => ({ Name, Value }));
}

const THROTTLED = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling']);
const REJECTED = new Set(['MessageRejected', 'MailFromDomainNotVerifiedException', 'BadRequestException']);
const FATAL_HINTS: Record<string, string> = {
  SendingPausedException:
    'sending is paused for this account or configuration set: resume it in SES, then rerun (it resumes)',
  AccountSuspendedException: 'the SES account is suspended: contact AWS support; nothing more can be sent',
  NotFoundException: 'a resource named in the request does not exist: check ses.configurationSet',
};
/** Errors raised before any byte reached SES: nothing was sent. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

interface AwsErrorShape {
  name: string;
  message: string;
  code?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Turns a SendEmail failure into the project's send errors. The rule that matters: whatever might have reached
 * SES (a timeout, a dropped connection, a 5xx, an answer we cannot read) is "outcome unknown", never "retry".
 */
export function translateSendError(error: unknown): Error {
  const { name, message, code, $metadata } = (
    error instanceof Error ? error : new Error(String(error))
  ) as AwsErrorShape & Error;
  const status = $metadata?.httpStatusCode;
  // SES names the addresses it refused ("identities failed the check …: artist@x.com"); the text becomes the
  // reason shown on stdout, in --json, the ledger and report.html, so every address in it is masked here.
  const what = `${name}${status ? ` (HTTP ${status})` : ''}: ${maskAddressesIn(message)}`;
  const general = translateAwsError(error, 'sending through SES');
  if (general instanceof ConfigError) {
    return new SendFatalError(maskAddressesIn(general.message), { cause: error, hint: general.hint });
  }
  if (status === undefined) {
    if (
      (typeof code === 'string' && NOT_CONNECTED.has(code)) ||
      /did not establish a connection/.test(message)
    ) {
      return new SendFatalError(`could not connect to SES, nothing was sent (${what})`, {
        cause: error,
        hint: 'check the network and AWS_ENDPOINT_URL_SESV2 / ses.region; a rerun resumes where this one stopped',
      });
    }
    return new SendOutcomeUnknownError(`no answer from SES, the message may have been sent (${what})`, {
      cause: error,
    });
  }
  if (THROTTLED.has(name) || status === 429) {
    if (/daily message quota exceeded/i.test(message)) {
      return new SendFatalError(`the SES 24-hour sending quota is used up (${what})`, {
        cause: error,
        hint: 'nothing more can be sent today; rerun later (it resumes) or ask AWS for a higher quota',
      });
    }
    return new SendThrottledError(`SES throttled the request (${what})`, { cause: error });
  }
  const fatalHint = FATAL_HINTS[name];
  if (fatalHint || status === 401 || status === 403) {
    return new SendFatalError(`SES refused to send: ${what}`, {
      cause: error,
      hint: fatalHint ?? 'the AWS identity needs ses:SendEmail on the identity and configuration set',
    });
  }
  if (REJECTED.has(name) || (status >= 400 && status < 500)) {
    return new SendRejectedError(`SES rejected the message: ${what}`, { cause: error });
  }
  return new SendOutcomeUnknownError(`SES answered ${what}; the message may have been sent`, {
    cause: error,
  });
}
