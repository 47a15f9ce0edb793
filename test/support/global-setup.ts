import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startS3rver } from './s3rver.js';

declare module 'vitest' {
  export interface ProvidedContext {
    s3Endpoint: string;
  }
}

/**
 * Gives the run a temp folder of its own — TMPDIR for the test workers and every process they start, so the
 * thousands of folders the tests make (workspaces, SQLite files, keys, previews) go with it — and starts the real
 * local peers once for the whole run; afterwards stops them (by the PIDs we started) and removes the folder.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runTmp = await mkdtemp(path.join(tmpdir(), 'dn-test-run-'));
  // Like /tmp (sticky, everyone may create): the permission tests run the CLI as another user, who needs a tmpdir.
  await chmod(runTmp, 0o1777);
  // What is meant to be looked at after the run (the browser tests' screenshots) stays in the usual tmpdir.
  process.env.DN_TEST_KEEP_DIR = tmpdir();
  process.env.TMPDIR = runTmp;
  const s3 = await startS3rver();
  project.provide('s3Endpoint', s3.endpoint);
  return async () => {
    await s3.stop();
    await rm(runTmp, { recursive: true, force: true });
  };
}
