import type { Ora } from 'ora';
import type { OnProgress, ProgressEvent } from '../../core/common/progress-events.js';
import { isUsableTerminal, type TerminalLike } from '../io.js';
import { printable } from './printable.js';

export interface Progress {
  onProgress: OnProgress;
  /** Prints a line (stderr) without disturbing the spinner. */
  note(line: string): void;
  stop(): void;
}

/**
 * Spinner on a terminal, plain lines otherwise (CI logs); always on stderr, so stdout stays one clean document.
 * A TTY that reports no width (zero columns: `script` run from a non-terminal) gets plain lines too: a spinner there
 * would redraw forever. A terminal resized to zero columns mid-run drops the spinner for plain lines. The spinner's
 * module is loaded only for a terminal (a CI run never loads it).
 */
export async function createProgress(
  stream: NodeJS.WritableStream & TerminalLike,
  interactive: boolean,
  color: boolean,
  now: () => number = Date.now,
): Promise<Progress> {
  let spinner: Ora | undefined =
    interactive && isUsableTerminal(stream)
      ? (await import('ora')).default({ stream, color: color ? 'cyan' : false })
      : undefined;
  let lastPlainLine = 0;
  let sendStartedAt = 0;
  const dropSpinnerIfNoWidth = () => {
    if (spinner === undefined || isUsableTerminal(stream)) return;
    spinner.stop();
    spinner = undefined;
  };
  if (spinner) stream.on('resize', dropSpinnerIfNoWidth);
  const write = (line: string) => {
    dropSpinnerIfNoWidth();
    if (spinner?.isSpinning) {
      spinner.clear();
      stream.write(`${line}\n`);
      spinner.render();
    } else {
      stream.write(`${line}\n`);
    }
  };
  return {
    onProgress(event) {
      if (event.type === 'send-started') sendStartedAt = now();
      const described =
        event.type === 'send-progress' ? describeSending(event, now() - sendStartedAt) : describeEvent(event);
      if (described === undefined) return;
      const text = printable(described);
      dropSpinnerIfNoWidth();
      if (spinner) {
        spinner.text = text;
        if (!spinner.isSpinning) spinner.start();
        return;
      }
      // CI logs: one line per stage, and while sending one line every 10 seconds (and the last one).
      if (event.type === 'listed' && event.done !== event.total) return;
      if (event.type === 'send-progress') {
        const done = event.sent + event.failed + event.unknown + event.skipped;
        if (now() - lastPlainLine < 10_000 && done < event.total) return;
        lastPlainLine = now();
      }
      write(text);
    },
    note: write,
    stop() {
      spinner?.stop();
      stream.removeListener('resize', dropSpinnerIfNoWidth);
    },
  };
}

function describeSending(
  event: Extract<ProgressEvent, { type: 'send-progress' }>,
  elapsedMs: number,
): string {
  const done = event.sent + event.failed + event.unknown + event.skipped;
  const achieved = elapsedMs > 0 ? (event.sent + event.failed + event.unknown) / (elapsedMs / 1000) : 0;
  const left = event.total - done;
  const eta = achieved > 0 && left > 0 ? ` · ETA ${Math.ceil(left / achieved)} s` : '';
  return `Sending ${done}/${event.total} · sent ${event.sent} · failed ${event.failed} · unknown ${event.unknown} · skipped ${event.skipped} · ${achieved.toFixed(1)}/s${eta}`;
}

function describeEvent(event: ProgressEvent): string | undefined {
  switch (event.type) {
    case 'users-loading':
      return `Loading users from ${event.origin}…`;
    case 'users-loaded':
      return `Loaded ${event.rows} user rows → ${event.recipients} recipients`;
    case 'retrying':
      return `${event.what}: ${event.reason}; retry ${event.attempt} in ${Math.round(event.delayMs)} ms`;
    case 'listing':
      return `Listing ${event.prefixes} prefixes in ${event.location}…`;
    case 'listed':
      return `Listed ${event.done}/${event.total} prefixes`;
    case 'payouts-loading':
      return `Fetching payouts for ${event.ids} custom IDs from ${event.origin}…`;
    case 'signing':
      return `Signing ${event.links} report links…`;
    case 'rendering':
      return `Rendering e-mails for ${event.recipients} recipients…`;
    case 'send-started':
      if (event.total === 0) return undefined;
      return `Sending ${event.total} messages at ${Number.isFinite(event.rate) ? `${event.rate}/s` : 'full speed'}…`;
    case 'throttled':
      return `Throttled by the provider: slowing to ${event.rate.toFixed(1)}/s, retry in ${event.delayMs} ms`;
    case 'waiting-in-flight':
      return `Waiting for ${event.rows} messages another run is sending…`;
    case 'unknowns-resolved':
      if (event.by === 'events')
        return `Unknown outcomes proven by the delivery events: ${event.unsent} never accepted by SES (sending again)${event.stillUnknown > 0 ? `, ${event.stillUnknown} still unknown — ${event.why ?? 'no proof yet'}` : ''}`;
      return `Unknown outcomes settled by the provider's record: ${event.sent} sent (kept), ${event.unsent} never sent (sending again)${event.stillUnknown > 0 ? `, ${event.stillUnknown} still unknown` : ''}`;
    case 'send-progress':
      return undefined;
  }
}
