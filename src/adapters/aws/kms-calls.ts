import { DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { BackendError, ConfigError } from '../../core/common/errors.js';
import { RetryableError, type RetryDeps, type RetryPolicy, withRetry } from '../../core/common/retry.js';
import { UnsubscribeTokenError } from '../../core/unsubscribe/unsubscribe-token.js';
import type { Random, Sleep } from '../../ports.js';
import { translateAwsError } from './errors.js';

/**
 * KMS `Encrypt` / `Decrypt` for the unsubscribe tokens, with their retries and their errors in the project's terms.
 * Retries live here, not in the SDK (`createKmsClient` sets `maxAttempts: 1`): a plan sends one Encrypt per
 * recipient, and when KMS throttles them (its request quota is shared by the whole account and region) each is
 * retried with jittered exponential backoff a bounded number of times, with the injected sleep, so a test counts the
 * requests and no retry is multiplied by another layer's.
 */
export interface KmsCallOptions {
  keyId: string;
  /** Default: 6 retries after the first attempt, 100 ms doubling to at most 4 s (about 6 s in the worst case). */
  retry?: RetryPolicy;
  sleep?: Sleep;
  random?: Random;
  /** Told about each retry (e.g. to show "KMS throttled, retrying"). */
  onRetry?: RetryDeps['onRetry'];
}

export const DEFAULT_KMS_RETRY: RetryPolicy = { retries: 6, baseDelayMs: 100, maxDelayMs: 4_000 };

export interface KmsCalls {
  encrypt(plaintext: Uint8Array, context: Record<string, string>): Promise<Uint8Array>;
  /** Throws UnsubscribeTokenError `tampered` (InvalidCiphertextException) or `wrong-key` (IncorrectKeyException). */
  decrypt(blob: Uint8Array, context: Record<string, string> | undefined): Promise<Uint8Array>;
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'LimitExceededException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottledException',
]);
const UNAVAILABLE = new Set([
  'KMSInternalException',
  'DependencyTimeoutException',
  'KeyUnavailableException',
  'InternalFailure',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

export function createKmsCalls(client: KMSClient, options: KmsCallOptions): KmsCalls {
  const { keyId } = options;
  const policy = options.retry ?? DEFAULT_KMS_RETRY;
  const deps: RetryDeps = {
    sleep: options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
    random: options.random ?? Math.random,
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  };

  async function send<T>(operation: 'Encrypt' | 'Decrypt', call: () => Promise<T>): Promise<T> {
    return withRetry(
      async () => {
        try {
          return await call();
        } catch (error) {
          const retry = classifyRetry(error);
          if (!retry) throw error;
          throw new RetryableError(retry.reason, () =>
            exhausted(operation, keyId, retry, policy.retries + 1, error),
          );
        }
      },
      policy,
      deps,
    );
  }

  return {
    async encrypt(plaintext, context) {
      try {
        const output = await send('Encrypt', () =>
          client.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: context })),
        );
        if (!output.CiphertextBlob?.length) {
          throw new BackendError(`KMS Encrypt with the key ${keyId} answered without a CiphertextBlob`, {
            hint: 'check that unsubscribe.kmsKeyId names a symmetric encryption key',
          });
        }
        return output.CiphertextBlob;
      } catch (error) {
        throw translateKmsError(error, 'Encrypt', keyId);
      }
    },
    async decrypt(blob, context) {
      try {
        const output = await send('Decrypt', () =>
          client.send(
            new DecryptCommand({
              CiphertextBlob: blob,
              KeyId: keyId,
              ...(context ? { EncryptionContext: context } : {}),
            }),
          ),
        );
        if (!output.Plaintext) {
          throw new BackendError(`KMS Decrypt with the key ${keyId} answered without a Plaintext`, {
            hint: 'check that unsubscribe.kmsKeyId names a symmetric encryption key',
          });
        }
        return output.Plaintext;
      } catch (error) {
        throw translateKmsError(error, 'Decrypt', keyId);
      }
    },
  };
}

interface RetryReason {
  kind: 'throttled' | 'unavailable';
  reason: string;
}

function classifyRetry(error: unknown): RetryReason | undefined {
  if (!(error instanceof Error)) return undefined;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = (error as { code?: unknown }).code;
  if (THROTTLING.has(error.name) || status === 429) return { kind: 'throttled', reason: error.name };
  if (UNAVAILABLE.has(error.name) || (status !== undefined && status >= 500)) {
    return { kind: 'unavailable', reason: `${error.name}${status ? ` (HTTP ${status})` : ''}` };
  }
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return { kind: 'unavailable', reason: code };
  return undefined;
}

function exhausted(
  operation: string,
  keyId: string,
  retry: RetryReason,
  attempts: number,
  cause: unknown,
): BackendError {
  if (retry.kind === 'throttled') {
    return new BackendError(
      `KMS throttled ${operation} with the key ${keyId} ${attempts} times in a row (${retry.reason})`,
      {
        cause,
        hint: 'the KMS request quota is shared by the account and region: run again in a few minutes, or ask AWS for a higher "cryptographic operations (symmetric) request rate" quota',
      },
    );
  }
  return new BackendError(
    `KMS ${operation} with the key ${keyId} failed ${attempts} times: ${retry.reason}`,
    { cause, hint: 'check the network and the AWS Health Dashboard, then run again' },
  );
}

/** What is not the token's fault is not a token error: a missing, disabled or forbidden key is the config's. */
function translateKmsError(error: unknown, operation: 'Encrypt' | 'Decrypt', keyId: string): Error {
  if (error instanceof UnsubscribeTokenError || error instanceof BackendError) return error;
  const name = error instanceof Error ? error.name : '';
  const detail = error instanceof Error && error.message ? `: ${error.message}` : '';
  const describe = `aws kms describe-key --key-id ${keyId}`;
  if (operation === 'Decrypt' && name === 'InvalidCiphertextException') {
    return new UnsubscribeTokenError(
      'tampered',
      'unsubscribe token: KMS refused it as not authentic, it was changed after it was made',
    );
  }
  if (operation === 'Decrypt' && name === 'IncorrectKeyException') {
    return new UnsubscribeTokenError(
      'wrong-key',
      'unsubscribe token: made with another KMS key than unsubscribe.kmsKeyId (another key or another deployment)',
    );
  }
  const config = (problem: string, hint: string) =>
    new ConfigError(`unsubscribe.kmsKeyId: ${problem} (KMS ${operation}, ${name}${detail})`, {
      cause: error,
      hint,
    });
  switch (name) {
    case 'NotFoundException':
      return config(
        `the KMS key ${keyId} does not exist in this account and region`,
        `check it with: ${describe} (same region as the run); create it (the stack's KmsKeyId output) or fix unsubscribe.kmsKeyId`,
      );
    case 'DisabledException':
      return config(
        `the KMS key ${keyId} is disabled`,
        `enable it (aws kms enable-key --key-id <its key ARN>); ${describe} shows its state`,
      );
    case 'KMSInvalidStateException':
      return config(
        `the KMS key ${keyId} cannot be used in its current state (pending deletion, or pending import)`,
        `${describe} shows its KeyState; aws kms cancel-key-deletion --key-id <its key ARN> undoes a scheduled deletion`,
      );
    case 'InvalidKeyUsageException':
      return config(
        `the KMS key ${keyId} is not a symmetric encryption key (ENCRYPT_DECRYPT)`,
        `${describe} shows its KeyUsage and KeySpec; use a SYMMETRIC_DEFAULT key`,
      );
    case 'AccessDeniedException':
      return config(
        `this AWS identity may not call kms:${operation} on the key ${keyId}`,
        'grant kms:Encrypt and kms:Decrypt on the key to this identity, in its IAM policy and the key policy (dn-mailer doctor --iam-policy prints the policy)',
      );
    default:
      return translateAwsError(error, `calling KMS ${operation} with the key ${keyId}`);
  }
}
