import { describe, expect, it } from 'vitest';
import {
  type ApiGatewayV1Event,
  type ApiGatewayV2Event,
  createUnsubscribeHandler,
  toLambdaHandler,
} from '../../src/adapters/http/index.js';
import { memoryAuditLog, memoryContactList } from '../support/memory-contacts.js';
import {
  ADDRESS,
  aesTokens,
  formResubscribeToken,
  TOPIC,
  tokenFor,
} from '../support/unsubscribe-endpoint.js';

function lambda() {
  const contacts = memoryContactList();
  const audit = memoryAuditLog();
  const handler = createUnsubscribeHandler({
    contacts,
    audit,
    tokens: aesTokens(),
    maxAgeDays: 30,
    brandName: 'Distro Nation',
    clock: { now: () => new Date() },
  });
  return { contacts, audit, handle: toLambdaHandler(handler) };
}

const base64 = (text: string) => Buffer.from(text).toString('base64');

describe('toLambdaHandler', () => {
  it('REST API (v1): GET shows the page, a base64 one-click POST unsubscribes with the source IP', async () => {
    const { contacts, audit, handle } = lambda();
    const token = tokenFor();
    const get: ApiGatewayV1Event = {
      httpMethod: 'GET',
      path: '/prod/unsubscribe',
      queryStringParameters: { data: token },
      multiValueQueryStringParameters: { data: [token] },
      headers: { Host: 'mail.example.com' },
      body: null,
      isBase64Encoded: false,
      requestContext: { identity: { sourceIp: '198.51.100.4' } },
    };
    const page = await handle(get);
    expect(page).toMatchObject({ statusCode: 200, isBase64Encoded: false });
    expect(page.headers['Content-Type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('a***@example.com');
    expect(contacts.writes).toBe(0);

    const post = await handle({
      ...get,
      httpMethod: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: base64('List-Unsubscribe=One-Click'),
      isBase64Encoded: true,
    });
    expect(post.statusCode).toBe(200);
    expect(post.headers.Location).toBeUndefined();
    expect(post.headers['Set-Cookie']).toBeUndefined();
    expect(contacts.contacts.get(ADDRESS)?.topics[TOPIC]).toBe('OPT_OUT');
    expect(audit.entries[0]).toMatchObject({ source: 'one-click', detail: '198.51.100.4' });
  });

  it('HTTP API (v2): a multipart one-click POST, base64-encoded, unsubscribes', async () => {
    const { contacts, audit, handle } = lambda();
    const multipart = [
      '--XyZ',
      'Content-Disposition: form-data; name="List-Unsubscribe"',
      '',
      'One-Click',
      '--XyZ--',
      '',
    ].join('\r\n');
    const event: ApiGatewayV2Event = {
      version: '2.0',
      rawPath: '/unsubscribe',
      rawQueryString: `data=${encodeURIComponent(tokenFor())}`,
      headers: { 'content-type': 'multipart/form-data; boundary=XyZ' },
      body: base64(multipart),
      isBase64Encoded: true,
      requestContext: { http: { method: 'POST', sourceIp: '2001:db8::7' } },
    };
    const result = await handle(event);
    expect(result.statusCode).toBe(200);
    expect(contacts.contacts.get(ADDRESS)?.topics[TOPIC]).toBe('OPT_OUT');
    expect(audit.entries[0]).toMatchObject({ source: 'one-click', detail: '2001:db8::7' });
  });

  it('HTTP API (v2): an oversized body → 413, a bad token → 400, DELETE → 405', async () => {
    const { contacts, handle } = lambda();
    const event = (method: string, body: string, query: string): ApiGatewayV2Event => ({
      version: '2.0',
      rawPath: '/unsubscribe',
      rawQueryString: query,
      headers: {},
      body,
      requestContext: { http: { method, sourceIp: '203.0.113.1' } },
    });
    const data = `data=${tokenFor()}`;
    expect((await handle(event('POST', 'x'.repeat(5000), data))).statusCode).toBe(413);
    expect((await handle(event('GET', '', 'data=nonsense'))).statusCode).toBe(400);
    const deleted = await handle(event('DELETE', '', data));
    expect(deleted.statusCode).toBe(405);
    expect(deleted.headers.Allow).toBe('GET, HEAD, POST');
    expect(contacts.writes).toBe(0);
  });

  it('HTTP API (v2): the source IP, never X-Forwarded-For; resubscribe only from the page on the same Host', async () => {
    const { contacts, audit, handle } = lambda();
    const token = tokenFor();
    const event = (fields: string, headers: Record<string, string>): ApiGatewayV2Event => ({
      version: '2.0',
      rawPath: '/unsubscribe',
      rawQueryString: `data=${encodeURIComponent(token)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', host: 'mail.example.com', ...headers },
      body: fields,
      requestContext: { http: { method: 'POST', sourceIp: '203.0.113.1' } },
    });
    const own = { origin: 'https://mail.example.com', 'x-forwarded-for': '6.6.6.6' };
    const done = await handle(event(`data=${token}&action=unsubscribe`, own));
    expect(done.statusCode).toBe(200);
    expect(audit.entries[0]).toMatchObject({ source: 'page', detail: '203.0.113.1' });
    const button = formResubscribeToken(done.body) ?? '';
    const body = `data=${token}&action=resubscribe&resubscribe_token=${button}`;
    expect((await handle(event(body, { origin: 'https://evil.example' }))).statusCode).toBe(403);
    expect(contacts.contacts.get(ADDRESS)?.topics[TOPIC]).toBe('OPT_OUT');
    expect((await handle(event(body, own))).statusCode).toBe(200);
    expect(contacts.contacts.get(ADDRESS)?.topics[TOPIC]).toBe('OPT_IN');
  });
});
