/**
 * Progress events the core emits; the CLI decides how to draw them (spinner on a TTY, plain lines in CI, nothing
 * for JSON).
 */
export type ProgressEvent =
  | { type: 'users-loading'; origin: string }
  | { type: 'users-loaded'; origin: string; rows: number; recipients: number }
  | { type: 'retrying'; what: string; attempt: number; delayMs: number; reason: string }
  | { type: 'listing'; prefixes: number; location: string }
  | { type: 'listed'; prefix: string; keys: number; done: number; total: number }
  | { type: 'payouts-loading'; origin: string; ids: number }
  | { type: 'signing'; links: number }
  | { type: 'rendering'; recipients: number }
  | { type: 'send-started'; total: number; rate: number }
  | {
      type: 'send-progress';
      total: number;
      sent: number;
      failed: number;
      unknown: number;
      skipped: number;
      rate: number;
    }
  | { type: 'throttled'; delayMs: number; rate: number }
  | { type: 'waiting-in-flight'; rows: number; waitMs: number }
  /** Unknown rows settled with the provider's record before sending: sent ones kept, unsent ones sent again. */
  | {
      type: 'unknowns-resolved';
      sent: number;
      unsent: number;
      stillUnknown: number;
      /** What proved it: the provider's own record (the outbox), or the delivery events. */
      by?: 'events' | undefined;
      /** Why rows stay unknown (the first row's reason; rows of one run share it). */
      why?: string | undefined;
    };

export type OnProgress = (event: ProgressEvent) => void;

export const ignoreProgress: OnProgress = () => {};
