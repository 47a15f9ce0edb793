import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { MAX_EVENT_RECEIVERS } from '../../config/sections/events.js';
import { ConfigError, ExitCode, InputError, UsageError } from '../../core/common/errors.js';
import { importEvents } from '../../core/events/import-events.js';
import { syncEvents } from '../../core/events/sync-events.js';
import type { RunContext } from '../context.js';
import { withEventPorts } from '../event-ports.js';
import type { CommandRuntime } from '../runtime.js';
import { type EventsOrigin, renderEventsJson, renderEventsSummary } from '../ui/events-view.js';
import { parseCount } from './options.js';

const EXITS = `
Exit 0 when every event was applied (or was not one for dn-mailer: unmatched, ignored); 4 when an imported file has
malformed lines (named by number: the other lines are applied); 6 when sync left malformed messages on the queue
(for its dead-letter queue). Applying the same events again changes nothing. Addresses are masked unless --verbose.`;

/** `events sync` (the queue, aws) and `events import <file>` (the same events from a file, any backend). */
export function registerEvents(program: Command, runtime: CommandRuntime): void {
  const events = program
    .command('events')
    .description(
      'apply SES delivery events: deliveries, bounces and complaints (suppressed), unknowns proven sent',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ dn-mailer events sync\n  $ dn-mailer events import examples/demo/ses-events.jsonl',
    );

  events
    .command('sync')
    .description('drain the event queue (events.queueUrl): apply each message, then delete it from the queue')
    .option(
      '--receivers <n>',
      `ReceiveMessage calls in flight (1–${MAX_EVENT_RECEIVERS}; default: events.receivers)`,
    )
    .addHelpText(
      'after',
      `${EXITS}
Malformed messages are reported and left on the queue, so its redrive policy moves them to the dead-letter queue.
Safe to interrupt: a message is deleted only after what it says is written; the rest comes back and applies once.

Examples:
  $ dn-mailer events sync
  $ dn-mailer events sync --receivers 8 --json`,
    )
    .action(
      runtime.handle(async (options: { receivers?: string }, command: Command) => {
        const receivers = options.receivers === undefined ? undefined : parseReceivers(options.receivers);
        const run = await runtime.open(command);
        const source = run.deps.events();
        if (!source) {
          throw new ConfigError('events.queueUrl is not set: there is no event queue to sync', {
            hint:
              run.deps.config.backend === 'local'
                ? 'the local backend has no queue: apply an SES event file with dn-mailer events import <file>'
                : 'set events.queueUrl to the SQS queue your SES configuration set publishes to (README: AWS resources), or use dn-mailer events import <file>',
          });
        }
        const summary = await withEventPorts(run, (ports) =>
          syncEvents(source, ports, {
            receivers: receivers ?? run.deps.config.events.receivers,
            onBatch: noteEvery(1000, (read) => run.progress.note(`… ${read} messages read from the queue`)),
          }),
        );
        const origin: EventsOrigin = { kind: 'queue', queue: source.location };
        show(run, summary, origin);
        return summary.malformed.length > 0 ? ExitCode.partial : ExitCode.ok;
      }),
    );

  events
    .command('import <file>')
    .description(
      'apply SES event JSON from a file, one message per line (any envelope: SNS, raw, EventBridge)',
    )
    .addHelpText(
      'after',
      `${EXITS}
The local backend's way to close the loop (it has no queue); the demo ships examples/demo/ses-events.jsonl.
Blank lines are skipped.

Examples:
  $ dn-mailer events import examples/demo/ses-events.jsonl
  $ dn-mailer events import events-2025-01.jsonl --json`,
    )
    .action(
      runtime.handle(async (file: string, _options: unknown, command: Command) => {
        const run = await runtime.open(command);
        const lines = await readEventLines(path.resolve(run.io.cwd, file), file);
        const summary = await withEventPorts(run, (ports) => importEvents(lines, ports));
        show(run, summary, { kind: 'file', file });
        return summary.malformed.length > 0 ? ExitCode.input : ExitCode.ok;
      }),
    );
}

type Summary = Parameters<typeof renderEventsSummary>[0];

function show(run: RunContext, summary: Summary, origin: EventsOrigin): void {
  const reveal = run.globals.verbose;
  run.io.stdout.write(
    run.globals.json
      ? renderEventsJson(summary, origin, reveal)
      : renderEventsSummary(summary, origin, { chalk: run.chalk, reveal }),
  );
}

/** The file's lines as written (numbered from 1 in what the core reports); CRLF files read the same. */
async function readEventLines(file: string, typed: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') {
      throw new UsageError(`events import: ${typed} does not exist`, {
        hint: 'give a file of SES event JSON, one message per line (e.g. examples/demo/ses-events.jsonl)',
      });
    }
    throw new InputError(
      `events import: cannot read ${typed}: ${error instanceof Error ? error.message : error}`,
      {
        cause: error,
        hint:
          code === 'EISDIR' ? 'give the file itself, not its folder' : 'check the file and its permissions',
      },
    );
  }
  return text.replace(/^\uFEFF/, '').split(/\r?\n/);
}

/** A progress line each time another `step` messages were read (a queue of 20,000 prints 20 lines, not 2,000). */
function noteEvery(step: number, note: (read: number) => void): (summary: { received: number }) => void {
  let next = step;
  return ({ received }) => {
    if (received < next) return;
    note(received);
    next = (Math.floor(received / step) + 1) * step;
  };
}

function parseReceivers(value: string): number {
  const receivers = parseCount(value, '--receivers');
  if (receivers > MAX_EVENT_RECEIVERS) {
    throw new UsageError(`--receivers: ${receivers} is more than ${MAX_EVENT_RECEIVERS}`, {
      hint: `each receiver takes up to 10 messages per call; ${MAX_EVENT_RECEIVERS} is plenty`,
    });
  }
  return receivers;
}
