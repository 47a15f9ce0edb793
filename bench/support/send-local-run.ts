/**
 * One measured local send: prepareSend + executeSend as `send-report` runs them on the local backend — the SQLite
 * store (WAL, synchronous=FULL) as ledger, gates and tracking, the outbox mailer writing each message as an `.eml` —
 * on a fresh temp file and folder, with group commit on or off. Timed, counted (commits) and checked.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createOutboxMailer, unlimitedAccount } from '../../src/adapters/local/outbox.js';
import { openSqliteStore } from '../../src/adapters/local/sqlite-store.js';
import { executeSend } from '../../src/core/send/execute-sends.js';
import { prepareSend } from '../../src/core/send/prepare-sends.js';
import type { TrackingStore } from '../../src/ports.js';
import { buildSendPlan } from './send-fixture.js';
import { checkLocalSend, type LocalSendCheck } from './send-local-check.js';
import { ENVELOPE } from './send-run.js';

export interface LocalSendSpec {
  label: string;
  messages: number;
  concurrency: number;
  groupCommit: boolean;
}

export interface LocalSendMeasure {
  spec: LocalSendSpec;
  /** prepareSend + executeSend, wall clock. */
  seconds: number;
  /** Ledger transactions committed (planning the rows, every claim and finish). */
  ledgerCommits: number;
  /** Claims and finishes committed. */
  moves: number;
  largestGroup: number;
  /** Tracking transactions (one per `record` call). */
  trackingCommits: number;
  cpuSeconds: number;
  check: LocalSendCheck;
}

export async function runLocalSend(spec: LocalSendSpec, tmpDir: string): Promise<LocalSendMeasure> {
  const campaignId = `bench-${spec.label}`;
  const plan = buildSendPlan(spec.messages, spec.label, campaignId);
  const file = path.join(tmpDir, `${spec.label}.sqlite`);
  const outbox = path.join(tmpDir, `${spec.label}-outbox`);
  await mkdir(outbox, { recursive: true, mode: 0o700 });
  const clock = { now: () => new Date() };
  const store = openSqliteStore(file, { groupCommit: spec.groupCommit });
  try {
    let trackingCommits = 0;
    const tracking: TrackingStore = {
      record: (rows) => {
        if (rows.length > 0) trackingCommits += 1;
        return store.tracking.record(rows);
      },
    };
    const ports = {
      mailer: createOutboxMailer(outbox, { clock }),
      account: unlimitedAccount,
      gates: [store.contacts, store.suppressions],
      ledger: store.ledger,
      tracking,
    };
    const before = store.ledger.writeStats();
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const prep = await prepareSend(ports, plan, {
      campaignId,
      retryFailed: false,
      retryUnknown: false,
      rates: [undefined],
    });
    const result = await executeSend(
      {
        ...ports,
        clock,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        random: Math.random,
      },
      plan,
      prep,
      {
        runId: `run-${spec.label}`,
        envelope: ENVELOPE,
        concurrency: spec.concurrency,
        circuitBreaker: 10,
        throttleRetries: 8,
        leaseMs: 35_000,
        ttlDays: 90,
      },
    );
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    const after = store.ledger.writeStats();
    const check = await checkLocalSend({ plan, result, ledger: store.ledger, file, outbox });
    return {
      spec,
      seconds,
      ledgerCommits: after.commits - before.commits,
      moves: after.moves - before.moves,
      largestGroup: after.largestGroup,
      trackingCommits,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      check,
    };
  } finally {
    store.close();
  }
}
