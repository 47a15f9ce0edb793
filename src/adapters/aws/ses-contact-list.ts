import {
  CreateContactCommand,
  GetContactCommand,
  type GetContactCommandOutput,
  GetContactListCommand,
  type SESv2Client,
  type TopicPreference,
  UpdateContactCommand,
} from '@aws-sdk/client-sesv2';
import { normalizeEmail } from '../../core/common/email-address.js';
import { ConfigError, isDnMailerError } from '../../core/common/errors.js';
import type { ContactList, ContactPreferences, TopicStatus } from '../../ports.js';
import { translateAwsError } from './errors.js';

export interface SesContactListOptions {
  /** `unsubscribe.contactList`. */
  contactList: string;
}

/**
 * One contact at a time on an SES v2 contact list, for unsubscribe / resubscribe and `contacts show` (the send gate
 * reads the list in bulk instead: see ses-gates.ts). These are not sends, so the SDK's own retries are fine here.
 *
 * SES UpdateContact replaces the contact's whole TopicPreferences (a topic left out loses its preference), so
 * `setTopic` reads the contact first and writes every other explicit preference back exactly as it was, with its
 * UnsubscribeAll and AttributesData. Topics the contact never chose stay on the list's default.
 */
export function createSesContactList(client: SESv2Client, options: SesContactListOptions): ContactList {
  const { contactList } = options;
  const ContactListName = contactList;

  const readContact = async (email: string): Promise<GetContactCommandOutput | undefined> => {
    try {
      return await client.send(new GetContactCommand({ ContactListName, EmailAddress: email }));
    } catch (error) {
      if (errorName(error) !== 'NotFoundException') throw translate(error, contactList, 'reading a contact');
    }
    // SES answers NotFoundException for a missing list and for a missing contact alike: ask about the list.
    try {
      await client.send(new GetContactListCommand({ ContactListName }));
    } catch (error) {
      throw translate(error, contactList, 'reading the contact list');
    }
    return undefined;
  };

  const write = async (email: string, topic: string, status: TopicStatus): Promise<ContactPreferences> => {
    const contact = await readContact(email);
    if (!contact) {
      const preferences = [{ TopicName: topic, SubscriptionStatus: status }];
      await client.send(
        new CreateContactCommand({
          ContactListName,
          EmailAddress: email,
          TopicPreferences: preferences,
          UnsubscribeAll: false,
        }),
      );
      return toPreferences(email, false, preferences);
    }
    const kept = (contact.TopicPreferences ?? []).filter((p) => p.TopicName !== topic);
    const preferences = [...kept, { TopicName: topic, SubscriptionStatus: status }];
    const unsubscribeAll = status === 'OPT_IN' ? false : contact.UnsubscribeAll === true;
    await client.send(
      new UpdateContactCommand({
        ContactListName,
        EmailAddress: contact.EmailAddress ?? email,
        TopicPreferences: preferences,
        UnsubscribeAll: unsubscribeAll,
        AttributesData: contact.AttributesData,
      }),
    );
    return toPreferences(email, unsubscribeAll, preferences);
  };

  return {
    location: `SES contact list ${contactList}`,
    async get(address) {
      const email = normalizeEmail(address);
      const contact = await readContact(email);
      return contact && toPreferences(email, contact.UnsubscribeAll === true, contact.TopicPreferences);
    },
    async setTopic(address, topic, status) {
      const email = normalizeEmail(address);
      try {
        return await write(email, topic, status);
      } catch (error) {
        // Created by someone else between our GetContact and CreateContact: update it instead, once.
        if (errorName(error) !== 'AlreadyExistsException')
          throw translate(error, contactList, 'changing a contact', topic);
        try {
          return await write(email, topic, status);
        } catch (again) {
          throw translate(again, contactList, 'changing a contact', topic);
        }
      }
    },
  };
}

/** Only the contact's own choices: SES reports the list defaults for the other topics separately. */
function toPreferences(
  email: string,
  unsubscribeAll: boolean,
  preferences: readonly TopicPreference[] | undefined,
): ContactPreferences {
  const topics: Record<string, TopicStatus> = {};
  for (const p of preferences ?? []) {
    if (p.TopicName && (p.SubscriptionStatus === 'OPT_IN' || p.SubscriptionStatus === 'OPT_OUT')) {
      topics[p.TopicName] = p.SubscriptionStatus;
    }
  }
  return { email, unsubscribeAll, topics };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

function translate(error: unknown, contactList: string, doing: string, topic?: string): Error {
  if (isDnMailerError(error)) return error;
  if (errorName(error) === 'NotFoundException') {
    return new ConfigError(`unsubscribe.contactList: the SES contact list "${contactList}" does not exist`, {
      cause: error,
      hint: 'create it in SES (with the topic) or fix the name; aws sesv2 list-contact-lists shows them',
    });
  }
  if (errorName(error) === 'BadRequestException' && topic !== undefined) {
    return new ConfigError(
      `SES refused the change on contact list "${contactList}" (topic "${topic}"): ${(error as Error).message}`,
      {
        cause: error,
        hint: 'unsubscribe.topic must be a topic of the contact list (aws sesv2 get-contact-list)',
      },
    );
  }
  return translateAwsError(error, `${doing} on the SES contact list "${contactList}"`);
}
