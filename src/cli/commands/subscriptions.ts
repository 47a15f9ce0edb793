import type { Command } from 'commander';
import { maskEmail } from '../../core/common/email-address.js';
import { ExitCode, InputError, UsageError } from '../../core/common/errors.js';
import { loadRecipients } from '../../core/recipients/load-recipients.js';
import { changeSubscription, type SubscriptionResult } from '../../core/unsubscribe/change-subscription.js';
import { showContactRecord } from '../../core/unsubscribe/contact-record.js';
import { UnsubscribeTokenError } from '../../core/unsubscribe/unsubscribe-token.js';
import type { UnsubscribeTokens } from '../../core/unsubscribe/unsubscribe-tokens.js';
import type { RunContext } from '../context.js';
import type { CommandRuntime } from '../runtime.js';
import { renderContact } from '../ui/contact-view.js';
import { askToConfirm } from '../ui/prompt.js';

interface ChangeOptions {
  topic?: string;
  reason?: string;
  token?: string;
  yes: boolean;
}

/** `unsubscribe`, `resubscribe` and `contacts show`: the support desk's tools, every change audited. */
export function registerSubscriptionCommands(program: Command, runtime: CommandRuntime): void {
  program
    .command('unsubscribe [email]')
    .description('opt an address out of the topic (or of the token a creator sent: --token)')
    .option('--topic <topic>', 'topic (default: unsubscribe.topic)')
    .option('--reason <text>', 'why, for the audit trail')
    .option('--token <data>', "the data=… value of a creator's unsubscribe link")
    .addHelpText(
      'after',
      '\nExamples:\n  $ dn-mailer unsubscribe artist@example.com --reason "asked by phone"\n  $ dn-mailer unsubscribe --token AQx…',
    )
    .action(
      runtime.handle(async (email: string | undefined, options: ChangeOptions, command: Command) => {
        // Argument errors first: they need no config, and they name exactly what is wrong.
        if (email === undefined && options.token === undefined) {
          throw new UsageError('give an address or --token', {
            hint: 'dn-mailer unsubscribe <email> | --token <data>',
          });
        }
        if (email !== undefined && options.token !== undefined) {
          throw new UsageError('give an address or --token, not both', {
            hint: 'dn-mailer unsubscribe <email> | --token <data>',
          });
        }
        return change(await runtime.open(command), options, 'unsubscribe', email);
      }),
    );

  program
    .command('resubscribe <email>')
    .description('opt an address back in to the topic (asks first; --yes)')
    .option('--topic <topic>', 'topic (default: unsubscribe.topic)')
    .option('--reason <text>', 'why, for the audit trail')
    .option('--yes', 'do not ask', false)
    .addHelpText(
      'after',
      '\nExamples:\n  $ dn-mailer resubscribe artist@example.com --reason "asked to receive reports again" --yes',
    )
    .action(
      runtime.handle(async (email: string, options: ChangeOptions, command: Command) => {
        const run = await runtime.open(command);
        const topic = options.topic ?? run.deps.config.unsubscribe.topic;
        const shown = run.globals.verbose ? email : maskEmail(email);
        await askToConfirm(run.io, `Resubscribe ${shown} to ${topic}?`, options.yes, {
          cancelled: 'cancelled: nothing changed',
          hint: 'add --yes to resubscribe without a terminal',
        });
        return change(run, options, 'resubscribe', email);
      }),
    );

  program
    .command('contacts')
    .description('look at the contact list')
    .command('show <email>')
    .description(
      "an address's preferences, its audit history, and whether sends skip it (a bounce or complaint suppression)",
    )
    .addHelpText('after', '\nExamples:\n  $ dn-mailer contacts show artist@example.com --verbose')
    .action(
      runtime.handle(async (email: string, _options: unknown, command: Command) => {
        const run = await runtime.open(command);
        const parts = run.deps.subscriptions();
        try {
          // The suppression table belongs to the sending ports (the send's gate reads it).
          const sending = run.deps.sending();
          try {
            const contact = await showContactRecord(
              { ...parts, suppressions: sending.suppressions },
              email,
              run.deps.clock.now(),
            );
            run.io.stdout.write(
              run.globals.json
                ? `${JSON.stringify(contact, null, 2)}\n`
                : renderContact(contact, run.globals.verbose, run.chalk),
            );
            return ExitCode.ok;
          } finally {
            sending.close();
          }
        } finally {
          parts.close();
        }
      }),
    );
}

async function change(
  run: RunContext,
  options: ChangeOptions,
  action: 'unsubscribe' | 'resubscribe',
  address?: string,
) {
  const parts = run.deps.subscriptions();
  try {
    let email = address;
    let topic = options.topic ?? run.deps.config.unsubscribe.topic;
    if (options.token !== undefined) {
      const token = await readToken(options.token, parts, run.deps.clock.now());
      email = token.email;
      topic = token.topic;
    }
    const result = await changeSubscription(
      {
        ...parts,
        clock: run.deps.clock,
        isKnownAddress: async (candidate) => {
          const { recipients } = await loadRecipients(run.deps.users, run.deps.rules);
          return recipients.some((recipient) => recipient.email === candidate);
        },
      },
      {
        email: email ?? '',
        topic,
        action,
        source: options.token === undefined ? 'cli' : 'token',
        reason: options.reason,
      },
    );
    run.io.stdout.write(
      run.globals.json
        ? `${JSON.stringify(result, null, 2)}\n`
        : describe(result, action, run.globals.verbose),
    );
    return ExitCode.ok;
  } finally {
    parts.close();
  }
}

async function readToken(data: string, parts: { tokens: () => Promise<UnsubscribeTokens> }, now: Date) {
  const tokens = await parts.tokens();
  try {
    return await tokens.verify(data.trim().replace(/^.*[?&]data=/, ''), now);
  } catch (error) {
    if (error instanceof UnsubscribeTokenError)
      throw new InputError(`--token: ${error.message}`, {
        hint: 'paste the data=… value of the link exactly',
      });
    throw error;
  }
}

function describe(result: SubscriptionResult, action: string, verbose: boolean): string {
  const who = verbose ? result.email : maskEmail(result.email);
  const state = result.changed ? `${action}d` : `already ${action}d (recorded again)`;
  return `✔ ${who} ${state} for ${result.topic}\n`;
}
