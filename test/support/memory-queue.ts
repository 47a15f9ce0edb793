import { BackendError } from '../../src/core/common/errors.js';
import type { EventSource } from '../../src/ports.js';

interface QueuedMessage {
  id: string;
  body: string;
  sentAt: number;
  receiveCount: number;
  /** The receipt of the latest receive while the message is in flight; undefined while it is visible. */
  receipt: string | undefined;
}

/**
 * An in-memory event queue with SQS's rules, for core and command tests: a receive hands out visible messages with a
 * fresh receipt and a raised receive count and hides them; only the latest receipt deletes; `expireInFlight` plays
 * the visibility timeout, and a message received `maxReceiveCount` times then goes to `deadLetters` (the redrive
 * policy) instead of back to the queue.
 */
export interface MemoryQueue extends EventSource {
  /** Adds a message (e.g. an SNS notification envelope); returns its ID. */
  send(body: string): string;
  /** Every message in flight becomes visible again, or dead-lettered after `maxReceiveCount` receives. */
  expireInFlight(): void;
  /** The messages not deleted, visible and in flight, in the order they were sent. */
  readonly messages: readonly Readonly<QueuedMessage>[];
  readonly deadLetters: readonly Readonly<QueuedMessage>[];
  /** IDs of the messages acknowledged (deleted), in order. */
  readonly deleted: readonly string[];
}

export function memoryQueue(options: { maxReceiveCount?: number; now?: () => Date } = {}): MemoryQueue {
  const { maxReceiveCount = 3, now = () => new Date() } = options;
  const messages: QueuedMessage[] = [];
  const deadLetters: QueuedMessage[] = [];
  const deleted: string[] = [];
  let sequence = 0;
  return {
    location: 'memory queue',
    messages,
    deadLetters,
    deleted,
    send(body) {
      sequence += 1;
      const id = `msg-${sequence}`;
      messages.push({ id, body, sentAt: now().getTime(), receiveCount: 0, receipt: undefined });
      return id;
    },
    expireInFlight() {
      for (const message of [...messages]) {
        if (message.receipt === undefined) continue;
        message.receipt = undefined;
        if (message.receiveCount >= maxReceiveCount) {
          messages.splice(messages.indexOf(message), 1);
          deadLetters.push(message);
        }
      }
    },
    async receive(max) {
      const visible = messages.filter((message) => message.receipt === undefined).slice(0, Math.min(max, 10));
      return visible.map((message) => {
        sequence += 1;
        message.receiveCount += 1;
        message.receipt = `receipt-${sequence}-${message.id}`;
        return {
          id: message.id,
          receipt: message.receipt,
          body: message.body,
          receiveCount: message.receiveCount,
        };
      });
    },
    async acknowledge(receipts) {
      let failed = 0;
      for (const receipt of receipts) {
        const at = messages.findIndex((message) => message.receipt === receipt);
        const [message] = at < 0 ? [] : messages.splice(at, 1);
        if (message) deleted.push(message.id);
        else failed += 1;
      }
      if (failed > 0) {
        throw new BackendError(
          `${failed} of ${receipts.length} handled messages could not be deleted from the memory queue (unknown or stale receipt)`,
        );
      }
    },
    async depth() {
      const visible = messages.filter((message) => message.receipt === undefined);
      const oldest = visible[0];
      return {
        visible: visible.length,
        inFlight: messages.length - visible.length,
        oldestAgeSeconds:
          oldest === undefined ? undefined : Math.floor((now().getTime() - oldest.sentAt) / 1_000),
      };
    },
  };
}
