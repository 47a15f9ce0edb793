/**
 * A separate OS process racing for ledger rows (test/integration/sqlite-ledger-processes.test.ts):
 * `node --import tsx sqlite-claim-worker.ts <file> <campaignId> <runId> <count>`.
 * Opens the store, prints `ready`, waits for a line on stdin (so both workers start together), then claims rows
 * 0…count-1 in order with a short random pause between them, records each won row as sent, and prints the
 * addresses it won as one JSON line.
 */
import { once } from 'node:events';
import { openSqliteStore } from '../../src/adapters/local/sqlite-store.js';

const [file, campaignId, runId, count] = process.argv.slice(2);
if (!file || !campaignId || !runId || !count) throw new Error('usage: <file> <campaignId> <runId> <count>');

const store = openSqliteStore(file);
process.stdout.write('ready\n');
await once(process.stdin, 'data');
process.stdin.pause();
const won: string[] = [];
for (let i = 0; i < Number(count); i++) {
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
