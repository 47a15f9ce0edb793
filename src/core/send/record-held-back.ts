import type { SendLedger } from '../../ports.js';
import { isHeldBack, type UnsentRecipient } from '../plan/build-plan.js';

/**
 * Held-back recipients (malformed payout data, a custom ID two addresses claim) get a `failed` ledger row with the
 * reason, so `status` never calls a campaign finished while someone was held back. Nothing is sent to them: a
 * held-back recipient has no message until the data is fixed; then the plan has one, and `--retry-failed` sends it.
 */
export async function recordHeldBack(
  ledger: SendLedger,
  campaignId: string,
  unsent: readonly UnsentRecipient[],
  runId: string,
  at: Date,
): Promise<void> {
  const held = unsent.filter(isHeldBack);
  if (held.length === 0) return;
  await ledger.ensurePlanned(
    campaignId,
    held.map(({ email, customIds }) => ({ email, customIds })),
    at,
  );
  for (const { email, reason, detail } of held) {
    // Only a fresh row: one already failed (held back before), sent or skipped stays as it is.
    if (await ledger.claim(campaignId, email, ['planned'], runId, at)) {
      const outcome = { status: 'failed' as const, reason: `held back (${reason}): ${detail}` };
      await ledger.finish(campaignId, email, 'sending', outcome, at, runId);
    }
  }
}
