import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  verifyResubscribeToken,
  verifyUnsubscribeToken,
} from '../../src/core/unsubscribe/unsubscribe-token.js';
import {
  ADDRESS,
  DAY_MS,
  type Endpoint,
  FORM,
  formAction,
  formResubscribeToken,
  formToken,
  OTHER_KEY,
  postForm,
  sameOrigin,
  startEndpoint,
  TOKEN_KEY,
  TOPIC,
  tokenFor,
} from '../support/unsubscribe-endpoint.js';

let endpoint: Endpoint;
beforeEach(async () => {
  endpoint = await startEndpoint();
});
afterEach(async () => {
  await endpoint.close();
});

function expectSecurityHeaders(response: Response) {
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  // same-origin, not no-referrer: under no-referrer a browser sends `Origin: null` with the page's own POST.
  expect(response.headers.get('referrer-policy')).toBe('same-origin');
  expect(response.headers.get('x-frame-options')).toBe('DENY');
  expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
  expect(response.headers.get('content-security-policy')).toContain("form-action 'self'");
  expect(response.headers.get('set-cookie')).toBeNull();
  expect(response.headers.get('location')).toBeNull();
}

function expectNothingChanged() {
  expect(endpoint.contacts.writes).toBe(0);
  expect(endpoint.audit.entries).toEqual([]);
}

describe('GET: the confirmation page', () => {
  it('shows the brand, the masked address and a POST form with the token, and changes nothing', async () => {
    const token = tokenFor();
    const response = await fetch(endpoint.urlFor(token));
    const html = await response.text();
    expect(response.status).toBe(200);
    expectSecurityHeaders(response);
    expect(html).toContain('<html lang="en">');
    expect(html).toMatch(/<main>[\s\S]*<h1>Unsubscribe from these e-mails\?<\/h1>/);
    expect(html).toContain('Distro Nation');
    expect(html).toContain('a***@example.com');
    expect(html).not.toContain(ADDRESS);
    expect(html).toContain('<form method="post">');
    expect(html).toContain('<button type="submit" aria-describedby="what">Unsubscribe</button>');
    expect(formToken(html)).toBe(token);
    expect(formAction(html)).toBe('unsubscribe');
    expect(html).not.toMatch(/\b(src|href)=|<script/);
    expectNothingChanged();
  });

  it('HEAD answers like GET without a body', async () => {
    const response = await fetch(endpoint.urlFor(tokenFor()), { method: 'HEAD' });
    expect(response.status).toBe(200);
    expectSecurityHeaders(response);
    expect(await response.text()).toBe('');
    expectNothingChanged();
  });
});

describe('POST List-Unsubscribe=One-Click (RFC 8058)', () => {
  it('unsubscribes with 200, no redirect, no cookie, and an audit row with the IP', async () => {
    const response = await postForm(endpoint.urlFor(tokenFor()), 'List-Unsubscribe=One-Click');
    expect(response.status).toBe(200);
    expectSecurityHeaders(response);
    expect(await response.text()).toContain('You are unsubscribed');
    expect(endpoint.contacts.contacts.get(ADDRESS)?.topics[TOPIC]).toBe('OPT_OUT');
    expect(endpoint.audit.entries).toEqual([
      expect.objectContaining({
        email: ADDRESS,
        action: 'unsubscribe',
        topic: TOPIC,
        actor: 'recipient',
        source: 'one-click',
        detail: '127.0.0.1',
      }),
    ]);
  });

  it('accepts multipart/form-data, the encoding RFC 8058 recommends', async () => {
    const body = new FormData();
    body.set('List-Unsubscribe', 'One-Click');
    const response = await fetch(endpoint.urlFor(tokenFor()), { method: 'POST', body, redirect: 'manual' });
    expect(response.status).toBe(200);
    expect(endpoint.contacts.contacts.get(ADDRESS)?.topics[TOPIC]).toBe('OPT_OUT');
  });

  it('takes the client IP from X-Forwarded-For only when told to trust the proxy', async () => {
    await endpoint.close();
    endpoint = await startEndpoint({ trustProxy: true });
    const headers = { ...FORM, 'x-forwarded-for': '198.51.100.9, 203.0.113.7' };
    await postForm(endpoint.urlFor(tokenFor()), 'List-Unsubscribe=One-Click', headers);
    expect(endpoint.audit.entries[0]?.detail).toBe('203.0.113.7');
  });

  it('answers 400 to a POST that is neither one-click nor a button', async () => {
    const response = await postForm(endpoint.urlFor(tokenFor()), 'hello=world');
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('We did not understand this request');
    expectNothingChanged();
  });
});

describe("the page's buttons", () => {
  it('unsubscribes, offers a resubscribe button with a short-lived token (no fresh link), and resubscribes', async () => {
    const token = tokenFor(ADDRESS, new Date(Date.now() - 29 * DAY_MS));
    const own = sameOrigin(endpoint.origin);
    const done = await postForm(endpoint.urlFor(token), `data=${token}&action=unsubscribe`, own);
    const doneHtml = await done.text();
    expect(done.status).toBe(200);
    expect(doneHtml).toContain('<h1>You are unsubscribed</h1>');
    expect(formAction(doneHtml)).toBe('resubscribe');
    expect(doneHtml).toContain('>Resubscribe</button>');
    // The page echoes the link's own token and hands out no new 30-day one.
    expect(formToken(doneHtml)).toBe(token);
    const button = formResubscribeToken(doneHtml) ?? '';
    expect(verifyResubscribeToken(TOKEN_KEY, button, new Date())).toMatchObject({
      email: ADDRESS,
      topic: TOPIC,
    });
    expect(() => verifyUnsubscribeToken(TOKEN_KEY, button, new Date())).toThrow(/resubscribe button/);
    expect(endpoint.contacts.contacts.get(ADDRESS)?.topics[TOPIC]).toBe('OPT_OUT');

    const again = await postForm(
      endpoint.urlFor(token),
      `data=${token}&action=resubscribe&resubscribe_token=${button}`,
      own,
    );
    const againHtml = await again.text();
    expect(again.status).toBe(200);
    expect(againHtml).toContain('<h1>You are subscribed again</h1>');
    expect(formAction(againHtml)).toBe('unsubscribe');
    expect(formToken(againHtml)).toBe(token);
    expect(endpoint.contacts.contacts.get(ADDRESS)?.topics[TOPIC]).toBe('OPT_IN');
    expect(endpoint.audit.entries.map((e) => [e.action, e.source, e.actor, e.detail])).toEqual([
      ['unsubscribe', 'page', 'recipient', '127.0.0.1'],
      ['resubscribe', 'page', 'recipient', '127.0.0.1'],
    ]);
  });
});

describe('bad links: 400, nothing changed, a page that says what to do next', () => {
  const valid = () => tokenFor();
  const cases: [string, () => string, string][] = [
    ['tampered', () => tamper(valid()), 'This unsubscribe link has been altered'],
    [
      'expired',
      () => tokenFor(ADDRESS, new Date(Date.now() - 31 * DAY_MS)),
      'This unsubscribe link has expired',
    ],
    ['wrong key', () => tokenFor(ADDRESS, new Date(), OTHER_KEY), 'We cannot check this unsubscribe link'],
    ['cut off', () => valid().slice(0, 12), 'This unsubscribe link is incomplete'],
  ];
  it.each(cases)('%s token → 400 on GET and on one-click POST', async (_name, make, title) => {
    const url = endpoint.urlFor(make());
    for (const response of [await fetch(url), await postForm(url, 'List-Unsubscribe=One-Click')]) {
      const html = await response.text();
      expect(response.status).toBe(400);
      expectSecurityHeaders(response);
      expect(html).toContain(`<h1>${title}</h1>`);
      expect(html).toContain('Nothing was changed.');
      expect(html).not.toContain('<form');
    }
    expectNothingChanged();
  });

  it('explains expiry differently, with the token lifetime', async () => {
    const html = await (await fetch(endpoint.urlFor(tokenFor(ADDRESS, new Date(0))))).text();
    expect(html).toContain('valid for 30 days');
    expect(html).toContain('carries a fresh link');
  });

  it('a link without data → 400', async () => {
    const response = await fetch(endpoint.base);
    expect(response.status).toBe(400);
    expectNothingChanged();
  });
});

describe('limits', () => {
  it('a 5 KB body → 413, nothing changed', async () => {
    const body = `List-Unsubscribe=One-Click&pad=${'x'.repeat(5 * 1024)}`;
    const response = await postForm(endpoint.urlFor(tokenFor()), body);
    expect(response.status).toBe(413);
    expectSecurityHeaders(response);
    expectNothingChanged();
  });

  it('PUT → 405 with Allow', async () => {
    const response = await fetch(endpoint.urlFor(tokenFor()), { method: 'PUT', body: 'x' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, POST');
    expectNothingChanged();
  });

  it('too many requests from one IP → 429 with Retry-After, until the next window', async () => {
    await endpoint.close();
    let now = new Date('2025-03-01T10:00:30Z');
    endpoint = await startEndpoint({ rateLimit: { perMinute: 2 }, clock: { now: () => now } });
    const url = endpoint.urlFor(tokenFor(ADDRESS, now));
    expect((await fetch(url)).status).toBe(200);
    expect((await fetch(url)).status).toBe(200);
    const limited = await postForm(url, 'List-Unsubscribe=One-Click');
    expect(limited.status).toBe(429);
    expectSecurityHeaders(limited);
    expect(limited.headers.get('retry-after')).toBe('30');
    expect(await limited.text()).toContain('Too many requests');
    expectNothingChanged();
    now = new Date('2025-03-01T10:01:00Z');
    expect((await fetch(url)).status).toBe(200);
  });

  it('a failing contact list → 500 page, reported to onError', async () => {
    endpoint.contacts.setTopic = async () => {
      throw new Error('contact list down');
    };
    const response = await postForm(endpoint.urlFor(tokenFor()), 'List-Unsubscribe=One-Click');
    expect(response.status).toBe(500);
    expect(await response.text()).toContain('Something went wrong on our side');
    expect(endpoint.errors).toEqual([new Error('contact list down')]);
  });
});

describe('HTML escaping', () => {
  it('escapes the address, the brand name and the topic', async () => {
    await endpoint.close();
    endpoint = await startEndpoint({ brandName: 'Tom & Jerry\'s <b>"Records"</b>' });
    const token = tokenFor("&o'hara@example.com", new Date(), TOKEN_KEY, 'news<i>');
    const html = await (await fetch(endpoint.urlFor(token))).text();
    expect(html).toContain('&#38;***@example.com');
    expect(html).toContain('Tom &#38; Jerry&#39;s &#60;b&#62;&#34;Records&#34;&#60;/b&#62;');
    expect(html).toContain('news&#60;i&#62;');
    expect(html).not.toMatch(/<b>|<i>|&o'hara/);
  });
});

/** Changes one character in the middle of the token (not its length, not its alphabet). */
function tamper(token: string): string {
  const at = Math.floor(token.length / 2);
  const swapped = token[at] === 'A' ? 'B' : 'A';
  return `${token.slice(0, at)}${swapped}${token.slice(at + 1)}`;
}
