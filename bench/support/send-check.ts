/**
 * What a send run must leave behind: every planned recipient `sent` in the ledger with the message ID SES gave,
 * exactly one stored e-mail per recipient in the emulator (none for anyone else), and one `success` tracking row
 * per message carrying the same ID. Every deviation counts as one mismatch.
 */
import type { Plan } from '../../src/core/plan/build-plan.js';
import type { ExecuteResult } from '../../src/core/send/execute-sends.js';
import type { SendLedger } from '../../src/ports.js';
import type { SesLocal } from '../../test/support/ses-local.js';
import type { SendPorts } from './send-ports.js';

export interface SendCheck {
  mismatches: number;
  ledgerRows: number;
  stored: number;
  trackingRows: number;
  /** The first few problems, for the printout. */
  reasons: string[];
}

export interface CheckInput {
  plan: Plan;
  result: ExecuteResult;
  ledger: SendLedger;
  ses: SesLocal;
  /** The run's address prefix: stored e-mails to other addresses belong to no run of this benchmark. */
  prefix: string;
  ports: Pick<SendPorts, 'trackingRows'>;
}

export async function checkSend(input: CheckInput): Promise<SendCheck> {
  const { plan, result } = input;
  const tally = startCheck(plan, result);
  const { fail, expected } = tally;

  const stored = new Map<string, string[]>();
  for (const email of await input.ses.emails()) {
    for (const to of email.destination.to) {
      if (!expected.has(to)) {
        fail(`stored e-mail to an address outside the run: ${to}`);
        continue;
      }
      stored.set(to, [...(stored.get(to) ?? []), email.messageId]);
    }
  }
  for (const to of expected) {
    const count = stored.get(to)?.length ?? 0;
    if (count !== 1) fail(`${to}: stored ${count} times in the emulator`);
  }

  const rows = await input.ledger.listRows(plan.campaignId);
  if (rows.length !== expected.size) fail(`ledger rows ${rows.length}, messages ${expected.size}`);
  const ledgerIds = new Map<string, string>();
  for (const row of rows) {
    const storedId = stored.get(row.email)?.[0];
    if (!expected.has(row.email)) fail(`ledger row for an address outside the plan: ${row.email}`);
    else if (row.status !== 'sent' || !row.messageId)
      fail(`${row.email}: ledger ${row.status}, id ${row.messageId}`);
    else if (row.messageId !== storedId)
      fail(`${row.email}: ledger id ${row.messageId} ≠ SES id ${storedId}`);
    if (row.messageId) ledgerIds.set(row.email, row.messageId);
  }

  const tracking = await input.ports.trackingRows(plan.campaignId);
  if (tracking.length !== expected.size) fail(`tracking rows ${tracking.length}, messages ${expected.size}`);
  const tracked = new Set<string>();
  for (const row of tracking) {
    if (tracked.has(row.email)) fail(`${row.email}: more than one tracking row`);
    tracked.add(row.email);
    if (row.sendStatus !== 'success' || row.sesMessageId !== ledgerIds.get(row.email))
      fail(`${row.email}: tracking ${row.sendStatus}, id ${row.sesMessageId}`);
  }
  const storedCount = [...stored.values()].reduce((sum, ids) => sum + ids.length, 0);
  return {
    mismatches: tally.mismatches,
    ledgerRows: rows.length,
    stored: storedCount,
    trackingRows: tracking.length,
    reasons: tally.reasons,
  };
}

/**
 * The start of every run's check: a mismatch counter that keeps the first few reasons, the planned addresses, and
 * the run's own result (stopped, claimed elsewhere, tracking errors, any outcome not `sent`).
 */
export function startCheck(plan: Plan, result: ExecuteResult) {
  const reasons: string[] = [];
  const tally = {
    mismatches: 0,
    reasons,
    expected: new Set(plan.messages.map((m) => m.to)),
    fail: (reason: string) => {
      tally.mismatches += 1;
      if (reasons.length < 5) reasons.push(reason);
    },
  };
  const { fail } = tally;
  if (result.stopped) fail(`run stopped: ${result.stopped.reason}`);
  if (result.claimedElsewhere.length > 0) fail(`${result.claimedElsewhere.length} claimed elsewhere`);
  for (const error of result.trackingErrors) fail(error);
  for (const outcome of result.outcomes)
    if (outcome.status !== 'sent') fail(`${outcome.email}: ${outcome.status} ${outcome.reason ?? ''}`);
  return tally;
}
