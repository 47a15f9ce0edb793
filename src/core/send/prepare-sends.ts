import type {
  GateList,
  LedgerRow,
  LedgerStatus,
  SendingAccount,
  SendLedger,
  SendQuota,
} from '../../ports.js';
import { BackendError } from '../common/errors.js';
import type { Plan, PlannedMessage } from '../plan/build-plan.js';

/** A message the run will try to send, and the ledger statuses it may be claimed from. */
export interface SendCandidate {
  message: PlannedMessage;
  from: LedgerStatus[];
}

export interface SendPreparation {
  campaignId: string;
  toSend: SendCandidate[];
  gated: { message: PlannedMessage; reason: string; from: LedgerStatus }[];
  alreadySent: LedgerRow[];
  alreadySkipped: LedgerRow[];
  /** Failed or unknown earlier and not retried in this run (needs --retry-failed / --retry-unknown). */
  heldForRetry: LedgerRow[];
  /** Claimed by another run right now (or by a run that died; resolved at the end of this run). */
  inFlight: LedgerRow[];
  quota: SendQuota;
  /** Messages per second this run will send at (Infinity: unlimited). */
  rate: number;
  /** Left for a later run by `--limit` (still `planned`): the campaign is not finished after this run. */
  deferred: number;
}

export interface PrepareOptions {
  campaignId: string;
  retryFailed: boolean;
  retryUnknown: boolean;
  /** `--rate`, `ses.maxRate`: the lowest of these and the account's MaxSendRate wins. */
  rates: readonly (number | undefined)[];
  /** `--limit n`: send to the first n recipients not handled yet (so reruns continue where the last one stopped). */
  limit?: number | undefined;
  /** A canary: a sample, so what `--limit` leaves out of it is owed to nobody (`deferred` stays 0). */
  sample?: boolean | undefined;
}

/**
 * Decides, without changing anything, what this run will do: which messages are already sent, held for retry,
 * in flight elsewhere, blocked by unsubscribes and suppressions (fetched in bulk), and which will be sent — and
 * refuses to start when the 24-hour quota left cannot hold them.
 */
export async function prepareSend(
  deps: { ledger: SendLedger; account: SendingAccount; gates: readonly GateList[] },
  plan: Plan,
  options: PrepareOptions,
): Promise<SendPreparation> {
  const rows = new Map((await deps.ledger.listRows(options.campaignId)).map((row) => [row.email, row]));
  const prep: SendPreparation = {
    campaignId: options.campaignId,
    toSend: [],
    gated: [],
    alreadySent: [],
    alreadySkipped: [],
    heldForRetry: [],
    inFlight: [],
    quota: { max24HourSend: 0, maxSendRate: 0, sentLast24Hours: 0, sendingEnabled: false },
    rate: 0,
    deferred: 0,
  };
  const candidates: SendCandidate[] = [];
  for (const message of plan.messages) {
    const row = rows.get(message.to);
    const status = row?.status ?? 'planned';
    // A row with a delivery event was accepted by the provider whatever its status says: never sent twice.
    if (row && (status === 'sent' || row.delivery !== undefined)) prep.alreadySent.push(row);
    else if (row && status === 'skipped') prep.alreadySkipped.push(row);
    else if (row && status === 'sending') prep.inFlight.push(row);
    else if (row && status === 'failed' && !options.retryFailed) prep.heldForRetry.push(row);
    else if (row && status === 'unknown' && !options.retryUnknown) prep.heldForRetry.push(row);
    else candidates.push({ message, from: [status] });
  }
  const blocked = candidates.length > 0 ? await loadBlocked(deps.gates) : new Map<string, string>();
  for (const candidate of candidates) {
    const reason = blocked.get(candidate.message.to);
    if (reason) prep.gated.push({ message: candidate.message, reason, from: candidate.from[0] ?? 'planned' });
    else prep.toSend.push(candidate);
  }
  if (options.limit !== undefined) {
    prep.deferred = options.sample ? 0 : Math.max(0, prep.toSend.length - options.limit);
    prep.toSend = prep.toSend.slice(0, options.limit);
  }
  prep.quota = await deps.account.getQuota();
  checkQuota(prep.quota, prep.toSend.length, options.limit !== undefined);
  prep.rate = Math.min(
    prep.quota.maxSendRate,
    ...options.rates.filter((r): r is number => r !== undefined && r > 0),
  );
  return prep;
}

async function loadBlocked(gates: readonly GateList[]): Promise<Map<string, string>> {
  const lists = await Promise.all(gates.map((gate) => gate.loadBlocked()));
  const merged = new Map<string, string>();
  for (const list of lists)
    for (const [email, reason] of list) if (!merged.has(email)) merged.set(email, reason);
  return merged;
}

function checkQuota(quota: SendQuota, count: number, limitGiven: boolean): void {
  if (count === 0) return;
  if (!quota.sendingEnabled) {
    throw new BackendError('sending is disabled for this SES account (SendingEnabled is false)', {
      hint: 'check the account in the SES console; nothing was sent',
    });
  }
  const left = quota.max24HourSend - quota.sentLast24Hours;
  if (count > left) {
    throw new BackendError(
      `the 24-hour sending quota cannot hold this run: ${count} to send, ${Math.max(0, left)} left (Max24HourSend ${quota.max24HourSend}, SentLast24Hours ${quota.sentLast24Hours})`,
      {
        hint: limitGiven
          ? 'lower --limit, or wait for the quota to recover'
          : `send in parts with --limit ${Math.max(0, left)} (sent rows are never resent), or wait for the quota`,
      },
    );
  }
}
