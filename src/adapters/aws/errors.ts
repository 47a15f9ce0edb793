import { BackendError, ConfigError } from '../../core/common/errors.js';

const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidAccessKeyId',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'TokenRefreshRequired',
]);
const ACCESS_ERRORS = new Set(['AccessDenied', 'AccessDeniedException', 'Forbidden']);
const NOT_FOUND_ERRORS = new Set(['NoSuchBucket', 'ResourceNotFoundException']);

/** A DynamoDB write whose ConditionExpression was false (nothing written). */
export function isConditionFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/**
 * A plain DynamoDB write (UpdateItem, PutItem) refused because a transaction was writing the same item at that
 * moment; the SDK does not retry it. `error` may be the SDK's error or its translation by `translateAwsError` (the
 * cause).
 */
export function isTransactionConflict(error: unknown): boolean {
  const named = (value: unknown) => value instanceof Error && value.name === 'TransactionConflictException';
  return named(error) || (error instanceof Error && named(error.cause));
}

/** Turns an AWS SDK error into the project's errors: credentials and permissions are config, the rest backend. */
export function translateAwsError(error: unknown, doing: string): Error {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  if (/region is missing/i.test(message)) {
    return new ConfigError(`no AWS region is set (while ${doing})`, {
      cause: error,
      hint: 'set AWS_REGION (or the region of your AWS profile); reports.region / ses.region override it',
    });
  }
  if (ACCESS_ERRORS.has(name)) {
    return new ConfigError(`access denied while ${doing}`, {
      cause: error,
      hint: 'the AWS identity needs permission for this call (see README: AWS resources)',
    });
  }
  if (NOT_FOUND_ERRORS.has(name)) {
    return new ConfigError(`not found while ${doing}: ${message}`, {
      cause: error,
      hint: 'check the name in config',
    });
  }
  if (
    CREDENTIAL_ERRORS.has(name) ||
    /could not load credentials|credential.*(missing|expired)/i.test(message)
  ) {
    return new ConfigError(`AWS credentials were refused or not found while ${doing} (${name})`, {
      cause: error,
      hint: 'set AWS_PROFILE, run aws sso login, or provide credentials through the SDK chain',
    });
  }
  return new BackendError(`AWS call failed while ${doing}: ${message}`, {
    cause: error,
    hint: 'the SDK already retried; check the network or the service status and run again',
  });
}
