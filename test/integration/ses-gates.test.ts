import { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  contactBlockReason,
  createSesContactListGate,
  createSesSuppressionGate,
} from '../../src/adapters/aws/ses-gates.js';
import { ConfigError } from '../../src/core/common/errors.js';
import { FAKE_AWS_CREDENTIALS, FAKE_AWS_REGION } from '../support/secrets-manager-fake.js';
import { type FakeContact, notFound, type SesFake, startSesFake } from '../support/ses-fake.js';

const LIST = 'distro-nation';
const TOPIC = 'financial-reports';
const CONTACTS = 2_345; // three ListContacts pages of 1,000
const SUPPRESSED = 1_500; // two ListSuppressedDestinations pages

let fake: SesFake;
const clients: SESv2Client[] = [];

function sesClient(endpoint = fake.endpoint): SESv2Client {
  const client = new SESv2Client({
    endpoint,
    region: FAKE_AWS_REGION,
    credentials: FAKE_AWS_CREDENTIALS,
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
}

/** Contact i: every 10th unsubscribed from all, every 7th opted out of the topic, every 5th opted in to news. */
function contactFor(i: number): Partial<FakeContact> & { EmailAddress: string } {
  const prefs: FakeContact['TopicPreferences'] = {};
  if (i % 7 === 0) prefs[TOPIC] = 'OPT_OUT';
  else if (i % 11 === 0) prefs[TOPIC] = 'OPT_IN';
  if (i % 5 === 0) prefs.news = 'OPT_IN';
  if (i % 3 === 0) prefs.promotions = 'OPT_OUT';
  return { EmailAddress: `Creator${i}@Example.test`, UnsubscribeAll: i % 10 === 0, TopicPreferences: prefs };
}

beforeAll(async () => {
  fake = await startSesFake();
  fake.createContactList(LIST, [
    { TopicName: TOPIC, DisplayName: 'Financial reports', DefaultSubscriptionStatus: 'OPT_IN' },
    { TopicName: 'news', DisplayName: 'News', DefaultSubscriptionStatus: 'OPT_OUT' },
    { TopicName: 'promotions', DisplayName: 'Promotions', DefaultSubscriptionStatus: 'OPT_IN' },
  ]);
  fake.seedContacts(
    LIST,
    Array.from({ length: CONTACTS }, (_, i) => contactFor(i + 1)),
  );
  for (let i = 1; i <= SUPPRESSED; i += 1)
    fake.suppress(`Bounced${i}@Example.test`, i % 4 ? 'BOUNCE' : 'COMPLAINT');
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await fake?.stop();
});
beforeEach(() => fake.reset());

describe('SES contact list gate', () => {
  it('blocks UnsubscribeAll and topic OPT_OUT, in one listing of three pages', async () => {
    const blocked = await createSesContactListGate(sesClient(), {
      contactList: LIST,
      topic: TOPIC,
    }).loadBlocked();
    const expected = new Map<string, string>();
    for (let i = 1; i <= CONTACTS; i += 1) {
      const address = `creator${i}@example.test`;
      if (i % 10 === 0) expected.set(address, 'unsubscribed from all');
      else if (i % 7 === 0) expected.set(address, `unsubscribed from ${TOPIC}`);
    }
    expect(blocked).toEqual(expected);
    expect(fake.requestsFor('GetContactList')).toHaveLength(1);
    const pages = fake.requestsFor('ListContacts');
    expect(pages).toHaveLength(3);
    expect(pages.map((r) => (r.body as { PageSize?: number }).PageSize)).toEqual([1000, 1000, 1000]);
    expect(fake.requests).toHaveLength(4); // pages, not recipients
  });

  it('a topic whose default is OPT_OUT blocks everyone who did not opt in', async () => {
    const blocked = await createSesContactListGate(sesClient(), {
      contactList: LIST,
      topic: 'news',
    }).loadBlocked();
    for (const i of [1, 2, 3, 7, 9])
      expect(blocked.get(`creator${i}@example.test`)).toBe('unsubscribed from news');
    for (const i of [5, 15, 25]) expect(blocked.has(`creator${i}@example.test`)).toBe(false);
    expect(blocked.get('creator20@example.test')).toBe('unsubscribed from all');
  });

  it('follows NextToken when SES returns shorter pages than asked for', async () => {
    const small = await startSesFake({ maxPageSize: 7 });
    try {
      small.createContactList(LIST, [
        { TopicName: TOPIC, DisplayName: 'F', DefaultSubscriptionStatus: 'OPT_IN' },
      ]);
      small.seedContacts(
        LIST,
        Array.from({ length: 20 }, (_, i) => ({ EmailAddress: `c${i}@x.test`, UnsubscribeAll: true })),
      );
      const gate = createSesContactListGate(sesClient(small.endpoint), { contactList: LIST, topic: TOPIC });
      expect((await gate.loadBlocked()).size).toBe(20);
      expect(small.requestsFor('ListContacts')).toHaveLength(3);
    } finally {
      await small.stop();
    }
  });

  it('a missing contact list is a ConfigError naming unsubscribe.contactList', async () => {
    const gate = createSesContactListGate(sesClient(), { contactList: 'no-such-list', topic: TOPIC });
    const error = await gate.loadBlocked().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/unsubscribe\.contactList.*no-such-list/);
  });

  it('access denied on ListContacts is a ConfigError', async () => {
    fake.failNext('ListContacts', { status: 403, type: 'AccessDeniedException', message: 'not authorized' });
    const gate = createSesContactListGate(sesClient(), { contactList: LIST, topic: TOPIC });
    await expect(gate.loadBlocked()).rejects.toBeInstanceOf(ConfigError);
  });

  it('NotFoundException on a later call also names the config key', async () => {
    fake.failNext('ListContacts', notFound());
    const gate = createSesContactListGate(sesClient(), { contactList: LIST, topic: TOPIC });
    await expect(gate.loadBlocked()).rejects.toThrow(/unsubscribe\.contactList/);
  });
});

describe('contactBlockReason', () => {
  it.each([
    [{ UnsubscribeAll: true }, undefined, 'unsubscribed from all'],
    [
      { TopicPreferences: [{ TopicName: TOPIC, SubscriptionStatus: 'OPT_OUT' as const }] },
      'OPT_IN',
      `unsubscribed from ${TOPIC}`,
    ],
    [
      { TopicPreferences: [{ TopicName: TOPIC, SubscriptionStatus: 'OPT_IN' as const }] },
      'OPT_OUT',
      undefined,
    ],
    [
      { TopicDefaultPreferences: [{ TopicName: TOPIC, SubscriptionStatus: 'OPT_OUT' as const }] },
      undefined,
      `unsubscribed from ${TOPIC}`,
    ],
    [{}, 'OPT_OUT', `unsubscribed from ${TOPIC}`],
    [{}, undefined, undefined],
    [
      { TopicPreferences: [{ TopicName: 'other', SubscriptionStatus: 'OPT_OUT' as const }] },
      'OPT_IN',
      undefined,
    ],
  ])('%j with list default %s → %s', (contact, listDefault, reason) => {
    expect(contactBlockReason(contact, TOPIC, listDefault)).toBe(reason);
  });
});

describe('SES suppression list gate', () => {
  it('reads every page and keeps the reason', async () => {
    const blocked = await createSesSuppressionGate(sesClient()).loadBlocked();
    expect(blocked.size).toBe(SUPPRESSED);
    expect(blocked.get('bounced1@example.test')).toBe('suppressed (BOUNCE)');
    expect(blocked.get('bounced4@example.test')).toBe('suppressed (COMPLAINT)');
    const pages = fake.requestsFor('ListSuppressedDestinations');
    expect(pages).toHaveLength(2);
    expect(pages.map((r) => r.query.get('PageSize'))).toEqual(['1000', '1000']);
    expect(fake.requests).toHaveLength(2);
  });

  it('an empty suppression list is one call and no blocks', async () => {
    const empty = await startSesFake();
    try {
      expect((await createSesSuppressionGate(sesClient(empty.endpoint)).loadBlocked()).size).toBe(0);
      expect(empty.requests).toHaveLength(1);
    } finally {
      await empty.stop();
    }
  });

  it('access denied is a ConfigError', async () => {
    fake.failNext('ListSuppressedDestinations', {
      status: 403,
      type: 'AccessDeniedException',
      message: 'no',
    });
    await expect(createSesSuppressionGate(sesClient()).loadBlocked()).rejects.toBeInstanceOf(ConfigError);
  });
});
