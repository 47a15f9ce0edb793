import { summariseCampaigns } from '../../src/core/send/campaigns.js';
import { applyDelivery } from '../../src/core/send/delivery-state.js';
import { assertClaimable, assertFinishable } from '../../src/core/send/ledger-transitions.js';
import type {
  DeliveryUpdate,
  GateList,
  LedgerRow,
  Mailer,
  OutgoingMessage,
  SendingAccount,
  SendLedger,
  Suppression,
  SuppressionStore,
  TrackingRow,
  TrackingStore,
} from '../../src/ports.js';

/**
 * An in-memory SendLedger with the same conditional moves as the real ones (for core tests). Pass another
 * ledger's `rows` for a second instance on the same store.
 */
export function memoryLedger(
  rows: Map<string, LedgerRow> = new Map(),
): SendLedger & { rows: Map<string, LedgerRow> } {
  const key = (campaignId: string, email: string) => `${campaignId}\n${email}`;
  const recordOne = ({ campaignId, email, delivery, messageId }: DeliveryUpdate): boolean => {
    const row = rows.get(key(campaignId, email));
    if (!row) return false;
    const update = applyDelivery(row, delivery, messageId);
    if (update) Object.assign(row, update, { delivery: { ...update.delivery } });
    return true;
  };
  return {
    rows,
    location: 'memory',
    listRows: async (campaignId) =>
      [...rows.values()]
        .filter((row) => row.campaignId === campaignId)
        .map((r) => ({ ...r, ...(r.delivery && { delivery: { ...r.delivery } }) })),
    listCampaigns: async () =>
      summariseCampaigns(
        [...rows.values()].map(({ campaignId, status, updatedAt }) => ({
          campaignId,
          status,
          updatedAt,
          count: 1,
        })),
      ),
    async ensurePlanned(campaignId, planned, at) {
      for (const { email, customIds } of planned) {
        if (!rows.has(key(campaignId, email))) {
          rows.set(key(campaignId, email), {
            campaignId,
            email,
            customIds,
            status: 'planned',
            attempts: 0,
            updatedAt: at.toISOString(),
          });
        }
      }
    },
    async claim(campaignId, email, from, runId, at) {
      assertClaimable(from);
      const row = rows.get(key(campaignId, email));
      if (!row || !from.includes(row.status)) return false;
      // A new attempt starts clean, like the real ledgers: the last attempt's message ID and reason go.
      delete row.messageId;
      delete row.reason;
      Object.assign(row, {
        status: 'sending',
        runId,
        attempts: row.attempts + 1,
        updatedAt: at.toISOString(),
        claimedAt: at.toISOString(),
      });
      return true;
    },
    async finish(campaignId, email, from, outcome, at, runId) {
      assertFinishable(from, outcome.status);
      const row = rows.get(key(campaignId, email));
      if (!row || row.status !== from || (runId !== undefined && row.runId !== runId)) return false;
      Object.assign(row, {
        status: outcome.status,
        messageId: outcome.messageId,
        reason: outcome.reason,
        updatedAt: at.toISOString(),
      });
      return true;
    },
    recordDelivery: async (campaignId, email, delivery, messageId) =>
      recordOne({ campaignId, email, delivery, messageId }),
    recordDeliveries: async (updates) => updates.map(recordOne),
  };
}

/** A Mailer whose answer for each call is scripted; records what it was asked to send. */
export function scriptedMailer(
  answer: (message: OutgoingMessage, call: number) => Promise<{ messageId: string }> | { messageId: string },
) {
  const sent: OutgoingMessage[] = [];
  let calls = 0;
  const mailer: Mailer = {
    provider: 'test',
    async send(message) {
      calls += 1;
      const result = await answer(message, calls);
      sent.push(message);
      return result;
    },
  };
  return { mailer, sent, calls: () => calls };
}

/**
 * In-memory tracking rows. Like the SQLite store, a delivery event's row (any type but `financial_send`) is kept
 * once per (campaign, type, recipient, message ID, time), so a replayed event adds no row.
 */
export function memoryTracking(): TrackingStore & { rows: TrackingRow[] } {
  const rows: TrackingRow[] = [];
  const events = new Set<string>();
  return {
    rows,
    record: async (batch) => {
      for (const row of batch) {
        if (row.eventType !== 'financial_send') {
          const { campaignId, eventType, recipient, sesMessageId, timestamp } = row;
          const key = JSON.stringify([campaignId, eventType, recipient, sesMessageId, timestamp]);
          if (events.has(key)) continue;
          events.add(key);
        }
        rows.push(row);
      }
    },
  };
}

/**
 * An in-memory SuppressionStore (lower-cased addresses, the first suppression of an address stays) and the gate that
 * reads it, as the SQLite and DynamoDB stores share their table with their gate.
 */
export function memorySuppressions(
  entries: Map<string, Suppression> = new Map(),
): SuppressionStore & { entries: Map<string, Suppression>; gate: GateList } {
  return {
    entries,
    location: 'memory suppressions',
    async add(batch) {
      for (const entry of batch) {
        const email = entry.email.toLowerCase();
        if (!entries.has(email)) entries.set(email, { ...entry, email });
      }
    },
    get: async (email) => {
      const entry = entries.get(email.toLowerCase());
      return entry && { ...entry };
    },
    gate: {
      name: 'memory suppressions',
      loadBlocked: async () =>
        new Map([...entries.values()].map((entry) => [entry.email, `suppressed (${entry.reason})`])),
    },
  };
}

export function staticGate(name: string, blocked: Record<string, string>): GateList {
  return { name, loadBlocked: async () => new Map(Object.entries(blocked)) };
}

export function quotaAccount(
  max24HourSend = 1_000_000,
  maxSendRate = 1_000,
  sentLast24Hours = 0,
): SendingAccount {
  return { getQuota: async () => ({ max24HourSend, maxSendRate, sentLast24Hours, sendingEnabled: true }) };
}
