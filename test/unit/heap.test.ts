import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  collectGarbageNow,
  collectingBeforeRendering,
  HEAP_GROWING_PERCENT,
  limitHeapGrowth,
} from '../../src/cli/heap.js';

describe('limitHeapGrowth (bin/dn-mailer.js, before anything loads)', () => {
  it("sets V8's heap growth unless the node command line chose one", () => {
    expect(limitHeapGrowth(['--heap-growing-percent=50'])).toBeUndefined();
    expect(limitHeapGrowth(['--max-old-space-size=4096'])).toBe(HEAP_GROWING_PERCENT);
    expect(HEAP_GROWING_PERCENT).toBe(20);
  });
});

/** A large object only a WeakRef holds (a WeakRef keeps its target until the current turn ends: wait one). */
async function garbage(): Promise<WeakRef<object>> {
  const ref = new WeakRef({ rows: new Array(1_000_000).fill(1) });
  await nextTurn();
  return ref;
}

describe('collectGarbageNow (a phase boundary: the loaded files are dead)', () => {
  it('collects what nothing holds any more, now, without --expose-gc on the command line', async () => {
    expect(process.execArgv).not.toContain('--expose-gc');
    const ref = await garbage();
    collectGarbageNow();
    expect(ref.deref()).toBeUndefined();
  });

  it('collectingBeforeRendering passes every event on, in order, and collects when the rendering starts', async () => {
    const seen: string[] = [];
    const onProgress = collectingBeforeRendering((event: { type: string }) => seen.push(event.type));
    onProgress({ type: 'signing' });
    const ref = await garbage();
    onProgress({ type: 'rendering' });
    expect(ref.deref()).toBeUndefined();
    onProgress({ type: 'batch' });
    expect(seen).toEqual(['signing', 'rendering', 'batch']);
  });
});
