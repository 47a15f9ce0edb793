import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createCloudFrontLinkSigner } from '../adapters/aws/cloudfront-signer.js';
import { createS3ReportStore } from '../adapters/aws/s3-report-store.js';
import { createSecretsManagerStore } from '../adapters/aws/secrets-manager.js';
import { createKorrectClient, type KorrectClient } from '../adapters/korrect/client.js';
import { createKorrectPayoutSource } from '../adapters/korrect/payouts.js';
import { createKorrectUserSource } from '../adapters/korrect/users.js';
import { createFilePayoutSource } from '../adapters/local/payouts-file.js';
import { createDirectoryReportStore } from '../adapters/local/report-dir.js';
import { createTemplateStore } from '../adapters/local/templates.js';
import { createFileUserSource } from '../adapters/local/users-file.js';
import { createSecretResolver, type ResolveSecret } from '../adapters/secrets.js';
import type { LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { requireCampaignConfig } from '../config/validate.js';
import { ConfigError } from '../core/common/errors.js';
import { ignoreProgress, type OnProgress } from '../core/common/progress-events.js';
import type { RetryDeps } from '../core/common/retry.js';
import type { CampaignSettings } from '../core/plan/plan-campaign.js';
import type { RecipientRules } from '../core/recipients/recipients-from-users.js';
import type { ReportPattern } from '../core/reports/report-paths.js';
import type { UnsubscribeSettings } from '../core/unsubscribe/unsubscribe-links.js';
import { parseTokenKey } from '../core/unsubscribe/unsubscribe-token.js';
import type {
  Clock,
  LinkSigner,
  PayoutSource,
  Random,
  ReportStore,
  Sleep,
  TemplateStore,
  UserSource,
} from '../ports.js';
import { createSendingParts, type SendingParts } from './deps-sending.js';
import { createUnsubscribeParts, type UnsubscribeParts } from './deps-unsubscribe.js';

/** Everything the core use cases need, built once per run from the config. */
export interface Deps {
  config: Config;
  users: UserSource;
  reports: ReportStore;
  rules: RecipientRules;
  patterns: readonly ReportPattern[];
  resolveSecret: ResolveSecret;
  /** Built on first use, after the campaign sections of the config are checked. */
  campaign: () => CampaignParts;
  /** The sending ports (mailer, ledger, gates, …), opened on first use; the caller closes them. */
  sending: () => SendingParts;
  /** The contact list, audit trail and token key (unsubscribe commands, the endpoint); the caller closes them. */
  unsubscribe: () => UnsubscribeParts;

  clock: Clock;
  sleep: Sleep;
  random: Random;
}

/** What a campaign (send, dry run, preview) needs on top of `Deps`. */
export interface CampaignParts {
  payouts: PayoutSource;
  signer: LinkSigner;
  templates: TemplateStore;
  settings: CampaignSettings;
  email: NonNullable<Config['email']>;
}

export interface DepsOptions {
  onProgress?: OnProgress;
  overrides?: Partial<Deps>;
}

const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The one place adapters are chosen and wired (STYLE.md: `createDeps(config, overrides)`). */
export function createDeps(loaded: LoadedConfig, options: DepsOptions = {}): Deps {
  const { config } = loaded;
  const onProgress = options.onProgress ?? ignoreProgress;
  const overrides = options.overrides ?? {};
  const sleep = overrides.sleep ?? realSleep;
  const random = overrides.random ?? Math.random;
  const resolveSecret =
    overrides.resolveSecret ??
    createSecretResolver({
      env: loaded.env,
      secretsManager: () => createSecretsManagerStore(new SecretsManagerClient({})),
    });
  const retryDeps = (what: string): RetryDeps => ({
    sleep,
    random,
    onRetry: (info) => onProgress({ type: 'retrying', what, ...info }),
  });
  const korrect = createKorrect(config, resolveSecret, retryDeps);
  return {
    config,
    users: overrides.users ?? createUserSource(config, korrect, resolveSecret),
    campaign: () => overrides.campaign?.() ?? createCampaignParts(config, resolveSecret, korrect),
    sending: () => overrides.sending?.() ?? createSendingParts(config),
    unsubscribe: () => overrides.unsubscribe?.() ?? createUnsubscribeParts(config, loaded.env, resolveSecret),

    reports: overrides.reports ?? createReportStore(config),
    rules: { excludeEmails: config.users.excludeEmails, customIdAliases: config.users.customIdAliases },
    patterns: config.reports.patterns,
    resolveSecret,
    clock: overrides.clock ?? { now: () => new Date() },
    sleep,
    random,
  };
}

type KorrectFactory = (what: string) => KorrectClient;

/** One Korrect connection setting for users and payouts; the API key is resolved once, on first use. */
function createKorrect(
  config: Config,
  resolveSecret: ResolveSecret,
  retryDeps: (what: string) => RetryDeps,
): KorrectFactory {
  let apiKey: Promise<string> | undefined;
  return (what) => {
    const korrect = config.users.korrect;
    if (!korrect) throw new ConfigError(`users.korrect: required to read ${what} from Korrect`);
    return createKorrectClient({
      baseUrl: korrect.baseUrl,
      apiKey: () => {
        apiKey ??= resolveSecret(korrect.apiKey, 'users.korrect.apiKey');
        return apiKey;
      },
      timeoutMs: korrect.timeoutMs,
      retry: { retries: korrect.retries, baseDelayMs: 500, maxDelayMs: 10_000 },
      deps: retryDeps(`Korrect ${what}`),
    });
  };
}

function createUserSource(config: Config, korrect: KorrectFactory, resolveSecret: ResolveSecret): UserSource {
  const { users } = config;
  if (users.source === 'file') {
    if (!users.file) throw new ConfigError('users.file: required when users.source is file');
    return createFileUserSource(users.file);
  }
  if (users.source === 'firestore') {
    const firestore = users.firestore;
    if (!firestore) throw new ConfigError('users.firestore: required when users.source is firestore');
    return {
      origin: `Firestore ${firestore.projectId ?? '(project of the service account)'}/${firestore.collection}`,
      // firebase-admin is heavy to load: only runs that read Firestore pay for it.
      async loadUsers() {
        const { createFirestoreUserSource, openFirestore } = await import(
          '../adapters/firebase/firestore-users.js'
        );
        const serviceAccount = await resolveSecret(
          firestore.serviceAccount,
          'users.firestore.serviceAccount',
        );
        const source = createFirestoreUserSource(
          async () => openFirestore(serviceAccount, firestore.projectId),
          {
            collection: firestore.collection,
            projectId: firestore.projectId,
          },
        );
        return source.loadUsers();
      },
    };
  }
  return createKorrectUserSource(korrect('users'));
}

function createCampaignParts(
  config: Config,
  resolveSecret: ResolveSecret,
  korrect: KorrectFactory,
): CampaignParts {
  const campaign = requireCampaignConfig(config);
  const { payouts, links, email } = campaign;
  let privateKey: Promise<string> | undefined;
  let unsubscribe: Promise<UnsubscribeSettings> | undefined;
  return {
    payouts:
      payouts.source === 'file' && payouts.file
        ? createFilePayoutSource(payouts.file)
        : createKorrectPayoutSource(korrect('payouts'), payouts),
    signer: createCloudFrontLinkSigner({
      baseUrl: links.baseUrl,
      keyPairId: links.keyPairId,
      privateKey: () => {
        privateKey ??= resolveSecret(links.privateKey, 'links.privateKey');
        return privateKey;
      },
    }),
    templates: createTemplateStore(email.templates),
    settings: {
      brandName: email.brandName,
      currency: payouts.currency,
      locale: payouts.locale,
      lang: payouts.locale.split('-')[0] ?? 'en',
      footerNote: email.footerNote ?? null,
      unsubscribe: () => {
        unsubscribe ??= loadUnsubscribeSettings(campaign, resolveSecret);
        return unsubscribe;
      },
      subject: email.subject,
      greeting: email.greeting,
      body: email.body,
      expiresInDays: links.expiresInDays,
      payoutType: payouts.payoutType,
    },
    email,
  };
}

function createReportStore(config: Config): ReportStore {
  const { reports } = config;
  if (config.backend === 'local') {
    if (!reports.dir) throw new ConfigError('reports.dir: required for the local backend');
    return createDirectoryReportStore(reports.dir);
  }
  if (!reports.bucket) throw new ConfigError('reports.bucket: required for the aws backend');
  const client = new S3Client({
    ...(reports.region ? { region: reports.region } : {}),
    forcePathStyle: reports.forcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  return createS3ReportStore(client, reports.bucket);
}

async function loadUnsubscribeSettings(
  config: Config,
  resolveSecret: ResolveSecret,
): Promise<UnsubscribeSettings> {
  const { unsubscribe, email } = config;
  if (unsubscribe.mode === 'ses' && unsubscribe.contactList) {
    return { mode: 'ses', topic: unsubscribe.topic, contactList: unsubscribe.contactList };
  }
  if (unsubscribe.mode === 'own' && unsubscribe.baseUrl && unsubscribe.tokenKey) {
    const key = parseTokenKey(await resolveSecret(unsubscribe.tokenKey, 'unsubscribe.tokenKey'));
    return {
      mode: 'own',
      baseUrl: unsubscribe.baseUrl,
      mailto: unsubscribe.mailto,
      topic: unsubscribe.topic,
      key,
    };
  }
  return { mode: 'static', url: email?.unsubscribeUrl ?? null };
}
