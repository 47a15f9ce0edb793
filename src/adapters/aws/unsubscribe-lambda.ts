import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConfigError } from '../../core/common/errors.js';
import { createAesTokenFormat, parseTokenKey } from '../../core/unsubscribe/unsubscribe-token.js';
import { createUnsubscribeTokens, issuingFirst } from '../../core/unsubscribe/unsubscribe-tokens.js';
import {
  type ApiGatewayResult,
  type ApiGatewayV1Event,
  type ApiGatewayV2Event,
  toLambdaHandler,
} from '../http/lambda.js';
import { createUnsubscribeHandler } from '../http/unsubscribe-handler.js';
import { createKmsClient, createSecretsManagerClient } from './clients.js';
import { createDynamoAuditLog } from './dynamo-audit.js';
import { createKmsTokenFormat } from './kms-token-format.js';
import { createSecretsManagerStore } from './secrets-manager.js';
import { createSesContactList } from './ses-contact-list.js';

/**
 * The deployed unsubscribe endpoint (infra/: a Lambda behind a function URL): the same handler as `dn-mailer serve`,
 * on the SES contact list and the DynamoDB audit table (the topic is the token's), configured by the environment
 * the stack sets:
 *
 *   DN_CONTACT_LIST      SES contact list (required)          DN_AUDIT_TABLE   DynamoDB audit table (required)
 *   DN_BRAND_NAME        brand on the pages (Distro Nation)   DN_MAX_AGE_DAYS  days a link works (30)
 *   DN_PUBLIC_URL        the endpoint's public URL, when a custom domain is in front (optional)
 *   DN_KMS_KEY_ID        KMS key: tokens in the KMS format are read (the old Lambda's links and dn-mailer's)
 *   DN_TOKEN_KEY_SECRET  Secrets Manager secret of the AES key: dn-mailer's own tokens are read too
 *   DN_TOKEN_FORMAT      kms | aes: the format of the resubscribe buttons' tokens (kms)
 *
 * Everything is built on the first request and reused while the Lambda stays warm. A wrong environment fails that
 * request with a 500 and the reason in the log (CloudWatch), never a half-configured endpoint.
 */
export function createUnsubscribeLambda(
  env: Readonly<Record<string, string | undefined>>,
  /** Where problems are told (the Lambda's stderr goes to CloudWatch Logs). */
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): (event: ApiGatewayV1Event | ApiGatewayV2Event) => Promise<ApiGatewayResult> {
  let ready: Promise<(event: ApiGatewayV1Event | ApiGatewayV2Event) => Promise<ApiGatewayResult>> | undefined;
  return async (event) => {
    // A failed start is not kept: the next request tries again (a secret or a permission fixed meanwhile).
    ready ??= build(env, log).catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    let handle: (event: ApiGatewayV1Event | ApiGatewayV2Event) => Promise<ApiGatewayResult>;
    try {
      handle = await ready;
    } catch (error) {
      log(describe(error));
      return {
        statusCode: 500,
        headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
        body: 'The unsubscribe service is not available right now. Please try again later.',
        isBase64Encoded: false,
      };
    }
    return handle(event);
  };
}

async function build(env: Readonly<Record<string, string | undefined>>, log: (line: string) => void) {
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) throw new ConfigError(`${name}: required in the unsubscribe Lambda's environment`);
    return value;
  };
  const contactList = required('DN_CONTACT_LIST');
  const auditTable = required('DN_AUDIT_TABLE');
  const maxAgeDays = Number(env.DN_MAX_AGE_DAYS ?? '30');
  if (!Number.isInteger(maxAgeDays) || maxAgeDays < 1 || maxAgeDays > 365)
    throw new ConfigError(`DN_MAX_AGE_DAYS: expected whole days from 1 to 365, got "${env.DN_MAX_AGE_DAYS}"`);
  const issuing = env.DN_TOKEN_FORMAT?.trim() || 'kms';
  if (issuing !== 'kms' && issuing !== 'aes')
    throw new ConfigError(`DN_TOKEN_FORMAT: expected kms or aes, got "${issuing}"`);

  const kmsKeyId = env.DN_KMS_KEY_ID?.trim();
  const kms = kmsKeyId ? createKmsTokenFormat(createKmsClient(), { keyId: kmsKeyId }) : undefined;
  const secret = env.DN_TOKEN_KEY_SECRET?.trim();
  const aes = secret
    ? createAesTokenFormat(
        parseTokenKey(await createSecretsManagerStore(createSecretsManagerClient()).getSecretString(secret)),
      )
    : undefined;
  const formats = issuingFirst(issuing, [aes, kms]);
  if (formats.length === 0)
    throw new ConfigError('DN_KMS_KEY_ID or DN_TOKEN_KEY_SECRET: set at least one, the links cannot be read');

  const handler = createUnsubscribeHandler({
    contacts: createSesContactList(new SESv2Client({}), { contactList }),
    audit: createDynamoAuditLog(
      DynamoDBDocumentClient.from(new DynamoDBClient({}), {
        marshallOptions: { removeUndefinedValues: true },
      }),
      auditTable,
    ),
    tokens: createUnsubscribeTokens({ formats, maxAgeDays }),
    maxAgeDays,
    brandName: env.DN_BRAND_NAME?.trim() || 'Distro Nation',
    clock: { now: () => new Date() },
    publicUrl: env.DN_PUBLIC_URL?.trim() || undefined,
    onError: (error) => log(describe(error)),
  });
  return toLambdaHandler(handler);
}

function describe(error: unknown): string {
  return `dn-mailer unsubscribe endpoint: ${error instanceof Error ? error.message : String(error)}`;
}
