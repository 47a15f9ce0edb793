import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError, UsageError } from '../../core/common/errors.js';
import type { Approval, CanonicalPlan } from '../../core/plan/plan-digest.js';

/**
 * Reads what a dry run wrote for approval: its `manifest.json` (or the folder holding it), whose `approval`
 * section has the digest and the reviewed plan.
 */
export async function readApprovalFile(file: string): Promise<Approval> {
  const info = await stat(file).catch(() => undefined);
  if (!info)
    throw new UsageError(`--approve-file: ${file} does not exist`, {
      hint: 'give the dry run folder or its manifest.json',
    });
  const manifestFile = info.isDirectory() ? path.join(file, 'manifest.json') : file;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(manifestFile, 'utf8'));
  } catch (error) {
    throw new InputError(`--approve-file: ${manifestFile} is not a readable JSON manifest`, {
      cause: error,
      hint: 'give the manifest.json a dry run wrote (send-report --dry-run)',
    });
  }
  const approval = (parsed as { approval?: { digest?: unknown; plan?: unknown } }).approval;
  const plan = approval?.plan as Partial<CanonicalPlan> | undefined;
  if (
    typeof approval?.digest !== 'string' ||
    !/^[0-9a-f]{64}$/.test(approval.digest) ||
    plan?.version !== 1 ||
    !Array.isArray(plan.recipients)
  ) {
    throw new InputError(`--approve-file: ${manifestFile} has no approval section (digest and plan)`, {
      hint: 'run the dry run again with this version of dn-mailer and approve its manifest.json',
    });
  }
  return { digest: approval.digest, reviewed: plan as CanonicalPlan };
}
