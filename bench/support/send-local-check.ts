/**
 * What a local send run must leave behind: every planned recipient `sent` in the ledger with a message ID, exactly
 * one `.eml` in the outbox per recipient (addressed to them, filed under that ID; no other file, no leftover
 * `.tmp`), and one `success` tracking row per message carrying the same ID. Every deviation is one mismatch.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Plan } from '../../src/core/plan/build-plan.js';
import type { ExecuteResult } from '../../src/core/send/execute-sends.js';
import type { SendLedger } from '../../src/ports.js';
import { startCheck } from './send-check.js';

export interface LocalSendCheck {
  mismatches: number;
  ledgerRows: number;
  outboxFiles: number;
  trackingRows: number;
  /** The first few problems, for the printout. */
  reasons: string[];
}

export interface LocalCheckInput {
  plan: Plan;
  result: ExecuteResult;
  ledger: SendLedger;
  /** The SQLite file (tracking rows are read from it with a connection of their own). */
  file: string;
  outbox: string;
}

export async function checkLocalSend(input: LocalCheckInput): Promise<LocalSendCheck> {
  const { plan, result } = input;
  const tally = startCheck(plan, result);
  const { fail, expected } = tally;

  const delivered = await readOutbox(input.outbox, fail);
  for (const to of expected) {
    const count = delivered.get(to)?.length ?? 0;
    if (count !== 1) fail(`${to}: ${count} .eml files in the outbox`);
  }
  for (const to of delivered.keys())
    if (!expected.has(to)) fail(`an .eml to an address outside the run: ${to}`);

  const rows = await input.ledger.listRows(plan.campaignId);
  if (rows.length !== expected.size) fail(`ledger rows ${rows.length}, messages ${expected.size}`);
  const ledgerIds = new Map<string, string>();
  for (const row of rows) {
    if (!expected.has(row.email)) fail(`ledger row for an address outside the plan: ${row.email}`);
    else if (row.status !== 'sent' || !row.messageId || row.attempts !== 1)
      fail(`${row.email}: ledger ${row.status}, id ${row.messageId}, attempts ${row.attempts}`);
    else if (delivered.get(row.email)?.[0] !== emlName(row.messageId))
      fail(`${row.email}: ledger id ${row.messageId} ≠ outbox file ${delivered.get(row.email)?.[0]}`);
    if (row.messageId) ledgerIds.set(row.email, row.messageId);
  }

  const tracking = readTracking(input.file, plan.campaignId);
  if (tracking.length !== expected.size) fail(`tracking rows ${tracking.length}, messages ${expected.size}`);
  const tracked = new Set<string>();
  for (const row of tracking) {
    if (tracked.has(row.email)) fail(`${row.email}: more than one tracking row`);
    tracked.add(row.email);
    if (row.send_status !== 'success' || row.ses_message_id !== ledgerIds.get(row.email))
      fail(`${row.email}: tracking ${row.send_status}, id ${row.ses_message_id}`);
  }
  const outboxFiles = [...delivered.values()].reduce((sum, names) => sum + names.length, 0);
  return {
    mismatches: tally.mismatches,
    ledgerRows: rows.length,
    outboxFiles,
    trackingRows: tracking.length,
    reasons: tally.reasons,
  };
}

/** Recipient (the `To:` header) → the `.eml` files addressed to them; anything else in the folder is a mismatch. */
async function readOutbox(dir: string, fail: (reason: string) => void): Promise<Map<string, string[]>> {
  const delivered = new Map<string, string[]>();
  for (const name of (await readdir(dir)).sort()) {
    if (!name.endsWith('.eml')) {
      fail(`unexpected file in the outbox: ${name}`);
      continue;
    }
    const mime = await readFile(path.join(dir, name), 'latin1');
    const to = /^To: (?:.*<)?([^<>\s]+@[^<>\s]+?)>?\r?$/m.exec(mime)?.[1];
    if (!to) {
      fail(`${name}: no To header`);
      continue;
    }
    delivered.set(to, [...(delivered.get(to) ?? []), name]);
  }
  return delivered;
}

function readTracking(file: string, campaignId: string) {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare('SELECT email, send_status, ses_message_id FROM tracking WHERE campaign_id = ?')
      .all(campaignId) as { email: string; send_status: string; ses_message_id: string | null }[];
  } finally {
    db.close();
  }
}

/** The outbox adapter's file name for a Message-ID (src/adapters/local/outbox.ts). */
function emlName(messageId: string): string {
  return `${messageId.replace(/[^A-Za-z0-9._@-]/g, '_')}.eml`;
}
