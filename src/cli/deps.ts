import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createS3ReportStore } from '../adapters/aws/s3-report-store.js';
import { createSecretsManagerStore } from '../adapters/aws/secrets-manager.js';
import { createKorrectClient } from '../adapters/korrect/client.js';
import { createKorrectUserSource } from '../adapters/korrect/users.js';
import { createDirectoryReportStore } from '../adapters/local/report-dir.js';
import { createFileUserSource } from '../adapters/local/users-file.js';
import { createSecretResolver, type ResolveSecret } from '../adapters/secrets.js';
import type { LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';
import { ignoreProgress, type OnProgress } from '../core/events.js';
import type { RecipientRules } from '../core/recipients.js';
import type { ReportPattern } from '../core/report-paths.js';
import type { RetryDeps } from '../core/retry.js';
import type { Clock, Random, ReportStore, Sleep, UserSource } from '../ports.js';

/** Everything the core use cases need, built once per run from the config. */
export interface Deps {
  config: Config;
  users: UserSource;
  reports: ReportStore;
  rules: RecipientRules;
  patterns: readonly ReportPattern[];
  resolveSecret: ResolveSecret;
  clock: Clock;
  sleep: Sleep;
  random: Random;
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
  return {
    config,
    users: overrides.users ?? createUserSource(config, resolveSecret, retryDeps('Korrect users')),
    reports: overrides.reports ?? createReportStore(config),
    rules: { excludeEmails: config.users.excludeEmails, customIdAliases: config.users.customIdAliases },
    patterns: config.reports.patterns,
    resolveSecret,
    clock: overrides.clock ?? { now: () => new Date() },
    sleep,
    random,
  };
}

function createUserSource(config: Config, resolveSecret: ResolveSecret, retry: RetryDeps): UserSource {
  const { users } = config;
  if (users.source === 'file') {
    if (!users.file) throw new ConfigError('users.file: required when users.source is file');
    return createFileUserSource(users.file);
  }
  const korrect = users.korrect;
  if (!korrect) throw new ConfigError('users.korrect: required when users.source is korrect');
  let apiKey: Promise<string> | undefined;
  const client = createKorrectClient({
    baseUrl: korrect.baseUrl,
    apiKey: () => {
      apiKey ??= resolveSecret(korrect.apiKey, 'users.korrect.apiKey');
      return apiKey;
    },
    timeoutMs: korrect.timeoutMs,
    retry: { retries: korrect.retries, baseDelayMs: 500, maxDelayMs: 10_000 },
    deps: retry,
  });
  return createKorrectUserSource(client);
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
