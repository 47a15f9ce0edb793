import { RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { IamScope } from '../../src/adapters/aws/iam-policy.js';
import type { StackSettings } from './settings.js';

/** The KMS key of the unsubscribe tokens, as the endpoint and the config name it and as IAM grants it. */
export interface TokenKey {
  /** `DN_KMS_KEY_ID`, `unsubscribe.kmsKeyId` and the KmsKeyId output: an alias or a key ARN. */
  keyId: string;
  grant: NonNullable<IamScope['kmsKey']>;
}

/**
 * An existing key by ARN (`-c kmsKeyArn`), an existing alias (`-c existingKmsAlias`: Distro Nation's deployed
 * endpoint already owns `alias/dn-unsubscribe`, and an alias cannot be created twice), or else a new symmetric key
 * with yearly rotation and the alias `kmsAlias`. A new key is retained when the stack is deleted: without it, no
 * link in a mail already sent can be read.
 */
export function tokenKey(scope: Construct, settings: StackSettings): TokenKey {
  if (settings.kmsKeyArn) return { keyId: settings.kmsKeyArn, grant: { arn: settings.kmsKeyArn } };
  if (settings.existingKmsAlias) {
    return { keyId: settings.existingKmsAlias, grant: { alias: settings.existingKmsAlias } };
  }
  const key = new kms.Key(scope, 'TokenKey', {
    description: 'dn-mailer unsubscribe tokens: KMS ciphertext of {email, topic, timestamp}',
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  key.addAlias(settings.kmsAlias);
  return { keyId: settings.kmsAlias, grant: { arn: key.keyArn } };
}
