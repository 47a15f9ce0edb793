import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';

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
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
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
