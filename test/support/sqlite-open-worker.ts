/**
 * A separate OS process opening new SQLite stores at agreed moments (test/integration/sqlite-ledger-processes.test.ts):
 * `node --import tsx sqlite-open-worker.ts <dir> <rounds> <intervalMs>`.
 * Prints `ready`, reads a start time (ms since the epoch) from stdin, then for each round r waits (spinning, to hit
 * the moment within a millisecond) until start + r × interval and opens and closes `<dir>/fresh-<r>.sqlite`, a file
 * no one has opened before. Prints what each failing open threw, as one JSON line.
 */
import { once } from 'node:events';
import path from 'node:path';
import { openSqliteStore } from '../../src/adapters/local/sqlite-store.js';

const [dir, rounds, interval] = process.argv.slice(2);
if (!dir || !rounds || !interval) throw new Error('usage: <dir> <rounds> <intervalMs>');

process.stdout.write('ready\n');
const [line] = (await once(process.stdin, 'data')) as [Buffer];
process.stdin.pause();
const start = Number(line.toString().trim());
const failures: string[] = [];
for (let r = 0; r < Number(rounds); r++) {
  const at = start + r * Number(interval);
  while (Date.now() < at) {
    // spin: a timer would wake a few milliseconds late, and the workers must open at the same moment
  }
  try {
    openSqliteStore(path.join(dir, `fresh-${r}.sqlite`)).close();
  } catch (error) {
    failures.push(`round ${r}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
process.stdout.write(`${JSON.stringify(failures)}\n`);
