/**
 * The dry run as it was before it streamed: the CLI of a pinned commit (the last one before issue #15), exported
 * with `git archive` (read-only for the repository) into a temp folder and built with the project's TypeScript and
 * node_modules. The bench runs it as a child process beside today's CLI, on the same workspace, in the same run.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { exportCommit } from './git-export.js';

const run = promisify(execFile);

/** The commit before the streamed plan (`BENCH_PLAN_BASELINE_REF` overrides it). */
export const BASELINE_REF = '1581183f23293d6666eac9f67d2627073059a79b';

export interface BaselineCli {
  ref: string;
  bin: string;
  remove(): Promise<void>;
}

export async function buildBaselineCli(repo: string, ref = BASELINE_REF): Promise<BaselineCli> {
  const source = await exportCommit(repo, ref);
  try {
    await run(
      process.execPath,
      [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      { cwd: source.dir, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (error) {
    await source.remove();
    throw error;
  }
  return { ref, bin: path.join(source.dir, 'bin', 'dn-mailer.js'), remove: source.remove };
}
