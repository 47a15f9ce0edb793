/**
 * A separate OS process using the SQLite ledger with concurrent claims, so they are group-committed
 * (test/integration/sqlite-group-commit.test.ts):
 *
 * - `race <file> <campaignId> <runId> <count> <up|down> <concurrency>`: like sqlite-claim-worker.ts (prints `ready`,
 *   waits for stdin and for the other worker), then claims the rows `concurrency` at a time, finishes each won row
 *   as sent, and prints the addresses it won as one JSON line.
 * - `crash <file> <campaignId> <runId> <count>`: claims rows 0…count-1 all at once and, in the continuation of the
 *   first claim that resolves, kills itself with SIGKILL: nothing after that line runs, no close, no exit handler.
 *   What the file holds afterwards is what was committed before the claim's promise resolved.
 */
import { once } from 'node:events';
import { openSqliteStore } from '../../src/adapters/local/sqlite-store.js';

const [mode, file, campaignId, runId, countArg, order = 'up', concurrencyArg = '8'] = process.argv.slice(2);
if (!mode || !file || !campaignId || !runId || !countArg) {
  throw new Error('usage: race|crash <file> <campaignId> <runId> <count> [up|down] [concurrency]');
}
const count = Number(countArg);
const emailOf = (i: number) => `user${i}@x.test`;
const store = openSqliteStore(file);

if (mode === 'crash') {
  const claims = Array.from({ length: count }, (_, i) =>
    store.ledger.claim(campaignId, emailOf(i), ['planned'], runId, new Date()).then((won) => {
      // The provider would be called here: the process dies instead, at the earliest moment it could.
      if (won) process.kill(process.pid, 'SIGKILL');
    }),
  );
  await Promise.all(claims);
  // No claim won (the rows were not planned): say so instead of dying.
  process.stdout.write('nothing claimed\n');
} else {
  process.stdout.write('ready\n');
  await once(process.stdin, 'data');
  process.stdin.pause();
  await store.ledger.ensurePlanned('barrier', [{ email: runId, customIds: [] }], new Date());
  for (let waited = 0; (await store.ledger.listRows('barrier')).length < 2; waited += 5) {
    if (waited > 20_000) throw new Error('the other worker never started');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const indexes = Array.from({ length: count }, (_, n) => (order === 'down' ? count - 1 - n : n));
  const won: string[] = [];
  const concurrency = Number(concurrencyArg);
  const claimOne = async (i: number) => {
    const email = emailOf(i);
    if (!(await store.ledger.claim(campaignId, email, ['planned'], runId, new Date()))) return;
    won.push(email);
    const outcome = { status: 'sent' as const, messageId: `${runId}-${i}` };
    await store.ledger.finish(campaignId, email, 'sending', outcome, new Date(), runId);
  };
  for (let start = 0; start < indexes.length; start += concurrency) {
    await Promise.all(indexes.slice(start, start + concurrency).map(claimOne));
    await new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * 3));
  }
  const stats = store.ledger.writeStats();
  store.close();
  process.stdout.write(`${JSON.stringify({ won, largestGroup: stats.largestGroup })}\n`);
}
