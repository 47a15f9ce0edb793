import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAwsClients, regionOfQueueUrl } from '../../src/adapters/aws/clients.js';
import { createAwsChecks } from '../../src/adapters/aws/doctor-checks.js';
import { createSqsEventSource } from '../../src/adapters/aws/sqs-events.js';
import { BACKENDS } from '../../src/adapters/backends.js';
import { loadConfig } from '../../src/config/load.js';
import { validateConfig } from '../../src/config/validate.js';
import { BackendError, ConfigError } from '../../src/core/common/errors.js';
import { createSecretRegistry } from '../../src/core/common/secret-registry.js';
import type { EventSource, ReceivedMessage } from '../../src/ports.js';
import { demoConfigCopy, freshDir } from '../support/demo.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { FAUXQS_CREDENTIALS, FAUXQS_REGION, type Fauxqs, startFauxqs } from '../support/fauxqs.js';

/** An SES Delivery event as SES publishes it to SNS (AWS SES developer guide, trimmed). */
const deliveryEvent = (messageId: string) => ({
  eventType: 'Delivery',
  mail: {
    timestamp: '2026-11-02T09:00:00.000Z',
    source: 'reports@distro-nation.test',
    messageId,
    destination: ['creator@example.com'],
    tags: { campaign: ['2026-10'] },
  },
  delivery: { timestamp: '2026-11-02T09:00:01.000Z', recipients: ['creator@example.com'] },
});

/** Polls `read` until `done` holds (no wall-clock assertion: a generous bound only turns a hang into a failure). */
async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 25_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what} (last: ${JSON.stringify(value)})`);
    await sleep(100);
  }
}

/** Receives until the queue answers empty. */
async function drain(source: EventSource): Promise<ReceivedMessage[]> {
  const all: ReceivedMessage[] = [];
  for (;;) {
    const batch = await source.receive(10);
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

let fauxqs: Fauxqs;
let queueCount = 0;
/** A fresh queue (with its dead-letter queue) and a topic subscribed to it, per test. */
async function freshQueue(options: {
  visibilityTimeoutSeconds?: number;
  maxReceiveCount?: number;
  raw?: boolean;
}) {
  queueCount += 1;
  const queue = await fauxqs.createQueue(`dn-events-${queueCount}`, options);
  const topicArn = await fauxqs.createTopic(`dn-events-topic-${queueCount}`, queue.arn, { raw: options.raw });
  return { queue, topicArn, source: createSqsEventSource(fauxqs.sqs, queue.url) };
}

beforeAll(async () => {
  fauxqs = await startFauxqs();
});
afterAll(async () => {
  await fauxqs?.stop();
});

describe('SQS event source (real @aws-sdk/client-sqs against fauxqs)', () => {
  it('a delivery event published to the SNS topic arrives in the standard envelope, received once', async () => {
    const { queue, topicArn, source } = await freshQueue({});
    const snsId = await fauxqs.publish(topicArn, deliveryEvent('ses-0001'));
    const [message, ...rest] = await source.receive(10);
    expect(rest).toEqual([]);
    expect(message).toMatchObject({ receiveCount: 1, id: expect.any(String), receipt: expect.any(String) });
    const envelope = JSON.parse(message?.body ?? '{}');
    expect(envelope).toMatchObject({ Type: 'Notification', MessageId: snsId, TopicArn: topicArn });
    expect(JSON.parse(envelope.Message)).toEqual(deliveryEvent('ses-0001'));
    expect(source.location).toBe(`SQS ${queue.url}`);
  });

  it('with raw message delivery the body is the event itself', async () => {
    const { topicArn, source } = await freshQueue({ raw: true });
    await fauxqs.publish(topicArn, deliveryEvent('ses-0002'));
    const [message] = await source.receive(1);
    expect(JSON.parse(message?.body ?? '{}')).toEqual(deliveryEvent('ses-0002'));
  });

  it('receive asks for at most ten (SQS refuses more) and an empty answer means drained', async () => {
    const { topicArn, source } = await freshQueue({});
    for (let i = 0; i < 12; i += 1) await fauxqs.publish(topicArn, deliveryEvent(`ses-1${i}`));
    const first = await source.receive(50);
    expect(first).toHaveLength(10);
    expect(await drain(source)).toHaveLength(2);
    expect(await source.receive(10)).toEqual([]);
  });

  it('depth counts waiting and in-flight messages; SQS gives no oldest age, so none is claimed', async () => {
    const { topicArn, source } = await freshQueue({});
    for (let i = 0; i < 3; i += 1) await fauxqs.publish(topicArn, deliveryEvent(`ses-2${i}`));
    expect(await source.depth()).toEqual({ visible: 3, inFlight: 0, oldestAgeSeconds: undefined });
    await source.receive(2);
    expect(await source.depth()).toEqual({ visible: 1, inFlight: 2, oldestAgeSeconds: undefined });
  });

  it('acknowledge deletes every message, more than ten in chunks of ten: none comes back', async () => {
    const { topicArn, source } = await freshQueue({ visibilityTimeoutSeconds: 1 });
    for (let i = 0; i < 23; i += 1) await fauxqs.publish(topicArn, deliveryEvent(`ses-3${i}`));
    await fauxqs.publish(topicArn, deliveryEvent('ses-control'));
    const received = await drain(source);
    expect(received).toHaveLength(24);
    const control = received.find((m) => m.body.includes('ses-control'));
    await source.acknowledge(received.filter((m) => m !== control).map((m) => m.receipt));
    expect(await source.depth()).toEqual({ visible: 0, inFlight: 1, oldestAgeSeconds: undefined });
    // The one left unacknowledged shows when the visibility timeout has passed: by then a deleted one would be back.
    const back = await pollUntil(
      () => drain(source),
      (batch) => batch.length > 0,
      'the control message to reappear',
    );
    expect(back.map((m) => m.id)).toEqual([control?.id]);
  });

  it('a message not acknowledged comes back after its visibility timeout, then lands in the dead-letter queue', async () => {
    const { queue, topicArn, source } = await freshQueue({ visibilityTimeoutSeconds: 1, maxReceiveCount: 2 });
    await fauxqs.publish(topicArn, deliveryEvent('ses-4000'));
    const [first] = await source.receive(10);
    expect(first?.receiveCount).toBe(1);
    const again = await pollUntil(
      () => source.receive(10),
      (batch) => batch.length > 0,
      'the message to reappear',
    );
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ id: first?.id, receiveCount: 2 });
    expect(again[0]?.receipt).not.toBe(first?.receipt);
    // A third receive exceeds maxReceiveCount 2: SQS moves it to the dead-letter queue instead of handing it out.
    const deadLetters = createSqsEventSource(fauxqs.sqs, queue.deadLetter.url);
    await pollUntil(
      async () => [await source.receive(10), await deadLetters.depth()] as const,
      ([batch, dlq]) => {
        expect(batch).toEqual([]);
        return dlq.visible === 1;
      },
      'the message to reach the dead-letter queue',
    );
    expect(await source.depth()).toMatchObject({ visible: 0, inFlight: 0 });
    const [dead] = await deadLetters.receive(10);
    expect(JSON.parse(JSON.parse(dead?.body ?? '{}').Message)).toEqual(deliveryEvent('ses-4000'));
  });

  it('a queue that does not exist is a config error naming events.queueUrl', async () => {
    const missing = `${fauxqs.endpoint}/000000000000/no-such-queue`;
    const source = createSqsEventSource(fauxqs.sqs, missing);
    const error = await source.receive(10).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(`events.queueUrl: the SQS queue ${missing} does not exist`);
    expect((error as ConfigError).hint).toMatch(/create it/);
    await expect(source.depth()).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('deletes SQS refuses (a proxy answers DeleteMessageBatch with failed entries)', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(fauxqs.endpoint);
  });
  afterAll(async () => {
    await proxy?.stop();
  });

  it('acknowledge throws a backend error saying how many were not deleted, after trying every chunk', async () => {
    const { queue, topicArn } = await freshQueue({});
    for (let i = 0; i < 12; i += 1) await fauxqs.publish(topicArn, deliveryEvent(`ses-5${i}`));
    const client = new SQSClient({
      endpoint: proxy.endpoint,
      region: FAUXQS_REGION,
      credentials: FAUXQS_CREDENTIALS,
    });
    try {
      const source = createSqsEventSource(client, queue.url);
      const received = await drain(source);
      const isDelete = (req: { body: string }) => req.body.includes('"Entries"');
      proxy.inject(isDelete, {
        kind: 'answer',
        status: 200,
        headers: { 'content-type': 'application/x-amz-json-1.0' },
        body: JSON.stringify({
          Successful: [{ Id: '0' }, { Id: '1' }],
          Failed: [
            ...['2', '3', '4'].map((Id) => ({
              Id,
              Code: 'ReceiptHandleIsInvalid',
              SenderFault: true,
              Message: 'The input receipt handle is invalid.',
            })),
          ],
        }),
      });
      const error = await source.acknowledge(received.map((m) => m.receipt)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendError);
      expect((error as BackendError).message).toBe(
        `3 of 12 handled messages could not be deleted from the event queue ${queue.url} (ReceiptHandleIsInvalid: The input receipt handle is invalid.)`,
      );
      expect((error as BackendError).hint).toMatch(/received again/);
      // The second chunk (two receipts) still went to SQS: those messages are gone.
      expect(proxy.count(isDelete)).toBe(2);
      expect(await source.depth()).toMatchObject({ inFlight: 10 });
    } finally {
      client.destroy();
    }
  });
});

describe('the aws backend wiring: client from clients.ts, doctor "event queue"', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  const awsConfig = (events: Record<string, unknown>) =>
    validateConfig(
      {
        backend: 'aws',
        users: { korrect: { baseUrl: 'https://korrect.example', apiKey: { env: 'KORRECT_API_KEY' } } },
        reports: { bucket: 'reports' },
        events,
      },
      (p) => p,
      'test',
    );
  const stubSdkEnv = () => {
    // The SDK reads process.env: the endpoint of SQS, a region and credentials, no profile files.
    for (const [name, value] of Object.entries({
      AWS_ENDPOINT_URL_SQS: fauxqs.endpoint,
      AWS_REGION: FAUXQS_REGION,
      AWS_ACCESS_KEY_ID: FAUXQS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: FAUXQS_CREDENTIALS.secretAccessKey,
      AWS_CONFIG_FILE: '/nonexistent/dn-mailer-test/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/dn-mailer-test/credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
    }))
      vi.stubEnv(name, value);
  };

  it('doctor reports the queue reachable with what waits and what is in flight, and no invented age', async () => {
    stubSdkEnv();
    const { topicArn, queue, source } = await freshQueue({});
    for (let i = 0; i < 3; i += 1) await fauxqs.publish(topicArn, deliveryEvent(`ses-6${i}`));
    await source.receive(1);
    const config = awsConfig({ queueUrl: queue.url });
    const checks = createAwsChecks(config, createAwsClients(config));
    expect(checks.sending.map((c) => c.name)).toEqual(['SES account', 'contact list', 'event queue']);
    const check = checks.sending.find((c) => c.name === 'event queue');
    const outcome = await check?.run(new AbortController().signal);
    expect(outcome).toEqual({
      ok: true,
      detail: `SQS ${queue.url} reachable: 2 waiting, 1 in flight; oldest age not given by SQS (CloudWatch ApproximateAgeOfOldestMessage)`,
    });
  });

  it('no events.queueUrl: no event queue check, and the config defaults', () => {
    const config = awsConfig({});
    expect(config.events).toEqual({ settleMinutes: 15, receivers: 4, suppressionDays: 365 });
    expect(createAwsChecks(config, createAwsClients(config)).sending.map((c) => c.name)).toEqual([
      'SES account',
      'contact list',
    ]);
  });

  it('the doctor check of a missing queue fails as a config problem with the hint', async () => {
    stubSdkEnv();
    const config = awsConfig({ queueUrl: `${fauxqs.endpoint}/000000000000/nope` });
    const check = createAwsChecks(config, createAwsClients(config)).sending.find(
      (c) => c.name === 'event queue',
    );
    await expect(check?.run(new AbortController().signal)).rejects.toBeInstanceOf(ConfigError);
  });

  /** The backend `dn-mailer` builds from a demo workspace turned aws, with `events` as given. */
  async function backendWith(backend: 'aws' | 'local', events: Record<string, unknown>) {
    const workspace = await freshDir('dn-events-backend-');
    await demoConfigCopy(workspace, (config) => {
      config.backend = backend;
      if (backend === 'aws') config.reports = { bucket: 'dn-unused' };
      config.events = events;
    });
    const loaded = await loadConfig({ cwd: workspace, env: {} });
    await rm(workspace, { recursive: true, force: true });
    return BACKENDS[backend].create(loaded, {
      onProgress: () => {},
      clock: { now: () => new Date() },
      sleep: async () => {},
      random: () => 0.5,
      secrets: createSecretRegistry(),
    });
  }

  it('the aws backend returns the SQS queue of events.queueUrl (one source), none without it; local none', async () => {
    stubSdkEnv();
    const { topicArn, queue } = await freshQueue({});
    await fauxqs.publish(topicArn, deliveryEvent('ses-7000'));
    const aws = await backendWith('aws', { queueUrl: queue.url });
    const events = aws.events();
    expect(events?.location).toBe(`SQS ${queue.url}`);
    expect(aws.events()).toBe(events);
    const [message] = (await events?.receive(10)) ?? [];
    expect(JSON.parse(JSON.parse(message?.body ?? '{}').Message)).toEqual(deliveryEvent('ses-7000'));
    await events?.acknowledge([message?.receipt ?? '']);
    expect(await events?.depth()).toEqual({ visible: 0, inFlight: 0, oldestAgeSeconds: undefined });
    expect((await backendWith('aws', {})).events()).toBeUndefined();
    expect((await backendWith('local', { queueUrl: queue.url })).events()).toBeUndefined();
  });

  it('the SQS client is made in the region the queue URL names (an emulator URL: the SDK chain)', async () => {
    expect(regionOfQueueUrl('https://sqs.eu-west-1.amazonaws.com/123456789012/dn-mailer-events')).toBe(
      'eu-west-1',
    );
    expect(regionOfQueueUrl('https://eu-central-1.queue.amazonaws.com/123456789012/q')).toBe('eu-central-1');
    expect(regionOfQueueUrl('https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q')).toBe('cn-north-1');
    expect(regionOfQueueUrl('http://127.0.0.1:4566/000000000000/q')).toBeUndefined();
    const config = awsConfig({});
    const client = createAwsClients(config).sqs('https://sqs.ap-southeast-2.amazonaws.com/123456789012/q');
    try {
      expect(await client.config.region()).toBe('ap-southeast-2');
    } finally {
      client.destroy();
    }
  });
});
