import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '../../core/common/errors.js';
import { translateAwsError } from './errors.js';

export interface SecretsManagerStore {
  /** The secret's string value; each secret is fetched at most once per run. */
  getSecretString(name: string): Promise<string>;
}

export function createSecretsManagerStore(client: SecretsManagerClient): SecretsManagerStore {
  const cache = new Map<string, Promise<string>>();
  return {
    getSecretString(name) {
      let pending = cache.get(name);
      if (!pending) {
        pending = fetchSecret(client, name);
        cache.set(name, pending);
        pending.catch(() => cache.delete(name));
      }
      return pending;
    },
  };
}

async function fetchSecret(client: SecretsManagerClient, name: string): Promise<string> {
  let answer: { SecretString?: string; SecretBinary?: Uint8Array };
  try {
    answer = await client.send(new GetSecretValueCommand({ SecretId: name }));
  } catch (error) {
    throw translateAwsError(error, `reading secret "${name}" from Secrets Manager`);
  }
  if (answer.SecretString !== undefined) return answer.SecretString;
  if (answer.SecretBinary !== undefined) return Buffer.from(answer.SecretBinary).toString('utf8');
  throw new ConfigError(`secret "${name}" has no value`, { hint: 'store the value in Secrets Manager' });
}
