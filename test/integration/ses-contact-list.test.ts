import { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSesContactList } from '../../src/adapters/aws/ses-contact-list.js';
import { BackendError, ConfigError } from '../../src/core/common/errors.js';
import { FAKE_AWS_CREDENTIALS, FAKE_AWS_REGION } from '../support/secrets-manager-fake.js';
import { type FakeContact, notFound, type SesFake, startSesFake } from '../support/ses-fake.js';

const LIST = 'distro-nation';
let fake: SesFake;
let seq = 0;
const clients: SESv2Client[] = [];

function contacts(maxAttempts = 1) {
  const client = new SESv2Client({
    endpoint: fake.endpoint,
    region: FAKE_AWS_REGION,
    credentials: FAKE_AWS_CREDENTIALS,
    maxAttempts,
  });
  clients.push(client);
  return createSesContactList(client, { contactList: LIST });
}

/** A fresh address with these explicit preferences, seeded on the list. */
function seeded(contact: Partial<FakeContact> = {}): string {
  seq += 1;
  const address = `creator${seq}@example.test`;
  fake.seedContacts(LIST, [{ EmailAddress: address, ...contact }]);
  return address;
}

/** The TopicPreferences an UpdateContact / CreateContact request carried, sorted by topic. */
function sentPreferences(operation: 'UpdateContact' | 'CreateContact') {
  const [request] = fake.requestsFor(operation);
  const body = request?.body as { TopicPreferences?: { TopicName: string; SubscriptionStatus: string }[] };
  return [...(body.TopicPreferences ?? [])].sort((a, b) => a.TopicName.localeCompare(b.TopicName));
}

beforeAll(async () => {
  fake = await startSesFake();
  fake.createContactList(LIST, [
    { TopicName: 'A', DisplayName: 'A', DefaultSubscriptionStatus: 'OPT_IN' },
    { TopicName: 'B', DisplayName: 'B', DefaultSubscriptionStatus: 'OPT_IN' },
    { TopicName: 'C', DisplayName: 'C', DefaultSubscriptionStatus: 'OPT_IN' },
    { TopicName: 'news', DisplayName: 'News', DefaultSubscriptionStatus: 'OPT_OUT' },
  ]);
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await fake?.stop();
});
beforeEach(() => fake.reset());

describe('SES contact list: setTopic keeps every other preference', () => {
  const ABC = { A: 'OPT_IN', B: 'OPT_OUT', C: 'OPT_IN' } as const;

  it.each([
    ['A', 'OPT_OUT', { A: 'OPT_OUT', B: 'OPT_OUT', C: 'OPT_IN' }],
    ['B', 'OPT_IN', { A: 'OPT_IN', B: 'OPT_IN', C: 'OPT_IN' }],
    ['C', 'OPT_OUT', { A: 'OPT_IN', B: 'OPT_OUT', C: 'OPT_OUT' }],
  ] as const)('%s → %s leaves the other two exactly', async (topic, status, expected) => {
    const address = seeded({ TopicPreferences: { ...ABC }, AttributesData: '{"name":"Ada"}' });
    const after = await contacts().setTopic(address, topic, status);
    expect(after).toEqual({ email: address, unsubscribeAll: false, topics: expected });
    expect(fake.contact(LIST, address)).toEqual({
      EmailAddress: address,
      UnsubscribeAll: false,
      TopicPreferences: expected,
      AttributesData: '{"name":"Ada"}',
    });
    // SES UpdateContact replaces the whole TopicPreferences: every explicit preference must be in the request.
    expect(sentPreferences('UpdateContact')).toEqual(
      Object.entries(expected).map(([TopicName, SubscriptionStatus]) => ({ TopicName, SubscriptionStatus })),
    );
    expect(fake.requestsFor('UpdateContact')[0]?.body).toMatchObject({
      UnsubscribeAll: false,
      AttributesData: '{"name":"Ada"}',
    });
    expect(fake.requests.map((r) => r.operation)).toEqual(['GetContact', 'UpdateContact']);
  });

  it('does not write list defaults as the contact’s own choices', async () => {
    const address = seeded({ TopicPreferences: { A: 'OPT_IN' } });
    const after = await contacts().setTopic(address, 'B', 'OPT_OUT');
    expect(after.topics).toEqual({ A: 'OPT_IN', B: 'OPT_OUT' });
    expect(sentPreferences('UpdateContact').map((p) => p.TopicName)).toEqual(['A', 'B']);
  });

  it('opting in clears UnsubscribeAll; opting out leaves it as it was', async () => {
    const everything = seeded({ UnsubscribeAll: true, TopicPreferences: { ...ABC } });
    const out = await contacts().setTopic(everything, 'A', 'OPT_OUT');
    expect(out.unsubscribeAll).toBe(true);
    expect(fake.contact(LIST, everything)?.UnsubscribeAll).toBe(true);
    expect(fake.requestsFor('UpdateContact')[0]?.body).toMatchObject({ UnsubscribeAll: true });

    const back = await contacts().setTopic(everything, 'B', 'OPT_IN');
    expect(back).toEqual({
      email: everything,
      unsubscribeAll: false,
      topics: { A: 'OPT_OUT', B: 'OPT_IN', C: 'OPT_IN' },
    });
    expect(fake.contact(LIST, everything)).toMatchObject({
      UnsubscribeAll: false,
      TopicPreferences: back.topics,
    });
  });

  it('creates a missing contact (lower-cased) with just that topic', async () => {
    const after = await contacts().setTopic('  New.Creator@Example.TEST ', 'B', 'OPT_OUT');
    expect(after).toEqual({
      email: 'new.creator@example.test',
      unsubscribeAll: false,
      topics: { B: 'OPT_OUT' },
    });
    expect(fake.contact(LIST, 'new.creator@example.test')).toEqual({
      EmailAddress: 'new.creator@example.test',
      UnsubscribeAll: false,
      TopicPreferences: { B: 'OPT_OUT' },
    });
    expect(fake.requests.map((r) => r.operation)).toEqual(['GetContact', 'GetContactList', 'CreateContact']);
  });

  it('a contact created by someone else in between is updated instead', async () => {
    fake.failNext('CreateContact', { status: 400, type: 'AlreadyExistsException', message: 'exists' });
    const after = await contacts().setTopic('raced@example.test', 'A', 'OPT_OUT');
    expect(after.topics).toEqual({ A: 'OPT_OUT' });
    expect(fake.requestsFor('CreateContact')).toHaveLength(2);
  });
});

describe('SES contact list: get', () => {
  it('returns the contact’s own preferences, by lower-cased address; undefined when not on the list', async () => {
    const address = seeded({ UnsubscribeAll: true, TopicPreferences: { C: 'OPT_OUT' } });
    expect(await contacts().get(address.toUpperCase())).toEqual({
      email: address,
      unsubscribeAll: true,
      topics: { C: 'OPT_OUT' },
    });
    expect(await contacts().get('nobody@example.test')).toBeUndefined();
    expect(contacts().location).toBe(`SES contact list ${LIST}`);
  });
});

describe('SES contact list: errors', () => {
  function missingList() {
    const client = new SESv2Client({
      endpoint: fake.endpoint,
      region: FAKE_AWS_REGION,
      credentials: FAKE_AWS_CREDENTIALS,
      maxAttempts: 1,
    });
    clients.push(client);
    return createSesContactList(client, { contactList: 'no-such-list' });
  }

  it('a missing contact list is a ConfigError naming unsubscribe.contactList (get and setTopic)', async () => {
    for (const call of [
      () => missingList().get('a@example.test'),
      () => missingList().setTopic('a@x.test', 'A', 'OPT_OUT'),
    ]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/^unsubscribe\.contactList: .*"no-such-list" does not exist/);
    }
    expect(fake.requestsFor('CreateContact')).toHaveLength(0);
  });

  it('NotFoundException on UpdateContact (list deleted meanwhile) also names the config key', async () => {
    const address = seeded({ TopicPreferences: { A: 'OPT_IN' } });
    fake.failNext('UpdateContact', notFound());
    await expect(contacts().setTopic(address, 'A', 'OPT_OUT')).rejects.toThrow(/unsubscribe\.contactList/);
  });

  it('refused credentials or permissions are ConfigErrors', async () => {
    fake.failNext('GetContact', { status: 403, type: 'AccessDeniedException', message: 'not authorized' });
    await expect(contacts().get('a@example.test')).rejects.toBeInstanceOf(ConfigError);
    fake.failNext('GetContact', { status: 403, type: 'UnrecognizedClientException', message: 'bad token' });
    await expect(contacts().setTopic('a@example.test', 'A', 'OPT_OUT')).rejects.toThrow(/credentials/);
  });

  it('an unknown topic (BadRequestException) is a ConfigError about unsubscribe.topic', async () => {
    const address = seeded({ TopicPreferences: { A: 'OPT_IN' } });
    fake.failNext('UpdateContact', {
      status: 400,
      type: 'BadRequestException',
      message: 'Topic zz not found',
    });
    const error = await contacts()
      .setTopic(address, 'zz', 'OPT_OUT')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).hint).toMatch(/unsubscribe\.topic/);
  });

  it('throttling is retried by the SDK, and a BackendError once its attempts are spent', async () => {
    const throttled = { status: 429, type: 'TooManyRequestsException', message: 'Too many requests' };
    const address = seeded({ TopicPreferences: { A: 'OPT_IN', B: 'OPT_IN' } });
    fake.failNext('UpdateContact', throttled, throttled);
    expect((await contacts(3).setTopic(address, 'A', 'OPT_OUT')).topics).toEqual({
      A: 'OPT_OUT',
      B: 'OPT_IN',
    });
    expect(fake.requestsFor('UpdateContact')).toHaveLength(3);

    fake.reset();
    fake.failNext('UpdateContact', throttled, throttled);
    const error = await contacts(2)
      .setTopic(address, 'B', 'OPT_OUT')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(fake.contact(LIST, address)?.TopicPreferences).toEqual({ A: 'OPT_OUT', B: 'OPT_IN' });
  });

  it('a 5xx answer that outlasts the SDK retries is a BackendError', async () => {
    fake.failNext('GetContact', { status: 500, type: 'InternalFailure', message: 'boom' });
    await expect(contacts().get('a@example.test')).rejects.toBeInstanceOf(BackendError);
  });
});
