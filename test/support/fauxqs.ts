import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { stopChild } from './s3rver.js';

const TOOLS = fileURLToPath(new URL('../tools/', import.meta.url));
/** fauxqs needs Node ≥ 22.5 (node:sqlite): it runs under the Node 22 build pinned in test/tools (TESTING.md). */
const NODE22 = path.join(TOOLS, 'node_modules/node22/bin/node');
const FAUXQS_APP = path.join(TOOLS, 'node_modules/fauxqs/dist/app.js');
const FAUXQS_SQS_STORE = path.join(TOOLS, 'node_modules/fauxqs/dist/sqs/sqsStore.js');

/**
 * fauxqs's own CLI (`dist/cli.js`) listens on 0.0.0.0 whatever FAUXQS_HOST says (that only names the host in queue
 * URLs, as `sqs.<region>.<host>`). This starts the same app (`buildApp`, exported by the package) on 127.0.0.1 and
 * an OS-assigned port, and prints the address. Its queue store gets no host, so queue URLs name the host the request
 * came to — `http://127.0.0.1:<port>/000000000000/<name>`, a URL `events.queueUrl` accepts (http only on loopback).
 */
const LAUNCHER = `
const [app, store] = process.argv.slice(1);
const { buildApp } = await import(app);
const { SqsStore } = await import(store);
const sqsStore = new SqsStore();
sqsStore.host = undefined;
const server = buildApp({ logger: false, stores: { sqsStore } });
const address = await server.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write('fauxqs listening on ' + address + '\\n');
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
`;

export const FAUXQS_REGION = 'us-east-1';
/** fauxqs checks no signature; the SDK still needs credentials to sign with. */
export const FAUXQS_CREDENTIALS = { accessKeyId: 'fauxqs', secretAccessKey: 'fauxqs' } as const;

export interface FauxqsQueue {
  url: string;
  arn: string;
  /** The dead-letter queue of its redrive policy. */
  deadLetter: { url: string; arn: string };
}

export interface Fauxqs {
  endpoint: string;
  sqs: SQSClient;
  sns: SNSClient;
  /** A queue and its dead-letter queue (`<name>-dlq`), moved there after `maxReceiveCount` receives. */
  createQueue(
    name: string,
    options?: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number },
  ): Promise<FauxqsQueue>;
  /**
   * An SNS topic subscribed to the queue: with the standard envelope (`Type: Notification`, `Message` the text), or
   * with raw message delivery (the message is the body). Returns the topic ARN.
   */
  createTopic(name: string, queueArn: string, options?: { raw?: boolean }): Promise<string>;
  /** Publishes to the topic (objects as JSON); returns the SNS message ID. */
  publish(topicArn: string, message: string | object): Promise<string>;
  stop(): Promise<void>;
}

/** Starts fauxqs 2.4.1 (test/tools) on 127.0.0.1 for one test file; `stop` ends it by its PID. */
export async function startFauxqs(): Promise<Fauxqs> {
  if (!existsSync(FAUXQS_APP) || !existsSync(NODE22)) {
    throw new Error(
      `fauxqs or its Node 22 build is not installed in ${TOOLS}: run \`npm ci --prefix test/tools\` (the SNS + SQS emulator the event-queue tests run against; see test/tools/README.md)`,
    );
  }
  const modules = [FAUXQS_APP, FAUXQS_SQS_STORE].map((file) => pathToFileURL(file).href);
  const child = spawn(NODE22, ['--input-type=module', '-e', LAUNCHER, ...modules], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /fauxqs listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`fauxqs exited (${code}) before listening: ${output}`)));
    setTimeout(() => reject(new Error(`fauxqs did not start: ${output}`)), 15_000).unref();
  }).catch(async (error: unknown) => {
    await stopChild(child);
    throw error;
  });
  const clientConfig = { endpoint, region: FAUXQS_REGION, credentials: FAUXQS_CREDENTIALS };
  const sqs = new SQSClient(clientConfig);
  const sns = new SNSClient(clientConfig);
  const arnOf = async (url: string) => {
    const answer = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    const arn = answer.Attributes?.QueueArn;
    if (!arn) throw new Error(`fauxqs: no QueueArn for ${url}`);
    return arn;
  };
  const create = async (name: string, attributes: Record<string, string> = {}) => {
    const answer = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    if (!answer.QueueUrl) throw new Error(`fauxqs: CreateQueue ${name} returned no URL`);
    return { url: answer.QueueUrl, arn: await arnOf(answer.QueueUrl) };
  };
  return {
    endpoint,
    sqs,
    sns,
    async createQueue(name, options = {}) {
      const deadLetter = await create(`${name}-dlq`);
      const queue = await create(name, {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: deadLetter.arn,
          maxReceiveCount: options.maxReceiveCount ?? 2,
        }),
      });
      return { ...queue, deadLetter };
    },
    async createTopic(name, queueArn, options = {}) {
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
      if (!TopicArn) throw new Error(`fauxqs: CreateTopic ${name} returned no ARN`);
      await sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: 'sqs',
          Endpoint: queueArn,
          ...(options.raw ? { Attributes: { RawMessageDelivery: 'true' } } : {}),
        }),
      );
      return TopicArn;
    },
    async publish(topicArn, message) {
      const text = typeof message === 'string' ? message : JSON.stringify(message);
      const { MessageId } = await sns.send(new PublishCommand({ TopicArn: topicArn, Message: text }));
      return MessageId ?? '';
    },
    async stop() {
      sqs.destroy();
      sns.destroy();
      await stopChild(child);
    },
  };
}
