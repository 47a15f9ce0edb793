/**
 * The interfaces the core needs from the outside world, in domain words. Adapters in `src/adapters/` implement
 * them; no SDK type crosses a port. The file imports nothing: the few domain words it needs are defined here, and
 * the core re-exports them.
 */

/** A reporting period: month 1–12 and a four-digit year. */
export interface Period {
  month: number;
  year: number;
}

/** A template as loaded: its name (file name or config key, for errors) and its source. */
export interface TemplateSource {
  name: string;
  source: string;
}

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

/** Waits `ms`; resolves early once `stop` is aborted (a stopping run does not sit out its pacing delays). */
export type Sleep = (ms: number, stop?: StopSignal) => Promise<void>;

/** Asks a run to stop (an `AbortSignal` is one): the CLI aborts it on SIGINT / SIGTERM. */
export interface StopSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * The process a run lives in. A ledger claim names it (host and PID in the run ID), so a later run on the same
 * host can tell a claim whose process is gone from one still being worked on.
 */
export interface RunInstance {
  readonly host: string;
  readonly pid: number;
  /** Whether a process with this PID exists on this host now. */
  isAlive(pid: number): boolean;
}

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

/** One e-mail ready to leave: what a Mailer needs, in domain words. */
export interface OutgoingMessage {
  to: string;
  from: string;
  replyTo?: string | undefined;
  bcc: readonly string[];
  subject: string;
  html: string;
  text: string;
  /** Extra headers, e.g. `List-Unsubscribe`, `List-Unsubscribe-Post`. */
  headers: Readonly<Record<string, string>>;
  /** Our stable Message-ID (without brackets); the outbox uses it, SES assigns its own. */
  messageId: string;
  /** Message tags (SES `EmailTags`); the adapter sanitises names and values. */
  tags: Readonly<Record<string, string>>;
  date: Date;
  /** SES-managed unsubscribe (`unsubscribe.mode: ses`): the contact list and topic. */
  listManagement?: { contactList: string; topic: string } | undefined;
}

/**
 * Sends one message. Throws the errors of `core/send-errors.ts`: throttled (retry later), rejected (this message
 * failed), fatal (stop the run) and outcome-unknown (the request may have reached the provider).
 */
export interface Mailer {
  readonly provider: string;
  send(message: OutgoingMessage): Promise<{ messageId: string }>;
}

export interface SendQuota {
  max24HourSend: number;
  maxSendRate: number;
  sentLast24Hours: number;
  sendingEnabled: boolean;
}

/** The sending account's limits (SES `GetAccount`), read once per run. */
export interface SendingAccount {
  getQuota(): Promise<SendQuota>;
}

/** Addresses that must not be mailed (unsubscribed, suppressed), fetched in bulk once per run. */
export interface GateList {
  readonly name: string;
  /** Lower-cased address → why it is blocked. */
  loadBlocked(): Promise<Map<string, string>>;
}

export type LedgerStatus = 'planned' | 'sending' | 'sent' | 'failed' | 'skipped' | 'unknown';

/**
 * What the provider reported after it accepted a message (SES delivery events): `sent` keeps meaning "accepted"
 * (what decides resends); this says whether it then arrived. A later event of a stronger kind replaces a weaker
 * one (complained > bounced > rejected > delivered > delayed); the same kind keeps its first time.
 */
export type DeliveryState = 'delivered' | 'bounced' | 'complained' | 'delayed' | 'rejected';

export interface DeliveryOutcome {
  state: DeliveryState;
  /** ISO time of the event. */
  at: string;
  /** e.g. `Permanent/General: 550 5.1.1 user unknown` for a bounce; masked like every provider reason. */
  detail?: string | undefined;
  /**
   * ISO time the provider accepted the message the event is about (SES `mail.timestamp`, `DeliveryEvent.sentAt`).
   * Kept with the outcome it came with; absent on rows recorded before it was stored.
   */
  acceptedAt?: string | undefined;
}

export interface LedgerRow {
  campaignId: string;
  /** Lower-cased recipient address. */
  email: string;
  status: LedgerStatus;
  /** What happened after the provider accepted it, when an event said so. */
  delivery?: DeliveryOutcome | undefined;
  customIds: string[];
  messageId?: string | undefined;
  reason?: string | undefined;
  attempts: number;
  /** The run that last claimed the row. */
  runId?: string | undefined;
  /** ISO time of the last change. */
  updatedAt: string;
  /**
   * ISO time of the row's last claim (`claim` sets it; `finish` and `recordDelivery` keep it; unset until the first
   * claim). Unlike `updatedAt` (the last status change), it survives a later run marking the row `unknown`.
   */
  claimedAt?: string | undefined;
}

export interface LedgerOutcome {
  /** `planned` releases a claimed row that certainly was not sent (the run stopped before sending it). */
  status: 'sent' | 'failed' | 'unknown' | 'skipped' | 'planned';
  messageId?: string | undefined;
  reason?: string | undefined;
}

/** One campaign as the ledger holds it: how many rows are in each state, and when a row last changed. */
export interface CampaignSummary {
  campaignId: string;
  counts: Record<LedgerStatus, number>;
  total: number;
  /** ISO time of the latest change to any of its rows. */
  lastUpdatedAt: string;
}

/**
 * One row per (campaignId, recipient). Every transition is conditional, so two runs of the same campaign can
 * never both claim a recipient.
 */
export interface SendLedger {
  readonly location: string;
  listRows(campaignId: string): Promise<LedgerRow[]>;
  /** Every campaign with rows in the ledger, in no particular order (an operator command: may read every row). */
  listCampaigns(): Promise<CampaignSummary[]>;
  /** Creates `planned` rows for recipients that have none (existing rows are left as they are). */
  ensurePlanned(
    campaignId: string,
    rows: readonly { email: string; customIds: string[] }[],
    at: Date,
  ): Promise<void>;
  /** Moves a row from one of `from` to `sending` for `runId`; false when the row was not in one of `from`. */
  claim(
    campaignId: string,
    email: string,
    from: readonly LedgerStatus[],
    runId: string,
    at: Date,
  ): Promise<boolean>;
  /**
   * Records the outcome of a claimed row (`sending` → sent | failed | unknown) or skips a planned one
   * (`planned` → skipped); `from` is the status the row must still have. False when it had changed.
   */
  finish(
    campaignId: string,
    email: string,
    from: LedgerStatus,
    outcome: LedgerOutcome,
    at: Date,
    runId?: string,
  ): Promise<boolean>;
  /**
   * Records a delivery event on a row (idempotent: the stronger state wins, see DeliveryState). A row that is still
   * `unknown` or `sending` becomes `sent` with `messageId` (the event proves the provider accepted it). False when
   * the row does not exist.
   */
  recordDelivery(
    campaignId: string,
    email: string,
    delivery: DeliveryOutcome,
    messageId: string,
  ): Promise<boolean>;
  /**
   * `recordDelivery` for each update, applied in order (two updates of one row: the second sees the first's
   * result); per update, whether its row existed. Durable when it resolves; an empty list writes nothing. One
   * transaction on SQLite (one commit for a receive batch of events).
   */
  recordDeliveries(updates: readonly DeliveryUpdate[]): Promise<boolean[]>;
}

/** One delivery event for `SendLedger.recordDeliveries`: `recordDelivery`'s arguments. */
export interface DeliveryUpdate {
  campaignId: string;
  email: string;
  delivery: DeliveryOutcome;
  messageId: string;
}

/** A row of the tracking table (the reference's DynamoDB schema). */
/** The reference's tracking `eventType`s: the send row, then one row per delivery event. */
export type TrackingEventType =
  | 'financial_send'
  | 'delivery'
  | 'bounce'
  | 'complaint'
  | 'reject'
  | 'delivery_delay'
  | 'rendering_failure'
  | 'open'
  | 'click';

export interface TrackingRow {
  campaignId: string;
  /** Unix time in milliseconds. */
  timestamp: number;
  email: string;
  recipient: string;
  eventType: TrackingEventType;
  sendStatus: 'success' | 'failed' | 'skipped' | 'unknown';
  sesMessageId?: string | undefined;
  reason?: string | undefined;
  month: string;
  year: string;
  customIds: string[];
  tags: string[];
  provider: string;
  /** Unix time in seconds when the row expires (TTL). */
  expirationTime: number;
}

export interface TrackingStore {
  /** Writes rows, batched where the store allows. */
  record(rows: readonly TrackingRow[]): Promise<void>;
}

export type TopicStatus = 'OPT_IN' | 'OPT_OUT';

/** One address's subscription preferences. */
export interface ContactPreferences {
  email: string;
  unsubscribeAll: boolean;
  /** Explicit preferences per topic; a topic not listed follows the list's default. */
  topics: Readonly<Record<string, TopicStatus>>;
}

/** The contact list that records opt-outs (SES contact list, or SQLite on the local backend). */
export interface ContactList {
  readonly location: string;
  /** The contact, or undefined when the address is not on the list. */
  get(email: string): Promise<ContactPreferences | undefined>;
  /**
   * Sets one topic's preference, creating the contact when needed and keeping every other topic as it was.
   * Opting in also clears `unsubscribeAll` (a resubscribe must be able to undo "unsubscribe from everything").
   */
  setTopic(email: string, topic: string, status: TopicStatus): Promise<ContactPreferences>;
}

export type AuditSource = 'cli' | 'one-click' | 'mailto' | 'token' | 'page' | 'complaint';

/** One change to a contact's preferences, kept for compliance. */
export interface AuditEntry {
  /** ISO time. */
  at: string;
  email: string;
  action: 'unsubscribe' | 'resubscribe';
  topic: string;
  /** The operator's AWS identity or OS user; `recipient` for changes made through the endpoint. */
  actor: string;
  source: AuditSource;
  reason?: string | undefined;
  /** e.g. the client IP for endpoint changes. */
  detail?: string | undefined;
}

/** The reference's suppression table: `{ email, reason, timestamp, expirationTime }`. */
export interface Suppression {
  /** Lower-cased address. */
  email: string;
  reason: 'bounce' | 'complaint' | string;
  /** ISO time it was suppressed. */
  at: string;
  /** Unix time in seconds when the suppression expires (TTL), if it does. */
  expirationTime?: number | undefined;
}

/** Writes and reads suppressions (bounced / complained addresses); the send's gate reads the same table. */
export interface SuppressionStore {
  readonly location: string;
  /** Adds or keeps each address (an existing suppression is left as it is: the first reason and time stay). */
  add(entries: readonly Suppression[]): Promise<void>;
  get(email: string): Promise<Suppression | undefined>;
}

/** One message taken from the event queue (SQS), not yet deleted. */
export interface ReceivedMessage {
  id: string;
  /** What `acknowledge` needs to delete it (SQS receipt handle). */
  receipt: string;
  body: string;
  /** How many times the queue has handed it out (SQS ApproximateReceiveCount). */
  receiveCount: number;
}

/** The queue delivery events and inbound-mail notifications arrive on (SQS on aws). */
export interface EventSource {
  readonly location: string;
  /** Up to `max` (≤ 10) messages, a short poll: an empty list means the queue is drained for now. */
  receive(max: number): Promise<ReceivedMessage[]>;
  /** Deletes messages whose content is durably applied. */
  acknowledge(receipts: readonly string[]): Promise<void>;
  /** Messages waiting and the age of the oldest (doctor). */
  depth(): Promise<{ visible: number; inFlight: number; oldestAgeSeconds: number | undefined }>;
}

export interface AuditLog {
  readonly location: string;
  record(entry: AuditEntry): Promise<void>;
  /** Every entry for an address, oldest first. */
  history(email: string): Promise<AuditEntry[]>;
}

/** What the provider itself can tell about one message, without events (the local outbox; SES cannot). */
export interface ProviderRecord {
  /**
   * 'sent' when the provider holds the message, 'not-sent' when it certainly does not, 'unknown' when it cannot tell.
   * `messageId` is dn-mailer's own Message-ID (`messageIdFor(campaignId, email, from)`): an `unknown` row has no
   * provider ID, but the core can recompute this one.
   */
  lookup(messageId: string): Promise<'sent' | 'not-sent' | 'unknown'>;
}
