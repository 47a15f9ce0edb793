import { describe, expect, it } from 'vitest';
import { normalizeIp, resolveClientIp } from '../../src/adapters/http/client-ip.js';
import { parseFormBody } from '../../src/adapters/http/form-body.js';
import { createFixedWindowLimiter } from '../../src/adapters/http/ip-rate-limit.js';
import {
  cleanAuditDetail,
  readUnsubscribeIntent,
  runUnsubscribeFlow,
} from '../../src/core/unsubscribe/unsubscribe-flow.js';
import { createResubscribeToken } from '../../src/core/unsubscribe/unsubscribe-token.js';
import { memoryAuditLog, memoryContactList } from '../support/memory-contacts.js';
import { ADDRESS, aesTokens, TOKEN_KEY, TOPIC, tokenFor } from '../support/unsubscribe-endpoint.js';

const NOW = new Date('2025-02-10T12:00:00Z');

function deps() {
  return {
    contacts: memoryContactList(),
    audit: memoryAuditLog(),
    clock: { now: () => NOW },
    tokens: aesTokens(),
    maxAgeDays: 30,
    brandName: 'Brand',
  };
}

describe('readUnsubscribeIntent', () => {
  it.each([
    ['GET', {}, 'show'],
    ['GET', { 'List-Unsubscribe': 'One-Click' }, 'show'],
    ['POST', { 'List-Unsubscribe': 'One-Click' }, 'one-click'],
    ['POST', { 'List-Unsubscribe': ' one-click ' }, 'one-click'],
    ['POST', { 'List-Unsubscribe': 'One-Click', action: 'resubscribe' }, 'one-click'],
    ['POST', { action: 'unsubscribe' }, 'unsubscribe'],
    ['POST', { action: 'resubscribe' }, 'resubscribe'],
    ['POST', { action: 'delete' }, 'unknown'],
    ['POST', {}, 'unknown'],
  ] as const)('%s %j → %s', (method, fields, intent) => {
    expect(readUnsubscribeIntent({ method, fields })).toBe(intent);
  });
});

describe('runUnsubscribeFlow', () => {
  it('GET: the confirm view with the same token, no port call', async () => {
    const d = deps();
    const token = tokenFor(ADDRESS, NOW);
    const view = await runUnsubscribeFlow(d, { method: 'GET', token, fields: {}, ip: '1.2.3.4' });
    expect(view).toEqual({
      page: 'confirm',
      status: 200,
      brandName: 'Brand',
      email: 'a***@example.com',
      topic: TOPIC,
      token,
    });
    expect(d.contacts.writes).toBe(0);
  });

  it('one-click: OPT_OUT and an audit row, a short view without a token', async () => {
    const d = deps();
    const view = await runUnsubscribeFlow(d, {
      method: 'POST',
      token: tokenFor('Artist@Example.com', NOW),
      fields: { 'List-Unsubscribe': 'One-Click' },
      ip: '1.2.3.4',
    });
    expect(view.page).toBe('one-click-done');
    expect(view).not.toHaveProperty('token');
    expect(d.contacts.contacts.get(ADDRESS)?.topics[TOPIC]).toBe('OPT_OUT');
    expect(d.audit.entries).toEqual([
      {
        at: NOW.toISOString(),
        email: ADDRESS,
        action: 'unsubscribe',
        topic: TOPIC,
        actor: 'recipient',
        source: 'one-click',
        detail: '1.2.3.4',
      },
    ]);
  });

  it('an invalid or missing token: 400 view with the reason, no port call', async () => {
    const d = deps();
    const post = { method: 'POST' as const, fields: { action: 'unsubscribe' }, ip: '' };
    const old = tokenFor(ADDRESS, new Date(NOW.getTime() - 40 * 86_400_000));
    expect(await runUnsubscribeFlow(d, { ...post, token: old })).toMatchObject({
      page: 'invalid-link',
      status: 400,
      reason: 'expired',
      maxAgeDays: 30,
    });
    expect(await runUnsubscribeFlow(d, { ...post, token: '  ' })).toMatchObject({ reason: 'missing' });
    expect(await runUnsubscribeFlow(d, { ...post, token: 'x' })).toMatchObject({ status: 400 });
    expect(d.contacts.writes).toBe(0);
    expect(d.audit.entries).toEqual([]);
  });
});

describe('runUnsubscribeFlow: no repeated rows, resubscribe by button token only', () => {
  const oneClick = { 'List-Unsubscribe': 'One-Click' };

  it('a one-click POST for an address already unsubscribed (or unsubscribed from all) writes nothing', async () => {
    const d = deps();
    const post = { method: 'POST' as const, token: tokenFor(ADDRESS, NOW), fields: oneClick, ip: '1.2.3.4' };
    await runUnsubscribeFlow(d, post);
    expect(await runUnsubscribeFlow(d, post)).toMatchObject({ page: 'one-click-done', status: 200 });
    expect(d.contacts.writes).toBe(1);
    expect(d.audit.entries).toHaveLength(1);
    const all = deps();
    all.contacts.contacts.set(ADDRESS, { email: ADDRESS, unsubscribeAll: true, topics: {} });
    await runUnsubscribeFlow(all, post);
    expect([all.contacts.writes, all.audit.entries.length]).toEqual([0, 0]);
  });

  it('the unsubscribed view carries the link token as received and a resubscribe token; resubscribe uses only the latter', async () => {
    const d = deps();
    const link = tokenFor(ADDRESS, NOW);
    const done = await runUnsubscribeFlow(d, {
      method: 'POST',
      token: link,
      fields: { action: 'unsubscribe' },
      ip: '',
    });
    if (done.page !== 'unsubscribed') throw new Error(`unexpected ${done.page}`);
    expect(done.token).toBe(link);
    const linkOnly = await runUnsubscribeFlow(d, {
      method: 'POST',
      token: link,
      fields: { action: 'resubscribe' },
      ip: '',
    });
    expect(linkOnly).toMatchObject({ page: 'resubscribe-expired', status: 400, minutes: 15 });
    const fields = { action: 'resubscribe', resubscribe_token: done.resubscribeToken ?? '' };
    expect(await runUnsubscribeFlow(d, { method: 'POST', token: undefined, fields, ip: '' })).toMatchObject({
      page: 'resubscribed',
      token: undefined,
    });
    expect(d.audit.entries.map((e) => e.action).slice(0, 2)).toEqual(['unsubscribe', 'resubscribe']);
    // Already unsubscribed (here: resubscribed, then one-click): the page offers no resubscribe token.
    await runUnsubscribeFlow(d, {
      method: 'POST',
      token: link,
      fields: { 'List-Unsubscribe': 'One-Click' },
      ip: '',
    });
    const noop = await runUnsubscribeFlow(d, {
      method: 'POST',
      token: link,
      fields: { action: 'unsubscribe' },
      ip: '',
    });
    expect(noop).toMatchObject({ page: 'unsubscribed', token: link, resubscribeToken: undefined });
    const other = createResubscribeToken(TOKEN_KEY, { email: 'someone@example.com', topic: TOPIC }, NOW);
    const withOther = { action: 'resubscribe', resubscribe_token: other };
    // The link of another address is not echoed on the page of this one.
    expect(
      await runUnsubscribeFlow(d, { method: 'POST', token: link, fields: withOther, ip: '' }),
    ).toMatchObject({
      page: 'resubscribed',
      email: 's***@example.com',
      token: undefined,
    });
  });

  it('the audit row keeps the client address as data: control characters replaced, at most 64 characters', async () => {
    const d = deps();
    const ip = `1.2.3.4\r\n\u0000\u001b[31m\u2028${'9'.repeat(100)}`;
    await runUnsubscribeFlow(d, { method: 'POST', token: tokenFor(ADDRESS, NOW), fields: oneClick, ip });
    const detail = d.audit.entries[0]?.detail ?? '';
    expect(detail).toBe(cleanAuditDetail(ip));
    expect(detail.startsWith('1.2.3.4????[31m?999')).toBe(true);
    expect(detail).toHaveLength(64);
    expect(cleanAuditDetail('2001:db8::7')).toBe('2001:db8::7');
  });
});

describe('resolveClientIp', () => {
  it.each([
    ['no proxy trusted: the socket, whatever the header says', '10.0.0.2', '6.6.6.6', 0, '10.0.0.2'],
    ['1 hop: the right-most entry', '10.0.0.2', '6.6.6.6, 203.0.113.7', 1, '203.0.113.7'],
    ['2 hops', '10.0.0.2', '6.6.6.6, 203.0.113.7, 10.0.0.1', 2, '203.0.113.7'],
    ['2 hops, a chain one short: its left-most entry', '10.0.0.2', '203.0.113.7', 2, '203.0.113.7'],
    ['1 hop, no header: the socket', '::ffff:10.0.0.2', undefined, 1, '10.0.0.2'],
    ['1 hop, not an IP: the socket', '10.0.0.2', 'unknown', 1, '10.0.0.2'],
    ['1 hop, IPv6 with brackets and a port', '10.0.0.2', '[2001:DB8::7]:443', 1, '2001:db8::7'],
    ['1 hop, IPv4 with a port', '10.0.0.2', '203.0.113.7:5678', 1, '203.0.113.7'],
    ['1 hop, two headers joined', '10.0.0.2', ['6.6.6.6', '203.0.113.7'], 1, '203.0.113.7'],
  ] as const)('%s', (_name, socket, header, hops, expected) => {
    expect(resolveClientIp(socket, header as string | string[] | undefined, hops)).toBe(expected);
  });

  it('normalizeIp refuses what is not an address', () => {
    expect(['', 'localhost', '1.2.3', '1.2.3.4.5', '<b>', '::g'].map(normalizeIp)).toEqual(
      Array(6).fill(undefined),
    );
  });
});

describe('parseFormBody', () => {
  it('reads urlencoded, untyped and multipart bodies; the first value wins; files are skipped', () => {
    expect(parseFormBody('List-Unsubscribe=One-Click', 'application/x-www-form-urlencoded')).toEqual({
      'List-Unsubscribe': 'One-Click',
    });
    expect(parseFormBody('action=unsubscribe&action=resubscribe&data=a%2Bb', undefined)).toEqual({
      action: 'unsubscribe',
      data: 'a+b',
    });
    const multipart = [
      '--b1',
      'Content-Disposition: form-data; name="upload"; filename="x.txt"',
      '',
      'file',
      '--b1',
      'Content-Disposition: form-data; name="List-Unsubscribe"',
      '',
      'One-Click',
      '--b1--',
    ].join('\r\n');
    expect(parseFormBody(multipart, 'multipart/form-data; boundary="b1"')).toEqual({
      'List-Unsubscribe': 'One-Click',
    });
  });

  it('keeps a field named __proto__ as data', () => {
    const fields = parseFormBody('__proto__=x&action=unsubscribe', undefined);
    expect(Object.getPrototypeOf(fields)).toBe(Object.prototype);
    expect(fields.action).toBe('unsubscribe');
  });
});

describe('createFixedWindowLimiter', () => {
  it('allows `limit` per key per window and says when the window ends', () => {
    const limiter = createFixedWindowLimiter(2, 60_000);
    const at = new Date('2025-01-01T00:00:45.500Z');
    expect(limiter.take('a', at)).toEqual({ allowed: true });
    expect(limiter.take('a', at)).toEqual({ allowed: true });
    expect(limiter.take('b', at)).toEqual({ allowed: true });
    expect(limiter.take('a', at)).toEqual({ allowed: false, retryAfterSeconds: 15 });
    expect(limiter.take('a', new Date('2025-01-01T00:01:00Z'))).toEqual({ allowed: true });
  });
});
