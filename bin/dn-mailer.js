#!/usr/bin/env node
import os from 'node:os';

// The AWS SDK warns on every start under Node 20 that releases after January 2027 will need Node 22. The SDK
// versions dn-mailer pins work on Node 20, so that one warning is switched off here (README: "Node versions").
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Before anything else is loaded: V8's heap growth (src/cli/heap.ts says why).
(await import('../dist/cli/heap.js')).limitHeapGrowth();

const { main } = await import('../dist/cli/main.js');
const { endQuietlyOnClosedPipe, isUsableTerminal } = await import('../dist/cli/io.js');
// `dn-mailer … | head`: a reader that goes away ends the output quietly, not with an EPIPE stack trace.
endQuietlyOnClosedPipe(process.stdout);
endQuietlyOnClosedPipe(process.stderr);
process.exitCode = await main({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  tmpdir: os.tmpdir(),
  stdout: process.stdout,
  stderr: process.stderr,
  // A person at a terminal that reports its width: prompts and spinners only then (a zero-column pseudo-terminal
  // made by `script` from a non-terminal gets plain lines).
  interactive: Boolean(process.stdin.isTTY) && isUsableTerminal(process.stderr) && !process.env.CI,
  now: () => new Date(),
  exit: (code) => process.exit(code),
});
