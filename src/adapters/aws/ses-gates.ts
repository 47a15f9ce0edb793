import {
  type Contact,
  GetContactListCommand,
  ListContactsCommand,
  ListSuppressedDestinationsCommand,
  type SESv2Client,
  type TopicPreference,
} from '@aws-sdk/client-sesv2';
import { BackendError, ConfigError } from '../../core/common/errors.js';
import type { GateList } from '../../ports.js';
import { translateAwsError } from './errors.js';

/** The largest page both listing calls accept: SES non-send APIs allow about one call a second. */
const PAGE_SIZE = 1000;

export interface SesContactListGateOptions {
  contactList: string;
  topic: string;
}

/**
 * Opt-outs from an SES contact list, read in bulk: one GetContactList (the topic's default status) and then
 * ListContacts page by page. A contact is blocked by `UnsubscribeAll`, or when its status for the topic is
 * OPT_OUT — its own preference first, else the default SES applied to it, else the topic's default on the list.
 * Addresses that are not on the list are not blocked (SES sends to them too).
 */
export function createSesContactListGate(client: SESv2Client, options: SesContactListGateOptions): GateList {
  const { contactList, topic } = options;
  const doing = `reading the SES contact list "${contactList}"`;
  return {
    name: `SES contact list ${contactList} (topic ${topic})`,
    async loadBlocked() {
      const list = await callSes(
        () => client.send(new GetContactListCommand({ ContactListName: contactList })),
        {
          doing,
          contactList,
        },
      );
      const topicDefault = list.Topics?.find((t) => t.TopicName === topic)?.DefaultSubscriptionStatus;
      const contacts = await collectPages(doing, async (NextToken) => {
        const page = await callSes(
          () =>
            client.send(
              new ListContactsCommand({ ContactListName: contactList, PageSize: PAGE_SIZE, NextToken }),
            ),
          { doing, contactList },
        );
        return { items: page.Contacts ?? [], next: page.NextToken };
      });
      const blocked = new Map<string, string>();
      for (const contact of contacts) {
        const reason = contactBlockReason(contact, topic, topicDefault);
        if (reason && contact.EmailAddress) blocked.set(contact.EmailAddress.toLowerCase(), reason);
      }
      return blocked;
    },
  };
}

/** Why a contact must not get mail of `topic`, or undefined when it may. */
export function contactBlockReason(
  contact: Contact,
  topic: string,
  topicDefault?: string | undefined,
): string | undefined {
  if (contact.UnsubscribeAll) return 'unsubscribed from all';
  const status =
    statusFor(contact.TopicPreferences, topic) ??
    statusFor(contact.TopicDefaultPreferences, topic) ??
    topicDefault;
  return status === 'OPT_OUT' ? `unsubscribed from ${topic}` : undefined;
}

function statusFor(preferences: TopicPreference[] | undefined, topic: string): string | undefined {
  return preferences?.find((p) => p.TopicName === topic)?.SubscriptionStatus;
}

/** The account-level SES suppression list (bounces, complaints), every page: address → `suppressed (REASON)`. */
export function createSesSuppressionGate(client: SESv2Client): GateList {
  const doing = 'reading the SES account suppression list';
  return {
    name: 'SES account suppression list',
    async loadBlocked() {
      const summaries = await collectPages(doing, async (NextToken) => {
        const page = await callSes(
          () => client.send(new ListSuppressedDestinationsCommand({ PageSize: PAGE_SIZE, NextToken })),
          { doing },
        );
        return { items: page.SuppressedDestinationSummaries ?? [], next: page.NextToken };
      });
      const blocked = new Map<string, string>();
      for (const summary of summaries) {
        if (!summary.EmailAddress) continue;
        blocked.set(
          summary.EmailAddress.toLowerCase(),
          `suppressed (${summary.Reason ?? 'no reason given'})`,
        );
      }
      return blocked;
    },
  };
}

async function collectPages<T>(
  doing: string,
  fetchPage: (token: string | undefined) => Promise<{ items: T[]; next?: string | undefined }>,
): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    items.push(...page.items);
    token = page.next || undefined;
    if (token !== undefined && seen.has(token)) {
      // A repeated token would loop forever; a partial list would let opted-out addresses through.
      throw new BackendError(`${doing}: SES returned the same NextToken twice`);
    }
    if (token !== undefined) seen.add(token);
  } while (token !== undefined);
  return items;
}

async function callSes<T>(
  call: () => Promise<T>,
  context: { doing: string; contactList?: string },
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name === 'NotFoundException' && context.contactList !== undefined) {
      throw new ConfigError(
        `unsubscribe.contactList: the SES contact list "${context.contactList}" does not exist`,
        {
          cause: error,
          hint: 'create it in SES (with the topic) or fix the name; aws sesv2 list-contact-lists shows them',
        },
      );
    }
    throw translateAwsError(error, context.doing);
  }
}
