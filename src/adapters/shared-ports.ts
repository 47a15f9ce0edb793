import type { BackendOptions, CampaignPorts, SubscriptionPorts } from '../backend.js';
import { sesListManagement, unsubscribeKmsKeyId } from '../config/envelope.js';
import type { LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { requireCampaignConfig } from '../config/validate.js';
import { ConfigError } from '../core/common/errors.js';
import type { RetryDeps } from '../core/common/retry.js';
import type { TokenFormat } from '../core/unsubscribe/token-format.js';
import type { UnsubscribeSettings } from '../core/unsubscribe/unsubscribe-links.js';
import { createAesTokenFormat, parseTokenKey } from '../core/unsubscribe/unsubscribe-token.js';
import {
  createUnsubscribeTokens,
  issuingFirst,
  type UnsubscribeTokens,
} from '../core/unsubscribe/unsubscribe-tokens.js';
import type { UserSource } from '../ports.js';
import { createCloudFrontLinkSigner } from './aws/cloudfront-signer.js';
import type { SecretsManagerStore } from './aws/secrets-manager.js';
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
 * the unsubscribe tokens — built from the config. Each backend's `createBackend` calls this once.
 */
export interface SharedPorts {
  users: UserSource;
  campaign: () => CampaignPorts;
  subscriptionSettings: Pick<SubscriptionPorts, 'tokens' | 'maxAgeDays' | 'topic'>;
}

export function createSharedPorts(loaded: LoadedConfig, options: BackendOptions): SharedPorts {
  const { config } = loaded;
  const resolveSecret = createSecretResolver({
    env: loaded.env,
    secretsManager: loadSecretsManager,
    register: (value, field) => options.secrets.register(value, field),
  });
  const retryDeps = (what: string): RetryDeps => ({
    sleep: options.sleep,
    random: options.random,
    onRetry: (info) => options.onProgress({ type: 'retrying', what, ...info }),
  });
  const korrect = createKorrect(config, resolveSecret, retryDeps);
  let campaign: CampaignPorts | undefined;
  const tokens = createTokensLoader(config, resolveSecret, retryDeps('KMS'));
  return {
    users: createUserSource(config, korrect, resolveSecret),
    campaign: () => {
      campaign ??= createCampaignPorts(config, resolveSecret, korrect, tokens);
      return campaign;
    },
    subscriptionSettings: {
      tokens,
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
  tokens: () => Promise<UnsubscribeTokens>,
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
        unsubscribe ??= loadUnsubscribeSettings(campaign, tokens);
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
  tokens: () => Promise<UnsubscribeTokens>,
): Promise<UnsubscribeSettings> {
  const { unsubscribe, email } = config;
  const managed = sesListManagement(unsubscribe);
  if (managed) return { mode: 'ses', topic: managed.topic, contactList: managed.contactList };
  if (unsubscribe.mode === 'own' && unsubscribe.baseUrl) {
    return {
      mode: 'own',
      baseUrl: unsubscribe.baseUrl,
      mailto: unsubscribe.mailto,
      topic: unsubscribe.topic,
      tokens: await tokens(),
    };
  }
  const noneReason = unsubscribe.mode === 'none' ? (unsubscribe.noneReason ?? null) : null;
  return { mode: 'static', url: email?.unsubscribeUrl ?? null, noneReason };
}

/**
 * The unsubscribe tokens: the issuing format (`unsubscribe.token`) first, then the other one when it is configured
 * too (an AES key, or a KMS key), so links of both kinds are read. Built on first use (the key is a secret; a KMS
 * client only when a KMS key is configured).
 */
function createTokensLoader(
  config: Config,
  resolveSecret: ResolveSecret,
  retryDeps: RetryDeps,
): () => Promise<UnsubscribeTokens> {
  let tokens: Promise<UnsubscribeTokens> | undefined;
  const { unsubscribe } = config;
  const build = async (): Promise<UnsubscribeTokens> => {
    const ref = unsubscribe.tokenKey;
    const kmsKeyId = unsubscribeKmsKeyId(unsubscribe);
    if (!ref && (unsubscribe.token === 'aes' || !kmsKeyId)) {
      throw new ConfigError(
        'unsubscribe.tokenKey: required to make or check unsubscribe tokens (token aes)',
        {
          hint: 'set unsubscribe.tokenKey to a { file } / { env } / { secret } holding 32 random bytes (openssl rand -base64 32), or use unsubscribe.token: kms',
        },
      );
    }
    const aes = ref
      ? createAesTokenFormat(parseTokenKey(await resolveSecret(ref, 'unsubscribe.tokenKey')))
      : undefined;
    const kms = kmsKeyId ? await loadKmsTokenFormat(kmsKeyId, retryDeps) : undefined;
    return createUnsubscribeTokens({
      formats: issuingFirst(unsubscribe.token, [aes, kms]),
      maxAgeDays: unsubscribe.maxAgeDays,
    });
  };
  return () => {
    tokens ??= build();
    return tokens;
  };
}

/*
 * The AWS SDK is loaded only when a run needs one of its services: on the local backend, a config without a
 * `{ secret }` reference or a KMS key never loads it (it is most of the CLI's start-up memory and time).
 */

/** The Secrets Manager store, its SDK client loaded on the first secret read. */
function loadSecretsManager(): SecretsManagerStore {
  let store: Promise<SecretsManagerStore> | undefined;
  return {
    async getSecretString(name) {
      store ??= Promise.all([import('./aws/secrets-manager.js'), import('./aws/clients.js')]).then(
        ([secrets, clients]) => secrets.createSecretsManagerStore(clients.createSecretsManagerClient()),
      );
      return (await store).getSecretString(name);
    },
  };
}

/** The KMS token format (`unsubscribe.kmsKeyId`), with the KMS client loaded for it. */
async function loadKmsTokenFormat(keyId: string, retryDeps: RetryDeps): Promise<TokenFormat> {
  const [{ createKmsTokenFormat }, { createKmsClient }] = await Promise.all([
    import('./aws/kms-token-format.js'),
    import('./aws/clients.js'),
  ]);
  return createKmsTokenFormat(createKmsClient(), { keyId, ...retryDeps });
}
