import v8 from 'node:v8';

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
