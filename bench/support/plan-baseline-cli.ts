/**
 * The dry run as it was before it streamed: the CLI of a pinned commit (the last one before issue #15), exported
 * with `git archive` (read-only for the repository) into a temp folder and built with the project's TypeScript and
 * node_modules. The bench runs it as a child process beside today's CLI, on the same workspace, in the same run.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The commit before the streamed plan (`BENCH_PLAN_BASELINE_REF` overrides it). */
export const BASELINE_REF = '1581183f23293d6666eac9f67d2627073059a79b';

export interface BaselineCli {
  ref: string;
  bin: string;
  remove(): Promise<void>;
}

export async function buildBaselineCli(repo: string, ref = BASELINE_REF): Promise<BaselineCli> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dn-bench-baseline-'));
  try {
    await run('sh', ['-c', `git -C "$0" archive "$1" | tar -x -C "$2"`, repo, ref, dir], {
      maxBuffer: 16 * 1024 * 1024,
    });
    await symlink(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
    await run(
      process.execPath,
      [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: dir,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    ref,
    bin: path.join(dir, 'bin', 'dn-mailer.js'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
