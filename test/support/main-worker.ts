/**
 * `node --import tsx test/support/main-worker.ts <dn-mailer args…>`: the CLI from source in a process of its own,
 * wired like bin/dn-mailer.js. Used to run it as another user (test/support/store-faults.ts), which in-process
 * tests cannot do.
 */
import os from 'node:os';
import { main } from '../../src/cli/main.js';

process.exitCode = await main({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  tmpdir: os.tmpdir(),
  stdout: process.stdout,
  stderr: process.stderr,
  interactive: false,
  now: () => new Date(),
});
