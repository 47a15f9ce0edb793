import type { LoadedConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import type { OnProgress } from './core/common/progress-events.js';
import type { SecretRegistry } from './core/common/secret-registry.js';
import type { BackendDoctorChecks } from './core/doctor/doctor-checks.js';
import type { PlannedMessage } from './core/plan/build-plan.js';
import type { Manifest } from './core/plan/manifest.js';
import type { CampaignSettings } from './core/plan/plan-campaign.js';
import type { Approval } from './core/plan/plan-digest.js';
import type { UnsubscribeTokens } from './core/unsubscribe/unsubscribe-tokens.js';
import type {
  AuditLog,
  Clock,
  ContactList,
  EventSource,
  GateList,
  LinkSigner,
  Mailer,
  PayoutSource,
  ProviderRecord,
  Random,
  ReportStore,
  RunInstance,
  SendingAccount,
  SendLedger,
  Sleep,
  SuppressionStore,
  TemplateStore,
  TrackingStore,
  UserSource,
} from './ports.js';

/**
 * What a backend gives the program: every port, built in one place per backend (`adapters/<backend>/backend.ts`)
 * and chosen through the map in `adapters/backends.ts`. Commands see these through `deps` and nothing else.
 */
export interface Backend {
  readonly name: Config['backend'];
  users: UserSource;
  reports: ReportStore;
  /** Payouts, link signer, templates and settings: built on first use, after the campaign sections are checked. */
  campaign(): CampaignPorts;
  /** The sending ports (mailer, ledger, gates, …), opened on first use; the caller closes them. */
  sending(): SendingPorts;
  /**
   * The queue SES delivery events and inbound unsubscribe mails arrive on (aws: SQS `events.queueUrl`), or
   * undefined when none is configured (the local backend reads events from a file: `events import`).
   */
  events(): EventSource | undefined;
  /** Parses an inbound mail's raw MIME (mailto opt-outs, `events sync`): its From address and Subject. */
  parseMime(raw: string): Promise<{ from?: string | undefined; subject?: string | undefined }>;
  /** Reads the raw MIME an SES receipt rule stored in S3; absent: this backend cannot (such mails stay queued). */
  fetchStoredMail?: ((bucket: string, key: string) => Promise<string>) | undefined;
  /** The contact list, audit trail and token key (unsubscribe commands, the endpoint); the caller closes them. */
  subscriptions(): SubscriptionPorts;
  /** Files written on this machine whatever the backend: previews, reports, the browser. */
  files: LocalFiles;
  /** Serves an HTTP request handler on this machine (`dn-mailer serve`). */
  listener: HttpListener;
  /** The backend's own doctor checks (identity, sending account, ledger); the common ones live in core. */
  doctor: BackendDoctorChecks;
  clock: Clock;
  sleep: Sleep;
  random: Random;
  /** This process (host, PID), named in the ledger claims of a send. */
  instance: RunInstance;
}

/** What a campaign (send, dry run, preview) needs on top of the users and reports. */
export interface CampaignPorts {
  payouts: PayoutSource;
  signer: LinkSigner;
  templates: TemplateStore;
  settings: CampaignSettings;
  email: NonNullable<Config['email']>;
}

/** The ports a real send needs. */
export interface SendingPorts {
  mailer: Mailer;
  account: SendingAccount;
  gates: GateList[];
  ledger: SendLedger;
  tracking: TrackingStore;
  /** Bounced and complained addresses (the reference's suppression table), written by `events`, read as a gate. */
  suppressions: SuppressionStore;
  /** Whether the provider itself holds a message (the local outbox can tell; SES cannot): proof for unknown rows. */
  providerRecord: ProviderRecord;
  /** Where the ledger lives, for messages (`status`, summaries). */
  ledgerLocation: string;
  close(): void;
}

/** The contact list, the audit trail and the token key, for the unsubscribe commands and the endpoint. */
export interface SubscriptionPorts {
  contacts: ContactList;
  audit: AuditLog;
  /** The operator, for audit rows written from the CLI. */
  actor: () => Promise<string>;
  /** The unsubscribe tokens in every configured format (the key loaded on first use). */
  tokens: () => Promise<UnsubscribeTokens>;
  maxAgeDays: number;
  topic: string;
  close(): void;
}

export interface PreviewEnvelope {
  from: string;
  replyTo?: string | undefined;
  bcc: readonly string[];
  date: Date;
}

/** A dry run's preview folder while the plan streams through it. */
export interface PreviewWriter {
  /** Writes `.html`, `.txt` and `.eml` of each message; `total`: the month's messages (the file names' width). */
  write(messages: readonly PlannedMessage[], total: number): Promise<void>;
  /** Writes `manifest.json` (piece by piece, never one string) and `plan-digest.txt` when it can be approved. */
  finish(manifest: Manifest): Promise<void>;
}

export interface LocalFiles {
  /** Refuses a preview folder that holds files other than earlier previews (nothing is written). */
  checkPreviewFolder(dir: string): Promise<void>;
  /** Replaces the previews in `dir` (earlier ones removed now); the plan's messages are written as they stream. */
  openPreviews(dir: string, campaignId: string, envelope: PreviewEnvelope): Promise<PreviewWriter>;
  /** Writes one preview page, creating its folder; returns its absolute path. */
  writePreviewHtml(file: string, html: string): Promise<string>;
  /** Writes one preview page as `name` in a new private folder (0700) under `tmpdir`; returns its path. */
  writeTempPreviewHtml(tmpdir: string, name: string, html: string): Promise<string>;
  /** Throws a usage error naming `flag` unless `file` could be written (its folder exists or can be created). */
  checkWritable(file: string, flag: string): Promise<void>;
  /** Writes an HTML campaign report, creating its folder; returns the absolute path. */
  writeReport(file: string, html: string): Promise<string>;
  openInBrowser(file: string): Promise<void>;
  /** Reads a dry run's approval (`--approve-file`): the digest and the reviewed plan from its manifest. */
  readApproval(file: string): Promise<Approval>;
}

export interface HttpListenOptions {
  port: number;
  host: string;
  /** Reverse proxies in front (0: none); the client IP is the X-Forwarded-For entry that many hops from the right. */
  trustProxy: number;
  onError: (error: unknown) => void;
}

/** What the unsubscribe endpoint reads and writes. */
export interface EndpointPorts {
  contacts: ContactList;
  audit: AuditLog;
  tokens: UnsubscribeTokens;
  maxAgeDays: number;
  brandName: string;
  clock: Clock;
  /** `unsubscribe.baseUrl`: its origin is the endpoint's own (a resubscribe must come from it or from `Host`). */
  publicUrl?: string | undefined;
}

export interface HttpListener {
  /** Serves the unsubscribe endpoint; resolves with its URL once listening. */
  serveUnsubscribe(
    endpoint: EndpointPorts,
    options: HttpListenOptions,
  ): Promise<{ url: string; close(): Promise<void> }>;
}

export interface BackendOptions {
  /** Where progress events go (retries while reading Korrect). */
  onProgress: OnProgress;
  clock: Clock;
  sleep: Sleep;
  random: Random;
  /** Every secret the backend resolves is registered here, so nothing the program writes can carry it. */
  secrets: SecretRegistry;
}

export type { BackendCheck, BackendDoctorChecks } from './core/doctor/doctor-checks.js';

export type CreateBackend = (loaded: LoadedConfig, options: BackendOptions) => Backend;

/**
 * A backend's entry in the map: its factory and the names of its own doctor checks (listed before a config loads).
 * The factory may load its modules first (the aws backend loads the AWS SDK only when a config names it).
 */
export interface BackendEntry {
  create: (loaded: LoadedConfig, options: BackendOptions) => Backend | Promise<Backend>;
  doctorCheckNames: { identity: readonly string[]; sending: readonly string[] };
}

/** What `init` writes with: fresh keys and files that never overwrite anything. */
export interface WorkspaceWriter {
  generateLocalKeys(): { privateKey: string; publicKey: string; tokenKey: string };
  /**
   * Writes every file into `dir` (each 0600, the folders it creates 0700), refusing before writing anything if one
   * exists or is a symlink; never writes through a symlink.
   */
  write(dir: string, files: readonly WorkspaceFile[]): Promise<string[]>;
}

export interface WorkspaceFile {
  path: string;
  content: string | Buffer;
}
