import type { BackendOptions, CampaignPorts, SubscriptionPorts } from '../backend.js';
import { sesListManagement } from '../config/envelope.js';
import type { LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { requireCampaignConfig } from '../config/validate.js';
import { ConfigError } from '../core/common/errors.js';
import type { RetryDeps } from '../core/common/retry.js';
import type { UnsubscribeSettings } from '../core/unsubscribe/unsubscribe-links.js';
import { parseTokenKey } from '../core/unsubscribe/unsubscribe-token.js';
import type { UserSource } from '../ports.js';
import { createSecretsManagerClient } from './aws/clients.js';
import { createCloudFrontLinkSigner } from './aws/cloudfront-signer.js';
import { createSecretsManagerStore } from './aws/secrets-manager.js';
import { loadFirestoreAdapter } from './firebase/load-firestore.js';
import { createKorrectClient, type KorrectClient } from './korrect/client.js';
import { createKorrectPayoutSource } from './korrect/payouts.js';
import { createKorrectUserSource } from './korrect/users.js';
import { createFilePayoutSource } from './local/payouts-file.js';
import { createTemplateStore } from './local/templates.js';
import { createFileUserSource } from './local/users-file.js';
import { createSecretResolver, type ResolveSecret } from './secrets.js';

/**
 * The ports both backends share — users (Korrect, a file or Firestore), payouts, the CloudFront signer, templates,
 * the unsubscribe token key — built from the config. Each backend's `createBackend` calls this once.
 */
export interface SharedPorts {
  users: UserSource;
  campaign: () => CampaignPorts;
  tokenKey: () => Promise<Buffer>;
  subscriptionSettings: Pick<SubscriptionPorts, 'tokenKey' | 'maxAgeDays' | 'topic'>;
}

export function createSharedPorts(loaded: LoadedConfig, options: BackendOptions): SharedPorts {
  const { config } = loaded;
  const resolveSecret = createSecretResolver({
    env: loaded.env,
    secretsManager: () => createSecretsManagerStore(createSecretsManagerClient()),
    register: (value, field) => options.secrets.register(value, field),
  });
  const retryDeps = (what: string): RetryDeps => ({
    sleep: options.sleep,
    random: options.random,
    onRetry: (info) => options.onProgress({ type: 'retrying', what, ...info }),
  });
  const korrect = createKorrect(config, resolveSecret, retryDeps);
  let campaign: CampaignPorts | undefined;
  const tokenKey = createTokenKeyLoader(config, resolveSecret);
  return {
    users: createUserSource(config, korrect, resolveSecret),
    campaign: () => {
      campaign ??= createCampaignPorts(config, resolveSecret, korrect, tokenKey);
      return campaign;
    },
    tokenKey,
    subscriptionSettings: {
      tokenKey,
      maxAgeDays: config.unsubscribe.maxAgeDays,
      topic: config.unsubscribe.topic,
    },
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
        apiKey ??= resolveSecret(korrect.apiKey, 'users.korrect.apiKey', 'header');
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
        const { createFirestoreUserSource, openFirestore } = await loadFirestoreAdapter();
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

function createCampaignPorts(
  config: Config,
  resolveSecret: ResolveSecret,
  korrect: KorrectFactory,
  tokenKey: () => Promise<Buffer>,
): CampaignPorts {
  const campaign = requireCampaignConfig(config);
  const { payouts, links, email } = campaign;
  const payoutTypes = payouts.payoutTypes ?? [payouts.payoutType];
  let privateKey: Promise<string> | undefined;
  let unsubscribe: Promise<UnsubscribeSettings> | undefined;
  return {
    payouts:
      payouts.source === 'file' && payouts.file
        ? createFilePayoutSource(payouts.file, payoutTypes[0])
        : createKorrectPayoutSource(korrect('payouts'), payouts),
    signer: createCloudFrontLinkSigner({
      baseUrl: links.baseUrl,
      keyPairId: links.keyPairId,
      privateKey: () => {
        privateKey ??= resolveSecret(links.privateKey, 'links.privateKey', 'pem');
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
        unsubscribe ??= loadUnsubscribeSettings(campaign, tokenKey);
        return unsubscribe;
      },
      subject: email.subject,
      greeting: email.greeting,
      body: email.body,
      expiresInDays: links.expiresInDays,
      payoutTypes,
      columns: email.columns,
      requiredReportTypes: config.reports.required,
    },
    email,
  };
}

async function loadUnsubscribeSettings(
  config: Config,
  tokenKey: () => Promise<Buffer>,
): Promise<UnsubscribeSettings> {
  const { unsubscribe, email } = config;
  const managed = sesListManagement(unsubscribe);
  if (managed) return { mode: 'ses', topic: managed.topic, contactList: managed.contactList };
  if (unsubscribe.mode === 'own' && unsubscribe.baseUrl && unsubscribe.tokenKey) {
    return {
      mode: 'own',
      baseUrl: unsubscribe.baseUrl,
      mailto: unsubscribe.mailto,
      topic: unsubscribe.topic,
      key: await tokenKey(),
    };
  }
  const noneReason = unsubscribe.mode === 'none' ? (unsubscribe.noneReason ?? null) : null;
  return { mode: 'static', url: email?.unsubscribeUrl ?? null, noneReason };
}

function createTokenKeyLoader(config: Config, resolveSecret: ResolveSecret): () => Promise<Buffer> {
  let key: Promise<Buffer> | undefined;
  return () => {
    const ref = config.unsubscribe.tokenKey;
    if (!ref) {
      return Promise.reject(
        new ConfigError('unsubscribe.tokenKey: required to read or check unsubscribe tokens', {
          hint: 'set unsubscribe.tokenKey to a { file } / { env } / { secret } holding 32 random bytes (openssl rand -base64 32)',
        }),
      );
    }
    key ??= resolveSecret(ref, 'unsubscribe.tokenKey').then(parseTokenKey);
    return key;
  };
}
