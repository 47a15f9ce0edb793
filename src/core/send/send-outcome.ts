import type { LedgerOutcome } from '../../ports.js';

/** What became of one recipient in a run: what the ledger, the tracking rows and the summary record. */
export interface SendOutcome {
  email: string;
  customIds: string[];
  status: LedgerOutcome['status'];
  messageId?: string | undefined;
  reason?: string | undefined;
}
