import { UsageError } from '../common/errors.js';
import { type Shard, shardOf } from '../recipients/filter-for-campaign.js';
import { type Approval, type CanonicalPlan, planDigest } from './plan-digest.js';

/**
 * `--shard i/n --approve-file`: a reviewer approves the whole month once, and each of n parallel jobs sends its
 * slice. The shard's fresh plan is compared with the reviewed plan cut to the same slice (the same hash of each
 * address that `--shard` uses), so every shard sends exactly its part of what was reviewed — and refuses, listing
 * what changed, like an unsharded send, when its part changed.
 *
 * The reviewed plan itself must be the approved one: its digest is checked before it is cut.
 */
export function approvalForShard(approval: Approval, shard: Shard, fresh: CanonicalPlan): Approval {
  const { reviewed } = approval;
  if (!reviewed) {
    throw new UsageError(
      `--shard ${shard.index}/${shard.count} with --approve needs the reviewed plan itself, not only its digest`,
      {
        hint: "add --approve-file <the reviewed dry run's folder or manifest.json>: each shard checks its own part of it",
      },
    );
  }
  if (planDigest(reviewed) !== approval.digest.toLowerCase()) {
    throw new UsageError(
      `--approve-file: the reviewed plan in the manifest does not have the approved digest ${approval.digest.slice(0, 12)}`,
      { hint: 'give the manifest.json of the dry run that printed this digest, unedited' },
    );
  }
  const cut = cutToShard(reviewed, shard, fresh);
  return { digest: planDigest(cut), reviewed: cut };
}

/**
 * The reviewed plan as a run of this shard would have planned it: its recipients, the not-mailed rows and the
 * finding entries of its addresses. A finding entry that names no address (payout rows nobody asked for) belongs
 * to whichever shard fetched it: it stays only when the fresh plan has it and the reviewer saw it.
 */
export function cutToShard(reviewed: CanonicalPlan, shard: Shard, fresh: CanonicalPlan): CanonicalPlan {
  const mine = (email: string) => shardOf(email, shard.count) === shard.index;
  const freshUnowned = new Set(
    fresh.findings.flatMap((f) => f.entries.filter((e) => ownerOf(e) === '').map((e) => `${f.name}\0${e}`)),
  );
  const findings = reviewed.findings
    .map((finding) => ({
      name: finding.name,
      entries: finding.entries.filter((entry) => {
        const owner = ownerOf(entry);
        return owner === '' ? freshUnowned.has(`${finding.name}\0${entry}`) : mine(owner);
      }),
    }))
    .filter((finding) => finding.entries.length > 0);
  return {
    ...reviewed,
    recipients: reviewed.recipients.filter((r) => mine(r.email)),
    notMailed: reviewed.notMailed.filter((u) => mine(u.email)),
    findings,
  };
}

/** The address a canonical finding entry (`<email>: <detail>`) is about; '' when it names none. */
function ownerOf(entry: string): string {
  const end = entry.indexOf(': ');
  return end < 0 ? '' : entry.slice(0, end);
}
