/**
 * Runs the benchmarks (`npm run bench`, optionally `npm run bench -- <name filter>`). They print figures; nothing
 * here asserts on time. A benchmark whose results are wrong (not slow) sets a non-zero exit code.
 */

import { limitHeapGrowth } from '../src/cli/heap.js';

interface BenchModule {
  run(): Promise<void>;
}

const BENCHES: ReadonlyArray<{ name: string; load: () => Promise<BenchModule> }> = [
  { name: 'resolve-paths', load: () => import('./resolve-paths.js') },
  { name: 'plan', load: () => import('./plan.js') },
  { name: 'sign', load: () => import('./sign.js') },
  { name: 'send', load: () => import('./send.js') },
  { name: 'send-local', load: () => import('./send-local.js') },
  { name: 'events', load: () => import('./events.js') },
];

// The SDK warns once per process about Node 20 support; the figures are what matters here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// The in-process figures (the plan's peak RSS) are the CLI's only with the CLI's heap growth.
const growth = limitHeapGrowth();
console.log(
  growth === undefined
    ? 'V8 heap growth: as the node command line set it'
    : `V8 heap growth: ${growth}% (as bin/dn-mailer.js sets it)`,
);

const filter = process.argv[2];
const selected = BENCHES.filter((bench) => filter === undefined || bench.name.includes(filter));

if (selected.length === 0) {
  console.error(`no benchmark matches "${filter}"; known: ${BENCHES.map((bench) => bench.name).join(', ')}`);
  process.exitCode = 2;
}

for (const bench of selected) {
  console.log(`\n=== ${bench.name} ===`);
  const start = performance.now();
  try {
    const module = await bench.load();
    await module.run();
  } catch (error) {
    console.error(`${bench.name} failed:`, error);
    process.exitCode = 1;
  }
  console.log(`=== ${bench.name}: ${((performance.now() - start) / 1000).toFixed(1)} s ===`);
}
