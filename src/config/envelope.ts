import type { Envelope } from '../core/send/outgoing.js';
import type { Config } from './schema.js';

type UnsubscribeConfig = Pick<Config['unsubscribe'], 'mode' | 'contactList' | 'topic'>;

/** SES manages the opt-outs (ListManagementOptions) only in `ses` mode with a contact list. */
export function sesListManagement(
  unsubscribe: UnsubscribeConfig,
): { contactList: string; topic: string } | undefined {
  return unsubscribe.mode === 'ses' && unsubscribe.contactList
    ? { contactList: unsubscribe.contactList, topic: unsubscribe.topic }
    : undefined;
}

/** Who every message of a run is from and, in `ses` mode, which SES contact list and topic it belongs to. */
export function envelopeOf(
  email: Pick<NonNullable<Config['email']>, 'from' | 'replyTo' | 'bcc'>,
  unsubscribe: UnsubscribeConfig,
  redirectTo: string | undefined,
): Envelope {
  return {
    from: email.from,
    replyTo: email.replyTo,
    bcc: email.bcc,
    redirectTo,
    listManagement: sesListManagement(unsubscribe),
  };
}

/** The KMS key of unsubscribe tokens in the KMS format, when the config reads or issues them (else undefined). */
export const DEFAULT_UNSUBSCRIBE_KMS_KEY = 'alias/dn-unsubscribe';

/** Whether links' tokens can be read at all (an AES key or a KMS key). */
export function unsubscribeTokensConfigured(unsubscribe: Config['unsubscribe']): boolean {
  return unsubscribe.tokenKey !== undefined || unsubscribeKmsKeyId(unsubscribe) !== undefined;
}

export function unsubscribeKmsKeyId(unsubscribe: Config['unsubscribe']): string | undefined {
  return unsubscribe.kmsKeyId ?? (unsubscribe.token === 'kms' ? DEFAULT_UNSUBSCRIBE_KMS_KEY : undefined);
}
