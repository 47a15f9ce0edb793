import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { S3RVER_CREDENTIALS } from './s3rver.js';

/** A real S3 client for s3rver (TESTING.md: path style, checksums only when required, its fixed credentials). */
export function createS3rverClient(endpoint: string): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    credentials: S3RVER_CREDENTIALS,
  });
}

/** S3 calls seen by a client: one per command sent (before retries), by command name. */
export interface RequestCounter {
  readonly byCommand: Map<string, number>;
  total(): number;
  count(command: string): number;
  reset(): void;
}

/** Counts every command the client sends, with a middleware at the `initialize` step. */
export function countRequests(client: S3Client): RequestCounter {
  const byCommand = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      byCommand.set(name, (byCommand.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'dnCountRequests' },
  );
  return {
    byCommand,
    total: () => [...byCommand.values()].reduce((sum, n) => sum + n, 0),
    count: (command) => byCommand.get(command) ?? 0,
    reset: () => byCommand.clear(),
  };
}

export async function createBucket(client: S3Client, bucket: string): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
}

/** Puts a tiny object at every key, `concurrency` in flight (s3rver slows down past ~16). */
export async function putObjects(
  client: S3Client,
  bucket: string,
  keys: readonly string[],
  concurrency = 16,
): Promise<void> {
  const limit = pLimit(concurrency);
  await Promise.all(
    keys.map((key) =>
      limit(() => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' }))),
    ),
  );
}
