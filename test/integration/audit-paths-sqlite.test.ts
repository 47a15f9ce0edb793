import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/adapters/local/sqlite-store.js';
import { changeSubscription } from '../../src/core/unsubscribe/change-subscription.js';
import { runUnsubscribeFlow } from '../../src/core/unsubscribe/unsubscribe-flow.js';
import {
  createResubscribeToken,
  createUnsubscribeToken,
} from '../../src/core/unsubscribe/unsubscribe-token.js';
import type { AuditSource } from '../../src/ports.js';
import { aesTokens } from '../support/unsubscribe-endpoint.js';

const TOPIC = 'financial-reports';
const AT = new Date('2025-03-01T12:00:00.000Z');
const clock = { now: () => AT };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dn-audit-paths-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function open() {
  return openSqliteStore(path.join(dir, 'state.sqlite'), { topic: TOPIC, clock });
}

describe('audit rows for each path, through the real core flows on the SQLite store', () => {
  const key = Buffer.alloc(32, 7);

  it('cli, token and mailto (changeSubscription); one-click and page (the unsubscribe flow)', async () => {
    const store = open();
    const subscriptionDeps = {
      contacts: store.contactList,
      audit: store.audit,
      clock,
      actor: async () => 'arn:aws:sts::123456789012:assumed-role/finance/alice',
      isKnownAddress: async () => true,
    };
    const viaCore: [AuditSource, 'unsubscribe' | 'resubscribe'][] = [
      ['cli', 'unsubscribe'],
      ['cli', 'resubscribe'],
      ['token', 'unsubscribe'],
      ['mailto', 'unsubscribe'],
    ];
    for (const [source, action] of viaCore) {
      await changeSubscription(subscriptionDeps, {
        email: 'Creator@X.test',
        topic: TOPIC,
        action,
        source,
        reason: source,
      });
    }
    const flowDeps = {
      contacts: store.contactList,
      audit: store.audit,
      clock,
      tokens: aesTokens(key),
      maxAgeDays: 30,
      brandName: 'DN',
    };
    const token = createUnsubscribeToken(key, { email: 'creator@x.test', topic: TOPIC }, AT);
    await runUnsubscribeFlow(flowDeps, {
      method: 'POST',
      token,
      // The page's resubscribe button carries its own short-lived token (issue #13), not the link's.
      fields: {
        action: 'resubscribe',
        resubscribe_token: createResubscribeToken(key, { email: 'creator@x.test', topic: TOPIC }, AT),
      },
      ip: '198.51.100.7',
    });
    await runUnsubscribeFlow(flowDeps, {
      method: 'POST',
      token,
      fields: { 'List-Unsubscribe': 'One-Click' },
      ip: '203.0.113.9',
    });

    const history = await store.audit.history('creator@x.test');
    expect(history.map((e) => [e.source, e.action, e.actor, e.reason ?? e.detail])).toEqual([
      ['cli', 'unsubscribe', 'arn:aws:sts::123456789012:assumed-role/finance/alice', 'cli'],
      ['cli', 'resubscribe', 'arn:aws:sts::123456789012:assumed-role/finance/alice', 'cli'],
      ['token', 'unsubscribe', 'arn:aws:sts::123456789012:assumed-role/finance/alice', 'token'],
      ['mailto', 'unsubscribe', 'arn:aws:sts::123456789012:assumed-role/finance/alice', 'mailto'],
      ['page', 'resubscribe', 'recipient', '198.51.100.7'],
      ['one-click', 'unsubscribe', 'recipient', '203.0.113.9'],
    ]);
    expect(
      history.every((e) => e.email === 'creator@x.test' && e.topic === TOPIC && e.at === AT.toISOString()),
    ).toBe(true);
    expect((await store.contacts.loadBlocked()).get('creator@x.test')).toBe(`unsubscribed from ${TOPIC}`);
    store.close();
  });
});
