import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { BackendError, ConfigError } from '../../core/common/errors.js';
import type { EventSource, ReceivedMessage } from '../../ports.js';
import { translateAwsError } from './errors.js';

/** SQS hands out and deletes at most ten messages per call. */
const SQS_BATCH = 10;

/**
 * The event queue on SQS: short polls (an empty answer means drained for now, so `events sync` ends), deletes in
 * batches of ten, and the queue's counters for `doctor`.
 *
 * `depth().oldestAgeSeconds` stays undefined: SQS has no attribute for it (CloudWatch's
 * ApproximateAgeOfOldestMessage does), and peeking with ReceiveMessage is not harmless — every receive raises the
 * message's receive count towards the redrive policy's maxReceiveCount (so a doctor run could push messages into the
 * dead-letter queue), and a standard queue returns a sample, not the oldest.
 */
export function createSqsEventSource(client: SQSClient, queueUrl: string): EventSource {
  const call = async <T>(doing: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw translateSqsError(error, queueUrl, doing);
    }
  };
  return {
    location: `SQS ${queueUrl}`,
    async receive(max) {
      const answer = await call('receiving from the event queue (ReceiveMessage)', () =>
        client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(Math.max(Math.trunc(max), 1), SQS_BATCH),
            WaitTimeSeconds: 0,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
        ),
      );
      return (answer.Messages ?? []).flatMap(toReceivedMessage);
    },
    async acknowledge(receipts) {
      let failed = 0;
      let firstProblem: string | undefined;
      for (let start = 0; start < receipts.length; start += SQS_BATCH) {
        const chunk = receipts.slice(start, start + SQS_BATCH);
        const answer = await call('deleting handled messages from the event queue (DeleteMessageBatch)', () =>
          client.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: chunk.map((receipt, index) => ({ Id: String(index), ReceiptHandle: receipt })),
            }),
          ),
        );
        failed += answer.Failed?.length ?? 0;
        const problem = answer.Failed?.[0];
        firstProblem ??= problem
          ? `${problem.Code ?? 'error'}: ${problem.Message ?? 'no message'}`
          : undefined;
      }
      if (failed > 0) {
        throw new BackendError(
          `${failed} of ${receipts.length} handled messages could not be deleted from the event queue ${queueUrl} (${firstProblem})`,
          {
            hint: 'they were applied and will be received again after their visibility timeout; applying them twice is harmless — run events sync again',
          },
        );
      }
    },
    async depth() {
      const answer = await call('reading the event queue attributes (GetQueueAttributes)', () =>
        client.send(
          new GetQueueAttributesCommand({
            QueueUrl: queueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        ),
      );
      const attributes = answer.Attributes ?? {};
      return {
        visible: toCount(attributes.ApproximateNumberOfMessages),
        inFlight: toCount(attributes.ApproximateNumberOfMessagesNotVisible),
        oldestAgeSeconds: undefined,
      };
    },
  };
}

function toReceivedMessage(message: {
  MessageId?: string | undefined;
  ReceiptHandle?: string | undefined;
  Body?: string | undefined;
  Attributes?: Partial<Record<string, string>> | undefined;
}): ReceivedMessage[] {
  // SQS always sends both; a message without a receipt could never be deleted, so it is not handed out.
  if (!message.MessageId || !message.ReceiptHandle) return [];
  return [
    {
      id: message.MessageId,
      receipt: message.ReceiptHandle,
      body: message.Body ?? '',
      receiveCount: toCount(message.Attributes?.ApproximateReceiveCount) || 1,
    },
  ];
}

function toCount(value: string | undefined): number {
  const count = Number(value);
  return Number.isSafeInteger(count) && count >= 0 ? count : 0;
}

function translateSqsError(error: unknown, queueUrl: string, doing: string): Error {
  const name = error instanceof Error ? error.name : '';
  if (name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue') {
    return new ConfigError(`events.queueUrl: the SQS queue ${queueUrl} does not exist`, {
      cause: error,
      hint: 'create it (README: AWS resources) or fix the URL; aws sqs get-queue-url --queue-name <name> prints it',
    });
  }
  return translateAwsError(error, `${doing} ${queueUrl}`);
}
