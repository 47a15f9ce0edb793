import ora, { type Ora } from 'ora';
import type { OnProgress, ProgressEvent } from '../../core/events.js';

export interface Progress {
  onProgress: OnProgress;
  /** Prints a line (stderr) without disturbing the spinner. */
  note(line: string): void;
  stop(): void;
}

/**
 * Spinner on a TTY, plain lines otherwise (CI logs); always on stderr, so stdout stays one clean document.
 */
export function createProgress(
  stream: NodeJS.WritableStream,
  interactive: boolean,
  color: boolean,
): Progress {
  const spinner: Ora | undefined = interactive ? ora({ stream, color: color ? 'cyan' : false }) : undefined;
  const write = (line: string) => {
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
      const text = describeEvent(event);
      if (text === undefined) return;
      if (spinner) {
        spinner.text = text;
        if (!spinner.isSpinning) spinner.start();
      } else if (event.type !== 'listed' || event.done === event.total) {
        write(text);
      }
    },
    note: write,
    stop() {
      spinner?.stop();
    },
  };
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
  }
}
