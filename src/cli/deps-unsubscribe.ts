import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoAuditLog } from '../adapters/aws/dynamo-audit.js';
import { createSesContactList } from '../adapters/aws/ses-contact-list.js';
import { openSqliteStore } from '../adapters/local/sqlite-store.js';
import { whoAmI } from '../adapters/operator.js';
import type { ResolveSecret } from '../adapters/secrets.js';
import type { Env } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { ConfigError } from '../core/common/errors.js';
import { parseTokenKey } from '../core/unsubscribe/unsubscribe-token.js';
import type { AuditLog, ContactList } from '../ports.js';

/** The contact list, the audit trail and the token key, for the unsubscribe commands and the endpoint. */
export interface UnsubscribeParts {
  contacts: ContactList;
  audit: AuditLog;
  /** The operator, for audit rows written from the CLI. */
  actor: () => Promise<string>;
  /** The token key (a secret), loaded on first use. */
  tokenKey: () => Promise<Buffer>;
  maxAgeDays: number;
  topic: string;
  close(): void;
}

export function createUnsubscribeParts(
  config: Config,
  env: Env,
  resolveSecret: ResolveSecret,
): UnsubscribeParts {
  const { unsubscribe } = config;
  let key: Promise<Buffer> | undefined;
  const tokenKey = () => {
    const ref = unsubscribe.tokenKey;
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
  const common = { tokenKey, maxAgeDays: unsubscribe.maxAgeDays, topic: unsubscribe.topic };
  if (config.backend === 'local') {
    const store = openSqliteStore(config.tracking.file, { topic: unsubscribe.topic });
    return {
      ...common,
      contacts: store.contactList,
      audit: store.audit,
      actor: () => whoAmI({ env }),
      close: () => store.close(),
    };
  }
  const missing = [
    unsubscribe.contactList
      ? undefined
      : 'unsubscribe.contactList: required on the aws backend (the SES contact list)',
    config.tracking.auditTable
      ? undefined
      : 'tracking.auditTable: required on the aws backend (the audit trail)',
  ].filter((problem): problem is string => problem !== undefined);
  if (missing.length > 0 || !unsubscribe.contactList || !config.tracking.auditTable) {
    throw new ConfigError('the configuration cannot change contacts on the aws backend:', {
      details: missing,
      hint: 'README: AWS resources',
    });
  }
  const ses = new SESv2Client(config.ses.region ? { region: config.ses.region } : {});
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  let sts: STSClient | undefined;
  return {
    ...common,
    contacts: createSesContactList(ses, { contactList: unsubscribe.contactList }),
    audit: createDynamoAuditLog(doc, config.tracking.auditTable),
    actor: () =>
      whoAmI({
        env,
        stsClient: () => {
          sts ??= new STSClient({});
          return sts;
        },
      }),
    close: () => {
      ses.destroy();
      doc.destroy();
      sts?.destroy();
    },
  };
}
