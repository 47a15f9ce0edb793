import { normalizeEmail } from '../../core/common/email-address.js';
import {
  SendOutcomeUnknownError,
  SendRejectedError,
  SendThrottledError,
} from '../../core/send/send-errors.js';
import type { Clock, Mailer } from '../../ports.js';

/** `outbox.simulate`: recipients the outbox refuses or leaves unknown, and a pace above which it throttles. */
export interface OutboxSimulation {
  reject: readonly string[];
  unknown: readonly string[];
  /** Messages per second; 0 never throttles. */
  throttle: number;
}

/** The provider name a simulating outbox shows at the confirmation, in the summary and in tracking rows. */
export const SIMULATING_PROVIDER = 'outbox (simulating failures)';

export function isSimulating(simulation: OutboxSimulation | undefined): simulation is OutboxSimulation {
  return (
    simulation !== undefined &&
    (simulation.reject.length > 0 || simulation.unknown.length > 0 || simulation.throttle > 0)
  );
}

/** One line for doctor and the backend description: what the rehearsal fakes. */
export function describeSimulation(simulation: OutboxSimulation): string {
  const parts = [
    `reject ${simulation.reject.length}`,
    `unknown ${simulation.unknown.length}`,
    simulation.throttle > 0 ? `throttle above ${simulation.throttle}/s` : 'no throttle',
  ];
  return `SIMULATING FAILURES (rehearsal, outbox.simulate): ${parts.join(' · ')}`;
}

/**
 * Wraps the outbox so that a rehearsal can go wrong the way SES does: a listed `reject` address fails for good, an
 * `unknown` one ends "outcome unknown" with nothing written (so the check "did it arrive?" finds no .eml), and sends
 * faster than `throttle` per second (over the last second) are throttled before anything is written.
 */
export function simulateFailures(mailer: Mailer, simulation: OutboxSimulation, clock: Clock): Mailer {
  const reject = new Set(simulation.reject.map(normalizeEmail));
  const unknown = new Set(simulation.unknown.map(normalizeEmail));
  const accepted: number[] = [];
  const overPace = (now: number) => {
    while (accepted.length > 0 && (accepted[0] ?? 0) <= now - 1000) accepted.shift();
    if (accepted.length >= simulation.throttle) return true;
    accepted.push(now);
    return false;
  };
  return {
    provider: SIMULATING_PROVIDER,
    async send(message) {
      const to = normalizeEmail(message.to);
      if (simulation.throttle > 0 && overPace(clock.now().getTime())) {
        throw new SendThrottledError(
          `simulated throttling: more than ${simulation.throttle} messages per second (outbox.simulate.throttle)`,
        );
      }
      if (reject.has(to)) {
        throw new SendRejectedError(
          'simulated rejection: MessageRejected (the address is in outbox.simulate.reject)',
        );
      }
      if (unknown.has(to)) {
        throw new SendOutcomeUnknownError(
          'simulated timeout: no answer, nothing written to the outbox (the address is in outbox.simulate.unknown)',
        );
      }
      return mailer.send(message);
    },
  };
}
