import { describe, expect, it } from 'vitest';
import { BackendError } from '../../src/core/common/errors.js';
import { memoryQueue } from '../support/memory-queue.js';

describe('memoryQueue (the in-memory EventSource of core and command tests)', () => {
  it('hands out at most ten visible messages with receipts and receive counts, hides them while in flight', async () => {
    const queue = memoryQueue();
    for (let i = 0; i < 12; i += 1) queue.send(`body ${i}`);
    const first = await queue.receive(50);
    expect(first).toHaveLength(10);
    expect(first[0]).toEqual({ id: 'msg-1', receipt: expect.any(String), body: 'body 0', receiveCount: 1 });
    expect(await queue.depth()).toMatchObject({ visible: 2, inFlight: 10 });
    expect(await queue.receive(10)).toHaveLength(2);
    expect(await queue.receive(10)).toEqual([]);
  });

  it('acknowledge deletes by the latest receipt; a stale or unknown receipt fails, naming how many', async () => {
    const queue = memoryQueue();
    queue.send('a');
    queue.send('b');
    const [a, b] = await queue.receive(10);
    queue.expireInFlight();
    const again = await queue.receive(10);
    expect(again.map((m) => m.receiveCount)).toEqual([2, 2]);
    await queue.acknowledge([again[0]?.receipt ?? '']);
    expect(queue.deleted).toEqual(['msg-1']);
    const error = await queue.acknowledge([b?.receipt ?? '', a?.receipt ?? '']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(/^2 of 2 /);
    expect(queue.messages.map((m) => m.id)).toEqual(['msg-2']);
  });

  it('after maxReceiveCount receives a message goes to the dead letters, not back to the queue', async () => {
    const queue = memoryQueue({ maxReceiveCount: 2 });
    queue.send('poison');
    await queue.receive(1);
    queue.expireInFlight();
    await queue.receive(1);
    queue.expireInFlight();
    expect(await queue.receive(1)).toEqual([]);
    expect(queue.deadLetters.map((m) => [m.body, m.receiveCount])).toEqual([['poison', 2]]);
  });

  it('depth gives the age of the oldest waiting message from its clock', async () => {
    let now = new Date('2026-11-30T08:00:00Z');
    const queue = memoryQueue({ now: () => now });
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, oldestAgeSeconds: undefined });
    queue.send('old');
    now = new Date('2026-11-30T08:01:30Z');
    queue.send('new');
    expect(await queue.depth()).toEqual({ visible: 2, inFlight: 0, oldestAgeSeconds: 90 });
  });
});
