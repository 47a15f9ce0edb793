/**
 * The bare SendEmail loop, the yardstick of the aws send goal: the same SES client as a send run
 * (`createSesSendClient`, maxAttempts 1), the same messages and the same concurrency, and nothing else — no ledger,
 * no tracking, no rate limiter. What a send run does beyond this loop is the ledger's and tracking's cost.
 * Checked against the emulator's store like the other runs (each recipient exactly once).
 */
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import pLimit from 'p-limit';
import { createSesSendClient } from '../../src/adapters/aws/clients.js';
import { toSendEmailInput } from '../../src/adapters/aws/ses-mailer.js';
import { toOutgoing } from '../../src/core/send/outgoing.js';
import { SES_LOCAL_CREDENTIALS, SES_LOCAL_REGION, type SesLocal } from '../../test/support/ses-local.js';
import { buildSendPlan } from './send-fixture.js';
import { clearStore, cpuSeconds, ENVELOPE } from './send-run.js';

export interface BareRun {
  label: string;
  messages: number;
  concurrency: number;
  /** First SendEmail start to last completion. */
  seconds: number;
  rate: number;
  cpu: { ours: number; emulator: number };
  /** Recipients not stored exactly once, plus stored e-mails to anyone else. */
  mismatches: number;
}

export async function runBareLoop(
  ses: SesLocal,
  label: string,
  messages: number,
  concurrency: number,
): Promise<BareRun> {
  const plan = buildSendPlan(messages, label, `bench-${label}`);
  await clearStore(ses);
  const client = createSesSendClient({
    endpoint: ses.endpoint,
    region: SES_LOCAL_REGION,
    credentials: SES_LOCAL_CREDENTIALS,
    requestTimeoutMs: 15_000,
  });
  const limit = pLimit(concurrency);
  try {
    const cpuStart = process.cpuUsage();
    const emulatorStart = cpuSeconds(ses.pid);
    const start = performance.now();
    await Promise.all(
      plan.messages.map((message) =>
        limit(async () => {
          const outgoing = toOutgoing(message, plan.campaignId, ENVELOPE, new Date());
          await client.send(new SendEmailCommand(toSendEmailInput(outgoing, {})));
        }),
      ),
    );
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    const emulator = cpuSeconds(ses.pid) - emulatorStart;
    const counts = new Map<string, number>();
    for (const email of await ses.emails())
      for (const to of email.destination.to) counts.set(to, (counts.get(to) ?? 0) + 1);
    const expected = new Set(plan.messages.map((m) => m.to));
    let mismatches = 0;
    for (const to of expected) if (counts.get(to) !== 1) mismatches += 1;
    for (const to of counts.keys()) if (!expected.has(to)) mismatches += 1;
    return {
      label,
      messages,
      concurrency,
      seconds,
      rate: messages / seconds,
      cpu: { ours: (cpu.user + cpu.system) / 1e6, emulator },
      mismatches,
    };
  } finally {
    client.destroy();
  }
}
