/**
 * The local send as it was before issue #15, for the group-commit goal ("≥ 2× the current local send rate"): the
 * bench harness of commit 7df5b3b, run with `groupCommit: false`. That commit added group commit beside the former
 * path and left the rest of the send as it was at the commit before #15 (1581183): with group commit off it runs
 * that send, one autocommitted statement per claim and per finish, the outbox and the file writes of the time. It
 * is exported with git into a temp folder and imported in this process (tsx), so it runs beside today's code on the
 * same fixture, the same disk and today's dependencies. Today's own `groupCommit: false` is not that baseline: the
 * send's shared work (the outbox's file writes) got faster later in #15, for both paths.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { exportCommit } from './git-export.js';
import type { LocalSendMeasure, LocalSendSpec } from './send-local-run.js';

/** `BENCH_SEND_LOCAL_BASELINE_REF` overrides it. */
export const BEFORE_15_LOCAL_SEND_REF = '7df5b3b929726944f2f1756a138057b5dfe95343';

export interface LocalSendBaseline {
  run(spec: Omit<LocalSendSpec, 'groupCommit'>, tmpDir: string): Promise<LocalSendMeasure>;
  remove(): Promise<void>;
}

export async function loadLocalSendBaseline(repo: string, ref: string): Promise<LocalSendBaseline> {
  const source = await exportCommit(repo, ref);
  try {
    const harness = (await import(
      pathToFileURL(path.join(source.dir, 'bench', 'support', 'send-local-run.ts')).href
    )) as { runLocalSend(spec: LocalSendSpec, tmpDir: string): Promise<LocalSendMeasure> };
    return {
      run: (spec, tmpDir) => harness.runLocalSend({ ...spec, groupCommit: false }, tmpDir),
      remove: source.remove,
    };
  } catch (error) {
    await source.remove();
    throw error;
  }
}
