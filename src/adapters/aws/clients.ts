import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client, type SESv2ClientConfig } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../../config/schema.js';

/** How every AWS client of a run is built: one function per service, so regions and options are set once. */
export interface AwsClients {
  s3(): S3Client;
  ses(): SESv2Client;
  /** The SES client for `SendEmail` only, in `ses.region` (see `createSesSendClient`). */
  sesSend(options: Omit<SesSendClientOptions, 'region'>): SESv2Client;
  dynamo(): DynamoDBClient;
  documents(): DynamoDBDocumentClient;
  sts(): STSClient;
  /** The SQS client of the event queue (`events.queueUrl`), in the queue's own region. */
  sqs(queueUrl: string): SQSClient;
}

export function createAwsClients(config: Config): AwsClients {
  const sesRegion = config.ses.region ? { region: config.ses.region } : {};
  return {
    s3: () =>
      new S3Client({
        ...(config.reports.region ? { region: config.reports.region } : {}),
        forcePathStyle: config.reports.forcePathStyle,
        requestChecksumCalculation: 'WHEN_REQUIRED',
      }),
    ses: () => new SESv2Client(sesRegion),
    sesSend: (options) => createSesSendClient({ ...sesRegion, ...options }),
    dynamo: () => new DynamoDBClient({}),
    documents: () =>
      DynamoDBDocumentClient.from(new DynamoDBClient({}), {
        marshallOptions: { removeUndefinedValues: true },
      }),
    sts: () => new STSClient({}),
    sqs: (queueUrl) => {
      const region = regionOfQueueUrl(queueUrl);
      return new SQSClient(region ? { region } : {});
    },
  };
}

/**
 * The region an AWS queue URL names (`https://sqs.eu-west-1.amazonaws.com/…`, legacy
 * `https://eu-west-1.queue.amazonaws.com/…`), else undefined (an emulator: the SDK chain's region). The client must
 * be in that region: the SDK sends each call to the queue URL's host, and a signature for another region is refused.
 */
export function regionOfQueueUrl(queueUrl: string): string | undefined {
  let host: string;
  try {
    host = new URL(queueUrl).hostname;
  } catch {
    return undefined;
  }
  const match = /^(?:sqs\.([a-z0-9-]+)|([a-z0-9-]+)\.queue)\.amazonaws\.com(?:\.cn)?$/.exec(host);
  return match?.[1] ?? match?.[2];
}

/**
 * The Secrets Manager client that `{ secret }` references are read with. Both backends may need it, so it stands
 * apart from `createAwsClients`; callers build it on first use, so a run without such a reference builds none.
 */
export function createSecretsManagerClient(): SecretsManagerClient {
  return new SecretsManagerClient({});
}

/**
 * The KMS client of the unsubscribe tokens (`unsubscribe.token: kms`): region, credentials and endpoint from the
 * SDK chain (`AWS_REGION`, `AWS_PROFILE`, `AWS_ENDPOINT_URL_KMS`, …). `maxAttempts: 1` because the token format
 * retries throttling and unavailability itself (kms-calls.ts, with backoff and a bound), and retries of two layers
 * would multiply. The timeouts make a dead connection an error that is retried there, never a hang.
 */
export function createKmsClient(): KMSClient {
  return new KMSClient({
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
  });
}

export type SesSendClientOptions = Omit<
  SESv2ClientConfig,
  'maxAttempts' | 'retryStrategy' | 'retryMode' | 'requestHandler'
> & {
  /** Deadline of one SendEmail call (connect, send, answer); after it the outcome is unknown. */
  requestTimeoutMs: number;
  /** Deadline of the TCP/TLS connect alone (default: the smaller of 5 s and requestTimeoutMs). */
  connectionTimeoutMs?: number;
  /**
   * Sends in flight. The socket pool is sized to it: the request timeout starts before a socket is assigned, so a
   * request queued for a socket could otherwise time out unsent and be recorded as unknown.
   */
  concurrency?: number;
};

/**
 * The client for `SendEmail` only. SendEmail has no idempotency token, so an SDK retry after a timeout or a 5xx
 * could deliver a message twice: `maxAttempts: 1` turns the SDK's retries off and the send loop retries only what
 * SES certainly refused (throttling). `throwOnRequestTimeout` is needed because @smithy/node-http-handler 4.x only
 * logs a warning when `requestTimeout` passes. Use another client (with retries) for the non-send calls.
 */
export function createSesSendClient(options: SesSendClientOptions): SESv2Client {
  const { requestTimeoutMs, connectionTimeoutMs, concurrency = 50, ...config } = options;
  const agent = { keepAlive: true, maxSockets: Math.max(concurrency, 1) };
  return new SESv2Client({
    ...config,
    maxAttempts: 1,
    requestHandler: {
      requestTimeout: requestTimeoutMs,
      connectionTimeout: connectionTimeoutMs ?? Math.min(5_000, requestTimeoutMs),
      throwOnRequestTimeout: true,
      httpsAgent: agent,
      httpAgent: agent,
    },
  });
}
