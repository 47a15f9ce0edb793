/**
 * A past commit's files, for a same-run baseline: exported with `git archive` (read-only for the repository) into a
 * new temp folder, with the repository's node_modules linked in, so the old code runs on today's dependencies.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ExportedCommit {
  dir: string;
  remove(): Promise<void>;
}

export async function exportCommit(repo: string, ref: string): Promise<ExportedCommit> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dn-bench-baseline-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    await run('sh', ['-c', `git -C "$0" archive "$1" | tar -x -C "$2"`, repo, ref, dir], {
      maxBuffer: 16 * 1024 * 1024,
    });
    await symlink(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
  } catch (error) {
    await remove();
    throw error;
  }
  return { dir, remove };
}
