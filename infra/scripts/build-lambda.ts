import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleUnsubscribeLambda } from '../lib/bundle.js';

/** `npm run build:lambda`: the endpoint's bundle in dist/unsubscribe/ (what `cdk deploy` uploads), to look at. */
const outdir = fileURLToPath(new URL('../dist/unsubscribe', import.meta.url));
const bundle = bundleUnsubscribeLambda(outdir);
process.stdout.write(`${path.relative(process.cwd(), bundle.file)}: ${bundle.inputs.length} source files\n`);
