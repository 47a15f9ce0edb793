import type {
  AuditEntry,
  AuditLog,
  ContactList,
  ContactPreferences,
  Suppression,
  SuppressionStore,
} from '../../ports.js';
import { showContact } from './change-subscription.js';

/** What `contacts show` tells about one address. */
export interface ContactRecord {
  email: string;
  /** Null: not on the contact list (every topic follows its default). */
  preferences: ContactPreferences | null;
  history: AuditEntry[];
  /** Null: sends do not skip the address for a bounce or complaint. */
  suppression: ContactSuppression | null;
  /** The history's entries a complaint (marked as spam) caused, oldest first as the history keeps them. */
  complaints: AuditEntry[];
}

export interface ContactSuppression extends Suppression {
  /** The TTL (`expirationTime`) as an ISO time, when the suppression expires. */
  expiresAt: string | null;
  /** True when that time has passed: the table removes it soon (DynamoDB's TTL runs up to days late). */
  expired: boolean;
}

/**
 * `contacts show`: the preferences and audit history, plus whether sends skip the address (the suppression table
 * that bounces and complaints fill) and the complaints in its history.
 */
export async function showContactRecord(
  deps: { contacts: ContactList; audit: AuditLog; suppressions: SuppressionStore },
  address: string,
  now: Date,
): Promise<ContactRecord> {
  const contact = await showContact(deps, address);
  const suppression = await deps.suppressions.get(contact.email);
  return {
    ...contact,
    suppression: suppression ? describeSuppression(suppression, now) : null,
    complaints: contact.history.filter((entry) => entry.source === 'complaint'),
  };
}

function describeSuppression(suppression: Suppression, now: Date): ContactSuppression {
  const { expirationTime } = suppression;
  if (expirationTime === undefined) return { ...suppression, expiresAt: null, expired: false };
  const expires = new Date(expirationTime * 1000);
  return {
    ...suppression,
    expiresAt: expires.toISOString(),
    expired: expires.getTime() <= now.getTime(),
  };
}
