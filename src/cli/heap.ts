import v8 from 'node:v8';
import vm from 'node:vm';

/*
 * The CLI's two hands on V8's heap: how far it may grow between collections (set once, before anything loads), and
 * one collection at the phase boundary where a run's loading garbage is known dead.
 */

/** How far V8 lets the heap grow past what survived its last full collection, in percent (V8's flag). */
export const HEAP_GROWING_PERCENT = 20;

/**
 * By default V8 lets the heap grow to up to ~4× what survived the last full collection before it collects again:
 * a 20,000-creator dry run holding ~110 MB peaked near 400 MB of RSS. 20% keeps a run's peak close to what it
 * holds, for a few percent more time in the collector, and caps nothing (a bigger month still gets all the memory
 * it needs). Set by bin/dn-mailer.js (and the benchmarks, which measure the CLI) before anything is loaded;
 * `node --heap-growing-percent=N bin/dn-mailer.js` still chooses for itself. Returns the percentage in force, or
 * undefined when the node command line chose.
 */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv): number | undefined {
  if (execArgv.some((arg) => arg.startsWith('--heap-growing-percent'))) return undefined;
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return HEAP_GROWING_PERCENT;
}

let collector: (() => void) | null | undefined;

/**
 * One full collection, now, at a phase boundary after which a run's earlier garbage is known dead: a month's files
 * read and parsed (users, payouts — at 100,000 creators ~60 MB of parsed JSON and its text) when its e-mails start
 * to render. Left to V8, that garbage sat beside the first rendered batches until the next full collection, and was
 * the run's peak (100,000-creator dry run: 408 → 383 MiB with this). V8 gives out its `gc` function only under
 * --expose-gc; set at run time, the flag takes effect in contexts made after it, so the function is taken from a
 * fresh vm context (what the `expose-gc` package does). Does nothing where that fails.
 */
export function collectGarbageNow(): void {
  if (collector === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      const gc: unknown = vm.runInNewContext('gc');
      collector = typeof gc === 'function' ? (gc as () => void) : null;
    } catch {
      collector = null;
    }
  }
  collector?.();
}

/** `onProgress`, collecting the loading's garbage once the e-mails start to render (`collectGarbageNow`). */
export function collectingBeforeRendering<E extends { type: string }>(
  onProgress: (event: E) => void,
): (event: E) => void {
  return (event) => {
    if (event.type === 'rendering') collectGarbageNow();
    onProgress(event);
  };
}
