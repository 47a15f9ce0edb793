/**
 * The old Lambda's send loop on a sample: one SendEmail after the other through a default SESv2Client (SDK
 * retries on), a fixed 100 ms sleep between sends, no ledger, no tracking writes (so it is flattered), the same
 * message content. Checked against the emulator's store like our runs.
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { toSendEmailInput } from '../../src/adapters/aws/ses-mailer.js';
import { toOutgoing } from '../../src/core/send/outgoing.js';
import { SES_LOCAL_CREDENTIALS, SES_LOCAL_REGION, type SesLocal } from '../../test/support/ses-local.js';
import { buildSendPlan } from './send-fixture.js';
import { clearStore, ENVELOPE } from './send-run.js';

export const OLD_LAMBDA_DELAY_MS = 100;

export interface BaselineRun {
  messages: number;
  seconds: number;
  rate: number;
  /** Sample recipients not stored exactly once, plus stored e-mails to anyone else. */
  mismatches: number;
}

export async function runOldLambdaLoop(ses: SesLocal, messages: number): Promise<BaselineRun> {
  const label = 'baseline';
  const plan = buildSendPlan(messages, label, `bench-${label}`, 11);
  await clearStore(ses);
  const client = new SESv2Client({
    endpoint: ses.endpoint,
    region: SES_LOCAL_REGION,
    credentials: SES_LOCAL_CREDENTIALS,
  });
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  try {
    const start = performance.now();
    for (const [n, message] of plan.messages.entries()) {
      if (n > 0) await sleep(OLD_LAMBDA_DELAY_MS);
      const outgoing = toOutgoing(message, plan.campaignId, ENVELOPE, new Date());
      await client.send(new SendEmailCommand(toSendEmailInput(outgoing, {})));
    }
    const seconds = (performance.now() - start) / 1000;
    const counts = new Map<string, number>();
    let mismatches = 0;
    for (const email of await ses.emails())
      for (const to of email.destination.to) counts.set(to, (counts.get(to) ?? 0) + 1);
    const expected = new Set(plan.messages.map((m) => m.to));
    for (const to of expected) if (counts.get(to) !== 1) mismatches += 1;
    for (const to of counts.keys()) if (!expected.has(to)) mismatches += 1;
    return { messages, seconds, rate: messages / seconds, mismatches };
  } finally {
    client.destroy();
  }
}
