export type SubscriptionStatus = 'OPT_IN' | 'OPT_OUT';

/** One contact as the fake keeps it: SES's fields, topic preferences as a map. */
export interface FakeContact {
  EmailAddress: string;
  UnsubscribeAll: boolean;
  TopicPreferences: Record<string, SubscriptionStatus>;
  AttributesData?: string;
}

export interface FakeTopic {
  TopicName: string;
  DisplayName: string;
  DefaultSubscriptionStatus: SubscriptionStatus;
}

/** The SES v2 operations the fake serves. */
export type SesFakeOperation =
  | 'GetContactList'
  | 'ListContacts'
  | 'GetContact'
  | 'CreateContact'
  | 'UpdateContact'
  | 'ListSuppressedDestinations'
  | 'PutSuppressedDestination';

/** An error answer: HTTP status, `x-amzn-ErrorType`, message. */
export interface SesFakeError {
  status: number;
  type: string;
  message: string;
}

/** Thrown by an operation and turned into an SES error answer by the server. */
export class FakeFailure extends Error {
  constructor(readonly answer: SesFakeError) {
    super(answer.message);
  }
}

export const notFound = (message = 'List does not exist.'): SesFakeError => ({
  status: 404,
  type: 'NotFoundException',
  message,
});

const fail = (status: number, type: string, message: string) => new FakeFailure({ status, type, message });

interface ContactList {
  topics: FakeTopic[];
  contacts: Map<string, FakeContact>;
  created: number;
}

export type Input = { params: string[]; query: URLSearchParams; body: Record<string, unknown> };

/**
 * The contact lists and the suppression list behind the SES fake, and the operations on them in SES's JSON
 * shapes. Addresses are keyed lower-cased and kept as given. Pages hold `min(PageSize, maxPageSize)` items;
 * NextToken is an opaque offset.
 */
export function createSesFakeState(maxPageSize = 1000) {
  const lists = new Map<string, ContactList>();
  const suppressed = new Map<string, { EmailAddress: string; Reason: string; LastUpdateTime: number }>();
  const now = () => Math.floor(Date.now() / 1000);

  const page = <T>(items: T[], token: string | null | undefined, size: number | undefined) => {
    const start = token ? Number(Buffer.from(token, 'base64url').toString()) : 0;
    if (!Number.isInteger(start) || start < 0) throw fail(400, 'BadRequestException', 'Invalid NextToken.');
    const end = start + Math.min(size || 1000, maxPageSize);
    const next = end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined;
    return { items: items.slice(start, end), next };
  };
  const listOf = (name: string | undefined) => {
    const list = lists.get(name ?? '');
    if (!list) throw new FakeFailure(notFound(`List ${name} does not exist.`));
    return list;
  };
  const contactOf = (list: ContactList, email: string | undefined) => {
    const contact = list.contacts.get((email ?? '').toLowerCase());
    if (!contact) throw new FakeFailure(notFound(`Contact ${email} does not exist.`));
    return contact;
  };
  // SES reports the contact's own preferences and, separately, the list default of every other topic.
  const view = (list: ContactList, c: FakeContact) => ({
    EmailAddress: c.EmailAddress,
    UnsubscribeAll: c.UnsubscribeAll,
    TopicPreferences: Object.entries(c.TopicPreferences).map(([TopicName, SubscriptionStatus]) => ({
      TopicName,
      SubscriptionStatus,
    })),
    TopicDefaultPreferences: list.topics
      .filter((t) => !(t.TopicName in c.TopicPreferences))
      .map((t) => ({ TopicName: t.TopicName, SubscriptionStatus: t.DefaultSubscriptionStatus })),
    LastUpdatedTimestamp: now(),
  });
  /**
   * UpdateContact semantics as the SES v2 API reference states them: the request's TopicPreferences replace the
   * contact's whole list (a topic left out loses its explicit choice); an absent UnsubscribeAll keeps its value.
   */
  const apply = (contact: FakeContact, body: Record<string, unknown>) => {
    if (typeof body.UnsubscribeAll === 'boolean') contact.UnsubscribeAll = body.UnsubscribeAll;
    if (typeof body.AttributesData === 'string') contact.AttributesData = body.AttributesData;
    if (Array.isArray(body.TopicPreferences)) {
      contact.TopicPreferences = {};
      for (const p of body.TopicPreferences as {
        TopicName: string;
        SubscriptionStatus: SubscriptionStatus;
      }[]) {
        contact.TopicPreferences[p.TopicName] = p.SubscriptionStatus;
      }
    }
    return contact;
  };

  const operations: Record<SesFakeOperation, (input: Input) => unknown> = {
    GetContactList: ({ params: [name] }) => {
      const list = listOf(name);
      const stamps = { CreatedTimestamp: list.created, LastUpdatedTimestamp: list.created };
      return { ContactListName: name, Topics: list.topics, ...stamps };
    },
    ListContacts: ({ params: [name], body }) => {
      const list = listOf(name);
      const { items, next } = page(
        [...list.contacts.values()],
        body.NextToken as string,
        body.PageSize as number,
      );
      return { Contacts: items.map((c) => view(list, c)), NextToken: next };
    },
    GetContact: ({ params: [name, email] }) => {
      const list = listOf(name);
      const c = contactOf(list, email);
      return {
        ContactListName: name,
        ...view(list, c),
        AttributesData: c.AttributesData,
        CreatedTimestamp: list.created,
      };
    },
    CreateContact: ({ params: [name], body }) => {
      const list = listOf(name);
      const address = String(body.EmailAddress ?? '');
      if (list.contacts.has(address.toLowerCase())) {
        throw fail(400, 'AlreadyExistsException', `Contact ${address} already exists.`);
      }
      const contact = { EmailAddress: address, UnsubscribeAll: false, TopicPreferences: {} };
      list.contacts.set(address.toLowerCase(), apply(contact, body));
      return {};
    },
    UpdateContact: ({ params: [name, email], body }) => {
      const list = listOf(name);
      apply(contactOf(list, email), body);
      return {};
    },
    ListSuppressedDestinations: ({ query }) => {
      const size = Number(query.get('PageSize') ?? '') || undefined;
      const { items, next } = page([...suppressed.values()], query.get('NextToken'), size);
      return { SuppressedDestinationSummaries: items, NextToken: next };
    },
    PutSuppressedDestination: ({ body }) => {
      suppress(String(body.EmailAddress ?? ''), body.Reason === 'COMPLAINT' ? 'COMPLAINT' : 'BOUNCE');
      return {};
    },
  };

  function suppress(email: string, reason: 'BOUNCE' | 'COMPLAINT'): void {
    suppressed.set(email.toLowerCase(), { EmailAddress: email, Reason: reason, LastUpdateTime: now() });
  }

  return {
    operations,
    suppress,
    createContactList(name: string, topics: readonly FakeTopic[] = []): void {
      lists.set(name, { topics: [...topics], contacts: new Map(), created: now() });
    },
    seedContacts(name: string, contacts: readonly (Partial<FakeContact> & { EmailAddress: string })[]): void {
      const list = listOf(name);
      for (const c of contacts) {
        const contact = {
          ...c,
          UnsubscribeAll: c.UnsubscribeAll ?? false,
          TopicPreferences: { ...c.TopicPreferences },
        };
        list.contacts.set(c.EmailAddress.toLowerCase(), contact);
      }
    },
    contact: (name: string, email: string): FakeContact | undefined =>
      lists.get(name)?.contacts.get(email.toLowerCase()),
  };
}
