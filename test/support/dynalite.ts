import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Dynalite {
  endpoint: string;
  /** A new, independent client (its own connection pool), as a second process or shard would have. */
  createClient(config?: DynamoDBClientConfig): DynamoDBClient;
  createTables(inputs: readonly CreateTableCommandInput[]): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts dynalite in this process on 127.0.0.1 and an OS-assigned port (TESTING.md: its CLI ignores `--port 0`),
 * in memory, tables ACTIVE at once. Stopped by `stop()`, which closes the server and its store.
 */
export async function startDynalite(): Promise<Dynalite> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return dynaliteAt(endpoint, () => {
    server.closeAllConnections?.();
    return new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
  });
}

/**
 * dynalite in a child process of its own (the benchmarks: DynamoDB is a remote service in production, so its work
 * must not run on dn-mailer's event loop and CPU). Same interface as startDynalite; `stop()` ends the child by PID.
 */
export async function startDynaliteProcess(): Promise<Dynalite & { pid: number }> {
  const script = `const server = require('dynalite')({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));`;
  const child = spawn(process.execPath, ['-e', script], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`dynalite exited with ${code} before listening`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
  });
  const pid = child.pid ?? 0;
  const stopped = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    ...dynaliteAt(`http://127.0.0.1:${port}`, async () => {
      child.kill('SIGTERM');
      await stopped;
    }),
    pid,
  };
}

/** The `Dynalite` interface over any DynamoDB endpoint (dynalite, DynamoDB Local); `stop` ends the emulator. */
export function dynaliteAt(endpoint: string, stop: () => Promise<void>): Dynalite {
  const createClient = (config: DynamoDBClientConfig = {}) =>
    new DynamoDBClient({
      region: 'us-east-1',
      endpoint,
      credentials: { accessKeyId: 'dynalite', secretAccessKey: 'dynalite' },
      ...config,
    });
  return {
    endpoint,
    createClient,
    async createTables(inputs) {
      const client = createClient();
      try {
        for (const input of inputs) await client.send(new CreateTableCommand(input));
      } finally {
        client.destroy();
      }
    },
    stop,
  };
}

/** A document client over a fresh low-level client; `destroy()` it when done. */
export function createDocClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client);
}

/** Counts the commands a client sends (before SDK retries), by command name. */
export function countCommands(client: DynamoDBClient): Map<string, number> {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'dnCountCommands' },
  );
  return counts;
}
