import type { LedgerOutcome, LedgerStatus } from '../../ports.js';
import { DnMailerError } from '../common/errors.js';

/**
 * The ledger's legal moves, shared by every SendLedger adapter. A move outside them is a bug in the caller, not a
 * lost race, so it throws instead of returning false: `sent` must never become reclaimable, and `sending` is only
 * left through an outcome (a stale `sending` row is resolved to `unknown`, never claimed again directly).
 */
const CLAIMABLE: ReadonlySet<LedgerStatus> = new Set(['planned', 'failed', 'unknown', 'skipped']);

const FINISH_FROM: Readonly<Record<LedgerOutcome['status'], readonly LedgerStatus[]>> = {
  // `unknown → sent`: the run that sent it learns the outcome after another run gave up on its claim.
  sent: ['sending', 'unknown'],
  failed: ['sending'],
  unknown: ['sending'],
  skipped: ['planned', 'failed', 'unknown'],
  // A run that stops before calling the provider (fatal error) hands the row back untouched; an `unknown` row goes
  // back to `planned` only on proof that the provider never got it (the local outbox; the event stream).
  planned: ['sending', 'unknown'],
};

/** Throws when `from` names a status a row may not be claimed from (`sending`, `sent`) or is empty. */
export function assertClaimable(from: readonly LedgerStatus[]): void {
  const illegal = from.filter((status) => !CLAIMABLE.has(status));
  if (from.length === 0 || illegal.length > 0) {
    throw new DnMailerError(
      `ledger: a row cannot be claimed from [${from.join(', ')}] (allowed: ${[...CLAIMABLE].join(', ')})`,
    );
  }
}

/** Throws when `from` → `to` is not one of the finishing moves (sending → sent|failed|unknown|planned, … → skipped). */
export function assertFinishable(from: LedgerStatus, to: LedgerOutcome['status']): void {
  const allowed = FINISH_FROM[to];
  if (!allowed?.includes(from)) {
    throw new DnMailerError(`ledger: a row cannot move from ${from} to ${to}`);
  }
}
