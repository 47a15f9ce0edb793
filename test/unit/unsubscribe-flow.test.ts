import { describe, expect, it } from 'vitest';
import { parseFormBody } from '../../src/adapters/http/form-body.js';
import { createFixedWindowLimiter } from '../../src/adapters/http/ip-rate-limit.js';
import { readUnsubscribeIntent, runUnsubscribeFlow } from '../../src/core/unsubscribe/unsubscribe-flow.js';
import { memoryAuditLog, memoryContactList } from '../support/memory-contacts.js';
import { ADDRESS, TOKEN_KEY, TOPIC, tokenFor } from '../support/unsubscribe-endpoint.js';

const NOW = new Date('2025-02-10T12:00:00Z');

function deps() {
  return {
    contacts: memoryContactList(),
    audit: memoryAuditLog(),
    clock: { now: () => NOW },
    tokenKey: TOKEN_KEY,
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
