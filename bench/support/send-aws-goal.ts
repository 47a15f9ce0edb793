/**
 * The aws goal of #15 in `npm run bench -- send`: the DynamoDB send against a bare SendEmail loop (same SES client,
 * messages and concurrency, no ledger), run back to back in rounds, and DynamoDB requests per message for the path
 * before #15 (per-row planning, one UpdateItem per claim and finish), batched planning alone, and batched planning
 * with claims and finishes grouped in TransactWriteItems (the default).
 */
import type { BareRun } from './send-bare.js';
import type { SendMeasure } from './send-run.js';

/** The aws goal: the DynamoDB send at least this share of the bare SendEmail loop's rate. */
const AWS_GOAL_RATIO = 0.6;
export const AWS_GOAL_CONCURRENCY = 16;
export const AWS_GOAL_ROUNDS = 3;

/** One round of the aws goal: the bare loop, then the DynamoDB send on each path. */
export interface AwsRound {
  bare: BareRun;
  perRow: SendMeasure;
  batched: SendMeasure;
  grouped: SendMeasure;
}

/** DynamoDB requests of one run (prepareSend + executeSend, not the checks), per message, by command. */
function requestsPerMessage(m: SendMeasure): { total: number; detail: string } {
  const commands = [...(m.dynamoCommands ?? new Map<string, number>())];
  const total = commands.reduce((sum, [, count]) => sum + count, 0) / m.spec.messages;
  const detail = commands
    .map(([name, count]) => `${name.replace(/Command$/, '')} ${(count / m.spec.messages).toFixed(3)}`)
    .join(', ');
  return { total, detail };
}

export function printAwsGoal(rounds: readonly AwsRound[]): void {
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log(
    `\naws send vs a bare SendEmail loop (same SES client with maxAttempts 1, same messages, concurrency ` +
      `${AWS_GOAL_CONCURRENCY}, no ledger), same process, bare → before #15 (per-row planning, one UpdateItem per ` +
      'claim and finish) → batched planning → batched planning + claims and finishes in transactions (default):',
  );
  for (const [n, { bare, perRow, batched, grouped }] of rounds.entries()) {
    console.log(`  round ${n + 1}: bare ${bare.rate.toFixed(0)} msg/s (mismatches ${bare.mismatches})`);
    for (const [name, m] of [
      ['before #15', perRow],
      ['batched   ', batched],
      ['grouped   ', grouped],
    ] as const) {
      const send = m.spec.messages / m.sendSeconds;
      const whole = m.spec.messages / m.seconds;
      console.log(
        `    ${name} send phase ${send.toFixed(0)} msg/s = ${(send / bare.rate).toFixed(2)}× bare; prepare + execute ` +
          `${whole.toFixed(0)} msg/s = ${(whole / bare.rate).toFixed(2)}× bare (planning ${m.planningSeconds.toFixed(2)} s); ` +
          `mismatches ${m.check.mismatches}`,
      );
    }
  }
  const last = rounds[rounds.length - 1];
  if (!last) return;
  for (const [name, m] of [
    ['before #15                    ', last.perRow],
    ['batched planning              ', last.batched],
    ['batched planning + grouped tx ', last.grouped],
  ] as const) {
    const { total, detail } = requestsPerMessage(m);
    console.log(`  DynamoDB requests per message, ${name}: ${total.toFixed(2)} (${detail})`);
  }
  // Where the time goes: the emulators share the machine's cores with this process, DynamoDB Local's JVM most.
  const per1000 = (seconds: number, messages: number) => ((seconds / messages) * 1000).toFixed(2);
  console.log(
    `  CPU seconds per 1,000 messages, last round: this process — bare ${per1000(last.bare.cpu.ours, last.bare.messages)}, ` +
      `before #15 ${per1000(last.perRow.cpu.ours, last.perRow.spec.messages)}, grouped ` +
      `${per1000(last.grouped.cpu.ours, last.grouped.spec.messages)}; DynamoDB Local's JVM — before #15 ` +
      `${per1000(last.perRow.cpu.dynamo, last.perRow.spec.messages)}, grouped ` +
      `${per1000(last.grouped.cpu.dynamo, last.grouped.spec.messages)}`,
  );
  // The median round: the bare loop and both paths of a round ran back to back, so their ratio is the fair one.
  const median = (pick: (r: AwsRound) => number) => {
    const sorted = rounds.map(pick).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  };
  const sendRatio = median((r) => r.grouped.spec.messages / r.grouped.sendSeconds / r.bare.rate);
  const wholeRatio = median((r) => r.grouped.spec.messages / r.grouped.seconds / r.bare.rate);
  const before = median((r) => r.perRow.spec.messages / r.perRow.sendSeconds / r.bare.rate);
  const batched = median((r) => r.batched.spec.messages / r.batched.sendSeconds / r.bare.rate);
  console.log(
    `  goal: aws send ≥ ${AWS_GOAL_RATIO}× the bare loop — send phase, median of ${rounds.length} rounds: ` +
      `${sendRatio.toFixed(2)}× ${met(sendRatio >= AWS_GOAL_RATIO)} (same rounds: before #15 ${before.toFixed(2)}×, ` +
      `batched planning alone ${batched.toFixed(2)}×); prepare + execute ${wholeRatio.toFixed(2)}× ` +
      `${met(wholeRatio >= AWS_GOAL_RATIO)}`,
  );
}
