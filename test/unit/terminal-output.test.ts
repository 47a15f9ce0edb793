import { EventEmitter } from 'node:events';
import { Chalk } from 'chalk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isUsableTerminal } from '../../src/cli/io.js';
import { renderFindings } from '../../src/cli/ui/findings-view.js';
import { printable } from '../../src/cli/ui/printable.js';
import { createProgress } from '../../src/cli/ui/progress.js';
import { renderStatus } from '../../src/cli/ui/status-view.js';
import type { ProgressEvent } from '../../src/core/common/progress-events.js';
import type { CampaignProgress } from '../../src/core/send/campaign-progress.js';
import type { LedgerRow } from '../../src/ports.js';

const ESC = '\u001b';
/** The colour codes chalk writes (SGR): the program's own, the only escape sequences allowed in a view. */
const SGR = new RegExp(`${ESC}\\[\\d+m`, 'g');

describe('printable: data values cannot steer the terminal', () => {
  it.each([
    [
      'ESC (cursor, clear screen, window title)',
      'a\u001b[2J\u001b]0;t\u0007b',
      'a\uFFFD[2J\uFFFD]0;t\uFFFDb',
    ],
    ['the rest of C0, DEL and C1', '\u0000\u0008\r\u007f\u0080\u009b\u009f', '\uFFFD'.repeat(7)],
    [
      'bidi embeddings, overrides and isolates',
      'x\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069y',
      `x${'\uFFFD'.repeat(9)}y`,
    ],
    ['newline and tab stay', 'a\nb\tc', 'a\nb\tc'],
    ['other text stays, accents, emoji and all', 'Zoë 🎵 — 東京 \u200d ok', 'Zoë 🎵 — 東京 \u200d ok'],
  ])('%s', (_what, input, shown) => {
    expect(printable(input)).toBe(shown);
  });
});

describe('isUsableTerminal: a TTY with a real width', () => {
  it.each([
    [{ isTTY: true, columns: 80 }, true],
    [{ isTTY: true, columns: 1 }, true],
    [{ isTTY: true, columns: 0 }, false],
    [{ isTTY: true }, false],
    [{ isTTY: true, columns: Number.NaN }, false],
    [{ isTTY: true, columns: Number.POSITIVE_INFINITY }, false],
    [{ isTTY: false, columns: 80 }, false],
    [{ columns: 80 }, false],
  ])('%j → %s', (stream, usable) => {
    expect(isUsableTerminal(stream)).toBe(usable);
  });
});

/** At most this much output for a handful of events: a spinner redrawing forever passes it at once. */
const BOUND = 64 * 1024;

/** A fake tty.WriteStream: what ora and cli-cursor use of one, with writes counted and cut off past `BOUND`. */
class FakeTerminal extends EventEmitter {
  isTTY = true;
  text = '';
  constructor(public columns: number | undefined) {
    super();
  }
  write(chunk: string | Uint8Array): boolean {
    this.text += chunk.toString();
    if (this.text.length > BOUND) throw new Error(`unbounded output: over ${BOUND} characters`);
    return true;
  }
  cursorTo(x: number): boolean {
    return this.write(`${ESC}[${x + 1}G`);
  }
  moveCursor(_dx: number, dy: number): boolean {
    return this.write(`${ESC}[${-dy}A`);
  }
  clearLine(): boolean {
    return this.write(`${ESC}[0K`);
  }
}

const EVENTS: ProgressEvent[] = [
  { type: 'users-loading', origin: 'users.json' },
  { type: 'users-loaded', rows: 15, recipients: 9 },
  { type: 'listing', prefixes: 12, location: 'reports' },
  { type: 'listed', done: 6, total: 12 },
  { type: 'listed', done: 12, total: 12 },
  { type: 'rendering', recipients: 9 },
] as ProgressEvent[];

describe('createProgress on a terminal that reports no width', () => {
  // ora draws only where `is-interactive` says so (no CI variable, TERM not dumb): make that true here, so that the
  // width is the only thing deciding, whichever machine runs the test.
  const saved = { CI: process.env.CI, TERM: process.env.TERM };
  beforeEach(() => {
    delete process.env.CI;
    process.env.TERM = 'xterm-256color';
  });
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  const run = async (stream: FakeTerminal) => {
    const progress = await createProgress(stream as unknown as NodeJS.WritableStream, true, true);
    for (const event of EVENTS) progress.onProgress(event);
    progress.note('a note');
    progress.stop();
    return stream.text;
  };

  it.each([0, undefined, Number.NaN])(
    'columns %s: plain lines, no spinner, no cursor codes',
    async (columns) => {
      const output = await run(new FakeTerminal(columns));
      expect(output).toBe(
        [
          'Loading users from users.json…',
          'Loaded 15 user rows → 9 recipients',
          'Listing 12 prefixes in reports…',
          'Listed 12/12 prefixes',
          'Rendering e-mails for 9 recipients…',
          'a note',
          '',
        ].join('\n'),
      );
    },
  );

  it('a terminal with a width gets the spinner (the fake terminal is one ora draws on)', async () => {
    const output = await run(new FakeTerminal(80));
    expect(output).toContain(`${ESC}[?25l`); // the cursor hidden by the spinner
    expect(output.length).toBeLessThan(BOUND);
  });

  it('a terminal resized to zero columns mid-run drops the spinner for plain lines', async () => {
    const stream = new FakeTerminal(80);
    const progress = await createProgress(stream as unknown as NodeJS.WritableStream, true, true);
    progress.onProgress({ type: 'users-loading', origin: 'users.json' } as ProgressEvent);
    stream.columns = 0;
    stream.emit('resize');
    const before = stream.text.length;
    progress.onProgress({ type: 'rendering', recipients: 9 } as ProgressEvent);
    progress.stop();
    expect(stream.text.slice(before)).toBe('Rendering e-mails for 9 recipients…\n');
    expect(stream.listenerCount('resize')).toBe(0);
  });

  it('progress lines quote data printable', async () => {
    const stream = new FakeTerminal(0);
    const progress = await createProgress(stream as unknown as NodeJS.WritableStream, false, false);
    progress.onProgress({ type: 'users-loading', origin: `evil${ESC}]0;pwned\u0007.json` } as ProgressEvent);
    expect(stream.text).toBe('Loading users from evil\uFFFD]0;pwned\uFFFD.json…\n');
  });
});

describe('views print data printable, and keep their own colours', () => {
  const chalk = new Chalk({ level: 1 });

  it('findings: an ESC in a custom ID or detail is inert; the colour codes stay', () => {
    const lines = renderFindings(
      {
        findings: [
          {
            name: 'missing-reports',
            summary: 'mailed without a report',
            entries: [
              { email: 'a@example.com', customIds: [`ID${ESC}[2J`], detail: `no file\u202e for ${ESC}[31mX` },
            ],
          },
        ],
        notMailed: [],
        partialReports: [],
      },
      { revealEmails: true, chalk },
    );
    const text = lines.join('\n');
    expect(text).toContain(`${ESC}[33m`); // the program's yellow
    expect(text.replace(SGR, '')).not.toContain(ESC);
    expect(text).toContain('a@example.com (ID\uFFFD[2J): no file\uFFFD for \uFFFD[31mX');
  });

  it('status: a ledger reason with escape sequences is shown inert in the table', () => {
    const row: LedgerRow = {
      campaignId: 'c',
      email: 'a@example.com',
      status: 'failed',
      customIds: ['A1'],
      reason: `rejected${ESC}[2K${ESC}[1A`,
      attempts: 1,
      updatedAt: '2025-02-10T12:00:00.000Z',
    };
    const progress: CampaignProgress = {
      campaignId: 'c',
      counts: { sent: 0, skipped: 0, failed: 1, unknown: 0, sending: 0, planned: 0 },
      total: 1,
      problems: [row],
      rows: [row],
      finished: false,
      toFinish: [],
    };
    const text = renderStatus(progress, [row], 'all', { chalk, ledger: 'ledger.sqlite', reveal: true });
    expect(text).toContain('rejected\uFFFD[2K\uFFFD[1A');
    expect(text.replace(SGR, '')).not.toContain(ESC);
  });
});
