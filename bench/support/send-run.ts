/**
 * One measured send: a fresh plan under its own address prefix and campaign, the emulator's store cleared, then
 * prepareSend + executeSend exactly as send-report runs them (real clock, sleep and random), timed and checked.
 */
import { readFileSync } from 'node:fs';
import type { ExecuteResult } from '../../src/core/send/execute-sends.js';
import { executeSend } from '../../src/core/send/execute-sends.js';
import { prepareSend } from '../../src/core/send/prepare-sends.js';
import type { Mailer } from '../../src/ports.js';
import type { Dynalite } from '../../test/support/dynalite.js';
import type { SesLocal } from '../../test/support/ses-local.js';
import { checkSend, type SendCheck } from './send-check.js';
import { buildSendPlan } from './send-fixture.js';
import { type Backend, createSendPorts } from './send-ports.js';

export const ENVELOPE = {
  from: 'Distro Nation <reports@distronation.test>',
  replyTo: 'finance@distronation.test',
  bcc: [] as string[],
};

export interface SendSpec {
  label: string;
  backend: Backend;
  messages: number;
  concurrency: number;
  /** `--rate`; undefined: only the account's MaxSendRate paces. */
  rate?: number | undefined;
  /** DynamoDB ledger: plan with BatchWriteItem under a lease (default) or one conditional PutItem per row. */
  batching?: boolean | undefined;
  /** DynamoDB ledger: claims and finishes grouped in TransactWriteItems (default) or one UpdateItem each. */
  grouping?: boolean | undefined;
}

export interface SendMeasure {
  spec: SendSpec;
  /** The rate prepareSend chose (min of --rate and MaxSendRate). */
  pacedAt: number;
  /** prepareSend + executeSend, wall clock. */
  seconds: number;
  /** First SendEmail start to last SendEmail completion. */
  sendSeconds: number;
  /** Seconds spent in ensurePlanned (writing the `planned` rows) before the first send. */
  planningSeconds: number;
  sent: number;
  throttled: number;
  /** Most SendEmail calls started within any 1-second window. */
  peakPerSecond: number;
  /** SendEmail round trip through the SDK, median and 99th percentile (ms). */
  latencyMs: { p50: number; p99: number };
  /** CPU seconds: this process, the SES emulator, the DynamoDB emulator (its JVM; 0 for a SQLite run). */
  cpu: { ours: number; emulator: number; dynamo: number };
  calls: Map<string, number>;
  dynamoCommands: Map<string, number> | undefined;
  check: SendCheck;
}

export interface SendPeers {
  ses: SesLocal;
  dynamo: Dynalite & { pid: number };
  tmpDir: string;
}

export async function runSend(spec: SendSpec, peers: SendPeers): Promise<SendMeasure> {
  const campaignId = `bench-${spec.label}`;
  const plan = buildSendPlan(spec.messages, spec.label, campaignId);
  await clearStore(peers.ses);
  const ports = await createSendPorts({
    backend: spec.backend,
    label: spec.label,
    batching: spec.batching ?? true,
    grouping: spec.grouping ?? true,
    ...peers,
  });
  try {
    const timing = timed(ports.mailer);
    let throttled = 0;
    let planningDone = 0;
    const ledger = {
      ...ports.ledger,
      ensurePlanned: async (...args: Parameters<typeof ports.ledger.ensurePlanned>) => {
        await ports.ledger.ensurePlanned(...args);
        planningDone = performance.now();
      },
    };
    const cpuStart = process.cpuUsage();
    const emulatorStart = cpuSeconds(peers.ses.pid);
    const dynamoStart = cpuSeconds(peers.dynamo.pid);
    const start = performance.now();
    const prep = await prepareSend({ ...ports, ledger }, plan, {
      campaignId,
      retryFailed: false,
      retryUnknown: false,
      rates: [spec.rate, undefined],
    });
    const result: ExecuteResult = await executeSend(
      {
        ...ports,
        ledger,
        mailer: timing.mailer,
        clock: { now: () => new Date() },
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        random: Math.random,
        onProgress: (event) => {
          if (event.type === 'throttled') throttled += 1;
        },
      },
      plan,
      prep,
      {
        runId: `run-${spec.label}`,
        envelope: ENVELOPE,
        concurrency: spec.concurrency,
        circuitBreaker: 10,
        throttleRetries: 8,
        leaseMs: 15_000 * 2 + 5_000,
        ttlDays: 90,
      },
    );
    const seconds = (performance.now() - start) / 1000;
    // The requests of the send itself, before the checks below read the ledger back.
    const dynamoCommands = ports.dynamoCommands && new Map(ports.dynamoCommands);
    const calls = new Map(ports.calls);
    const cpu = process.cpuUsage(cpuStart);
    const emulatorCpu = cpuSeconds(peers.ses.pid) - emulatorStart;
    const dynamoCpu = spec.backend === 'dynamo' ? cpuSeconds(peers.dynamo.pid) - dynamoStart : 0;
    const check = await checkSend({
      plan,
      result,
      ledger: ports.ledger,
      ses: peers.ses,
      prefix: spec.label,
      ports,
    });
    const firstStart = Math.min(...timing.starts);
    return {
      spec,
      pacedAt: prep.rate,
      seconds,
      sendSeconds: (Math.max(...timing.ends) - firstStart) / 1000,
      planningSeconds: (planningDone - start) / 1000,
      sent: result.outcomes.filter((o) => o.status === 'sent').length,
      throttled,
      peakPerSecond: peakInWindow(timing.starts, 1000),
      latencyMs: { p50: percentile(timing.durations, 0.5), p99: percentile(timing.durations, 0.99) },
      cpu: { ours: (cpu.user + cpu.system) / 1e6, emulator: emulatorCpu, dynamo: dynamoCpu },
      calls,
      dynamoCommands,
      check,
    };
  } finally {
    ports.close();
  }
}

/** The real mailer, with the start and completion time of every SendEmail call recorded. */
function timed(inner: Mailer): { mailer: Mailer; starts: number[]; ends: number[]; durations: number[] } {
  const starts: number[] = [];
  const ends: number[] = [];
  const durations: number[] = [];
  const mailer: Mailer = {
    provider: inner.provider,
    async send(message) {
      const start = performance.now();
      starts.push(start);
      try {
        return await inner.send(message);
      } finally {
        const end = performance.now();
        ends.push(end);
        durations.push(end - start);
      }
    },
  };
  return { mailer, starts, ends, durations };
}

export async function clearStore(ses: SesLocal): Promise<void> {
  // Idempotent, so tried again when a kept-alive connection the emulator had just closed fails it.
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(`${ses.endpoint}/clear-store`, { method: 'POST' });
      if (!response.ok) throw new Error(`POST /clear-store: ${response.status}`);
      await response.arrayBuffer();
      return;
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

/** Most timestamps (ms) within any window of `windowMs`. */
export function peakInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let lo = 0, hi = 0; hi < sorted.length; hi++) {
    while ((sorted[hi] as number) - (sorted[lo] as number) >= windowMs) lo++;
    peak = Math.max(peak, hi - lo + 1);
  }
  return peak;
}

function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** User + system CPU seconds of another process (Linux /proc; clock ticks of 1/100 s). NaN elsewhere. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}
