import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

/** The Lambda's entry: three lines over `createUnsubscribeLambda` of the root `src/`. */
export const LAMBDA_ENTRY = fileURLToPath(new URL('../lambda/unsubscribe.ts', import.meta.url));

/** The file the bundle is written to; the function's handler is `index.handler`. */
export const BUNDLE_FILE = 'index.mjs';

export interface Bundle {
  /** The bundle's path (`<outdir>/index.mjs`). */
  file: string;
  /** Every source file in it, absolute. */
  inputs: string[];
  /** What it still imports at run time (only Node built-ins: everything else is inlined). */
  externals: string[];
}

/**
 * Bundles the unsubscribe endpoint into `outdir/index.mjs`: ESM for Node 22, minified, everything inlined — the AWS
 * SDK clients at the root lockfile's pinned versions, not whatever the Lambda runtime ships.
 */
export function bundleUnsubscribeLambda(outdir: string): Bundle {
  mkdirSync(outdir, { recursive: true });
  const outfile = path.join(outdir, BUNDLE_FILE);
  const result = buildSync({
    entryPoints: [LAMBDA_ENTRY],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    minify: true,
    // ESM builds of the SDK; the few CommonJS packages that require() Node built-ins get a real require.
    mainFields: ['module', 'main'],
    banner: {
      js: "import { createRequire as __dnCreateRequire } from 'node:module'; const require = __dnCreateRequire(import.meta.url);",
    },
    legalComments: 'none',
    logLevel: 'silent',
    metafile: true,
    absWorkingDir: process.cwd(),
  });
  const inputs = Object.keys(result.metafile.inputs).map((input) => path.resolve(process.cwd(), input));
  const output = Object.values(result.metafile.outputs)[0];
  const externals = (output?.imports ?? []).filter((i) => i.external).map((i) => i.path);
  return { file: outfile, inputs, externals };
}
