/**
 * A separate OS process racing for ledger rows (test/integration/sqlite-ledger-processes.test.ts):
 * `node --import tsx sqlite-claim-worker.ts <file> <campaignId> <runId> <count> [up|down]`.
 * Opens the store, prints `ready`, waits for a line on stdin and for the other worker (so both start together),
 * then claims rows 0…count-1 in order (or count-1…0 with `down`) with a short random pause between them, records
 * each won row as sent, and prints the addresses it won as one JSON line.
 */
import { once } from 'node:events';
import { openSqliteStore } from '../../src/adapters/local/sqlite-store.js';

const [file, campaignId, runId, count, order = 'up'] = process.argv.slice(2);
if (!file || !campaignId || !runId || !count) throw new Error('usage: <file> <campaignId> <runId> <count>');

const store = openSqliteStore(file);
process.stdout.write('ready\n');
await once(process.stdin, 'data');
process.stdin.pause();
// A barrier in the file itself: claim only once both workers are running, so a worker the OS starts late (a
// loaded machine) still races instead of finding every row taken.
await store.ledger.ensurePlanned('barrier', [{ email: runId, customIds: [] }], new Date());
for (let waited = 0; (await store.ledger.listRows('barrier')).length < 2; waited += 5) {
  if (waited > 20_000) throw new Error('the other worker never started');
  await new Promise((resolve) => setTimeout(resolve, 5));
}
const won: string[] = [];
// The two workers walk the rows from opposite ends: both win rows whatever the OS's scheduling, and they race for
// the same rows where they meet.
for (let n = 0; n < Number(count); n++) {
  const i = order === 'down' ? Number(count) - 1 - n : n;
  const email = `user${i}@x.test`;
  if (await store.ledger.claim(campaignId, email, ['planned'], runId, new Date())) {
    won.push(email);
    const outcome = { status: 'sent' as const, messageId: `${runId}-${i}` };
    await store.ledger.finish(campaignId, email, 'sending', outcome, new Date(), runId);
  }
  // Let the other process in between rows, so the two really interleave on the same rows.
  await new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * 3));
}
store.close();
process.stdout.write(`${JSON.stringify(won)}\n`);
