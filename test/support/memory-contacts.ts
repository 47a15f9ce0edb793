import type { AuditEntry, AuditLog, ContactList, ContactPreferences } from '../../src/ports.js';

/** An in-memory ContactList with the port's rules (create on first change, keep other topics, opt-in clears all). */
export function memoryContactList(
  initial: readonly ContactPreferences[] = [],
): ContactList & { contacts: Map<string, ContactPreferences>; writes: number } {
  const contacts = new Map(initial.map((contact) => [contact.email.toLowerCase(), { ...contact }]));
  const list = {
    contacts,
    writes: 0,
    location: 'memory-contacts',
    async get(email: string) {
      const contact = contacts.get(email.toLowerCase());
      return contact ? { ...contact, topics: { ...contact.topics } } : undefined;
    },
    async setTopic(email: string, topic: string, status: 'OPT_IN' | 'OPT_OUT') {
      const key = email.toLowerCase();
      const before = contacts.get(key) ?? { email: key, unsubscribeAll: false, topics: {} };
      const after: ContactPreferences = {
        email: before.email,
        unsubscribeAll: status === 'OPT_IN' ? false : before.unsubscribeAll,
        topics: { ...before.topics, [topic]: status },
      };
      contacts.set(key, after);
      list.writes += 1;
      return { ...after, topics: { ...after.topics } };
    },
  };
  return list;
}

/** An in-memory AuditLog; `entries` is every row in the order it was written. */
export function memoryAuditLog(): AuditLog & { entries: AuditEntry[] } {
  const entries: AuditEntry[] = [];
  return {
    entries,
    location: 'memory-audit',
    async record(entry) {
      entries.push({ ...entry });
    },
    async history(email) {
      return entries.filter((entry) => entry.email === email.toLowerCase());
    },
  };
}
