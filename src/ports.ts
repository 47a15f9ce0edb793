import type { Period } from './core/months.js';
import type { TemplateSource } from './core/render.js';

/**
 * The interfaces the core needs from the outside world, in domain words. Adapters in `src/adapters/` implement
 * them; no SDK type crosses a port.
 */

/** Delivers raw user rows in the Korrect `/dn_users_list` shape; the core validates each row. */
export interface UserSource {
  /** Where the rows come from, for messages (`Korrect https://…/dn_users_list`, a file path). */
  readonly origin: string;
  loadUsers(): Promise<unknown[]>;
}

/** Lists object keys of the report bucket (or a directory laid out like it). */
export interface ReportStore {
  /** Every key that starts with `prefix`, all pages. */
  listKeys(prefix: string): Promise<string[]>;
  /** `s3://bucket` or a directory path, for messages. */
  readonly location: string;
}

export interface Clock {
  now(): Date;
}

export type Sleep = (ms: number) => Promise<void>;

/** A number in [0, 1), like `Math.random`. */
export type Random = () => number;

export interface PayoutRequest {
  /** Resolved custom IDs (after aliases). */
  customIds: readonly string[];
  period: Period;
  payoutType: string;
}

/** Raw payout rows in the Korrect `/dn_payouts_fetch` body shape: `[{ customId, payout: [contract, …] }]`. */
export interface PayoutSource {
  readonly origin: string;
  fetchPayouts(request: PayoutRequest): Promise<unknown[]>;
}

/** Signs report download links (CloudFront canned policy). The private key is loaded once per run. */
export interface LinkSigner {
  /** A signed URL for every bucket key, valid until `expiresAt`. */
  signUrls(keys: readonly string[], expiresAt: Date): Promise<Map<string, string>>;
}

/** The HTML and text templates of the e-mail (built-in, or an operator's own folder). */
export interface TemplateStore {
  readonly location: string;
  load(): Promise<{ html: TemplateSource; text: TemplateSource }>;
}
