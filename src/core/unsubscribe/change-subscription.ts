import type {
  AuditLog,
  AuditSource,
  Clock,
  ContactList,
  ContactPreferences,
  TopicStatus,
} from '../../ports.js';
import { isValidEmail, normalizeEmail } from '../common/email-address.js';
import { InputError } from '../common/errors.js';

export interface SubscriptionDeps {
  contacts: ContactList;
  audit: AuditLog;
  clock: Clock;
  /** Who makes the change (the operator's AWS identity or OS user), for the audit trail. */
  actor: () => Promise<string>;
  /** Whether an address belongs to a known creator (the user source), when it is not on the contact list yet. */
  isKnownAddress: (email: string) => Promise<boolean>;
}

export interface SubscriptionChange {
  email: string;
  topic: string;
  action: 'unsubscribe' | 'resubscribe';
  source: AuditSource;
  reason?: string | undefined;
}

export interface SubscriptionResult {
  email: string;
  topic: string;
  before: ContactPreferences | undefined;
  after: ContactPreferences;
  /** False when the contact already had that preference (the audit row is still written). */
  changed: boolean;
}

/**
 * Unsubscribes or resubscribes one address for one topic, keeping every other topic, and writes the audit row.
 * An invalid address, or one that is neither on the contact list nor a known creator, is refused (exit 4) and
 * nothing changes.
 */
export async function changeSubscription(
  deps: SubscriptionDeps,
  change: SubscriptionChange,
): Promise<SubscriptionResult> {
  const email = normalizeEmail(change.email);
  if (!isValidEmail(email)) throw new InputError(`"${change.email}" is not a valid e-mail address`);
  const before = await deps.contacts.get(email);
  if (!before && !(await deps.isKnownAddress(email))) {
    throw new InputError(
      `${email} is neither on the contact list (${deps.contacts.location}) nor a known creator`,
      {
        hint: 'check the spelling; dn-mailer contacts show <email> shows what is recorded',
      },
    );
  }
  const status: TopicStatus = change.action === 'unsubscribe' ? 'OPT_OUT' : 'OPT_IN';
  const after = await deps.contacts.setTopic(email, change.topic, status);
  await deps.audit.record({
    at: deps.clock.now().toISOString(),
    email,
    action: change.action,
    topic: change.topic,
    actor: await deps.actor(),
    source: change.source,
    reason: change.reason,
  });
  return { email, topic: change.topic, before, after, changed: !sameStatus(before, change.topic, status) };
}

/** Whether the contact already has `status` for `topic` ("unsubscribe from everything" counts as OPT_OUT). */
export function sameStatus(
  before: ContactPreferences | undefined,
  topic: string,
  status: TopicStatus,
): boolean {
  if (!before) return false;
  if (status === 'OPT_OUT') return before.unsubscribeAll || before.topics[topic] === 'OPT_OUT';
  return !before.unsubscribeAll && before.topics[topic] === 'OPT_IN';
}

/** `contacts show`: the current preferences and the whole audit history of an address. */
export async function showContact(
  deps: Pick<SubscriptionDeps, 'contacts'> & { audit: AuditLog },
  address: string,
) {
  const email = normalizeEmail(address);
  if (!isValidEmail(email)) throw new InputError(`"${address}" is not a valid e-mail address`);
  const [preferences, history] = await Promise.all([deps.contacts.get(email), deps.audit.history(email)]);
  return { email, preferences: preferences ?? null, history };
}
