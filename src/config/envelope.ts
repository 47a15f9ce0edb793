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
